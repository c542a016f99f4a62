//! Every integration test of tessera-check, in one test binary.

mod completeness;
mod determinism;
mod extract;
mod lints;
mod mutation;
mod snapshots;

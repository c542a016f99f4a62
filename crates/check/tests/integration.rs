//! Every integration test of tessera-check, in one test binary.

mod determinism;
mod extract;
mod lints;
mod snapshots;

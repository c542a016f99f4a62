//! Every integration test of tessera-check, in one test binary.

mod air_text;
mod common;
mod completeness;
mod determinism;
mod extract;
mod lints;
mod mutation;
mod propagation;
mod snapshots;
mod transitions;

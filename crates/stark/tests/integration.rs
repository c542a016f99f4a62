//! Every integration test of tessera-stark, in one test binary (one link instead of one per
//! file: linking dominates the tests' build time).

mod common;

mod fuzz;
mod machine;

//! The circuit crate's integration tests, in one test binary (one link instead of one per
//! file).

mod common;
#[path = "../../stark/tests/common/synthetic.rs"]
mod synthetic;

mod boundary;
mod dag;
mod lower;
mod shard;

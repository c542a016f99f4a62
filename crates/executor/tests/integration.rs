//! The executor's integration tests, in one test binary (one link instead of one per file).

mod common;

mod instructions;
mod shards;
mod syscalls;
mod unicorn_differential;

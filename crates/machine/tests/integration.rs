//! Every integration test of tessera-machine, in one test binary (one link instead of one per
//! file: linking dominates the tests' build time).

#[path = "../../executor/tests/common/mod.rs"]
mod asm;
mod common;

mod add_sub;
mod bit_field;
mod bits;
mod bitwise;
mod core_bytes;
mod cpu;
mod div;
mod forgeries;
mod global_sum;
mod guests;
mod lt;
mod memory;
mod mul;
mod precompiles;
mod prove;
mod random_programs;
mod shards;
mod shift;
mod tables;

//! The elliptic-curve multiset hash that binds shards together (issue 5; design in
//! `docs/multiset-hash.md`): the septic extension of KoalaBear, the prime-order curve over it and the map of a message to
//! a point, with their constraints in [`air`]. The MIPS machine's GlobalSum chip
//! (`crates/machine/src/chips/global_sum.rs`) adds up a shard's points with them, and the
//! program image's hash (`crates/machine/src/chips/image.rs`) is a sum of the same points.

pub mod air;
mod curve;
mod field;

pub use curve::{
    curve_rhs, hash_to_curve, Point, CURVE_A, CURVE_B, CURVE_ORDER, MAX_COUNTER, MAX_MESSAGE_LEN,
};
pub use field::{Septic, SEPTIC_C};

//! The elliptic-curve multiset hash that binds shards together (issue 5; design in
//! `docs/multiset-hash.md`): the septic extension of KoalaBear, the prime-order curve over it and the map of a message to
//! a point. The chips that use them come next.

pub mod air;
mod curve;
mod field;

pub use curve::{
    curve_rhs, hash_to_curve, Point, CURVE_A, CURVE_B, CURVE_ORDER, MAX_COUNTER, MAX_MESSAGE_LEN,
};
pub use field::{Septic, SEPTIC_C};

//! Constraint gadgets the chips share, written once.

pub mod add;
pub mod bound;
pub mod is_zero;
pub mod memory;
pub mod word;

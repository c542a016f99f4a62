//! Constraint gadgets the chips share, written once.

pub mod is_zero;

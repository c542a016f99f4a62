//! Conjectured security of a configuration, computed with Plonky3's own calculator.

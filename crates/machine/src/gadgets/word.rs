//! 32-bit words as four byte limbs (little-endian), and their range check.
//!
//! A word's bytes are range-checked two at a time with the byte table's `U8Pair`, so the
//! recomposition `b0 + 2^8·b1 + 2^16·b2 + 2^24·b3` is the word itself, never a wrapped value.
//! On a bus a word travels as two 16-bit halves (see `docs/machine.md`).

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;

use crate::bus::{lookup_byte, ByteOp};
use crate::record::ByteLookups;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Word<T>(pub [T; 4]);

impl<F: PrimeCharacteristicRing> Word<F> {
    pub fn from_u32(value: u32) -> Self {
        Word(value.to_le_bytes().map(F::from_u8))
    }
}

impl<T: Copy> Word<T> {
    /// The two 16-bit halves `(lo, hi)` as expressions.
    pub fn halves<E: PrimeCharacteristicRing + From<T>>(&self) -> [E; 2] {
        let [b0, b1, b2, b3] = self.0.map(E::from);
        let base = E::from_u32(256);
        [b0 + b1 * base.clone(), b2 + b3 * base]
    }

    pub fn bytes<E: From<T>>(&self) -> [E; 4] {
        self.0.map(E::from)
    }
}

/// Range-checks the four bytes of `word`, `count` times (0 or 1).
pub(crate) fn range_check_word<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    word: Word<AB::Var>,
    count: AB::Expr,
) {
    range_check_bytes(builder, &word.bytes(), count);
}

/// Records the lookups [`range_check_word`] makes for `value`.
pub(crate) fn record_range_check_word(lookups: &mut ByteLookups, value: u32) {
    let [b0, b1, b2, b3] = value.to_le_bytes();
    lookups.record(ByteOp::U8Pair, b0, b1);
    lookups.record(ByteOp::U8Pair, b2, b3);
}

/// Range-checks four bytes two by two (`U8Pair`), `count` times (0 or 1).
pub(crate) fn range_check_bytes<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    bytes: &[AB::Expr; 4],
    count: AB::Expr,
) {
    for pair in bytes.chunks_exact(2) {
        lookup_byte(
            builder,
            ByteOp::U8Pair,
            [AB::Expr::ZERO, pair[0].clone(), pair[1].clone()],
            count.clone(),
        );
    }
}

/// Constrains, where `when` is 1, the two 16-bit `halves` to be made of the four (little-endian)
/// `bytes`; with the bytes range-checked, this is the canonical split of the word.
pub(crate) fn assert_halves_of_bytes<AB: AirBuilder>(
    builder: &mut AB,
    bytes: &[AB::Expr; 4],
    halves: [AB::Expr; 2],
    when: AB::Expr,
) {
    for (half, pair) in halves.into_iter().zip(bytes.chunks_exact(2)) {
        builder.assert_zero(
            when.clone() * (half - pair[0].clone() - pair[1].clone() * AB::Expr::from_u32(256)),
        );
    }
}

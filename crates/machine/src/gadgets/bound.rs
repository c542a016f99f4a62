//! `lo + 2^16·hi ≤ bound_hi · 2^16` for 16-bit halves: `hi ≤ bound_hi` by a 16-bit check of
//! `bound_hi − hi`, and `lo = 0` where `hi = bound_hi` (an is-zero of `bound_hi − hi`). Canonical
//! KoalaBear words (`≤ p − 1 = 0x7F00 · 2^16`) and the low half of the field
//! (`≤ (p − 1)/2 = 0x3F80 · 2^16`) are such bounds. The caller range-checks `lo` and `hi`.

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;

use crate::bus::lookup_u16;
use crate::gadgets::is_zero::{eval_is_zero, IsZeroCols};
use crate::record::ByteLookups;

/// Constrains `lo + 2^16·hi ≤ bound_hi · 2^16` on rows where `count` is 1.
pub fn eval_at_most<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    [lo, hi]: [AB::Expr; 2],
    bound_hi: u32,
    at_bound: IsZeroCols<AB::Var>,
    count: AB::Expr,
) {
    let below = AB::Expr::from_u32(bound_hi) - hi;
    lookup_u16(builder, below.clone(), count.clone());
    eval_is_zero(builder, below, at_bound, count.clone());
    builder.assert_zero(count * at_bound.result.into() * lo);
}

/// The oracle columns of [`eval_at_most`] for `value`.
pub fn populate_at_most<F: p3_field::Field>(value: u32, bound_hi: u32) -> IsZeroCols<F> {
    IsZeroCols::populate(F::from_u32(bound_hi) - F::from_u32(value >> 16))
}

/// Records the byte-table lookup of [`eval_at_most`] for `value`.
pub fn record_at_most(lookups: &mut ByteLookups, value: u32, bound_hi: u32) {
    lookups.record_u16((bound_hi - (value >> 16)) as u16);
}

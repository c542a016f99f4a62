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
pub(crate) fn eval_at_most<AB: AirBuilder + InteractionBuilder>(
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
pub(crate) fn populate_at_most<F: p3_field::Field>(value: u32, bound_hi: u32) -> IsZeroCols<F> {
    IsZeroCols::populate(F::from_u32(bound_hi) - F::from_u32(value >> 16))
}

/// Records the byte-table lookup of [`eval_at_most`] for `value`.
pub(crate) fn record_at_most(lookups: &mut ByteLookups, value: u32, bound_hi: u32) {
    lookups.record_u16(bound_hi.wrapping_sub(value >> 16) as u16);
}

/// Constrains `lo + 2^16·hi < bound_hi · 2^16` on rows where `count` is 1, with `lo` and `hi`
/// range-checked here: three 16-bit lookups, of `lo`, of `hi`, and of `bound_hi − 1 − hi`. The
/// last alone would not do: it passes for a field-negative `hi = p − m` (rule (a) of
/// `docs/machine.md`: a lookup of `C − x` bounds `x` only once `x` is known to be small).
pub(crate) fn eval_halves_below<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    [lo, hi]: [AB::Expr; 2],
    bound_hi: u32,
    count: AB::Expr,
) {
    debug_assert!((1..=1 << 16).contains(&bound_hi));
    lookup_u16(builder, lo, count.clone());
    lookup_u16(builder, hi.clone(), count.clone());
    // `hi` is below 2^16 by the lookup above, so `bound_hi − 1 − hi` cannot wrap around p.
    lookup_u16(builder, AB::Expr::from_u32(bound_hi - 1) - hi, count);
}

/// Records the byte-table lookups of [`eval_halves_below`] for `value` (below the bound).
pub(crate) fn record_halves_below(lookups: &mut ByteLookups, value: u32, bound_hi: u32) {
    debug_assert!(value >> 16 < bound_hi);
    lookups.record_u16(value as u16);
    lookups.record_u16((value >> 16) as u16);
    lookups.record_u16((bound_hi - 1 - (value >> 16)) as u16);
}

/// The columns of `eval_sum_at_most`: the low halves' carry and the bound check's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SumAtMostCols<T> {
    pub carry: T,
    pub at_bound: IsZeroCols<T>,
}

/// Constrains `x + y ≤ bound_hi · 2^16` over the integers for canonical halves `x`, `y`, on rows
/// where `count` is 1 (a buffer `[addr, addr + len)` within memory). The sum's low half
/// `x_lo + y_lo − 2^16·carry` is range-checked (which forces the carry) and its high half
/// `x_hi + y_hi + carry`, a small integer, is bounded by [`eval_at_most`].
pub(crate) fn eval_sum_at_most<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    x: [AB::Expr; 2],
    y: [AB::Expr; 2],
    bound_hi: u32,
    cols: SumAtMostCols<AB::Var>,
    count: AB::Expr,
) {
    let carry: AB::Expr = cols.carry.into();
    builder.assert_bool(carry.clone());
    let [x_lo, x_hi] = x;
    let [y_lo, y_hi] = y;
    let lo = x_lo + y_lo - carry.clone() * AB::Expr::from_u32(1 << 16);
    let hi = x_hi + y_hi + carry;
    lookup_u16(builder, lo.clone(), count.clone());
    eval_at_most(builder, [lo, hi], bound_hi, cols.at_bound, count);
}

/// The columns of [`eval_sum_at_most`] for `x + y` (at most the bound).
pub(crate) fn populate_sum_at_most<F: p3_field::Field>(
    x: u32,
    y: u32,
    bound_hi: u32,
) -> SumAtMostCols<F> {
    let sum = x as u64 + y as u64;
    SumAtMostCols {
        carry: F::from_bool(((x & 0xFFFF) + (y & 0xFFFF)) >> 16 == 1),
        at_bound: populate_at_most(sum.min(u32::MAX as u64) as u32, bound_hi),
    }
}

/// Records the byte-table lookups of [`eval_sum_at_most`] for `x + y` (at most the bound).
pub(crate) fn record_sum_at_most(lookups: &mut ByteLookups, x: u32, y: u32, bound_hi: u32) {
    let sum = x.wrapping_add(y);
    lookups.record_u16(sum as u16);
    record_at_most(lookups, sum, bound_hi);
}

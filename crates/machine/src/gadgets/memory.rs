//! One memory (or register) access: take the previous `(key, value, prev_ts)` from the memory
//! bus and put back `(key, value', ts)`, with `prev_ts < ts`.
//!
//! Timestamps inside a shard are below 2^24 (see `docs/machine.md`), so `ts − prev_ts − 1` is
//! range-checked as a 16-bit low part and a byte high part: a `prev_ts ≥ ts` would need that
//! difference to wrap around the field, far above 2^24. Values travel as range-checked 16-bit
//! halves (the caller range-checks them).

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;
use tessera_stark::{ContractBuilder, Source};

use crate::bus::{lookup_byte, lookup_u16, memory_message, ByteOp, REGISTER_KEY_BASE};
use crate::gadgets::bound::{eval_halves_below, record_halves_below};
use crate::record::ByteLookups;

/// The columns of one access.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct AccessCols<T> {
    pub prev_value: [T; 2],
    pub prev_ts: T,
    /// `ts − prev_ts − 1` as `lo + 2^16·hi`.
    pub ts_diff: [T; 2],
}

impl<F: PrimeCharacteristicRing> AccessCols<F> {
    /// The honest witness; `prev_ts < ts < 2^24` must hold.
    pub fn populate(prev_value: u32, prev_ts: u32, ts: u32) -> Self {
        debug_assert!(prev_ts < ts && ts < 1 << 24);
        let diff = ts - prev_ts - 1;
        AccessCols {
            prev_value: [
                F::from_u32(prev_value & 0xFFFF),
                F::from_u32(prev_value >> 16),
            ],
            prev_ts: F::from_u32(prev_ts),
            ts_diff: [F::from_u32(diff & 0xFFFF), F::from_u32(diff >> 16)],
        }
    }
}

/// Why a value taken from the memory bus is a pair of canonical 16-bit halves, for contracts.
pub const CANONICAL_ON_THE_BUS: &str = "the memory bus: every value put on it is canonical \
    16-bit halves (each writer range-checks what it writes or writes back what it read; \
    MemoryShard's values at timestamp 0 are the range-checked final values of earlier shards, \
    through the global multiset)";

impl AccessCols<u8> {
    /// Declares the columns of this access (named `name.…`) in a chip's contract: the previous
    /// value and timestamp are inputs (taken from the memory bus, where the previous writer
    /// fixed them; the value canonical by [`CANONICAL_ON_THE_BUS`]), the timestamp difference an
    /// oracle range-checked by the chip's own lookups (the high part two by two in the CPU).
    /// On a real row whose access is not live (its count 0) nothing live reads these columns,
    /// so the assumed range constrains nothing there.
    pub fn declare<S>(&self, contract: &mut ContractBuilder<'_, S>, name: &str) {
        contract
            .input(&format!("{name}.prev_value"), &self.prev_value)
            .input(&format!("{name}.prev_ts"), &self.prev_ts)
            .oracle(&format!("{name}.ts_diff"), &self.ts_diff)
            .assume_range(&self.prev_value, 16, Source::Sender(CANONICAL_ON_THE_BUS))
            .assume_range(&self.ts_diff[0], 16, Source::Lookup)
            .assume_range(&self.ts_diff[1], 8, Source::Lookup);
    }
}

/// Constrains one access of `key` at `ts` that leaves `value` (halves) in place of the previous
/// value, on rows where `count` is 1. For a read, pass the previous value as `value`.
pub fn eval_access<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    key: AB::Expr,
    value: [AB::Expr; 2],
    ts: AB::Expr,
    cols: AccessCols<AB::Var>,
    count: AB::Expr,
) {
    eval_access_leaving_high_byte(builder, key, value, ts, cols, count.clone());
    lookup_byte(
        builder,
        ByteOp::U8Pair,
        [AB::Expr::ZERO, cols.ts_diff[1].into(), AB::Expr::ZERO],
        count,
    );
}

/// Records the lookups [`eval_access`] makes for an access at `ts` after one at `prev_ts`.
pub(crate) fn record_access(lookups: &mut ByteLookups, prev_ts: u32, ts: u32) {
    let diff = ts - prev_ts - 1;
    lookups.record_u16(diff as u16);
    lookups.record(ByteOp::U8Pair, (diff >> 16) as u8, 0);
}

/// [`eval_access`] without the range check of `cols.ts_diff[1]`, which the caller must make
/// (a chip with several accesses checks their high bytes two by two).
pub(crate) fn eval_access_leaving_high_byte<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    key: AB::Expr,
    value: [AB::Expr; 2],
    ts: AB::Expr,
    cols: AccessCols<AB::Var>,
    count: AB::Expr,
) {
    let [diff_lo, diff_hi]: [AB::Expr; 2] = cols.ts_diff.map(Into::into);
    let prev_ts: AB::Expr = cols.prev_ts.into();
    builder.assert_zero(
        count.clone()
            * (ts.clone()
                - prev_ts.clone()
                - AB::Expr::ONE
                - diff_lo.clone()
                - diff_hi * AB::Expr::from_u32(1 << 16)),
    );
    lookup_u16(builder, diff_lo, count.clone());
    let [prev_lo, prev_hi] = cols.prev_value.map(Into::into);
    memory_message(
        builder,
        [key.clone(), prev_lo, prev_hi, prev_ts],
        count.clone(),
        false,
    );
    let [lo, hi] = value;
    memory_message(builder, [key, lo, hi, ts], count, true);
}

/// The memory key `lo + 2^16·hi` of a word a chip names itself, range-checked below the register
/// keys (both halves 16-bit, `hi < REGISTER_KEY_BASE / 2^16`), `count` times; returns the key.
pub fn eval_memory_key<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    [lo, hi]: [AB::Expr; 2],
    count: AB::Expr,
) -> AB::Expr {
    let key = lo.clone() + hi.clone() * AB::Expr::from_u32(1 << 16);
    eval_halves_below(builder, [lo, hi], REGISTER_KEY_BASE >> 16, count);
    key
}

/// Records the lookups [`eval_memory_key`] makes for `key`.
pub(crate) fn record_memory_key(lookups: &mut ByteLookups, key: u32) {
    record_halves_below(lookups, key, REGISTER_KEY_BASE >> 16);
}

//! Memory across shards. Inside a shard, each access (see `gadgets::memory`) takes the previous
//! value from the local `memory` bus and puts the new one, so the bus balances only if every read
//! returns the last value written. Between shards, values travel as global messages
//! `(MEMORY, key, value, tag)` whose tag is `1 +` the index of the shard that last wrote them
//! (0: the run's initial memory), summed by the GlobalSum chip (`docs/multiset-hash.md`).
//!
//! - **MemoryShard**, one row per key the shard touches: puts the key's value before the shard
//!   on the local bus at timestamp 0 and receives it globally with a tag `≤` the shard's index;
//!   takes the last value and timestamp from the local bus and sends it globally with tag
//!   `index + 1`.
//! - **MemoryGlobal**, in the last shard only (the verifier checks): one row per key the run
//!   touches or the ELF image holds; sends the key's initial value `0` (tag 0) for a key outside
//!   the image (the image's words are sent once, by the verifying key: see `image`), and
//!   receives its final value.
//!
//! Per key, the sends (the initial value, once per touching shard) must match the receives (once
//! per touching shard, once at the end) one for one; tags strictly increase along every match, so
//! the matches form one chain: initial value → touching shards in order → final value. A key
//! listed twice in one table would allow two chains, so **both chips prove** that keys strictly
//! increase down the table (the difference to the next real row, minus one, range-checked below
//! 2^29 as canonical 16-bit halves, keys themselves below 2^29, so `key + 1 + diff < 2^30 < p`
//! never wraps around the field) and that values
//! they send are canonical words (range-checked halves). MemoryShard proves
//! `prev_tag ≤ index` (range check of the gap below 2^29). A MemoryGlobal row that starts an
//! image key at 0 (or fails to start a non-image key) leaves its key with more sends than
//! receives (or fewer): no sum can balance it.
//! **Assumes**: the shard index public value is the proof's position (the verifier checks);
//! values received are canonical because every send is.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{global_memory_message, lookup_u16, memory_message};
use crate::gadgets::bound::{eval_halves_below, record_halves_below};
use crate::record::MachineRecord;

/// A key the shard touches: its value before the shard with the tag it came with, and its last
/// value and timestamp in the shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardBoundaryRow {
    pub key: u32,
    pub initial: u32,
    pub prev_tag: u32,
    pub value: u32,
    pub ts: u32,
}

/// A key of the run: its final value and tag, and whether it starts at zero (outside the image).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalBoundaryRow {
    pub key: u32,
    pub value: u32,
    pub tag: u32,
    pub starts_at_zero: bool,
}

/// The columns that keep keys sorted, shared by both chips.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SortedKeyCols<T> {
    pub key: [T; 2],
    /// `next key − key − 1` as a 16-bit low half and a high half below 2^13.
    pub diff: [T; 2],
    pub next_real: T,
    pub is_real: T,
}

#[repr(C)]
pub struct MemoryShardCols<T> {
    pub sorted: SortedKeyCols<T>,
    pub initial: [T; 2],
    pub prev_tag: T,
    /// `index − prev_tag`, as for `diff`.
    pub tag_gap: [T; 2],
    pub value: [T; 2],
    pub ts: T,
}

#[repr(C)]
pub struct MemoryGlobalCols<T> {
    pub sorted: SortedKeyCols<T>,
    pub value: [T; 2],
    pub tag: T,
    pub starts_at_zero: T,
}

pub const NUM_SHARD_COLS: usize = std::mem::size_of::<MemoryShardCols<u8>>();
pub const NUM_GLOBAL_COLS: usize = std::mem::size_of::<MemoryGlobalCols<u8>>();
crate::borrow_row!(MemoryShardCols);
crate::borrow_row!(MemoryGlobalCols);

fn two16<E: PrimeCharacteristicRing>() -> E {
    E::from_u32(1 << 16)
}

/// Boundary keys, their differences and tag gaps are below `2^29` (every memory and register
/// key is below `0x1FC0_0022`), as canonical halves: so `key + 1 + diff < 2^30 < p` never wraps.
const BOUND_HI: u32 = 1 << 13;

/// Range-checks `lo + 2^16·hi < 2^29` when `count` is 1.
fn range_29<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    halves: [AB::Expr; 2],
    count: AB::Expr,
) {
    eval_halves_below(builder, halves, BOUND_HI, count);
}

/// Real rows first, keys below 2^29 and strictly increasing; returns the key.
fn eval_sorted<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    local: &SortedKeyCols<AB::Var>,
    next: &SortedKeyCols<AB::Var>,
) -> AB::Expr {
    let e = |v: AB::Var| -> AB::Expr { v.into() };
    let key = e(local.key[0]) + e(local.key[1]) * two16::<AB::Expr>();
    let next_key = e(next.key[0]) + e(next.key[1]) * two16::<AB::Expr>();
    let (is_real, next_real) = (e(local.is_real), e(local.next_real));
    builder.assert_bool(is_real.clone());
    builder.assert_bool(next_real.clone());
    let mut t = builder.when_transition();
    t.assert_zero((AB::Expr::ONE - is_real.clone()) * e(next.is_real));
    t.assert_eq(next_real.clone(), e(next.is_real));
    t.assert_zero(
        next_real.clone()
            * (next_key
                - key.clone()
                - AB::Expr::ONE
                - e(local.diff[0])
                - e(local.diff[1]) * two16::<AB::Expr>()),
    );
    builder.when_last_row().assert_zero(next_real.clone());
    range_29(builder, local.key.map(e), is_real);
    range_29(builder, local.diff.map(e), next_real);
    key
}

impl SortedKeyCols<u8> {
    /// Declares the sorted-key columns in a boundary chip's contract, `key` with `key_role`:
    /// the key difference is an oracle (a decomposition), and so is `next_real`, forced to the
    /// next row's `is_real` (whether the table goes on is the prover's choice of its length,
    /// which the buses bound, not something this row's inputs fix); `is_real` is the chip's
    /// real flag.
    fn declare<S>(&self, contract: &mut ContractBuilder<'_, S>, key_role: tessera_stark::Role) {
        contract
            .column("key", &self.key, key_role)
            .oracle("diff", &self.diff)
            .oracle("next_real", &self.next_real)
            .selector("is_real", &self.is_real)
            .assume_range(&self.key, 16, Source::Lookup)
            .assume_range(&self.diff, 16, Source::Lookup);
    }
}

/// The boundary chips' guarantee about their keys.
const SORTED_KEYS: &str =
    "keys strictly increase down the real rows, each below 2^29: a key has at most one row";

fn populate_sorted(cols: &mut SortedKeyCols<Val>, key: u32, next_key: Option<u32>) {
    // In the field, as the constraint reads it (rows out of order then fail the range check,
    // not the trace generator).
    let diff = next_key.map_or(0, |n| {
        (Val::from_u32(n) - Val::from_u32(key) - Val::ONE).as_canonical_u32()
    });
    cols.key = [key & 0xFFFF, key >> 16].map(Val::from_u32);
    cols.diff = [diff & 0xFFFF, diff >> 16].map(Val::from_u32);
    cols.next_real = Val::from_bool(next_key.is_some());
    cols.is_real = Val::ONE;
}

fn record_sorted(record: &mut MachineRecord, key: u32, next_key: Option<u32>) {
    record_range_29(record, key);
    if let Some(next) = next_key {
        record_range_29(record, next - key - 1);
    }
}

fn record_range_29(record: &mut MachineRecord, value: u32) {
    record_halves_below(&mut record.byte_lookups, value, BOUND_HI);
}

fn halves<E: PrimeCharacteristicRing, T: Copy + Into<E>>(h: [T; 2]) -> [E; 2] {
    h.map(Into::into)
}

/// MemoryShard's public value: the shard's index in its run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MemoryShardPublicValues<T> {
    pub shard_index: T,
}

crate::public_values!(MemoryShardPublicValues);

/// The shard's memory boundary. Its public value is the shard's index.
#[derive(Clone, Debug, Default)]
pub struct MemoryShardChip;

impl<F> BaseAir<F> for MemoryShardChip {
    fn width(&self) -> usize {
        NUM_SHARD_COLS
    }
    fn num_public_values(&self) -> usize {
        MemoryShardPublicValues::<u8>::COUNT
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![0, 1, 5]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for MemoryShardChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &MemoryShardCols<AB::Var> = main.current_slice().borrow();
        let next: &MemoryShardCols<AB::Var> = main.next_slice().borrow();
        let pv: &MemoryShardPublicValues<AB::PublicVar> = builder.public_values().borrow();
        let index: AB::Expr = pv.shard_index.into();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let key = eval_sorted(builder, &local.sorted, &next.sorted);
        let is_real = e(local.sorted.is_real);

        // The value comes from an earlier shard (or the start), the last one goes on.
        let prev_tag = e(local.prev_tag);
        let [gap_lo, gap_hi] = local.tag_gap.map(e);
        builder.assert_zero(
            is_real.clone()
                * (index.clone()
                    - prev_tag.clone()
                    - gap_lo.clone()
                    - gap_hi.clone() * two16::<AB::Expr>()),
        );
        range_29(builder, [gap_lo, gap_hi], is_real.clone());
        let [value_lo, value_hi] = halves::<AB::Expr, _>(local.value);
        lookup_u16(builder, value_lo.clone(), is_real.clone());
        lookup_u16(builder, value_hi.clone(), is_real.clone());
        let [init_lo, init_hi] = halves::<AB::Expr, _>(local.initial);

        memory_message(
            builder,
            [
                key.clone(),
                init_lo.clone(),
                init_hi.clone(),
                AB::Expr::ZERO,
            ],
            is_real.clone(),
            true,
        );
        memory_message(
            builder,
            [key.clone(), value_lo.clone(), value_hi.clone(), e(local.ts)],
            is_real.clone(),
            false,
        );
        global_memory_message(
            builder,
            [key.clone(), init_lo, init_hi, prev_tag],
            is_real.clone(),
            false,
        );
        global_memory_message(
            builder,
            [key, value_lo, value_hi, index + AB::Expr::ONE],
            is_real,
            true,
        );
    }
}

impl HasContract for MemoryShardChip {
    /// `key`, `value` and `ts` are taken from the memory bus (the shard's last access of the
    /// key fixed them). `initial` and `prev_tag` are the prover's as far as the shard can see:
    /// they go out as a global message taken from the run's multiset (`is_send = 0`, which the
    /// checker sees as a send to GlobalSum), and only the multiset sum over all shards ties them
    /// to what the key's previous writer left.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_SHARD_COLS];
        let c: &MemoryShardCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        c.sorted.declare(&mut contract, tessera_stark::Role::Input);
        contract
            .oracle("initial", &c.initial)
            .oracle("prev_tag", &c.prev_tag)
            .oracle("tag_gap", &c.tag_gap)
            .input("value", &c.value)
            .input("ts", &c.ts)
            .real_when(&[&c.sorted.is_real])
            .assume_range(&c.tag_gap, 16, Source::Lookup)
            .assume_range(&c.value, 16, Source::Lookup)
            .guarantee(SORTED_KEYS)
            .guarantee("(key, initial, 0) put on `memory` at timestamp 0 is taken from the run's multiset as (MEMORY, key, initial, prev_tag) with prev_tag ≤ the shard's index")
            .guarantee("(MEMORY, key, value, index + 1) put into the run's multiset on `global` is the key's last value in the shard, as canonical 16-bit halves")
            .build("`bridge::RunBridge::record`: the shard's memory boundary and its global messages")
    }
}

impl Chip<Val, MachineRecord> for MemoryShardChip {
    fn name(&self) -> &'static str {
        "MemoryShard"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let rows = &record.memory_boundary;
        let mut values = vec![Val::ZERO; rows.len() * NUM_SHARD_COLS];
        for (i, (row, r)) in values.chunks_mut(NUM_SHARD_COLS).zip(rows).enumerate() {
            let cols: &mut MemoryShardCols<Val> = row.borrow_mut();
            populate_sorted(&mut cols.sorted, r.key, rows.get(i + 1).map(|n| n.key));
            let gap = record.shard_index - r.prev_tag;
            cols.initial = [r.initial & 0xFFFF, r.initial >> 16].map(Val::from_u32);
            cols.prev_tag = Val::from_u32(r.prev_tag);
            cols.tag_gap = [gap & 0xFFFF, gap >> 16].map(Val::from_u32);
            cols.value = [r.value & 0xFFFF, r.value >> 16].map(Val::from_u32);
            cols.ts = Val::from_u32(r.ts);
        }
        pad_to_power_of_two(values, NUM_SHARD_COLS, 2)
    }

    fn public_values(&self, record: &MachineRecord) -> Vec<Val> {
        MemoryShardPublicValues {
            shard_index: Val::from_u32(record.shard_index),
        }
        .to_vec()
    }
}

/// Records the range checks MemoryShard makes for `rows` in shard `index`.
pub fn record_shard_boundary(record: &mut MachineRecord, rows: &[ShardBoundaryRow]) {
    for (i, r) in rows.iter().enumerate() {
        record_sorted(record, r.key, rows.get(i + 1).map(|n| n.key));
        record_range_29(record, record.shard_index - r.prev_tag);
        record.byte_lookups.record_u16(r.value as u16);
        record.byte_lookups.record_u16((r.value >> 16) as u16);
    }
}

/// The run's memory boundary, proven once, in the last shard.
#[derive(Clone, Debug, Default)]
pub struct MemoryGlobalChip;

impl<F> BaseAir<F> for MemoryGlobalChip {
    fn width(&self) -> usize {
        NUM_GLOBAL_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![0, 1, 5]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for MemoryGlobalChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &MemoryGlobalCols<AB::Var> = main.current_slice().borrow();
        let next: &MemoryGlobalCols<AB::Var> = main.next_slice().borrow();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let key = eval_sorted(builder, &local.sorted, &next.sorted);
        let is_real = e(local.sorted.is_real);
        let starts_at_zero = e(local.starts_at_zero);
        builder.assert_bool(starts_at_zero.clone());
        builder.assert_zero(starts_at_zero.clone() * (AB::Expr::ONE - is_real.clone()));
        global_memory_message(
            builder,
            [key.clone(), AB::Expr::ZERO, AB::Expr::ZERO, AB::Expr::ZERO],
            starts_at_zero,
            true,
        );
        let [lo, hi] = halves::<AB::Expr, _>(local.value);
        global_memory_message(builder, [key, lo, hi, e(local.tag)], is_real, false);
    }
}

impl HasContract for MemoryGlobalChip {
    /// Every message of this chip goes to GlobalSum (both directions are sends with an
    /// `is_send` field), so nothing in the shard fixes a row: the key, its final value and tag,
    /// and whether it starts at zero are the prover's as far as the chip can see, and the run's
    /// multiset sum (which must come out at the identity) ties them to the shards' last writes
    /// and the image.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_GLOBAL_COLS];
        let c: &MemoryGlobalCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        c.sorted.declare(&mut contract, tessera_stark::Role::Oracle);
        contract
            .oracle("value", &c.value)
            .oracle("tag", &c.tag)
            .oracle("starts_at_zero", &c.starts_at_zero)
            .real_when(&[&c.sorted.is_real])
            .guarantee(SORTED_KEYS)
            .guarantee("(MEMORY, key, 0, 0) put into the run's multiset on `global` for a key outside the image (starts_at_zero)")
            .guarantee("(MEMORY, key, value, tag) taken from the run's multiset on `global` once per listed key: its final value")
            .build("`bridge::RunBridge::record` for the last shard: the run's memory boundary")
    }
}

impl Chip<Val, MachineRecord> for MemoryGlobalChip {
    fn name(&self) -> &'static str {
        "MemoryGlobal"
    }

    fn is_optional(&self) -> bool {
        true
    }

    fn is_used(&self, record: &MachineRecord) -> bool {
        !record.memory_global.is_empty()
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let rows = &record.memory_global;
        let mut values = vec![Val::ZERO; rows.len() * NUM_GLOBAL_COLS];
        for (i, (row, r)) in values.chunks_mut(NUM_GLOBAL_COLS).zip(rows).enumerate() {
            let cols: &mut MemoryGlobalCols<Val> = row.borrow_mut();
            populate_sorted(&mut cols.sorted, r.key, rows.get(i + 1).map(|n| n.key));
            cols.value = [r.value & 0xFFFF, r.value >> 16].map(Val::from_u32);
            cols.tag = Val::from_u32(r.tag);
            cols.starts_at_zero = Val::from_bool(r.starts_at_zero);
        }
        pad_to_power_of_two(values, NUM_GLOBAL_COLS, 2)
    }
}

/// Records the range checks MemoryGlobal makes for `rows`.
pub fn record_global_boundary(record: &mut MachineRecord, rows: &[GlobalBoundaryRow]) {
    for (i, r) in rows.iter().enumerate() {
        record_sorted(record, r.key, rows.get(i + 1).map(|n| n.key));
    }
}

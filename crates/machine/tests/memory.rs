//! The memory boundary chips and the access gadget: honest access sequences prove and verify
//! (with the GlobalSum chip taking the boundary's global messages); a stale read, a timestamp
//! that does not increase, a duplicated key, a value from a later shard and a wrong final value
//! are rejected, and so are a run boundary with a duplicated key or a padding row that starts a
//! key.

use std::collections::BTreeMap;
use std::sync::Arc;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_machine::bus::global_memory_fields;
use tessera_machine::bus::{register_key, ByteOp};
use tessera_machine::chips::global_sum::{record_messages, GlobalSumChip};
use tessera_machine::chips::memory::{
    record_global_boundary, record_shard_boundary, GlobalBoundaryRow, ShardBoundaryRow,
};
use tessera_machine::gadgets::memory::{eval_access, AccessCols};
use tessera_machine::{ByteChip, MachineRecord, MemoryGlobalChip, MemoryShardChip};
use tessera_mips::Program;
use tessera_stark::{pad_to_power_of_two, Chip, ConfigId, Machine, Val, VerifyError};

/// One access: key, new value, timestamp, previous value, previous timestamp.
type Access = (u32, u32, u32, u32, u32);

/// Columns: key, value_lo, value_hi, ts, prev_lo, prev_hi, prev_ts, diff_lo, diff_hi, is_real.
#[derive(Clone, Debug)]
struct Accessor {
    accesses: Vec<Access>,
}

impl<F> BaseAir<F> for Accessor {
    fn width(&self) -> usize {
        10
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for Accessor
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let r = builder.main().current_slice().to_vec();
        let e = |i: usize| -> AB::Expr { r[i].into() };
        let is_real = e(9);
        builder.assert_bool(is_real.clone());
        let cols = AccessCols {
            prev_value: [r[4], r[5]],
            prev_ts: r[6],
            ts_diff: [r[7], r[8]],
        };
        eval_access(builder, e(0), [e(1), e(2)], e(3), cols, is_real);
    }
}

impl Chip<Val, MachineRecord> for Accessor {
    fn name(&self) -> &'static str {
        "Accessor"
    }
    fn generate_trace(&self, _: &MachineRecord) -> RowMajorMatrix<Val> {
        let values = self
            .accesses
            .iter()
            .flat_map(|&(key, value, ts, prev, prev_ts)| {
                let c = AccessCols::<Val>::populate(prev, prev_ts, ts);
                let mut row = vec![
                    Val::from_u32(key),
                    Val::from_u32(value & 0xFFFF),
                    Val::from_u32(value >> 16),
                    Val::from_u32(ts),
                ];
                row.extend(c.prev_value);
                row.push(c.prev_ts);
                row.extend(c.ts_diff);
                row.push(Val::ONE);
                row
            })
            .collect();
        pad_to_power_of_two(values, 10, 1)
    }
}

tessera_stark::machine_chips! {
    enum TestChip<MachineRecord> {
        Bytes(ByteChip),
        Shard(MemoryShardChip),
        Global(MemoryGlobalChip),
        Sum(GlobalSumChip),
        Accessor(Accessor),
    }
}

const SHARD: usize = 1;
const GLOBAL: usize = 2;
const ACCESSOR: usize = 4;
const INDEX: u32 = 2;

/// A machine and record for shard `INDEX` making writes `(key, value)` in order (a read
/// rewrites the same value) on keys starting at `(key, value, tag)`; the shard is also the
/// run's last, so its record holds the run's boundary (the keys all outside the image).
fn build(initial: &[(u32, u32, u32)], writes: &[(u32, u32)]) -> (Machine<TestChip>, MachineRecord) {
    let mut state: BTreeMap<u32, (u32, u32)> =
        initial.iter().map(|&(k, v, _)| (k, (v, 0))).collect();
    let mut record = MachineRecord::new(Arc::new(Program::from_code(0x40_0000, &[0], vec![])));
    record.shard_index = INDEX;
    let mut accesses = Vec::new();
    for (i, &(key, value)) in writes.iter().enumerate() {
        let ts = 4 * i as u32 + 1 + (i as u32 % 3);
        let (prev, prev_ts) = state[&key];
        let diff = ts - prev_ts - 1;
        record.byte_lookups.record_u16(diff as u16);
        record
            .byte_lookups
            .record(ByteOp::U8Pair, (diff >> 16) as u8, 0);
        accesses.push((key, value, ts, prev, prev_ts));
        state.insert(key, (value, ts));
    }
    let rows: Vec<ShardBoundaryRow> = initial
        .iter()
        .map(|&(key, initial, prev_tag)| ShardBoundaryRow {
            key,
            initial,
            prev_tag,
            value: state[&key].0,
            ts: state[&key].1,
        })
        .collect();
    let global: Vec<GlobalBoundaryRow> = rows
        .iter()
        .map(|r| GlobalBoundaryRow {
            key: r.key,
            value: r.value,
            tag: INDEX + 1,
            starts_at_zero: true,
        })
        .collect();
    let mut messages = Vec::new();
    for r in &rows {
        messages.push((false, global_memory_fields(r.key, r.initial, r.prev_tag)));
        messages.push((true, global_memory_fields(r.key, r.value, INDEX + 1)));
    }
    for r in &global {
        messages.push((true, global_memory_fields(r.key, 0, 0)));
        messages.push((false, global_memory_fields(r.key, r.value, r.tag)));
    }
    record_shard_boundary(&mut record, &rows);
    record_global_boundary(&mut record, &global);
    record_messages(&mut record, &messages);
    record.memory_boundary = rows;
    record.memory_global = global;
    let machine = Machine::new(
        vec![
            TestChip::Bytes(ByteChip),
            TestChip::Shard(MemoryShardChip),
            TestChip::Global(MemoryGlobalChip),
            TestChip::Sum(GlobalSumChip),
            TestChip::Accessor(Accessor { accesses }),
        ],
        ConfigId::InsecureTesting,
    );
    (machine, record)
}

/// Keys with the values and tags earlier shards left them with.
const INITIAL: [(u32, u32, u32); 5] = [
    (5, 0, 0),
    (9, 0x1234_5678, 1),
    (0x1F00_0000, 3, 2),
    (register_key(2), 0, 0),
    (register_key(31), 0, 0),
];
const WRITES: [(u32, u32); 7] = [
    (5, 1),
    (9, 0xFFFF_FFFF),
    (5, 1),
    (register_key(31), 0x40_0010),
    (0x1F00_0000, 7),
    (5, 0x8000_0000),
    (9, 2),
];

fn verify_tampered(tamper: impl FnOnce(&mut [RowMajorMatrix<Val>])) -> Result<(), VerifyError> {
    let (machine, record) = build(&INITIAL, &WRITES);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let mut traces: Vec<_> = machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(&record))
        .collect();
    tamper(&mut traces);
    let public_values = machine
        .chips()
        .iter()
        .map(|c| c.public_values(&record))
        .collect();
    let proof = machine
        .prove_traces_unchecked::<MachineRecord>(&pk, traces, public_values)
        .unwrap();
    machine.verify::<MachineRecord>(&vk, &proof)
}

fn cell(t: &mut RowMajorMatrix<Val>, row: usize, col: usize) -> &mut Val {
    let width = t.width;
    &mut t.values[row * width + col]
}

#[test]
fn honest_accesses_prove_and_verify() {
    let (machine, record) = build(&INITIAL, &WRITES);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    assert_eq!(verify_tampered(|_| {}), Ok(()));
}

#[test]
fn a_stale_read_is_rejected() {
    // The third access (key 5) claims the initial value instead of the 1 written before it.
    let stale = verify_tampered(|t| {
        *cell(&mut t[ACCESSOR], 2, 4) = Val::ZERO;
        *cell(&mut t[ACCESSOR], 2, 5) = Val::ZERO;
    });
    assert_eq!(stale, Err(VerifyError::BusImbalance));
}

#[test]
fn a_timestamp_that_does_not_increase_is_rejected() {
    // Claim prev_ts = ts for the first access: the difference is -1, which only "fits" as a
    // huge high part that the byte range check refuses.
    let stale = verify_tampered(|t| {
        let ts = *cell(&mut t[ACCESSOR], 0, 3);
        *cell(&mut t[ACCESSOR], 0, 6) = ts;
        *cell(&mut t[ACCESSOR], 0, 7) = Val::from_u32(0xFFFF);
        let minus_one_hi =
            (Val::NEG_ONE - Val::from_u32(0xFFFF)) * Val::from_u32(1 << 16).inverse();
        *cell(&mut t[ACCESSOR], 0, 8) = minus_one_hi;
    });
    assert_eq!(stale, Err(VerifyError::BusImbalance));
}

/// Column of `MemoryShardCols` / `MemoryGlobalCols`: the key's halves, the difference's halves,
/// `next_real`, `is_real`, then the chip's own.
const KEY_LO: usize = 0;
const DIFF_LO: usize = 2;
const DIFF_HI: usize = 3;
const INITIAL_LO: usize = 6;
const PREV_TAG: usize = 8;
const TAG_GAP_LO: usize = 9;
const TAG_GAP_HI: usize = 10;
const VALUE_LO: usize = 11;
const STARTS_AT_ZERO: usize = 9;

#[test]
fn a_duplicated_key_is_rejected() {
    // List key 5 twice in either boundary (row 1 becomes a second key 5), with the difference
    // witness set to the field's -1: its high part fails the range check.
    for chip in [SHARD, GLOBAL] {
        let duplicate = verify_tampered(|t| {
            *cell(&mut t[chip], 1, KEY_LO) = Val::from_u32(5);
            *cell(&mut t[chip], 0, DIFF_LO) = Val::ZERO;
            *cell(&mut t[chip], 0, DIFF_HI) = Val::from_u32(0x7F00);
        });
        assert!(duplicate.is_err(), "chip {chip}");
    }
}

#[test]
fn a_value_from_a_later_shard_is_rejected() {
    // Row 0 claims its value was left by shard INDEX + 1 (tag INDEX + 2): the gap is -2.
    let later = verify_tampered(|t| {
        *cell(&mut t[SHARD], 0, PREV_TAG) = Val::from_u32(INDEX + 2);
        *cell(&mut t[SHARD], 0, TAG_GAP_LO) = Val::from_u32(0xFFFE);
        *cell(&mut t[SHARD], 0, TAG_GAP_HI) =
            (Val::NEG_ONE - Val::ONE - Val::from_u32(0xFFFE)) * Val::from_u32(1 << 16).inverse();
    });
    assert!(later.is_err());
}

#[test]
fn changed_boundary_values_are_rejected() {
    let cases = [
        (SHARD, INITIAL_LO),
        (SHARD, VALUE_LO),
        (GLOBAL, 6),
        (GLOBAL, 8),
        (GLOBAL, STARTS_AT_ZERO),
    ];
    for (chip, col) in cases {
        let wrong = verify_tampered(|t| {
            let c = cell(&mut t[chip], 0, col);
            *c = Val::ONE - *c;
        });
        assert_eq!(
            wrong,
            Err(VerifyError::BusImbalance),
            "chip {chip} column {col}"
        );
    }
    // A tag changed alone no longer matches its gap.
    let tag = verify_tampered(|t| *cell(&mut t[SHARD], 0, PREV_TAG) += Val::ONE);
    assert!(tag.is_err());
}

#[test]
fn a_padding_row_cannot_start_a_key() {
    let padding = verify_tampered(|t| {
        let last = t[GLOBAL].values.len() / t[GLOBAL].width - 1;
        assert_eq!(*cell(&mut t[GLOBAL], last, 5), Val::ZERO, "a padding row");
        *cell(&mut t[GLOBAL], last, STARTS_AT_ZERO) = Val::ONE;
    });
    assert!(padding.is_err());
}

//! The memory boundary chips and the access gadget: honest access sequences prove and verify; a
//! stale read, a timestamp that does not increase, a duplicated key and a wrong final value are
//! rejected.

use std::collections::BTreeMap;
use std::sync::Arc;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_machine::bus::{register_key, ByteOp};
use tessera_machine::gadgets::memory::{eval_access, AccessCols};
use tessera_machine::{Boundary, ByteChip, MachineRecord, MemoryBoundaryChip};
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
        Boundary(MemoryBoundaryChip),
        Accessor(Accessor),
    }
}

const INIT: usize = 1;
const FINAL: usize = 2;
const ACCESSOR: usize = 3;

/// A machine and record for writes `(key, value)` in order (a read rewrites the same value).
fn build(initial: &[(u32, u32)], writes: &[(u32, u32)]) -> (Machine<TestChip>, MachineRecord) {
    let mut state: BTreeMap<u32, (u32, u32)> = initial.iter().map(|&(k, v)| (k, (v, 0))).collect();
    let mut record = MachineRecord::new(Arc::new(Program::from_code(0x40_0000, &[0], vec![])));
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
    let init: Vec<(u32, u32)> = initial.to_vec();
    let fin: Vec<(u32, u32, u32)> = state.iter().map(|(&k, &(v, t))| (k, v, t)).collect();
    record.set_memory_boundary(init, fin);
    let machine = Machine::new(
        vec![
            TestChip::Bytes(ByteChip),
            TestChip::Boundary(MemoryBoundaryChip {
                boundary: Boundary::Init,
            }),
            TestChip::Boundary(MemoryBoundaryChip {
                boundary: Boundary::Final,
            }),
            TestChip::Accessor(Accessor { accesses }),
        ],
        ConfigId::InsecureTesting,
    );
    (machine, record)
}

/// `MemoryInit` starts every key at zero (the ELF image has its own chip).
const INITIAL: [(u32, u32); 4] = [(5, 0), (9, 0), (0x1F00_0000, 0), (register_key(31), 0)];
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
    let proof = machine
        .prove_traces_unchecked::<MachineRecord>(&pk, traces, vec![vec![]; 4])
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

#[test]
fn a_duplicated_key_is_rejected() {
    // Make the Init table list key 5 twice (row 1 becomes a second key 5), with the difference
    // witness set to the field's -1: its high part fails the range check.
    let duplicate = verify_tampered(|t| {
        *cell(&mut t[INIT], 1, 0) = Val::from_u32(5);
        *cell(&mut t[INIT], 0, 5) = Val::ZERO;
        *cell(&mut t[INIT], 0, 6) = Val::from_u32(0x7F00);
    });
    assert!(duplicate.is_err());
}

#[test]
fn a_nonzero_initial_value_is_rejected() {
    // MemoryInit may only start keys at zero.
    let nonzero = verify_tampered(|t| *cell(&mut t[INIT], 0, 2) = Val::from_u32(7));
    assert!(nonzero.is_err());
}

#[test]
fn a_wrong_final_value_is_rejected() {
    let wrong = verify_tampered(|t| *cell(&mut t[FINAL], 0, 2) = Val::from_u32(2));
    assert_eq!(wrong, Err(VerifyError::BusImbalance));
}

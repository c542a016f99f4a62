//! The add/sub chip: complete on edge values and random operands, and every tamper is rejected.

use std::sync::Arc;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use proptest::prelude::*;
use tessera_machine::bus::{alu_message, AluOp};
use tessera_machine::{AddSubChip, ByteChip, MachineRecord};
use tessera_mips::Program;
use tessera_stark::{pad_to_power_of_two, Chip, ConfigId, Machine, Val, VerifyError};

/// Stands in for the CPU: sends `(op, a, b, c)` requests, columns
/// `op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi, is_real`.
#[derive(Clone, Debug)]
struct Sender {
    requests: Vec<(AluOp, u32, u32, u32)>,
}

impl<F> BaseAir<F> for Sender {
    fn width(&self) -> usize {
        8
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for Sender {
    fn eval(&self, builder: &mut AB) {
        let r: Vec<AB::Expr> = builder
            .main()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        let count = r[7].clone();
        alu_message(
            builder,
            r[0].clone(),
            [
                [r[1].clone(), r[2].clone()],
                [r[3].clone(), r[4].clone()],
                [r[5].clone(), r[6].clone()],
            ],
            count,
            false,
        );
    }
}

impl Chip<Val, MachineRecord> for Sender {
    fn name(&self) -> &'static str {
        "Sender"
    }
    fn generate_trace(&self, _: &MachineRecord) -> RowMajorMatrix<Val> {
        let values = self
            .requests
            .iter()
            .flat_map(|&(op, a, b, c)| {
                [
                    op as u32,
                    a & 0xFFFF,
                    a >> 16,
                    b & 0xFFFF,
                    b >> 16,
                    c & 0xFFFF,
                    c >> 16,
                    1,
                ]
                .map(Val::from_u32)
            })
            .collect();
        pad_to_power_of_two(values, 8, 1)
    }
}

tessera_stark::machine_chips! {
    enum TestChip<MachineRecord> {
        Bytes(ByteChip),
        AddSub(AddSubChip),
        Sender(Sender),
    }
}

const ADD_SUB: usize = 1;
const SENDER: usize = 2;

const EDGES: [u32; 12] = [
    0,
    1,
    2,
    0xFF,
    0x100,
    0x00FF_FFFF,
    0x0100_0000,
    0x7F00_0000,
    0x7F00_0001,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
];

fn build(ops: &[(AluOp, u32, u32)]) -> (Machine<TestChip>, MachineRecord) {
    let program = Arc::new(Program::from_code(0x40_0000, &[0], vec![]));
    let mut record = MachineRecord::new(program);
    let requests = ops
        .iter()
        .map(|&(op, b, c)| (op, record.record_alu(op, b, c), b, c))
        .collect();
    let machine = Machine::new(
        vec![
            TestChip::Bytes(ByteChip),
            TestChip::AddSub(AddSubChip),
            TestChip::Sender(Sender { requests }),
        ],
        ConfigId::InsecureTesting,
    );
    (machine, record)
}

fn edge_ops() -> Vec<(AluOp, u32, u32)> {
    let mut ops = Vec::new();
    for &b in &EDGES {
        for &c in &EDGES {
            ops.push((AluOp::Add, b, c));
            ops.push((AluOp::Sub, b, c));
        }
    }
    ops
}

fn traces(machine: &Machine<TestChip>, record: &MachineRecord) -> Vec<RowMajorMatrix<Val>> {
    machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(record))
        .collect()
}

fn verify_tampered(
    ops: &[(AluOp, u32, u32)],
    tamper: impl FnOnce(&mut [RowMajorMatrix<Val>]),
) -> Result<(), VerifyError> {
    let (machine, record) = build(ops);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let mut t = traces(&machine, &record);
    tamper(&mut t);
    let proof = machine
        .prove_traces_unchecked::<MachineRecord>(&pk, t, vec![vec![]; 3])
        .unwrap();
    machine.verify::<MachineRecord>(&vk, &proof)
}

fn cell(t: &mut RowMajorMatrix<Val>, row: usize, col: usize) -> &mut Val {
    let width = t.width;
    &mut t.values[row * width + col]
}

#[test]
fn edge_values_prove_and_verify() {
    let (machine, record) = build(&edge_ops());
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    assert_eq!(record.add_sub_events.len(), 288);
    assert!(record
        .add_sub_events
        .iter()
        .all(|e| e.a == e.op.apply(e.b, e.c)));
}

#[test]
fn a_wrong_result_is_rejected() {
    let ops = [(AluOp::Add, 0xFFFF_FFFF, 1), (AluOp::Sub, 0, 1)];
    // The sender claims 0xFFFF_FFFF + 1 = 1: nobody computes that.
    let claim = verify_tampered(&ops, |t| *cell(&mut t[SENDER], 0, 1) = Val::ONE);
    assert_eq!(claim, Err(VerifyError::BusImbalance));
    // Both claim it: the adder's carries cannot make it true.
    let both = verify_tampered(&ops, |t| {
        *cell(&mut t[SENDER], 0, 1) = Val::ONE;
        *cell(&mut t[ADD_SUB], 0, 0) = Val::ONE;
    });
    assert_eq!(
        both,
        Err(VerifyError::ConstraintsFailed {
            chip: "AddSub".into()
        })
    );
    // A subtraction answered as an addition.
    let op = verify_tampered(&ops, |t| {
        *cell(&mut t[ADD_SUB], 1, 16) = Val::ONE;
        *cell(&mut t[ADD_SUB], 1, 17) = Val::ZERO;
    });
    assert!(op.is_err());
}

#[test]
fn both_flags_at_once_are_rejected() {
    let ops = [(AluOp::Add, 0, 0)];
    let both = verify_tampered(&ops, |t| *cell(&mut t[ADD_SUB], 0, 17) = Val::ONE);
    assert!(both.is_err());
}

#[test]
fn a_limb_outside_a_byte_is_rejected() {
    // a = 0x0000_0100 written as limbs (256, 0, 0, 0): same 16-bit half, but not a byte.
    let ops = [(AluOp::Add, 0xFF, 1)];
    let result = verify_tampered(&ops, |t| {
        *cell(&mut t[ADD_SUB], 0, 0) = Val::from_u32(256);
        *cell(&mut t[ADD_SUB], 0, 1) = Val::ZERO;
        *cell(&mut t[ADD_SUB], 0, 12) = Val::ZERO; // no carry out of byte 0
        *cell(&mut t[ADD_SUB], 0, 13) = Val::ZERO;
    });
    assert_eq!(result, Err(VerifyError::BusImbalance));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Completeness through the real trace generator and the reference semantics: the honest
    /// rows satisfy every constraint of the chip.
    #[test]
    fn random_operands_satisfy_the_constraints(ops in proptest::collection::vec(
        (prop_oneof![Just(AluOp::Add), Just(AluOp::Sub)], any::<u32>(), any::<u32>()), 1..64)
    ) {
        let (machine, record) = build(&ops);
        let trace = machine.chips()[ADD_SUB].generate_trace(&record);
        let report = p3_air::check_all_constraints(&AddSubChip, &trace, &[], Some(1));
        prop_assert!(report.is_ok(), "{:?}", report.failures);
    }
}

//! The add/sub chip: complete on edge values and random operands, and every tamper is rejected.

use crate::common::*;
use p3_field::PrimeCharacteristicRing;
use proptest::prelude::*;
use tessera_machine::bus::AluOp;
use tessera_machine::{AddSubChip, MachineRecord};
use tessera_stark::{Chip, Val, VerifyError};

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
        *cell(&mut t[ADD_SUB], 1, 8) = Val::ONE;
        *cell(&mut t[ADD_SUB], 1, 9) = Val::ZERO;
    });
    assert!(op.is_err());
}

#[test]
fn both_flags_at_once_are_rejected() {
    let ops = [(AluOp::Add, 0, 0)];
    let both = verify_tampered(&ops, |t| *cell(&mut t[ADD_SUB], 0, 9) = Val::ONE);
    assert!(both.is_err());
}

#[test]
fn a_half_outside_16_bits_is_rejected() {
    // a = 0x0001_0000 written as halves (65536, 0): the same field value, not canonical.
    let ops = [(AluOp::Add, 0xFFFF, 1)];
    let result = verify_tampered(&ops, |t| {
        *cell(&mut t[ADD_SUB], 0, 0) = Val::from_u32(1 << 16);
        *cell(&mut t[ADD_SUB], 0, 1) = Val::ZERO;
        *cell(&mut t[ADD_SUB], 0, 6) = Val::ZERO; // no carry out of the low half
        *cell(&mut t[SENDER], 0, 1) = Val::from_u32(1 << 16);
        *cell(&mut t[SENDER], 0, 2) = Val::ZERO;
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

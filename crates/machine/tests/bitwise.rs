//! The bitwise chip: complete on edge values and random operands; wrong results, operations and
//! limbs are rejected.

use std::borrow::BorrowMut;

use crate::common::*;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use proptest::prelude::*;
use tessera_machine::bus::AluOp;
use tessera_machine::chips::bitwise::BitwiseCols;
use tessera_machine::gadgets::word::Word;
use tessera_machine::{BitwiseChip, MachineRecord};
use tessera_stark::{Chip, Val, VerifyError};

const OPS: [AluOp; 4] = [AluOp::And, AluOp::Or, AluOp::Xor, AluOp::Nor];

/// Row `row` of the Bitwise trace, by column.
fn cols(t: &mut [RowMajorMatrix<Val>], row: usize) -> &mut BitwiseCols<Val> {
    t[BITWISE].row_mut(row).borrow_mut()
}

#[test]
fn edge_values_prove_and_verify() {
    let mut ops = Vec::new();
    for &b in &EDGES {
        for &c in &EDGES {
            for op in OPS {
                ops.push((op, b, c));
            }
        }
    }
    let (machine, record) = build(&ops);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    assert_eq!(record.bitwise_events.len(), 576);
    assert!(record
        .bitwise_events
        .iter()
        .all(|e| e.a == e.op.apply(e.b, e.c)));
}

#[test]
fn wrong_results_and_operations_are_rejected() {
    let ops = [(AluOp::And, 0xF0F0_F0F0, 0xFF00_FF00), (AluOp::Nor, 0, 0)];
    // A wrong AND limb, claimed by both sides: no byte-table row has it.
    let wrong = verify_tampered(&ops, |t| {
        cols(t, 0).a.0[0] = Val::ONE;
        *cell(&mut t[SENDER], 0, 1) = Val::ONE;
    });
    assert_eq!(wrong, Err(VerifyError::BusImbalance));
    // NOR(0, 0) answered as OR (0): the sender asked for 0xFFFF_FFFF.
    let as_or = verify_tampered(&ops, |t| {
        let row = cols(t, 1);
        row.a = Word([Val::ZERO; 4]);
        row.flags[1] = Val::ONE; // or
        row.flags[3] = Val::ZERO; // nor
    });
    assert_eq!(as_or, Err(VerifyError::BusImbalance));
    // Two flags on one row.
    let two_flags = verify_tampered(&ops, |t| cols(t, 0).flags[2] = Val::ONE); // xor
    assert!(two_flags.is_err());
}

#[test]
fn a_limb_outside_a_byte_is_rejected() {
    // b = 0x0100 as limbs (256, 0, ...) keeps b's low half; AND with 0 still "0".
    let ops = [(AluOp::And, 0x0100, 0)];
    let result = verify_tampered(&ops, |t| {
        let row = cols(t, 0);
        row.b.0[0] = Val::from_u32(256);
        row.b.0[1] = Val::ZERO;
    });
    assert_eq!(result, Err(VerifyError::BusImbalance));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_operands_satisfy_the_constraints(ops in proptest::collection::vec(
        (prop::sample::select(OPS.to_vec()), any::<u32>(), any::<u32>()), 1..64)
    ) {
        let (machine, record) = build(&ops);
        let trace = machine.chips()[BITWISE].generate_trace(&record);
        let report = p3_air::check_all_constraints(&BitwiseChip, &trace, &[], Some(1));
        prop_assert!(report.is_ok(), "{:?}", report.failures);
    }
}

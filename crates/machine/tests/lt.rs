//! The set-less-than chip: signed and unsigned comparisons on edge values and random operands;
//! a wrong answer, a misplaced difference flag or a forged sign bit is rejected.

use std::borrow::BorrowMut;

use crate::common::*;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use proptest::prelude::*;
use tessera_machine::bus::AluOp;
use tessera_machine::chips::lt::LtCols;
use tessera_machine::{LtChip, MachineRecord};
use tessera_stark::{Chip, Val, VerifyError};

/// Row `row` of the Lt trace, by column.
fn cols(t: &mut [RowMajorMatrix<Val>], row: usize) -> &mut LtCols<Val> {
    t[LT].row_mut(row).borrow_mut()
}

#[test]
fn edge_values_prove_and_verify() {
    let mut ops = Vec::new();
    for &b in &EDGES {
        for &c in &EDGES {
            ops.push((AluOp::Slt, b, c));
            ops.push((AluOp::Sltu, b, c));
        }
    }
    let (machine, record) = build(&ops);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    // Spot checks of the reference semantics the events carry.
    let find = |op, b, c| {
        record
            .lt_events
            .iter()
            .find(|e| (e.op, e.b, e.c) == (op, b, c))
            .unwrap()
            .a
    };
    assert_eq!(find(AluOp::Slt, 0xFFFF_FFFF, 0), 1, "-1 < 0");
    assert_eq!(find(AluOp::Sltu, 0xFFFF_FFFF, 0), 0);
    assert_eq!(find(AluOp::Slt, 0x8000_0000, 0x7FFF_FFFF), 1);
    assert_eq!(find(AluOp::Sltu, 0x7FFF_FFFF, 0x8000_0000), 1);
    assert_eq!(find(AluOp::Slt, 2, 2), 0);
}

#[test]
fn a_flipped_answer_is_rejected() {
    let ops = [(AluOp::Slt, 0xFFFF_FFFF, 0), (AluOp::Sltu, 1, 2)];
    // The sender and the chip both claim -1 < 0 is false: the byte table disagrees.
    let both = verify_tampered(&ops, |t| {
        *cell(&mut t[SENDER], 0, 1) = Val::ZERO;
        cols(t, 0).a = Val::ZERO;
    });
    assert_eq!(both, Err(VerifyError::BusImbalance));
    // Only the sender: nobody answers its claim.
    let sender = verify_tampered(&ops, |t| *cell(&mut t[SENDER], 1, 1) = Val::ZERO);
    assert_eq!(sender, Err(VerifyError::BusImbalance));
}

#[test]
fn a_misplaced_flag_is_rejected() {
    // 0x0100 vs 0x0001: the difference that decides is in byte 1; flag byte 0 instead.
    let ops = [(AluOp::Sltu, 0x0100, 0x0001)];
    let low = verify_tampered(&ops, |t| {
        let row = cols(t, 0);
        row.flags[1] = Val::ZERO;
        row.flags[0] = Val::ONE;
        row.a = Val::ONE; // 0x00 < 0x01 would say "less"
    });
    assert!(low.is_err());
    // No flag at all for unequal words.
    let none = verify_tampered(&ops, |t| {
        let row = cols(t, 0);
        row.flags[1] = Val::ZERO;
        row.diff_inv = Val::ZERO;
    });
    assert!(none.is_err());
}

#[test]
fn a_forged_sign_bit_is_rejected() {
    // SLT(0x8000_0000, 0): claim b is positive by forging msb_b = 0.
    let ops = [(AluOp::Slt, 0x8000_0000, 0)];
    let forged = verify_tampered(&ops, |t| {
        let row = cols(t, 0);
        row.msb_b = Val::ZERO;
        row.b3_adj = Val::from_u32(0x80 + 128);
        row.a = Val::ZERO;
        *cell(&mut t[SENDER], 0, 1) = Val::ZERO;
    });
    assert!(forged.is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_operands_satisfy_the_constraints(ops in proptest::collection::vec(
        (prop_oneof![Just(AluOp::Slt), Just(AluOp::Sltu)],
         prop_oneof![any::<u32>(), prop::sample::select(EDGES.to_vec())],
         prop_oneof![any::<u32>(), prop::sample::select(EDGES.to_vec())]), 1..64)
    ) {
        let (machine, record) = build(&ops);
        let trace = machine.chips()[LT].generate_trace(&record);
        let report = p3_air::check_all_constraints(&LtChip, &trace, &[], Some(1));
        prop_assert!(report.is_ok(), "{:?}", report.failures);
    }
}

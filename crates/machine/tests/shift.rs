//! The shift chip: every shift amount (and amounts with high bits set) on edge values and random
//! operands; a wrong result, a wrong amount decomposition or a forged sign is rejected.

use std::borrow::BorrowMut;

use crate::common::*;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use proptest::prelude::*;
use tessera_machine::bus::AluOp;
use tessera_machine::chips::shift::ShiftCols;
use tessera_machine::{MachineRecord, ShiftChip};
use tessera_stark::{Chip, Val, VerifyError};

const OPS: [AluOp; 4] = [AluOp::Sll, AluOp::Srl, AluOp::Sra, AluOp::Rotr];

/// Row `row` of the Shift chip's trace.
fn shift_row(t: &mut RowMajorMatrix<Val>, row: usize) -> &mut ShiftCols<Val> {
    t.row_mut(row).borrow_mut()
}

#[test]
fn every_amount_proves_and_verifies() {
    let mut ops = Vec::new();
    for b in [0x8765_4321u32, 0xFFFF_FFFF, 0x7FFF_FFFF, 1, 0x8000_0000] {
        for amount in (0..32).chain([32, 33, 63, 0xFFFF_FFE1, 0x100]) {
            for op in OPS {
                ops.push((op, b, amount));
            }
        }
    }
    let (machine, record) = build(&ops);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    assert_eq!(AluOp::Sra.apply(0x8000_0000, 31), 0xFFFF_FFFF);
    assert_eq!(AluOp::Rotr.apply(0x0000_00F1, 4), 0x1000_000F);
    assert_eq!(AluOp::Sll.apply(1, 33), 2, "amount mod 32");
}

#[test]
fn a_wrong_result_is_rejected() {
    let ops = [(AluOp::Srl, 0x8000_0000, 31), (AluOp::Sll, 1, 4)];
    let sender = verify_tampered(&ops, |t| *cell(&mut t[SENDER], 0, 1) = Val::from_u32(2));
    assert_eq!(sender, Err(VerifyError::BusImbalance));
    // The chip claims SLL by 5 for an amount of 4 (flags and power moved consistently).
    let amount = verify_tampered(&ops, |t| {
        let cols = shift_row(&mut t[SHIFT], 1);
        cols.r_bits[0] = Val::ONE; // r = 5: bits 1, 0, 1
        cols.p01 = Val::from_u32(2);
        cols.p = Val::from_u32(32);
        cols.product[0] = Val::from_u32(32);
        *cell(&mut t[SENDER], 1, 1) = Val::from_u32(32);
    });
    assert_eq!(
        amount,
        Err(VerifyError::ConstraintsFailed {
            chip: "Shift".into()
        })
    );
}

#[test]
fn a_forged_sign_is_rejected() {
    // SRA(0x8000_0000, 4) claimed as the logical shift 0x0800_0000.
    let ops = [(AluOp::Sra, 0x8000_0000, 4)];
    let logical = verify_tampered(&ops, |t| {
        let cols = shift_row(&mut t[SHIFT], 0);
        cols.msb_b = Val::ZERO;
        cols.sign_b = Val::ZERO;
        // The honest logical product for t = 28: b·2^28, bytes of 0x0800_0000_0000_0000.
        for k in 0..8 {
            let v = ((0x8000_0000u64 << 28) >> (8 * k)) as u8;
            cols.product[k] = Val::from_u8(v);
            cols.carries[k] = Val::ZERO;
        }
        *cell(&mut t[SENDER], 0, 2) = Val::from_u32(0x0800);
    });
    assert!(logical.is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_operands_satisfy_the_constraints(ops in proptest::collection::vec(
        (prop::sample::select(OPS.to_vec()), any::<u32>(), any::<u32>()), 1..64)
    ) {
        let (machine, record) = build(&ops);
        for e in &record.shift_events {
            prop_assert_eq!(e.a, e.op.apply(e.b, e.c));
        }
        let trace = machine.chips()[SHIFT].generate_trace(&record);
        let report = p3_air::check_all_constraints(&ShiftChip, &trace, &[], Some(1));
        prop_assert!(report.is_ok(), "{:?}", report.failures);
    }
}

//! The divide chip: DIV and DIVU on edge values (INT_MIN / -1 included) and random operands; a
//! wrong quotient or remainder, a remainder of the wrong sign or too large, a false overflow
//! claim and a zero divisor are rejected.

use std::borrow::BorrowMut;

use crate::common::*;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use proptest::prelude::*;
use tessera_machine::bus::AluOp;
use tessera_machine::chips::div::DivCols;
use tessera_machine::{DivChip, MachineRecord};
use tessera_stark::{Chip, Val, VerifyError};

const OPS: [AluOp; 4] = [AluOp::DivQ, AluOp::DivR, AluOp::DivQU, AluOp::DivRU];

/// Row `row` of the Div chip's trace.
fn div_row(t: &mut RowMajorMatrix<Val>, row: usize) -> &mut DivCols<Val> {
    t.row_mut(row).borrow_mut()
}

fn edge_ops() -> Vec<(AluOp, u32, u32)> {
    let mut ops = Vec::new();
    for &b in &EDGES {
        for &c in EDGES.iter().filter(|&&c| c != 0) {
            for op in OPS {
                ops.push((op, b, c));
            }
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
    assert_eq!(
        AluOp::DivQ.apply(0x8000_0000, u32::MAX),
        0x8000_0000,
        "INT_MIN / -1"
    );
    assert_eq!(AluOp::DivR.apply(0x8000_0000, u32::MAX), 0);
    assert_eq!(AluOp::DivQ.apply(-7i32 as u32, 2), -3i32 as u32);
    assert_eq!(AluOp::DivR.apply(-7i32 as u32, 2), -1i32 as u32);
    assert_eq!(AluOp::DivR.apply(7, -2i32 as u32), 1);
}

#[test]
fn a_wrong_quotient_or_remainder_is_rejected() {
    // 7 / 2 = 3 rem 1, claimed as 2 rem 3: b = q·c + r still holds, |r| < |c| does not.
    let ops = [(AluOp::DivQU, 7, 2), (AluOp::DivRU, 7, 2)];
    let big_r = verify_tampered(&ops, |t| {
        for row in 0..2 {
            let cols = div_row(&mut t[DIV], row);
            cols.q[0] = Val::from_u32(2);
            cols.r[0] = Val::from_u32(3);
            cols.abs_r[0] = Val::from_u32(3);
            let inv = Val::from_u32(3).try_inverse().unwrap();
            cols.r_is_zero.inverse = inv;
        }
        *cell(&mut t[SENDER], 0, 1) = Val::from_u32(2);
        *cell(&mut t[SENDER], 1, 1) = Val::from_u32(3);
    });
    assert_eq!(big_r, Err(VerifyError::BusImbalance), "|r| < |c| must fail");
    // The sender alone claims another quotient.
    let sender = verify_tampered(&ops, |t| *cell(&mut t[SENDER], 0, 1) = Val::from_u32(4));
    assert_eq!(sender, Err(VerifyError::BusImbalance));
}

#[test]
fn a_remainder_of_the_wrong_sign_is_rejected() {
    // -7 / 2 = -3 rem -1; the pair (-4, +1) also satisfies b = q·c + r with |r| < |c|.
    let ops = [(AluOp::DivQ, -7i32 as u32, 2)];
    let floor = verify_tampered(&ops, |t| {
        let cols = div_row(&mut t[DIV], 0);
        let q = (-4i32 as u32).to_le_bytes();
        for i in 0..4 {
            cols.q[i] = Val::from_u8(q[i]);
            cols.r[i] = Val::from_u8([1, 0, 0, 0][i]);
            cols.abs_r[i] = Val::from_u8([1, 0, 0, 0][i]);
            cols.abs_r_carries[i] = Val::ZERO;
        }
        cols.msb[3] = Val::ZERO; // r's
        cols.sign[3] = Val::ZERO;
        cols.r_is_zero.inverse = Val::ONE;
        let q_lo = (-4i32 as u32) & 0xFFFF;
        *cell(&mut t[SENDER], 0, 1) = Val::from_u32(q_lo);
    });
    assert_eq!(
        floor,
        Err(VerifyError::ConstraintsFailed { chip: "Div".into() })
    );
}

#[test]
fn a_false_overflow_claim_is_rejected() {
    // 4 / 2 claimed with the overflow flag (which would drop the high identity bytes).
    let ops = [(AluOp::DivQ, 4, 2)];
    let overflow = verify_tampered(&ops, |t| div_row(&mut t[DIV], 0).overflow = Val::ONE);
    assert_eq!(
        overflow,
        Err(VerifyError::ConstraintsFailed { chip: "Div".into() })
    );
}

#[test]
fn a_zero_divisor_is_rejected() {
    let ops = [(AluOp::DivQU, 5, 1)];
    let zero = verify_tampered(&ops, |t| {
        let cols = div_row(&mut t[DIV], 0);
        cols.c[0] = Val::ZERO;
        cols.c_sum_inv = Val::ZERO;
    });
    assert_eq!(
        zero,
        Err(VerifyError::ConstraintsFailed { chip: "Div".into() })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_operands_satisfy_the_constraints(ops in proptest::collection::vec(
        (prop::sample::select(OPS.to_vec()),
         prop_oneof![any::<u32>(), prop::sample::select(EDGES.to_vec())],
         prop_oneof![any::<u32>(), prop::sample::select(EDGES.to_vec())]
            .prop_filter("nonzero divisor", |c| *c != 0)), 1..64)
    ) {
        let (machine, record) = build(&ops);
        let trace = machine.chips()[DIV].generate_trace(&record);
        let report = p3_air::check_all_constraints(&DivChip, &trace, &[], Some(1));
        prop_assert!(report.is_ok(), "{:?}", report.failures);
    }
}

//! The bits chip: CLZ/CLO/SEB/SEH/WSBH on edge values (0 and all-ones included) and random
//! words; wrong counts, a misplaced flag and a forged sign are rejected.

use std::borrow::BorrowMut;

use crate::common::*;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use proptest::prelude::*;
use tessera_machine::bus::AluOp;
use tessera_machine::chips::bits::BitsCols;
use tessera_machine::{BitsChip, MachineRecord};
use tessera_stark::{Chip, Val, VerifyError};

const OPS: [AluOp; 5] = [AluOp::Clz, AluOp::Clo, AluOp::Seb, AluOp::Seh, AluOp::Wsbh];

/// Row `row` of the Bits trace, by column.
fn cols(t: &mut [RowMajorMatrix<Val>], row: usize) -> &mut BitsCols<Val> {
    t[BITS].row_mut(row).borrow_mut()
}

#[test]
fn edge_values_prove_and_verify() {
    let mut ops = Vec::new();
    for &b in EDGES
        .iter()
        .chain(&[0x0000_0080, 0x0000_8000, 0x1122_3344, 0x00F0_0000])
    {
        for op in OPS {
            ops.push((op, b, 0));
        }
    }
    let (machine, record) = build(&ops);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    assert_eq!(AluOp::Clz.apply(0, 0), 32);
    assert_eq!(AluOp::Clo.apply(u32::MAX, 0), 32);
    assert_eq!(AluOp::Clz.apply(u32::MAX, 0), 0);
    assert_eq!(AluOp::Seb.apply(0x80, 0), 0xFFFF_FF80);
    assert_eq!(AluOp::Seh.apply(0x8000, 0), 0xFFFF_8000);
    assert_eq!(AluOp::Wsbh.apply(0x1122_3344, 0), 0x2211_4433);
}

#[test]
fn a_wrong_count_is_rejected() {
    // CLZ(0x00F0_0000) = 8; the sender claims 9.
    let ops = [(AluOp::Clz, 0x00F0_0000, 0), (AluOp::Clz, 0, 0)];
    let claim = verify_tampered(&ops, |t| *cell(&mut t[SENDER], 0, 1) = Val::from_u32(9));
    assert_eq!(claim, Err(VerifyError::BusImbalance));
    // CLZ(0) claimed as 0 by flagging an all-zero byte.
    let zero = verify_tampered(&ops, |t| {
        cols(t, 1).flags[3] = Val::ONE;
        *cell(&mut t[SENDER], 1, 1) = Val::ZERO;
    });
    assert!(zero.is_err());
}

#[test]
fn a_misplaced_flag_is_rejected() {
    // 0x00F0_0000: the top nonzero byte is byte 2; flag byte 1 (zero) instead.
    let ops = [(AluOp::Clz, 0x00F0_0000, 0)];
    let misplaced = verify_tampered(&ops, |t| {
        let row = cols(t, 0);
        row.flags[2] = Val::ZERO;
        row.flags[1] = Val::ONE;
    });
    assert_eq!(
        misplaced,
        Err(VerifyError::ConstraintsFailed {
            chip: "Bits".into()
        })
    );
}

#[test]
fn a_forged_sign_is_rejected() {
    // SEB(0x80) claimed as 0x80 (msb forged to 0).
    let ops = [(AluOp::Seb, 0x80, 0)];
    let forged = verify_tampered(&ops, |t| {
        cols(t, 0).msb0 = Val::ZERO;
        *cell(&mut t[SENDER], 0, 1) = Val::from_u32(0x80);
        *cell(&mut t[SENDER], 0, 2) = Val::ZERO;
    });
    assert_eq!(forged, Err(VerifyError::BusImbalance));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_words_satisfy_the_constraints(ops in proptest::collection::vec(
        (prop::sample::select(OPS.to_vec()),
         prop_oneof![any::<u32>(), any::<u32>().prop_map(|x| x >> 13), any::<u32>().prop_map(|x| !(x >> 7))]),
        1..64)
    ) {
        let ops: Vec<_> = ops.into_iter().map(|(op, b)| (op, b, 0)).collect();
        let (machine, record) = build(&ops);
        for e in &record.bits_events {
            prop_assert_eq!(e.a, e.op.apply(e.b, 0));
        }
        let trace = machine.chips()[BITS].generate_trace(&record);
        let report = p3_air::check_all_constraints(&BitsChip, &trace, &[], Some(1));
        prop_assert!(report.is_ok(), "{:?}", report.failures);
    }
}

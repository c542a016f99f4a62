//! The bit-field chip: EXT and INS over every position and size, composed from Shift and Bitwise
//! requests; a wrong result or a forged field is rejected.

use std::borrow::BorrowMut;

use crate::common::*;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use proptest::prelude::*;
use tessera_machine::bus::{bit_field, ext_op, ins_op};
use tessera_machine::chips::bit_field::BitFieldCols;
use tessera_machine::{BitFieldChip, MachineRecord};
use tessera_stark::{Chip, Val, VerifyError};

/// A record of the CPU asking for bit-field operations `(insert, pos, size, b, c)`.
fn build_fields(fields: &[(bool, u32, u32, u32, u32)]) -> MachineRecord {
    let (_, mut record) = build(&[]);
    for &(insert, pos, size, b, c) in fields {
        let a = tessera_machine::chips::bit_field::record(&mut record, insert, pos, size, b, c);
        let op = if insert {
            ins_op(pos, size)
        } else {
            ext_op(pos, size)
        };
        record
            .cpu_alu_requests
            .push((op, a, b, if insert { c } else { 0 }));
    }
    record
}

/// Row `row` of the BitField chip's trace.
fn bit_field_row(t: &mut RowMajorMatrix<Val>, row: usize) -> &mut BitFieldCols<Val> {
    t.row_mut(row).borrow_mut()
}

fn verify_fields(
    fields: &[(bool, u32, u32, u32, u32)],
    tamper: impl FnOnce(&mut [RowMajorMatrix<Val>]),
) -> Result<(), VerifyError> {
    let record = build_fields(fields);
    let machine = machine();
    let (pk, vk) = machine.setup::<MachineRecord>();
    let mut t = traces(&machine, &record);
    tamper(&mut t);
    let proof = machine
        .prove_traces_unchecked::<MachineRecord>(&pk, t, vec![vec![]; 10])
        .unwrap();
    machine.verify::<MachineRecord>(&vk, &proof)
}

#[test]
fn every_field_proves_and_verifies() {
    let mut fields = Vec::new();
    for pos in 0..32 {
        for size in [1, 7, 8, 16, 31, 32] {
            if pos + size <= 32 {
                fields.push((false, pos, size, 0x8765_4321, 0));
                fields.push((true, pos, size, 0xDEAD_BEEF, 0x1234_5678));
            }
        }
    }
    let record = build_fields(&fields);
    let machine = machine();
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    assert_eq!(bit_field(false, 4, 8, 0x1234_5678, 0), 0x67);
    assert_eq!(bit_field(true, 8, 8, 0xAB, 0x1122_3344), 0x1122_AB44);
    assert_eq!(bit_field(true, 0, 32, 0xCAFE_F00D, 0), 0xCAFE_F00D);
}

#[test]
fn a_wrong_result_or_field_is_rejected() {
    let fields = [(true, 8, 8, 0xAB, 0x1122_3344)];
    // The CPU (sender) claims another result.
    let result = verify_fields(&fields, |t| {
        *cell(&mut t[SENDER], 0, 1) = Val::from_u32(0x3344)
    });
    assert_eq!(result, Err(VerifyError::BusImbalance));
    // The chip decomposes the field as pos 9 instead of 8.
    let field = verify_fields(&fields, |t| {
        bit_field_row(&mut t[BIT_FIELD], 0).pos_bits[0] = Val::ONE;
    });
    assert_eq!(field, Err(VerifyError::BusImbalance));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_fields_satisfy_the_constraints(fields in proptest::collection::vec(
        (any::<bool>(), 0u32..32, 1u32..=32, any::<u32>(), any::<u32>())
            .prop_filter("pos + size <= 32", |f| f.1 + f.2 <= 32),
        1..32)
    ) {
        let record = build_fields(&fields);
        for (e, &(insert, pos, size, b, c)) in record.bit_field_events.iter().zip(&fields) {
            prop_assert_eq!((e.insert, e.pos, e.size, e.b, e.c), (insert, pos, size, b, c));
        }
        let trace = BitFieldChip.generate_trace(&record);
        let report = p3_air::check_all_constraints(&BitFieldChip, &trace, &[], Some(1));
        prop_assert!(report.is_ok(), "{:?}", report.failures);
    }
}

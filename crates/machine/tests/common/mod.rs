//! A stand-in for the CPU that sends ALU requests, and a test machine with the execution chips.
#![allow(dead_code)]

use std::sync::Arc;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_machine::bus::{alu_message, AluOp};
use tessera_machine::{
    AddSubChip, BitFieldChip, BitsChip, BitwiseChip, ByteChip, DivChip, LtChip, MachineRecord,
    MulChip, ShiftChip,
};
use tessera_mips::Program;
use tessera_stark::{pad_to_power_of_two, Chip, ConfigId, Machine, Val, VerifyError};

/// Stands in for the CPU: sends the record's `cpu_alu_requests` `(op, a, b, c)`, columns
/// `op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi, is_real`.
#[derive(Clone, Debug)]
pub struct Sender;

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
    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let values = record
            .cpu_alu_requests
            .iter()
            .flat_map(|&(op, a, b, c)| {
                [
                    op,
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
    pub enum TestChip<MachineRecord> {
        Bytes(ByteChip),
        AddSub(AddSubChip),
        Bitwise(BitwiseChip),
        Lt(LtChip),
        Mul(MulChip),
        Div(DivChip),
        Shift(ShiftChip),
        Bits(BitsChip),
        BitField(BitFieldChip),
        Sender(Sender),
    }
}

pub const ADD_SUB: usize = 1;
pub const BITWISE: usize = 2;
pub const LT: usize = 3;
pub const MUL: usize = 4;
pub const DIV: usize = 5;
pub const SHIFT: usize = 6;
pub const BITS: usize = 7;
pub const BIT_FIELD: usize = 8;
pub const SENDER: usize = 9;

pub const EDGES: [u32; 12] = [
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

/// The test machine: the byte table, every execution chip, and the stand-in CPU.
pub fn machine() -> Machine<TestChip> {
    Machine::new(
        vec![
            TestChip::Bytes(ByteChip),
            TestChip::AddSub(AddSubChip),
            TestChip::Bitwise(BitwiseChip),
            TestChip::Lt(LtChip),
            TestChip::Mul(MulChip),
            TestChip::Div(DivChip),
            TestChip::Shift(ShiftChip),
            TestChip::Bits(BitsChip),
            TestChip::BitField(BitFieldChip),
            TestChip::Sender(Sender),
        ],
        ConfigId::InsecureTesting,
    )
}

/// The machine and a record of the CPU asking for `ops` (each `(op, b, c)`).
pub fn build(ops: &[(AluOp, u32, u32)]) -> (Machine<TestChip>, MachineRecord) {
    let program = Arc::new(Program::from_code(0x40_0000, &[0], vec![]));
    let mut record = MachineRecord::new(program);
    for &(op, b, c) in ops {
        let a = record.record_alu(op, b, c);
        record.cpu_alu_requests.push((op as u32, a, b, c));
    }
    (machine(), record)
}

pub fn traces(machine: &Machine<TestChip>, record: &MachineRecord) -> Vec<RowMajorMatrix<Val>> {
    machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(record))
        .collect()
}

pub fn verify_tampered(
    ops: &[(AluOp, u32, u32)],
    tamper: impl FnOnce(&mut [RowMajorMatrix<Val>]),
) -> Result<(), VerifyError> {
    let (machine, record) = build(ops);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let mut t = traces(&machine, &record);
    tamper(&mut t);
    let proof = machine
        .prove_traces_unchecked::<MachineRecord>(&pk, t, vec![vec![]; 10])
        .unwrap();
    machine.verify::<MachineRecord>(&vk, &proof)
}

pub fn cell(t: &mut RowMajorMatrix<Val>, row: usize, col: usize) -> &mut Val {
    let width = t.width;
    &mut t.values[row * width + col]
}

//! AND, OR, XOR, NOR (and ANDI, ORI, XORI through the same ops): one row per operation, one byte
//! lookup per limb.
//!
//! **Proves**: for each `(And | Or | Xor | Nor, a, b, c)` it receives on the `alu` bus, `a` is the
//! operation of `b` and `c`. Each limb goes to the byte table as `(op, a_i, b_i, c_i)` (NOR as
//! `(Or, 255 − a_i, b_i, c_i)`), which also proves every limb is a byte: no separate range check.
//! **Assumes**: nothing. Padding rows are zero (no flag, no interaction).

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Val};

use crate::bus::{alu_message, lookup_byte_op, AluOp, ByteOp};
use crate::gadgets::word::Word;
use crate::record::{AluEvent, MachineRecord};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct BitwiseCols<T> {
    pub a: Word<T>,
    pub b: Word<T>,
    pub c: Word<T>,
    /// One-hot operation, in `FLAGS` order (and, or, xor, nor).
    pub flags: [T; 4],
}

pub const NUM_BITWISE_COLS: usize = std::mem::size_of::<BitwiseCols<u8>>();
crate::borrow_row!(BitwiseCols);

const FLAGS: [AluOp; 4] = [AluOp::And, AluOp::Or, AluOp::Xor, AluOp::Nor];

#[derive(Clone, Debug, Default)]
pub struct BitwiseChip;

impl<F> BaseAir<F> for BitwiseChip {
    fn width(&self) -> usize {
        NUM_BITWISE_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for BitwiseChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: BitwiseCols<AB::Var> = *builder.main().current_slice().borrow();
        let (a, b, c) = (local.a, local.b, local.c);
        let flags: [AB::Expr; 4] = local.flags.map(Into::into);
        let [is_and, is_or, is_xor, is_nor] = flags.clone();
        let is_real = flags.iter().cloned().fold(AB::Expr::ZERO, |s, f| s + f);
        for f in &flags {
            builder.assert_bool(f.clone());
        }
        builder.assert_bool(is_real.clone());

        // The table operation: NOR asks the OR of the limbs and complements the result.
        let table_op = is_and * AB::Expr::from_u8(ByteOp::And as u8)
            + (is_or + is_nor.clone()) * AB::Expr::from_u8(ByteOp::Or as u8)
            + is_xor * AB::Expr::from_u8(ByteOp::Xor as u8);
        let (a_bytes, b_bytes, c_bytes) = (
            a.bytes::<AB::Expr>(),
            b.bytes::<AB::Expr>(),
            c.bytes::<AB::Expr>(),
        );
        for i in 0..4 {
            let not_a = AB::Expr::from_u32(255) - a_bytes[i].clone();
            let result = a_bytes[i].clone() + is_nor.clone() * (not_a - a_bytes[i].clone());
            lookup_byte_op(
                builder,
                table_op.clone(),
                [result, b_bytes[i].clone(), c_bytes[i].clone()],
                is_real.clone(),
            );
        }
        let op = FLAGS.iter().zip(flags).fold(AB::Expr::ZERO, |s, (op, f)| {
            s + f * AB::Expr::from_u8(*op as u8)
        });
        alu_message(
            builder,
            op,
            [a.halves(), b.halves(), c.halves()],
            is_real,
            true,
        );
    }
}

impl HasContract for BitwiseChip {
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_BITWISE_COLS];
        let c: &BitwiseCols<u8> = row[..].borrow();
        ContractBuilder::new(c)
            .output("a", &c.a)
            .input("b", &c.b)
            .input("c", &c.c)
            .selector("flags", &c.flags)
            .real_when(&[&c.flags])
            .guarantee("(And | Or | Xor | Nor, a, b, c) received on `alu` has a = op(b, c), every limb a byte")
            .build("`bus::AluOp::apply` for And, Or, Xor and Nor")
    }
}

/// The row of `a = op(b, c)`.
pub fn populate(op: AluOp, a: u32, b: u32, c: u32) -> BitwiseCols<Val> {
    BitwiseCols {
        a: Word::from_u32(a),
        b: Word::from_u32(b),
        c: Word::from_u32(c),
        flags: FLAGS.map(|f| Val::from_bool(f == op)),
    }
}

impl Chip<Val, MachineRecord> for BitwiseChip {
    fn name(&self) -> &'static str {
        "Bitwise"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = vec![Val::ZERO; record.bitwise_events.len() * NUM_BITWISE_COLS];
        for (row, e) in values
            .chunks_mut(NUM_BITWISE_COLS)
            .zip(&record.bitwise_events)
        {
            let cols: &mut BitwiseCols<Val> = row.borrow_mut();
            *cols = populate(e.op, e.a, e.b, e.c);
        }
        pad_to_power_of_two(values, NUM_BITWISE_COLS, 1)
    }
}

/// Records `a = op(b, c)` for this chip (its row and its four byte-table lookups); returns `a`.
pub fn record(record: &mut MachineRecord, op: AluOp, b: u32, c: u32) -> u32 {
    let a = op.apply(b, c);
    let table_op = match op {
        AluOp::And => ByteOp::And,
        AluOp::Xor => ByteOp::Xor,
        _ => ByteOp::Or,
    };
    for (x, y) in b.to_le_bytes().into_iter().zip(c.to_le_bytes()) {
        record.byte_lookups.record(table_op, x, y);
    }
    record.bitwise_events.push(AluEvent { op, a, b, c });
    a
}

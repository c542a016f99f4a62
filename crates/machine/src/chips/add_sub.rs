//! ADD/ADDU/ADDI/ADDIU and SUB/SUBU: `a = b + c` or `a = b − c` (mod 2^32), one row per operation,
//! on 16-bit halves.
//!
//! **Proves**: for each `(Add | Sub, a, b, c)` it receives on the `alu` bus, `a = b ± c mod 2^32`.
//! Subtraction is checked as `b = a + c`, so one adder with two boolean half carries serves both:
//! `x_lo + y_lo = z_lo + 2^16·k0`, `x_hi + y_hi + k0 = z_hi + 2^16·k1`.
//! **Range checks**: both halves of `a` (`U16`). With `b` and `c` canonical too, each half sum is
//! below 2^17 + 1, so the equations hold over the integers and force `a` and the carries.
//! **Assumes**: the sender's `b` and `c` are canonical halves. The CPU is the only sender of
//! `Add`/`Sub`, and its operands are register values (canonical on the memory bus) or ROM
//! operands (16-bit halves by construction). Padding rows are zero: both flags off.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{alu_message, lookup_u16, AluOp};
use crate::gadgets::add::{carries, eval_add};
use crate::record::{AluEvent, MachineRecord};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct AddSubCols<T> {
    pub a: [T; 2],
    pub b: [T; 2],
    pub c: [T; 2],
    pub carries: [T; 2],
    pub is_add: T,
    pub is_sub: T,
}

pub const NUM_COLS: usize = std::mem::size_of::<AddSubCols<u8>>();
crate::borrow_row!(AddSubCols);

#[derive(Clone, Debug, Default)]
pub struct AddSubChip;

impl<F> BaseAir<F> for AddSubChip {
    fn width(&self) -> usize {
        NUM_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for AddSubChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: AddSubCols<AB::Var> = *builder.main().current_slice().borrow();
        let (is_add, is_sub): (AB::Expr, AB::Expr) = (local.is_add.into(), local.is_sub.into());
        let is_real = is_add.clone() + is_sub.clone();
        builder.assert_bool(is_add.clone());
        builder.assert_bool(is_sub.clone());
        builder.assert_bool(is_real.clone());

        // Add: b + c = a. Sub: a + c = b.
        let [a, b, c]: [[AB::Expr; 2]; 3] = [local.a, local.b, local.c].map(|w| w.map(Into::into));
        let x =
            std::array::from_fn(|i| is_add.clone() * b[i].clone() + is_sub.clone() * a[i].clone());
        let z =
            std::array::from_fn(|i| is_add.clone() * a[i].clone() + is_sub.clone() * b[i].clone());
        eval_add(builder, x, c.clone(), z, local.carries);
        for half in &a {
            lookup_u16(builder, half.clone(), is_real.clone());
        }

        let op = is_sub * AB::Expr::from_u8(AluOp::Sub as u8);
        alu_message(builder, op, [a, b, c], is_real, true);
    }
}

/// Why AddSub's operands are canonical halves.
const CPU_OPERANDS: &str = "the CPU, the only sender of Add and Sub, sends register values \
                            (canonical on the memory bus) or ROM operands (16-bit halves)";

impl HasContract for AddSubChip {
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_COLS];
        let c: &AddSubCols<u8> = row[..].borrow();
        ContractBuilder::new(c)
            .output("a", &c.a)
            .input("b", &c.b)
            .input("c", &c.c)
            .oracle("carries", &c.carries)
            .selector("is_add", &c.is_add)
            .selector("is_sub", &c.is_sub)
            .real_when(&[&c.is_add, &c.is_sub])
            .assume_range(&c.b, 16, Source::Sender(CPU_OPERANDS))
            .assume_range(&c.c, 16, Source::Sender(CPU_OPERANDS))
            .guarantee("(Add | Sub, a, b, c) received on `alu` has a = b ± c mod 2^32, halves of a below 2^16")
            .build("`bus::AluOp::apply` for Add and Sub")
    }
}

/// The row of `a = op(b, c)`.
pub fn populate(op: AluOp, a: u32, b: u32, c: u32) -> AddSubCols<Val> {
    let (x, z) = if op == AluOp::Sub { (a, b) } else { (b, a) };
    debug_assert_eq!(x.wrapping_add(c), z);
    let split = |v: u32| [v & 0xFFFF, v >> 16];
    AddSubCols {
        a: split(a).map(Val::from_u32),
        b: split(b).map(Val::from_u32),
        c: split(c).map(Val::from_u32),
        carries: carries(split(x), split(c)).map(Val::from_u32),
        is_add: Val::from_bool(op == AluOp::Add),
        is_sub: Val::from_bool(op == AluOp::Sub),
    }
}

impl Chip<Val, MachineRecord> for AddSubChip {
    fn name(&self) -> &'static str {
        "AddSub"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = vec![Val::ZERO; record.add_sub_events.len() * NUM_COLS];
        for (row, e) in values.chunks_mut(NUM_COLS).zip(&record.add_sub_events) {
            let cols: &mut AddSubCols<Val> = row.borrow_mut();
            *cols = populate(e.op, e.a, e.b, e.c);
        }
        pad_to_power_of_two(values, NUM_COLS, 1)
    }
}

/// Records `a = op(b, c)` for this chip (its row and the range checks of `a`); returns `a`.
pub fn record(record: &mut MachineRecord, op: AluOp, b: u32, c: u32) -> u32 {
    let a = op.apply(b, c);
    record.byte_lookups.record_u16(a as u16);
    record.byte_lookups.record_u16((a >> 16) as u16);
    record.add_sub_events.push(AluEvent { op, a, b, c });
    a
}

//! CLZ, CLO, SEB, SEH and WSBH: unary operations on a word, one row each.
//!
//! CLZ counts on `x = b` and CLO on `x = ~b` (`x_i = 255 − b_i`): a one-hot flag marks the most
//! significant nonzero byte of `x` (bytes above it are constrained zero, the flagged byte nonzero
//! by an inverse), the byte table's `Clz8` counts inside it, and the result is
//! `8·(3 − k) + clz8(x_k)`, or 32 when `x = 0` (no flag, `clz8(0) = 8`). SEB and SEH copy the
//! sign bit (`Ltu(127, byte)`) into the upper bytes; WSBH permutes bytes.
//! **Proves**: `(op, a, b, 0)` received on `alu` has `a = op(b)`.
//! **Range checks**: `b`'s bytes (0 and 1 by their sign lookups, 2 and 3 by `U8Pair`); every
//! other byte is derived from them or a table answer.
//! **Assumes**: nothing. Padding rows are zero.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{alu_message, lookup_byte, lookup_msb, AluOp, ByteOp};
use crate::gadgets::word::Word;
use crate::record::{AluEvent, MachineRecord};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct BitsCols<T> {
    pub b: Word<T>,
    /// The bytes counted: `b` for CLZ, `~b` for CLO, zero otherwise.
    pub x: [T; 4],
    /// One-hot: the most significant nonzero byte of `x` (none when `x = 0`).
    pub flags: [T; 4],
    /// The flagged byte of `x`, its inverse, and its leading zeros (`Clz8`).
    pub top: T,
    pub top_inv: T,
    pub z: T,
    /// The sign bits of `b`'s bytes 0 and 1, for SEB and SEH.
    pub msb0: T,
    pub msb1: T,
    /// One-hot operation, in `OPS` order (clz, clo, seb, seh, wsbh).
    pub ops: [T; 5],
}

pub const NUM_BITS_COLS: usize = std::mem::size_of::<BitsCols<u8>>();
crate::borrow_row!(BitsCols);

const OPS: [AluOp; 5] = [AluOp::Clz, AluOp::Clo, AluOp::Seb, AluOp::Seh, AluOp::Wsbh];

/// The honest witness of one operation.
pub(crate) struct BitsWitness {
    pub x: [u8; 4],
    pub flag: Option<usize>,
    /// The flagged byte of `x` (0 when none).
    pub top: u8,
}

impl BitsWitness {
    pub fn new(op: AluOp, b: u32) -> Self {
        let x = if op == AluOp::Clo { !b } else { b }.to_le_bytes();
        let counting = matches!(op, AluOp::Clz | AluOp::Clo);
        let flag = counting
            .then(|| (0..4).rev().find(|&k| x[k] != 0))
            .flatten();
        BitsWitness {
            x: if counting { x } else { [0; 4] },
            flag,
            top: flag.map_or(0, |k| x[k]),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct BitsChip;

impl<F> BaseAir<F> for BitsChip {
    fn width(&self) -> usize {
        NUM_BITS_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for BitsChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: BitsCols<AB::Var> = *builder.main().current_slice().borrow();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let b = local.b;
        let bb = b.bytes::<AB::Expr>();
        let x: [AB::Expr; 4] = local.x.map(e);
        let flags: [AB::Expr; 4] = local.flags.map(e);
        let (top, top_inv, z) = (e(local.top), e(local.top_inv), e(local.z));
        let (msb0, msb1) = (e(local.msb0), e(local.msb1));
        let ops: [AB::Expr; 5] = local.ops.map(e);
        let [is_clz, is_clo, is_seb, is_seh, is_wsbh] = ops.clone();
        let is_count = is_clz.clone() + is_clo.clone();
        let is_real = ops.iter().cloned().fold(AB::Expr::ZERO, |s, x| s + x);
        let (one, byte_max, base) = (
            AB::Expr::ONE,
            AB::Expr::from_u32(255),
            AB::Expr::from_u32(256),
        );

        for v in ops.iter().chain(&flags).chain([&msb0, &msb1, &is_real]) {
            builder.assert_bool(v.clone());
        }
        let any_flag = flags.iter().cloned().fold(AB::Expr::ZERO, |s, f| s + f);
        builder.assert_bool(any_flag.clone());

        // x = b for CLZ, ~b for CLO, zero otherwise.
        for i in 0..4 {
            let expected = is_clz.clone() * bb[i].clone()
                + is_clo.clone() * (byte_max.clone() - bb[i].clone());
            builder.assert_eq(x[i].clone(), expected);
            builder.assert_zero((one.clone() - is_count.clone()) * flags[i].clone());
            let at_or_above = flags[i..]
                .iter()
                .cloned()
                .fold(AB::Expr::ZERO, |s, f| s + f);
            builder.assert_zero(is_count.clone() * (one.clone() - at_or_above) * x[i].clone());
        }
        let picked = (0..4).fold(AB::Expr::ZERO, |s, i| s + flags[i].clone() * x[i].clone());
        builder.assert_eq(top.clone(), picked);
        builder.assert_eq(top.clone() * top_inv, any_flag.clone());
        lookup_byte(
            builder,
            ByteOp::Clz8,
            [z.clone(), top, AB::Expr::ZERO],
            is_count.clone(),
        );

        let count = (0..4).fold(AB::Expr::ZERO, |s, k| {
            s + flags[k].clone() * AB::Expr::from_u32(8 * (3 - k as u32))
        }) + is_count.clone() * z
            + (is_count - any_flag) * AB::Expr::from_u32(24);
        let (s0, s1) = (msb0.clone() * byte_max.clone(), msb1.clone() * byte_max);
        let a_lo = count
            + is_seb.clone() * (bb[0].clone() + s0.clone() * base.clone())
            + is_seh.clone() * (bb[0].clone() + bb[1].clone() * base.clone())
            + is_wsbh.clone() * (bb[1].clone() + bb[0].clone() * base.clone());
        let a_hi = is_seb.clone() * s0.clone() * AB::Expr::from_u32(257)
            + is_seh.clone() * s1 * AB::Expr::from_u32(257)
            + is_wsbh.clone() * (bb[3].clone() + bb[2].clone() * base);

        // The sign lookups of bytes 0 and 1 range-check them (`Ltu` takes bytes); bytes 2 and
        // 3 are checked as a pair. (The mutation self-test found a pair check of bytes 0 and 1
        // that nothing needed.)
        lookup_msb(builder, msb0, bb[0].clone(), is_real.clone());
        lookup_msb(builder, msb1, bb[1].clone(), is_real.clone());
        lookup_byte(
            builder,
            ByteOp::U8Pair,
            [AB::Expr::ZERO, bb[2].clone(), bb[3].clone()],
            is_real.clone(),
        );

        let op = OPS.iter().zip(ops).fold(AB::Expr::ZERO, |acc, (o, f)| {
            acc + f * AB::Expr::from_u8(*o as u8)
        });
        let zero = [AB::Expr::ZERO, AB::Expr::ZERO];
        alu_message(builder, op, [[a_lo, a_hi], b.halves(), zero], is_real, true);
    }
}

impl HasContract for BitsChip {
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_BITS_COLS];
        let c: &BitsCols<u8> = row[..].borrow();
        ContractBuilder::new(c)
            .input("b", &c.b)
            .oracle("x", &c.x)
            .oracle("flags", &c.flags)
            .oracle("top", &c.top)
            .oracle("top_inv", &c.top_inv)
            .oracle("z", &c.z)
            .oracle("msb0", &c.msb0)
            .oracle("msb1", &c.msb1)
            .selector("ops", &c.ops)
            .real_when(&[&c.ops])
            .assume_range(&c.b, 8, Source::Lookup)
            .guarantee("(Clz | Clo | Seb | Seh | Wsbh, a, b, 0) received on `alu` has a = op(b)")
            .build("`bus::AluOp::apply` for Clz, Clo, Seb, Seh and Wsbh")
    }
}

/// The row of `op(b)`.
pub fn populate(op: AluOp, b: u32) -> BitsCols<Val> {
    let w = BitsWitness::new(op, b);
    let bytes = b.to_le_bytes();
    let index = OPS.iter().position(|&o| o == op).expect("a bits operation");
    let counting = matches!(op, AluOp::Clz | AluOp::Clo);
    BitsCols {
        b: Word::from_u32(b),
        x: w.x.map(Val::from_u8),
        flags: std::array::from_fn(|k| Val::from_bool(w.flag == Some(k))),
        top: Val::from_u8(w.top),
        top_inv: Val::from_u8(w.top).try_inverse().unwrap_or(Val::ZERO),
        z: Val::from_u32(if counting { w.top.leading_zeros() } else { 0 }),
        msb0: Val::from_bool(bytes[0] >= 128),
        msb1: Val::from_bool(bytes[1] >= 128),
        ops: std::array::from_fn(|i| Val::from_bool(i == index)),
    }
}

impl Chip<Val, MachineRecord> for BitsChip {
    fn name(&self) -> &'static str {
        "Bits"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = vec![Val::ZERO; record.bits_events.len() * NUM_BITS_COLS];
        for (row, e) in values.chunks_mut(NUM_BITS_COLS).zip(&record.bits_events) {
            let cols: &mut BitsCols<Val> = row.borrow_mut();
            *cols = populate(e.op, e.b);
        }
        pad_to_power_of_two(values, NUM_BITS_COLS, 1)
    }
}

/// Records the unary `a = op(b)` (with `c = 0`) for this chip (its row and its byte lookups);
/// returns `a`.
pub fn record(record: &mut MachineRecord, op: AluOp, b: u32, c: u32) -> u32 {
    assert_eq!(c, 0, "unary operations carry c = 0");
    let a = op.apply(b, c);
    let w = BitsWitness::new(op, b);
    let lookups = &mut record.byte_lookups;
    let bytes = b.to_le_bytes();
    if matches!(op, AluOp::Clz | AluOp::Clo) {
        lookups.record(ByteOp::Clz8, w.top, 0);
    }
    lookups.record_msb(bytes[0]);
    lookups.record_msb(bytes[1]);
    lookups.record(ByteOp::U8Pair, bytes[2], bytes[3]);
    record.bits_events.push(AluEvent { op, a, b, c });
    a
}

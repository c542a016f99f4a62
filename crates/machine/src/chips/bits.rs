//! CLZ, CLO, SEB, SEH and WSBH: unary operations on a word, one row each.
//!
//! CLZ counts on `x = b` and CLO on `x = ~b` (`x_i = 255 − b_i`): a one-hot flag marks the most
//! significant nonzero byte of `x` (bytes above it are constrained zero, the flagged byte nonzero
//! by an inverse), the byte table's `Clz8` counts inside it, and the result is
//! `8·(3 − k) + clz8(x_k)`, or 32 when `x = 0` (no flag, `clz8(0) = 8`). SEB and SEH copy the
//! sign bit (`Ltu(127, byte)`) into the upper bytes; WSBH permutes bytes.
//! **Proves**: `(op, a, b, 0)` received on `alu` has `a = op(b)`.
//! **Range checks**: `b`'s limbs (`U8Pair`); every other byte is derived from them or a table
//! answer.
//! **Assumes**: nothing. Padding rows are zero.

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{pad_to_power_of_two, Chip, Val};

use crate::bus::{alu_message, lookup_byte, lookup_msb, AluOp, ByteOp};
use crate::gadgets::word::{range_check_word, record_range_check_word, Word};
use crate::record::{AluEvent, MachineRecord};

pub const NUM_COLS: usize = 22;
const OPS: [AluOp; 5] = [AluOp::Clz, AluOp::Clo, AluOp::Seb, AluOp::Seh, AluOp::Wsbh];

mod col {
    pub const B: usize = 0;
    pub const X: usize = 4;
    pub const FLAGS: usize = 8;
    pub const TOP: usize = 12;
    pub const TOP_INV: usize = 13;
    pub const Z: usize = 14;
    pub const MSB0: usize = 15;
    pub const MSB1: usize = 16;
    pub const OP: usize = 17; // clz, clo, seb, seh, wsbh
}

/// The honest witness of one operation.
pub struct BitsWitness {
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
        NUM_COLS
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
        let row = builder.main().current_slice().to_vec();
        let e = |i: usize| -> AB::Expr { row[i].into() };
        let b = Word::from_row(&row, 0);
        let bb = b.bytes::<AB::Expr>();
        let x: [AB::Expr; 4] = std::array::from_fn(|i| e(col::X + i));
        let flags: [AB::Expr; 4] = std::array::from_fn(|i| e(col::FLAGS + i));
        let (top, top_inv, z) = (e(col::TOP), e(col::TOP_INV), e(col::Z));
        let (msb0, msb1) = (e(col::MSB0), e(col::MSB1));
        let ops: [AB::Expr; 5] = std::array::from_fn(|i| e(col::OP + i));
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

        range_check_word(builder, b, is_real.clone());
        lookup_msb(builder, msb0, bb[0].clone(), is_real.clone());
        lookup_msb(builder, msb1, bb[1].clone(), is_real.clone());

        let op = OPS.iter().zip(ops).fold(AB::Expr::ZERO, |acc, (o, f)| {
            acc + f * AB::Expr::from_u8(*o as u8)
        });
        let zero = [AB::Expr::ZERO, AB::Expr::ZERO];
        alu_message(builder, op, [[a_lo, a_hi], b.halves(), zero], is_real, true);
    }
}

impl Chip<Val, MachineRecord> for BitsChip {
    fn name(&self) -> &'static str {
        "Bits"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = Vec::with_capacity(record.bits_events.len() * NUM_COLS);
        for e in &record.bits_events {
            let w = BitsWitness::new(e.op, e.b);
            let mut row = [Val::ZERO; NUM_COLS];
            let bytes = e.b.to_le_bytes();
            for i in 0..4 {
                row[col::B + i] = Val::from_u8(bytes[i]);
                row[col::X + i] = Val::from_u8(w.x[i]);
            }
            if let Some(k) = w.flag {
                row[col::FLAGS + k] = Val::ONE;
            }
            row[col::TOP] = Val::from_u8(w.top);
            row[col::TOP_INV] = Val::from_u8(w.top).try_inverse().unwrap_or(Val::ZERO);
            if matches!(e.op, AluOp::Clz | AluOp::Clo) {
                row[col::Z] = Val::from_u32(w.top.leading_zeros());
            }
            row[col::MSB0] = Val::from_bool(bytes[0] >= 128);
            row[col::MSB1] = Val::from_bool(bytes[1] >= 128);
            let index = OPS
                .iter()
                .position(|&o| o == e.op)
                .expect("a bits operation");
            row[col::OP + index] = Val::ONE;
            values.extend(row);
        }
        pad_to_power_of_two(values, NUM_COLS, 1)
    }
}

/// Records the unary `a = op(b)` (with `c = 0`) for this chip (its row and its byte lookups);
/// returns `a`.
pub fn record(record: &mut MachineRecord, op: AluOp, b: u32, c: u32) -> u32 {
    assert_eq!(c, 0, "unary operations carry c = 0");
    let a = op.apply(b, c);
    let w = BitsWitness::new(op, b);
    let lookups = &mut record.byte_lookups;
    record_range_check_word(lookups, b);
    if matches!(op, AluOp::Clz | AluOp::Clo) {
        lookups.record(ByteOp::Clz8, w.top, 0);
    }
    lookups.record_msb(b.to_le_bytes()[0]);
    lookups.record_msb(b.to_le_bytes()[1]);
    record.bits_events.push(AluEvent { op, a, b, c });
    a
}

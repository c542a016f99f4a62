//! SLL, SRL, SRA, ROTR and their variable forms: `a = b shifted by s = c mod 32`, one row each.
//!
//! Every shift is read off one 64-bit product `P = b·2^t` (`b` sign-extended for SRA):
//! with `t = s`, SLL is `lo(P)`; with `t = 32 − s`, SRL and SRA are `hi(P)` and ROTR is
//! `hi(P) + lo(P)` (their bits do not overlap). `2^t` is a one-hot byte position `q` (five flags)
//! holding `p = 2^r`, `t = 8q + r`, with `p` built from the three bits of `r`; the product is a
//! byte convolution with byte carries, as in the Mul chip.
//! **Proves**: `(Sll | Srl | Sra | Rotr, a, b, c)` received on `alu` has `a = op(b, c mod 32)`.
//! **Range checks**: `b`, `c` and `P` limbs (`U8Pair`, `c`'s low byte by its bit decomposition),
//! the carries (below 128, checked as bytes), `b`'s sign by `Ltu(127, b3)`.
//! **Assumes**: nothing. Padding rows are zero (the power `p` is only constrained on real rows).

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{alu_message, lookup_byte, lookup_msb, AluOp, ByteOp};
use crate::gadgets::word::{range_check_word, record_range_check_word, Word};
use crate::record::{AluEvent, MachineRecord};

const OPS: [AluOp; 4] = [AluOp::Sll, AluOp::Srl, AluOp::Sra, AluOp::Rotr];

/// One row; words are little-endian bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ShiftCols<T> {
    pub b: [T; 4],
    pub c: [T; 4],
    /// The eight bits of `c`'s low byte; the amount `s` is the low five.
    pub c_bits: [T; 8],
    /// The bits of `r = t mod 8`.
    pub r_bits: [T; 3],
    /// `(1 + r0)(1 + 3·r1)`, the partial product that keeps `p`'s constraint at degree 3.
    pub p01: T,
    /// `p = 2^r`.
    pub p: T,
    /// One-hot `q = t div 8`, `0..=4`.
    pub flags: [T; 5],
    /// The bytes of `P = b·2^t` and the carries of its convolution.
    pub product: [T; 8],
    pub carries: [T; 8],
    pub msb_b: T,
    /// `b`'s extension byte: 255 for SRA of a negative `b`, else 0.
    pub sign_b: T,
    /// One-hot operation, in `OPS` order.
    pub ops: [T; 4],
}

crate::borrow_row!(ShiftCols);

pub const NUM_SHIFT_COLS: usize = std::mem::size_of::<ShiftCols<u8>>();

/// The honest witness of one shift.
pub(crate) struct ShiftWitness {
    pub t: u32,
    pub product: u64,
    pub carries: [u32; 8],
}

impl ShiftWitness {
    pub fn new(op: AluOp, b: u32, c: u32) -> Self {
        let s = c & 31;
        let t = if op == AluOp::Sll { s } else { 32 - s };
        let mut bx = [0u64; 8];
        for (i, v) in b.to_le_bytes().iter().enumerate() {
            bx[i] = *v as u64;
        }
        if op == AluOp::Sra && (b as i32) < 0 {
            bx[4..].fill(255);
        }
        let (q, p) = ((t / 8) as usize, 1u64 << (t % 8));
        let mut carries = [0u32; 8];
        let mut carry = 0u64;
        let mut product = 0u64;
        for k in 0..8 {
            let sum = carry + if k >= q { bx[k - q] * p } else { 0 };
            product |= (sum & 0xFF) << (8 * k);
            carry = sum >> 8;
            carries[k] = carry as u32;
        }
        ShiftWitness {
            t,
            product,
            carries,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ShiftChip;

impl<F> BaseAir<F> for ShiftChip {
    fn width(&self) -> usize {
        NUM_SHIFT_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ShiftChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: ShiftCols<AB::Var> = *builder.main().current_slice().borrow();
        let (b, c) = (Word(local.b), Word(local.c));
        let ops: [AB::Expr; 4] = local.ops.map(Into::into);
        let [is_sll, is_srl, is_sra, is_rotr] = ops.clone();
        let is_real = ops.iter().cloned().fold(AB::Expr::ZERO, |s, x| s + x);
        let c_bits: [AB::Expr; 8] = local.c_bits.map(Into::into);
        let r_bits: [AB::Expr; 3] = local.r_bits.map(Into::into);
        let flags: [AB::Expr; 5] = local.flags.map(Into::into);
        let (p01, p): (AB::Expr, AB::Expr) = (local.p01.into(), local.p.into());
        let (msb_b, sign_b): (AB::Expr, AB::Expr) = (local.msb_b.into(), local.sign_b.into());
        let one = AB::Expr::ONE;

        for x in ops
            .iter()
            .chain(&c_bits)
            .chain(&r_bits)
            .chain(&flags)
            .chain([&msb_b, &is_real])
        {
            builder.assert_bool(x.clone());
        }
        let flag_sum = flags.iter().cloned().fold(AB::Expr::ZERO, |s, x| s + x);
        builder.assert_eq(flag_sum, is_real.clone());

        // c's low byte in bits; the amount is its low five.
        let c_bytes = c.bytes::<AB::Expr>();
        let from_bits = |bits: &[AB::Expr]| {
            bits.iter().enumerate().fold(AB::Expr::ZERO, |s, (i, x)| {
                s + x.clone() * AB::Expr::from_u32(1 << i)
            })
        };
        builder.assert_eq(from_bits(&c_bits), c_bytes[0].clone());
        let s = from_bits(&c_bits[..5]);
        let t = is_sll.clone() * s.clone()
            + (is_srl.clone() + is_sra.clone() + is_rotr.clone()) * (AB::Expr::from_u32(32) - s);
        let q = (0..5).fold(AB::Expr::ZERO, |acc, j| {
            acc + flags[j].clone() * AB::Expr::from_u32(j as u32)
        });
        builder.assert_eq(q * AB::Expr::from_u32(8) + from_bits(&r_bits), t);

        // p = 2^r on real rows.
        let [r0, r1, r2] = r_bits;
        builder.assert_zero(
            is_real.clone()
                * (p01.clone() - (one.clone() + r0) * (one.clone() + r1 * AB::Expr::from_u32(3))),
        );
        builder.assert_zero(
            is_real.clone() * (p.clone() - p01 * (one.clone() + r2 * AB::Expr::from_u32(15))),
        );

        // P = b_ext · 2^t over eight bytes.
        builder.assert_eq(
            sign_b.clone(),
            is_sra.clone() * msb_b.clone() * AB::Expr::from_u32(255),
        );
        let b_bytes = b.bytes::<AB::Expr>();
        let bx: [AB::Expr; 8] = std::array::from_fn(|i| {
            if i < 4 {
                b_bytes[i].clone()
            } else {
                sign_b.clone()
            }
        });
        let m: [AB::Expr; 5] = std::array::from_fn(|j| flags[j].clone() * p.clone());
        let product: [AB::Expr; 8] = local.product.map(Into::into);
        let carries: [AB::Expr; 8] = local.carries.map(Into::into);
        for k in 0..8 {
            let mut lhs = if k == 0 {
                AB::Expr::ZERO
            } else {
                carries[k - 1].clone()
            };
            for j in 0..=k.min(4) {
                lhs += bx[k - j].clone() * m[j].clone();
            }
            builder.assert_eq(
                lhs,
                product[k].clone() + carries[k].clone() * AB::Expr::from_u32(256),
            );
        }

        // The result: lo(P), hi(P), or both for the rotation.
        let a: [AB::Expr; 4] = std::array::from_fn(|k| {
            is_sll.clone() * product[k].clone()
                + (is_srl.clone() + is_sra.clone()) * product[k + 4].clone()
                + is_rotr.clone() * (product[k].clone() + product[k + 4].clone())
        });
        let base = AB::Expr::from_u32(256);
        let a_halves = [
            a[0].clone() + a[1].clone() * base.clone(),
            a[2].clone() + a[3].clone() * base,
        ];

        range_check_word(builder, b, is_real.clone());
        lookup_byte(
            builder,
            ByteOp::U8Pair,
            [AB::Expr::ZERO, c_bytes[1].clone(), c_bytes[2].clone()],
            is_real.clone(),
        );
        lookup_byte(
            builder,
            ByteOp::U8Pair,
            [AB::Expr::ZERO, c_bytes[3].clone(), AB::Expr::ZERO],
            is_real.clone(),
        );
        lookup_msb(builder, msb_b, b_bytes[3].clone(), is_real.clone());
        for pair in product.chunks_exact(2).chain(carries.chunks_exact(2)) {
            lookup_byte(
                builder,
                ByteOp::U8Pair,
                [AB::Expr::ZERO, pair[0].clone(), pair[1].clone()],
                is_real.clone(),
            );
        }

        let op = OPS.iter().zip(ops).fold(AB::Expr::ZERO, |acc, (o, f)| {
            acc + f * AB::Expr::from_u8(*o as u8)
        });
        alu_message(
            builder,
            op,
            [a_halves, b.halves(), c.halves()],
            is_real,
            true,
        );
    }
}

impl HasContract for ShiftChip {
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_SHIFT_COLS];
        let c: &ShiftCols<u8> = row[..].borrow();
        ContractBuilder::new(c)
            .input("b", &c.b)
            .input("c", &c.c)
            .oracle("c_bits", &c.c_bits)
            .oracle("r_bits", &c.r_bits)
            .oracle("p01", &c.p01)
            .oracle("p", &c.p)
            .oracle("flags", &c.flags)
            .oracle("product", &c.product)
            .oracle("carries", &c.carries)
            .oracle("msb_b", &c.msb_b)
            .oracle("sign_b", &c.sign_b)
            .selector("ops", &c.ops)
            .real_when(&[&c.ops])
            .assume_range(&c.b, 8, Source::Lookup)
            .assume_range(&c.c, 8, Source::Lookup)
            .assume_range(&c.product, 8, Source::Lookup)
            .guarantee(
                "(Sll | Srl | Sra | Rotr, a, b, c) received on `alu` has a = op(b, c mod 32)",
            )
            .build("`bus::AluOp::apply` for Sll, Srl, Sra and Rotr")
    }
}

/// The row of `a = op(b, c)`.
pub fn populate(op: AluOp, b: u32, c: u32) -> ShiftCols<Val> {
    let w = ShiftWitness::new(op, b, c);
    fn bits<const N: usize>(x: u32) -> [Val; N] {
        std::array::from_fn(|i| Val::from_bool(x >> i & 1 == 1))
    }
    let r = w.t % 8;
    let msb = (b as i32) < 0;
    let mut cols = ShiftCols {
        b: b.to_le_bytes().map(Val::from_u8),
        c: c.to_le_bytes().map(Val::from_u8),
        c_bits: bits(c),
        r_bits: bits(r),
        p01: Val::from_u32((1 + (r & 1)) * (1 + 3 * (r >> 1 & 1))),
        p: Val::from_u32(1 << r),
        product: w.product.to_le_bytes().map(Val::from_u8),
        carries: w.carries.map(Val::from_u32),
        msb_b: Val::from_bool(msb),
        sign_b: Val::from_u32(if op == AluOp::Sra && msb { 255 } else { 0 }),
        ..ShiftCols::default()
    };
    cols.flags[(w.t / 8) as usize] = Val::ONE;
    cols.ops[OPS.iter().position(|&o| o == op).expect("a shift")] = Val::ONE;
    cols
}

impl Chip<Val, MachineRecord> for ShiftChip {
    fn name(&self) -> &'static str {
        "Shift"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let width = NUM_SHIFT_COLS;
        let mut values = vec![Val::ZERO; record.shift_events.len() * width];
        for (row, e) in values.chunks_mut(width).zip(&record.shift_events) {
            let cols: &mut ShiftCols<Val> = row.borrow_mut();
            *cols = populate(e.op, e.b, e.c);
        }
        pad_to_power_of_two(values, width, 1)
    }
}

/// Records `a = op(b, c)` for this chip (its row and its byte lookups); returns `a`.
pub fn record(record: &mut MachineRecord, op: AluOp, b: u32, c: u32) -> u32 {
    let a = op.apply(b, c);
    let w = ShiftWitness::new(op, b, c);
    let lookups = &mut record.byte_lookups;
    record_range_check_word(lookups, b);
    let [_, c1, c2, c3] = c.to_le_bytes();
    lookups.record(ByteOp::U8Pair, c1, c2);
    lookups.record(ByteOp::U8Pair, c3, 0);
    lookups.record_msb(b.to_le_bytes()[3]);
    record_range_check_word(lookups, w.product as u32);
    record_range_check_word(lookups, (w.product >> 32) as u32);
    for pair in w.carries.chunks_exact(2) {
        lookups.record(ByteOp::U8Pair, pair[0] as u8, pair[1] as u8);
    }
    record.shift_events.push(AluEvent { op, a, b, c });
    a
}

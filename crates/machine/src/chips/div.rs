//! DIV and DIVU: quotient and remainder of `b / c` (`c ≠ 0`), signed or unsigned, one row per
//! division.
//!
//! The row proves `b = q·c + r` over 64-bit two's complement (operands sign-extended as in the Mul
//! chip: byte convolutions with 16-bit carries), `|r| < |c|` (by asking the Lt chip on the `alu`
//! bus), and, when signed, that a nonzero `r` has `b`'s sign: together they fix truncated division.
//! `INT_MIN / −1` overflows 32 bits: an `overflow` flag, allowed only for exactly that input,
//! keeps the identity to the low word, where `q = INT_MIN`, `r = 0` is the only solution.
//! **Proves**: `(DivQ | DivQU, q, b, c)` and `(DivR | DivRU, r, b, c)` received on `alu` when their
//! send flags are set.
//! **Range checks**: limbs of `b, c, q, r, |r|, |c|` (`U8Pair`), carries (`U16`), sign bits by
//! `Ltu(127, top byte)`. `c ≠ 0` through an inverse of its byte sum.
//! **Assumes**: the Lt chip answers `(Sltu, 1, |r|, |c|)`. Division by zero never reaches the
//! ALU (the executor stops), so this chip rejects `c = 0`.

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{pad_to_power_of_two, Chip, Val};

use crate::bus::{alu_message, lookup_msb, lookup_u16, AluOp};
use crate::gadgets::word::{range_check_word, record_range_check_word, Word};
use crate::record::MachineRecord;

pub const NUM_COLS: usize = 56;

/// Column offsets.
mod col {
    pub const B: usize = 0;
    pub const C: usize = 4;
    pub const Q: usize = 8;
    pub const R: usize = 12;
    pub const CARRY: usize = 16;
    pub const MSB: usize = 24; // b, c, q, r
    pub const SIGN: usize = 28; // 255·signed·msb for b, c, q, r
    pub const OVERFLOW: usize = 32;
    pub const C_SUM_INV: usize = 33;
    pub const R_SUM_INV: usize = 34;
    pub const R_IS_ZERO: usize = 35;
    pub const ABS_R: usize = 36;
    pub const ABS_C: usize = 40;
    pub const ABS_R_CARRY: usize = 44;
    pub const ABS_C_CARRY: usize = 48;
    pub const SIGNED: usize = 52;
    pub const SEND_Q: usize = 53;
    pub const SEND_R: usize = 54;
    pub const IS_REAL: usize = 55;
}

/// The honest witness of one division.
pub struct DivWitness {
    pub q: u32,
    pub r: u32,
    pub abs_r: u32,
    pub abs_c: u32,
    pub carries: [u32; 8],
    pub overflow: bool,
}

fn extend(x: u32, signed: bool) -> [u64; 8] {
    let mut bytes = [0u64; 8];
    for (i, v) in x.to_le_bytes().iter().enumerate() {
        bytes[i] = *v as u64;
    }
    if signed && (x as i32) < 0 {
        bytes[4..].fill(255);
    }
    bytes
}

/// The carries of `x + y = 2^32` (negation), byte by byte.
fn negation_carries(x: u32, y: u32) -> [u32; 4] {
    let (xb, yb) = (x.to_le_bytes(), y.to_le_bytes());
    let mut carries = [0u32; 4];
    let mut carry = 0u32;
    for i in 0..4 {
        carry = (xb[i] as u32 + yb[i] as u32 + carry) >> 8;
        carries[i] = carry;
    }
    carries
}

impl DivWitness {
    pub fn new(signed: bool, b: u32, c: u32) -> Self {
        let (q, r) = if signed {
            (AluOp::DivQ.apply(b, c), AluOp::DivR.apply(b, c))
        } else {
            (b / c, b % c)
        };
        let abs = |x: u32| if signed { (x as i32).unsigned_abs() } else { x };
        let (qx, cx, rx) = (extend(q, signed), extend(c, signed), extend(r, signed));
        let mut carries = [0u32; 8];
        let mut carry = 0u64;
        for k in 0..8 {
            let mut sum = carry + rx[k];
            for i in 0..=k {
                sum += qx[i] * cx[k - i];
            }
            carry = sum >> 8;
            carries[k] = carry as u32;
        }
        DivWitness {
            q,
            r,
            abs_r: abs(r),
            abs_c: abs(c),
            carries,
            overflow: signed && b == 0x8000_0000 && c == u32::MAX,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct DivChip;

impl<F> BaseAir<F> for DivChip {
    fn width(&self) -> usize {
        NUM_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for DivChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let row = builder.main().current_slice().to_vec();
        let e = |i: usize| -> AB::Expr { row[i].into() };
        let word = |i: usize| Word::from_row(&row, i);
        let (b, c, q, r) = (word(col::B), word(col::C), word(col::Q), word(col::R));
        let (abs_r, abs_c) = (word(col::ABS_R), word(col::ABS_C));
        let msb: [AB::Expr; 4] = std::array::from_fn(|i| e(col::MSB + i));
        let sign: [AB::Expr; 4] = std::array::from_fn(|i| e(col::SIGN + i));
        let (overflow, signed) = (e(col::OVERFLOW), e(col::SIGNED));
        let (send_q, send_r, is_real) = (e(col::SEND_Q), e(col::SEND_R), e(col::IS_REAL));
        let r_is_zero = e(col::R_IS_ZERO);
        let one = AB::Expr::ONE;
        let byte_max = AB::Expr::from_u32(255);
        let base = AB::Expr::from_u32(256);

        for x in msb
            .iter()
            .chain([&overflow, &signed, &send_q, &send_r, &is_real, &r_is_zero])
        {
            builder.assert_bool(x.clone());
        }
        builder.assert_zero((one.clone() - is_real.clone()) * (send_q.clone() + send_r.clone()));
        for i in 0..4 {
            builder.assert_eq(
                sign[i].clone(),
                signed.clone() * msb[i].clone() * byte_max.clone(),
            );
        }

        // b = q·c + r over eight sign-extended bytes; only the low four when overflowing.
        let ext = |w: &Word<AB::Var>, s: &AB::Expr| -> [AB::Expr; 8] {
            let bytes = w.bytes::<AB::Expr>();
            std::array::from_fn(|i| if i < 4 { bytes[i].clone() } else { s.clone() })
        };
        let (bx, cx, qx, rx) = (
            ext(&b, &sign[0]),
            ext(&c, &sign[1]),
            ext(&q, &sign[2]),
            ext(&r, &sign[3]),
        );
        let carries: [AB::Expr; 8] = std::array::from_fn(|k| e(col::CARRY + k));
        for k in 0..8 {
            let mut lhs = rx[k].clone()
                + if k == 0 {
                    AB::Expr::ZERO
                } else {
                    carries[k - 1].clone()
                };
            for i in 0..=k {
                lhs += qx[i].clone() * cx[k - i].clone();
            }
            let identity = lhs - bx[k].clone() - carries[k].clone() * base.clone();
            if k < 4 {
                builder.assert_zero(identity);
            } else {
                builder.assert_zero((one.clone() - overflow.clone()) * identity);
            }
        }

        // Overflow only for INT_MIN / -1, signed.
        let (bb, cb) = (b.bytes::<AB::Expr>(), c.bytes::<AB::Expr>());
        for x in &bb[..3] {
            builder.assert_zero(overflow.clone() * x.clone());
        }
        builder.assert_zero(overflow.clone() * (bb[3].clone() - AB::Expr::from_u32(128)));
        for x in &cb {
            builder.assert_zero(overflow.clone() * (x.clone() - byte_max.clone()));
        }
        builder.assert_zero(overflow * (one.clone() - signed.clone()));

        // c ≠ 0 on real rows.
        let c_sum = cb.iter().cloned().fold(AB::Expr::ZERO, |s, x| s + x);
        builder.assert_zero(is_real.clone() * (one.clone() - c_sum * e(col::C_SUM_INV)));

        // On real rows, r = 0 ⇔ r_is_zero (padding rows are all zero).
        let r_sum = r
            .bytes::<AB::Expr>()
            .into_iter()
            .fold(AB::Expr::ZERO, |s, x| s + x);
        builder.assert_eq(
            r_sum.clone() * e(col::R_SUM_INV),
            is_real.clone() - r_is_zero.clone(),
        );
        builder.assert_zero(r_sum * r_is_zero.clone());

        // A negative remainder needs a negative dividend; a negative dividend and nonzero
        // remainder need a negative remainder (sign[0] = 255·signed·msb_b, sign[3] for r).
        builder.assert_zero(sign[3].clone() * (one.clone() - msb[0].clone()));
        builder.assert_zero(
            sign[0].clone() * (one.clone() - r_is_zero) * (one.clone() - msb[3].clone()),
        );

        // |x| = x, or x + |x| = 2^32 when x is negative (signed and msb set).
        let inv255 = AB::F::from_u32(255).inverse();
        let absolute = |builder: &mut AB,
                        x: &Word<AB::Var>,
                        abs: &Word<AB::Var>,
                        neg: AB::Expr,
                        carry_at: usize| {
            let (xb, ab) = (x.bytes::<AB::Expr>(), abs.bytes::<AB::Expr>());
            let mut carry_in = AB::Expr::ZERO;
            for i in 0..4 {
                let carry = e(carry_at + i);
                builder.assert_bool(carry.clone());
                builder.assert_zero((one.clone() - neg.clone()) * (ab[i].clone() - xb[i].clone()));
                builder.assert_zero(
                    neg.clone()
                        * (xb[i].clone() + ab[i].clone() + carry_in - carry.clone() * base.clone()),
                );
                carry_in = carry;
            }
        };
        absolute(
            builder,
            &r,
            &abs_r,
            sign[3].clone() * inv255,
            col::ABS_R_CARRY,
        );
        absolute(
            builder,
            &c,
            &abs_c,
            sign[1].clone() * inv255,
            col::ABS_C_CARRY,
        );

        for w in [b, c, q, r, abs_r, abs_c] {
            range_check_word(builder, w, is_real.clone());
        }
        for carry in carries {
            lookup_u16(builder, carry, is_real.clone());
        }
        for (w, m) in [b, c, q, r].iter().zip(&msb) {
            let top = w.bytes::<AB::Expr>()[3].clone();
            lookup_msb(builder, m.clone(), top, is_real.clone());
        }

        // |r| < |c|, answered by the Lt chip.
        alu_message(
            builder,
            AB::Expr::from_u8(AluOp::Sltu as u8),
            [[one, AB::Expr::ZERO], abs_r.halves(), abs_c.halves()],
            is_real,
            false,
        );
        let op = |signed_op: AluOp, unsigned_op: AluOp| {
            AB::Expr::from_u8(unsigned_op as u8)
                + signed.clone()
                    * (AB::Expr::from_u8(signed_op as u8) - AB::Expr::from_u8(unsigned_op as u8))
        };
        let operands = |a: [AB::Expr; 2]| [a, b.halves(), c.halves()];
        alu_message(
            builder,
            op(AluOp::DivQ, AluOp::DivQU),
            operands(q.halves()),
            send_q,
            true,
        );
        alu_message(
            builder,
            op(AluOp::DivR, AluOp::DivRU),
            operands(r.halves()),
            send_r,
            true,
        );
    }
}

impl Chip<Val, MachineRecord> for DivChip {
    fn name(&self) -> &'static str {
        "Div"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = Vec::with_capacity(record.div_events.len() * NUM_COLS);
        for e in &record.div_events {
            let w = DivWitness::new(e.signed, e.b, e.c);
            let mut row = [Val::ZERO; NUM_COLS];
            let put_word = |row: &mut [Val; NUM_COLS], at: usize, x: u32| {
                for (i, byte) in x.to_le_bytes().iter().enumerate() {
                    row[at + i] = Val::from_u8(*byte);
                }
            };
            put_word(&mut row, col::B, e.b);
            put_word(&mut row, col::C, e.c);
            put_word(&mut row, col::Q, w.q);
            put_word(&mut row, col::R, w.r);
            put_word(&mut row, col::ABS_R, w.abs_r);
            put_word(&mut row, col::ABS_C, w.abs_c);
            for k in 0..8 {
                row[col::CARRY + k] = Val::from_u32(w.carries[k]);
            }
            for (i, x) in [e.b, e.c, w.q, w.r].iter().enumerate() {
                let negative = (*x as i32) < 0;
                row[col::MSB + i] = Val::from_bool(negative);
                row[col::SIGN + i] = Val::from_u32(if e.signed && negative { 255 } else { 0 });
            }
            row[col::OVERFLOW] = Val::from_bool(w.overflow);
            let byte_sum = |x: u32| x.to_le_bytes().iter().map(|&v| v as u32).sum::<u32>();
            row[col::C_SUM_INV] = Val::from_u32(byte_sum(e.c))
                .try_inverse()
                .unwrap_or(Val::ZERO);
            row[col::R_SUM_INV] = Val::from_u32(byte_sum(w.r))
                .try_inverse()
                .unwrap_or(Val::ZERO);
            row[col::R_IS_ZERO] = Val::from_bool(w.r == 0);
            if e.signed && (w.r as i32) < 0 {
                let carries = negation_carries(w.r, w.abs_r);
                for i in 0..4 {
                    row[col::ABS_R_CARRY + i] = Val::from_u32(carries[i]);
                }
            }
            if e.signed && (e.c as i32) < 0 {
                let carries = negation_carries(e.c, w.abs_c);
                for i in 0..4 {
                    row[col::ABS_C_CARRY + i] = Val::from_u32(carries[i]);
                }
            }
            row[col::SIGNED] = Val::from_bool(e.signed);
            row[col::SEND_Q] = Val::from_bool(e.send_q);
            row[col::SEND_R] = Val::from_bool(e.send_r);
            row[col::IS_REAL] = Val::ONE;
            values.extend(row);
        }
        pad_to_power_of_two(values, NUM_COLS, 1)
    }
}

/// One division `b / c` (c ≠ 0) and which results were asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DivEvent {
    pub signed: bool,
    pub b: u32,
    pub c: u32,
    pub send_q: bool,
    pub send_r: bool,
}

/// Records `op(b, c)` (one result of a division by `c ≠ 0` asked for) for this chip; returns
/// the result.
pub fn record(record: &mut MachineRecord, op: AluOp, b: u32, c: u32) -> u32 {
    assert!(c != 0, "division by zero never reaches the ALU");
    record_division(
        record,
        DivEvent {
            signed: matches!(op, AluOp::DivQ | AluOp::DivR),
            b,
            c,
            send_q: matches!(op, AluOp::DivQ | AluOp::DivQU),
            send_r: matches!(op, AluOp::DivR | AluOp::DivRU),
        },
    );
    op.apply(b, c)
}

/// Records one division row (DIV and DIVU ask for both results from one row) with the lookups
/// and the `|r| < |c|` comparison the row makes.
pub fn record_division(record: &mut MachineRecord, event: DivEvent) {
    let w = DivWitness::new(event.signed, event.b, event.c);
    for word in [event.b, event.c, w.q, w.r, w.abs_r, w.abs_c] {
        record_range_check_word(&mut record.byte_lookups, word);
    }
    for word in [event.b, event.c, w.q, w.r] {
        record.byte_lookups.record_msb(word.to_le_bytes()[3]);
    }
    for carry in w.carries {
        record.byte_lookups.record_u16(carry as u16);
    }
    record.record_alu(AluOp::Sltu, w.abs_r, w.abs_c);
    record.div_events.push(event);
}

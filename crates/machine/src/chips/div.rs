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

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{alu_message, lookup_msb, lookup_u16, AluOp};
use crate::gadgets::is_zero::IsZeroCols;
use crate::gadgets::word::{range_check_word, record_range_check_word, Word};
use crate::record::MachineRecord;

/// One row; words are little-endian bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct DivCols<T> {
    pub b: [T; 4],
    pub c: [T; 4],
    pub q: [T; 4],
    pub r: [T; 4],
    /// The carries of `q·c + r = b`, byte by byte.
    pub carries: [T; 8],
    /// The sign bits of `b`, `c`, `q`, `r`, and their extension bytes `255·signed·msb`.
    pub msb: [T; 4],
    pub sign: [T; 4],
    /// `INT_MIN / −1`: the identity holds on the low word only.
    pub overflow: T,
    /// The inverse of `c`'s byte sum, so `c ≠ 0`.
    pub c_sum_inv: T,
    /// `r = 0`, from `r`'s byte sum. Constrained by hand, not `eval_is_zero`: the hand-written
    /// form folds `is_real` in, so it stays degree 2 and holds on zero padding rows.
    pub r_is_zero: IsZeroCols<T>,
    pub abs_r: [T; 4],
    pub abs_c: [T; 4],
    /// The byte carries of `x + |x| = 2^32` for `r` and `c` (zero unless negative).
    pub abs_r_carries: [T; 4],
    pub abs_c_carries: [T; 4],
    pub signed: T,
    /// Which results the row answers on the `alu` bus.
    pub send_q: T,
    pub send_r: T,
    pub is_real: T,
}

crate::borrow_row!(DivCols);

pub const NUM_DIV_COLS: usize = std::mem::size_of::<DivCols<u8>>();

/// The honest witness of one division.
pub(crate) struct DivWitness {
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
        NUM_DIV_COLS
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
        let local: DivCols<AB::Var> = *builder.main().current_slice().borrow();
        let [b, c, q, r, abs_r, abs_c] =
            [local.b, local.c, local.q, local.r, local.abs_r, local.abs_c].map(Word);
        let msb: [AB::Expr; 4] = local.msb.map(Into::into);
        let sign: [AB::Expr; 4] = local.sign.map(Into::into);
        let [overflow, signed, send_q, send_r, is_real]: [AB::Expr; 5] = [
            local.overflow,
            local.signed,
            local.send_q,
            local.send_r,
            local.is_real,
        ]
        .map(Into::into);
        let r_is_zero: AB::Expr = local.r_is_zero.result.into();
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
        let carries: [AB::Expr; 8] = local.carries.map(Into::into);
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
        builder.assert_zero(is_real.clone() * (one.clone() - c_sum * local.c_sum_inv.into()));

        // On real rows, r = 0 ⇔ r_is_zero (padding rows are all zero).
        let r_sum = r
            .bytes::<AB::Expr>()
            .into_iter()
            .fold(AB::Expr::ZERO, |s, x| s + x);
        builder.assert_eq(
            r_sum.clone() * local.r_is_zero.inverse.into(),
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
        eval_absolute(
            builder,
            &r,
            &abs_r,
            sign[3].clone() * inv255,
            local.abs_r_carries,
        );
        eval_absolute(
            builder,
            &c,
            &abs_c,
            sign[1].clone() * inv255,
            local.abs_c_carries,
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

impl HasContract for DivChip {
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_DIV_COLS];
        let c: &DivCols<u8> = row[..].borrow();
        ContractBuilder::new(c)
            .input("b", &c.b)
            .input("c", &c.c)
            .output("q", &c.q)
            .output("r", &c.r)
            .oracle("carries", &c.carries)
            .oracle("msb", &c.msb)
            .oracle("sign", &c.sign)
            .oracle("overflow", &c.overflow)
            .oracle("c_sum_inv", &c.c_sum_inv)
            .oracle("r_is_zero", &c.r_is_zero)
            .oracle("abs_r", &c.abs_r)
            .oracle("abs_c", &c.abs_c)
            .oracle("abs_r_carries", &c.abs_r_carries)
            .oracle("abs_c_carries", &c.abs_c_carries)
            .oracle("signed", &c.signed)
            .selector("send_q", &c.send_q)
            .selector("send_r", &c.send_r)
            .selector("is_real", &c.is_real)
            .real_when(&[&c.is_real])
            .assume_range(&c.b, 8, Source::Lookup)
            .assume_range(&c.c, 8, Source::Lookup)
            .assume_range(&c.q, 8, Source::Lookup)
            .assume_range(&c.r, 8, Source::Lookup)
            .assume_range(&c.carries, 16, Source::Lookup)
            .guarantee("(DivQ | DivQU, q, b, c) and (DivR | DivRU, r, b, c) received on `alu` hold when their send flags are set; c ≠ 0")
            .build("`bus::AluOp::apply` for DivQ, DivR, DivQU and DivRU")
    }
}

/// `|x| = x` where `neg` is 0, and `x + |x| = 2^32` (byte by byte, boolean `carries`) where it
/// is 1.
fn eval_absolute<AB: AirBuilder>(
    builder: &mut AB,
    x: &Word<AB::Var>,
    abs: &Word<AB::Var>,
    neg: AB::Expr,
    carries: [AB::Var; 4],
) {
    let (one, base) = (AB::Expr::ONE, AB::Expr::from_u32(256));
    let (xb, ab) = (x.bytes::<AB::Expr>(), abs.bytes::<AB::Expr>());
    let mut carry_in = AB::Expr::ZERO;
    for i in 0..4 {
        let carry: AB::Expr = carries[i].into();
        builder.assert_bool(carry.clone());
        builder.assert_zero((one.clone() - neg.clone()) * (ab[i].clone() - xb[i].clone()));
        builder.assert_zero(
            neg.clone() * (xb[i].clone() + ab[i].clone() + carry_in - carry.clone() * base.clone()),
        );
        carry_in = carry;
    }
}

/// The row of one division.
pub fn populate(e: &DivEvent) -> DivCols<Val> {
    let w = DivWitness::new(e.signed, e.b, e.c);
    let bytes = |x: u32| x.to_le_bytes().map(Val::from_u8);
    let byte_sum = |x: u32| Val::from_u32(x.to_le_bytes().iter().map(|&v| v as u32).sum());
    let negative = |x: u32| (x as i32) < 0;
    let operands = [e.b, e.c, w.q, w.r];
    let abs_carries = |x: u32, abs: u32| {
        if e.signed && negative(x) {
            negation_carries(x, abs).map(Val::from_u32)
        } else {
            [Val::ZERO; 4]
        }
    };
    DivCols {
        b: bytes(e.b),
        c: bytes(e.c),
        q: bytes(w.q),
        r: bytes(w.r),
        carries: w.carries.map(Val::from_u32),
        msb: operands.map(|x| Val::from_bool(negative(x))),
        sign: operands.map(|x| Val::from_u32(if e.signed && negative(x) { 255 } else { 0 })),
        overflow: Val::from_bool(w.overflow),
        c_sum_inv: byte_sum(e.c).try_inverse().unwrap_or(Val::ZERO),
        r_is_zero: IsZeroCols::populate(byte_sum(w.r)),
        abs_r: bytes(w.abs_r),
        abs_c: bytes(w.abs_c),
        abs_r_carries: abs_carries(w.r, w.abs_r),
        abs_c_carries: abs_carries(e.c, w.abs_c),
        signed: Val::from_bool(e.signed),
        send_q: Val::from_bool(e.send_q),
        send_r: Val::from_bool(e.send_r),
        is_real: Val::ONE,
    }
}

impl Chip<Val, MachineRecord> for DivChip {
    fn name(&self) -> &'static str {
        "Div"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let width = NUM_DIV_COLS;
        let mut values = vec![Val::ZERO; record.div_events.len() * width];
        for (row, e) in values.chunks_mut(width).zip(&record.div_events) {
            let cols: &mut DivCols<Val> = row.borrow_mut();
            *cols = populate(e);
        }
        pad_to_power_of_two(values, width, 1)
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
pub(crate) fn record_division(record: &mut MachineRecord, event: DivEvent) {
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

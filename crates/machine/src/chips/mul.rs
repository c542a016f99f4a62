//! MUL, MULT and MULTU: the 64-bit product of two words, signed or unsigned, one row per product.
//!
//! Operands are extended to eight bytes (the sign byte `255·msb` above a signed operand, zero
//! otherwise) and multiplied as byte convolutions: for each output byte `k < 8`,
//! `Σ_{i+j=k} B_i·C_j + carry_{k−1} = p_k + 256·carry_k`. With bytes range-checked and carries
//! range-checked to 16 bits, each side stays below 2^20 (no field wrap), so the product bytes and
//! carries are determined; bytes beyond the eighth are the discarded 2^64 multiple.
//! **Proves**: `(MulLo, lo, b, c)` and `(MulHi | MulHiU, hi, b, c)` received on `alu`, each when its
//! send flag is set (MULT/MULTU ask for both words from one row, MUL only for the low word).
//! **Range checks**: limbs of `b`, `c` and the product (`U8Pair`), carries (`U16`), and the sign
//! bits through `Ltu(127, top byte)`.
//! **Assumes**: nothing. Padding rows are zero.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{alu_message, lookup_msb, lookup_u16, AluOp};
use crate::gadgets::word::{range_check_word, record_range_check_word, Word};
use crate::record::MachineRecord;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MulCols<T> {
    pub b: Word<T>,
    pub c: Word<T>,
    /// The product's low and high words.
    pub lo: Word<T>,
    pub hi: Word<T>,
    /// `carries[k]`: the carry out of product byte `k`.
    pub carries: [T; 8],
    /// The sign bits of `b` and `c` (`Ltu(127, top byte)`).
    pub msb_b: T,
    pub msb_c: T,
    pub signed: T,
    /// Which words of the product the row answers for.
    pub send_lo: T,
    pub send_hi: T,
    pub is_real: T,
}

pub const NUM_MUL_COLS: usize = std::mem::size_of::<MulCols<u8>>();
crate::borrow_row!(MulCols);

/// The honest witness of one product.
pub struct MulWitness {
    pub product: u64,
    pub carries: [u32; 8],
    pub msb_b: bool,
    pub msb_c: bool,
}

impl MulWitness {
    pub fn new(signed: bool, b: u32, c: u32) -> Self {
        let extend = |x: u32| {
            let mut bytes = [0u32; 8];
            for (i, v) in x.to_le_bytes().iter().enumerate() {
                bytes[i] = *v as u32;
            }
            if signed && (x as i32) < 0 {
                bytes[4..].fill(255);
            }
            bytes
        };
        let (bb, cb) = (extend(b), extend(c));
        let mut carries = [0u32; 8];
        let mut carry = 0u64;
        let mut product = 0u64;
        for k in 0..8 {
            let mut sum = carry;
            for i in 0..=k {
                sum += bb[i] as u64 * cb[k - i] as u64;
            }
            product |= (sum & 0xFF) << (8 * k);
            carry = sum >> 8;
            carries[k] = carry as u32;
        }
        MulWitness {
            product,
            carries,
            msb_b: (b as i32) < 0,
            msb_c: (c as i32) < 0,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct MulChip;

impl<F> BaseAir<F> for MulChip {
    fn width(&self) -> usize {
        NUM_MUL_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for MulChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: MulCols<AB::Var> = *builder.main().current_slice().borrow();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let (b, c, lo, hi) = (local.b, local.c, local.lo, local.hi);
        let carries: [AB::Expr; 8] = local.carries.map(e);
        let (msb_b, msb_c, signed) = (e(local.msb_b), e(local.msb_c), e(local.signed));
        let (send_lo, send_hi, is_real) = (e(local.send_lo), e(local.send_hi), e(local.is_real));
        for x in [&msb_b, &msb_c, &signed, &send_lo, &send_hi, &is_real] {
            builder.assert_bool(x.clone());
        }
        // A row answers only if it is real.
        builder
            .assert_zero((AB::Expr::ONE - is_real.clone()) * (send_lo.clone() + send_hi.clone()));

        let ext = |w: &Word<AB::Var>, msb: &AB::Expr| -> [AB::Expr; 8] {
            let bytes = w.bytes::<AB::Expr>();
            let sign = signed.clone() * msb.clone() * AB::Expr::from_u32(255);
            std::array::from_fn(|i| {
                if i < 4 {
                    bytes[i].clone()
                } else {
                    sign.clone()
                }
            })
        };
        let (bx, cx) = (ext(&b, &msb_b), ext(&c, &msb_c));
        let product: [AB::Expr; 8] = {
            let (l, h) = (lo.bytes::<AB::Expr>(), hi.bytes::<AB::Expr>());
            std::array::from_fn(|k| {
                if k < 4 {
                    l[k].clone()
                } else {
                    h[k - 4].clone()
                }
            })
        };
        let base = AB::Expr::from_u32(256);
        for k in 0..8 {
            let mut lhs = if k == 0 {
                AB::Expr::ZERO
            } else {
                carries[k - 1].clone()
            };
            for i in 0..=k {
                lhs += bx[i].clone() * cx[k - i].clone();
            }
            builder.assert_eq(lhs, product[k].clone() + carries[k].clone() * base.clone());
        }

        for word in [b, c, lo, hi] {
            range_check_word(builder, word, is_real.clone());
        }
        for carry in &carries {
            lookup_u16(builder, carry.clone(), is_real.clone());
        }
        let (b3, c3) = (
            b.bytes::<AB::Expr>()[3].clone(),
            c.bytes::<AB::Expr>()[3].clone(),
        );
        lookup_msb(builder, msb_b, b3, is_real.clone());
        lookup_msb(builder, msb_c, c3, is_real);

        let operands = |a: [AB::Expr; 2]| [a, b.halves(), c.halves()];
        alu_message(
            builder,
            AB::Expr::from_u8(AluOp::MulLo as u8),
            operands(lo.halves()),
            send_lo,
            true,
        );
        let hi_op = AB::Expr::from_u8(AluOp::MulHiU as u8)
            + signed
                * (AB::Expr::from_u8(AluOp::MulHi as u8) - AB::Expr::from_u8(AluOp::MulHiU as u8));
        alu_message(builder, hi_op, operands(hi.halves()), send_hi, true);
    }
}

impl HasContract for MulChip {
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_MUL_COLS];
        let c: &MulCols<u8> = row[..].borrow();
        ContractBuilder::new(c)
            .input("b", &c.b)
            .input("c", &c.c)
            .output("lo", &c.lo)
            .output("hi", &c.hi)
            .oracle("carries", &c.carries)
            .oracle("msb_b", &c.msb_b)
            .oracle("msb_c", &c.msb_c)
            .oracle("signed", &c.signed)
            .selector("send_lo", &c.send_lo)
            .selector("send_hi", &c.send_hi)
            .selector("is_real", &c.is_real)
            .real_when(&[&c.is_real])
            .assume_range(&c.b, 8, Source::Lookup)
            .assume_range(&c.c, 8, Source::Lookup)
            .assume_range(&c.lo, 8, Source::Lookup)
            .assume_range(&c.hi, 8, Source::Lookup)
            .assume_range(&c.carries, 16, Source::Lookup)
            .guarantee("(MulLo, lo, b, c) and (MulHi | MulHiU, hi, b, c) received on `alu` hold when their send flags are set")
            .build("`bus::AluOp::apply` for MulLo, MulHi and MulHiU")
    }
}

/// The row of one product.
pub fn populate(event: &MulEvent) -> MulCols<Val> {
    let w = MulWitness::new(event.signed, event.b, event.c);
    MulCols {
        b: Word::from_u32(event.b),
        c: Word::from_u32(event.c),
        lo: Word::from_u32(w.product as u32),
        hi: Word::from_u32((w.product >> 32) as u32),
        carries: w.carries.map(Val::from_u32),
        msb_b: Val::from_bool(w.msb_b),
        msb_c: Val::from_bool(w.msb_c),
        signed: Val::from_bool(event.signed),
        send_lo: Val::from_bool(event.send_lo),
        send_hi: Val::from_bool(event.send_hi),
        is_real: Val::ONE,
    }
}

impl Chip<Val, MachineRecord> for MulChip {
    fn name(&self) -> &'static str {
        "Mul"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = vec![Val::ZERO; record.mul_events.len() * NUM_MUL_COLS];
        for (row, e) in values.chunks_mut(NUM_MUL_COLS).zip(&record.mul_events) {
            let cols: &mut MulCols<Val> = row.borrow_mut();
            *cols = populate(e);
        }
        pad_to_power_of_two(values, NUM_MUL_COLS, 1)
    }
}

/// One product `b·c` and which of its words were asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulEvent {
    pub signed: bool,
    pub b: u32,
    pub c: u32,
    pub send_lo: bool,
    pub send_hi: bool,
}

/// Records `op(b, c)` (MUL, MUH or MUHU: one word of the product asked for) for this chip;
/// returns the word.
pub fn record(record: &mut MachineRecord, op: AluOp, b: u32, c: u32) -> u32 {
    record_product(
        record,
        MulEvent {
            signed: op == AluOp::MulHi,
            b,
            c,
            send_lo: op == AluOp::MulLo,
            send_hi: op != AluOp::MulLo,
        },
    );
    op.apply(b, c)
}

/// Records one product row (MULT and MULTU ask for both words from one row) with the lookups
/// the row makes.
pub(crate) fn record_product(record: &mut MachineRecord, event: MulEvent) {
    let witness = MulWitness::new(event.signed, event.b, event.c);
    let lookups = &mut record.byte_lookups;
    record_range_check_word(lookups, event.b);
    record_range_check_word(lookups, event.c);
    lookups.record_msb(event.b.to_le_bytes()[3]);
    lookups.record_msb(event.c.to_le_bytes()[3]);
    record_range_check_word(lookups, witness.product as u32);
    record_range_check_word(lookups, (witness.product >> 32) as u32);
    for carry in witness.carries {
        lookups.record_u16(carry as u16);
    }
    record.mul_events.push(event);
}

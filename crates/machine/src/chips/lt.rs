//! SLT and SLTU (and SLTI, SLTIU): `a = (b < c)`, signed or unsigned, one row per operation.
//!
//! The comparison is decided at the most significant byte where `b` and `c` differ, marked by a
//! one-hot flag: bytes above it are constrained equal, the flagged pair unequal (an inverse
//! witness), and the byte table's `Ltu` answers for that pair. No flag means `b = c` and `a = 0`
//! (the table's `Ltu(0, 0) = 0`). Signed comparison is unsigned comparison with the top bit of
//! each top byte flipped: `b3' = b3 + 128 − 256·msb(b3)`, where only the true sign bit keeps an
//! unequal top byte in the byte range the comparison's `Ltu` demands.
//! **Proves**: for each `(Slt | Sltu, a, b, c)` received on `alu`, `a` is the comparison bit
//! (sent as the word `a`, high half 0).
//! **Range checks**: all limbs of `b` and `c` (`U8Pair`); `a` is a table answer, so a bit.
//! **Assumes**: nothing. Padding rows are zero.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{alu_message, lookup_byte, AluOp, ByteOp};
use crate::gadgets::word::{range_check_word, record_range_check_word, Word};
use crate::record::{AluEvent, MachineRecord};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct LtCols<T> {
    /// The comparison bit.
    pub a: T,
    pub b: Word<T>,
    pub c: Word<T>,
    /// One-hot: the most significant byte where the adjusted `b` and `c` differ.
    pub flags: [T; 4],
    /// The top bytes of `b` and `c`, sign bit flipped for SLT.
    pub b3_adj: T,
    pub c3_adj: T,
    /// The sign bits of `b` and `c` (for SLT, forced where they matter by the byte range of the
    /// flagged pair; no lookup of their own).
    pub msb_b: T,
    pub msb_c: T,
    /// The inverse of the flagged pair's difference (0 when `b = c`).
    pub diff_inv: T,
    pub is_slt: T,
    pub is_sltu: T,
}

pub const NUM_LT_COLS: usize = std::mem::size_of::<LtCols<u8>>();
crate::borrow_row!(LtCols);

/// The honest witness of one comparison.
pub(crate) struct LtWitness {
    pub flags: [bool; 4],
    pub b3_adj: u8,
    pub c3_adj: u8,
    pub msb_b: bool,
    pub msb_c: bool,
    /// The compared bytes (after adjustment), 0 and 0 when `b = c`.
    pub b_comp: u8,
    pub c_comp: u8,
}

impl LtWitness {
    pub fn new(op: AluOp, b: u32, c: u32) -> Self {
        let (bb, cb) = (b.to_le_bytes(), c.to_le_bytes());
        let (msb_b, msb_c) = (bb[3] >= 128, cb[3] >= 128);
        let signed = op == AluOp::Slt;
        let flip = |x: u8| if signed { x ^ 0x80 } else { x };
        let (b3_adj, c3_adj) = (flip(bb[3]), flip(cb[3]));
        let b_adj = [bb[0], bb[1], bb[2], b3_adj];
        let c_adj = [cb[0], cb[1], cb[2], c3_adj];
        let mut flags = [false; 4];
        let (mut b_comp, mut c_comp) = (0, 0);
        if let Some(k) = (0..4).rev().find(|&k| b_adj[k] != c_adj[k]) {
            flags[k] = true;
            (b_comp, c_comp) = (b_adj[k], c_adj[k]);
        }
        LtWitness {
            flags,
            b3_adj,
            c3_adj,
            msb_b,
            msb_c,
            b_comp,
            c_comp,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct LtChip;

impl<F> BaseAir<F> for LtChip {
    fn width(&self) -> usize {
        NUM_LT_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for LtChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: LtCols<AB::Var> = *builder.main().current_slice().borrow();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let a = e(local.a);
        let (b, c) = (local.b, local.c);
        let flags: [AB::Expr; 4] = local.flags.map(e);
        let (b3_adj, c3_adj) = (e(local.b3_adj), e(local.c3_adj));
        let (msb_b, msb_c, diff_inv) = (e(local.msb_b), e(local.msb_c), e(local.diff_inv));
        let (is_slt, is_sltu) = (e(local.is_slt), e(local.is_sltu));
        let is_real = is_slt.clone() + is_sltu.clone();

        for x in flags
            .iter()
            .chain([&msb_b, &msb_c, &is_slt, &is_sltu, &is_real])
        {
            builder.assert_bool(x.clone());
        }
        // At most one flag. Soundness does not need it (two flags still leave the higher one
        // deciding), but the checker's proof that `a` is determined does: without it the query
        // outlives a 150 s timeout. The sign bits' `Ltu(127, ·)` lookups are not needed (the
        // mutation self-test found them): a wrong sign bit takes an unequal top byte out of the
        // byte range the comparison's own `Ltu` demands.
        let any_flag = flags.iter().cloned().fold(AB::Expr::ZERO, |s, f| s + f);
        builder.assert_bool(any_flag.clone());

        // The top bytes, with the sign bit flipped for SLT.
        let (bb, cb) = (b.bytes::<AB::Expr>(), c.bytes::<AB::Expr>());
        let flip = |x: AB::Expr, msb: AB::Expr| {
            x + is_slt.clone() * (AB::Expr::from_u32(128) - msb * AB::Expr::from_u32(256))
        };
        builder.assert_eq(b3_adj.clone(), flip(bb[3].clone(), msb_b.clone()));
        builder.assert_eq(c3_adj.clone(), flip(cb[3].clone(), msb_c.clone()));
        let b_adj = [bb[0].clone(), bb[1].clone(), bb[2].clone(), b3_adj];
        let c_adj = [cb[0].clone(), cb[1].clone(), cb[2].clone(), c3_adj];

        // Bytes above the flagged one are equal; the flagged pair differs.
        for i in 0..4 {
            let at_or_above_flag = flags[i..]
                .iter()
                .cloned()
                .fold(AB::Expr::ZERO, |s, f| s + f);
            builder.assert_zero(
                (AB::Expr::ONE - at_or_above_flag) * (b_adj[i].clone() - c_adj[i].clone()),
            );
        }
        let pick = |v: &[AB::Expr; 4]| {
            (0..4).fold(AB::Expr::ZERO, |s, i| s + flags[i].clone() * v[i].clone())
        };
        let (b_comp, c_comp) = (pick(&b_adj), pick(&c_adj));
        builder.assert_eq((b_comp.clone() - c_comp.clone()) * diff_inv, any_flag);

        lookup_byte(
            builder,
            ByteOp::Ltu,
            [a.clone(), b_comp, c_comp],
            is_real.clone(),
        );
        range_check_word(builder, b, is_real.clone());
        range_check_word(builder, c, is_real.clone());

        let op = is_slt * AB::Expr::from_u8(AluOp::Slt as u8)
            + is_sltu * AB::Expr::from_u8(AluOp::Sltu as u8);
        alu_message(
            builder,
            op,
            [[a, AB::Expr::ZERO], b.halves(), c.halves()],
            is_real,
            true,
        );
    }
}

impl HasContract for LtChip {
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_LT_COLS];
        let c: &LtCols<u8> = row[..].borrow();
        ContractBuilder::new(c)
            .output("a", &c.a)
            .input("b", &c.b)
            .input("c", &c.c)
            .oracle("flags", &c.flags)
            .oracle("b3_adj", &c.b3_adj)
            .oracle("c3_adj", &c.c3_adj)
            .oracle("msb_b", &c.msb_b)
            .oracle("msb_c", &c.msb_c)
            .oracle("diff_inv", &c.diff_inv)
            .selector("is_slt", &c.is_slt)
            .selector("is_sltu", &c.is_sltu)
            .real_when(&[&c.is_slt, &c.is_sltu])
            .assume_range(&c.b, 8, Source::Lookup)
            .assume_range(&c.c, 8, Source::Lookup)
            .guarantee("(Slt | Sltu, a, b, c) received on `alu` has a = (b < c) as a word")
            .build("`bus::AluOp::apply` for Slt and Sltu")
    }
}

/// The row of `a = op(b, c)`.
pub fn populate(op: AluOp, a: u32, b: u32, c: u32) -> LtCols<Val> {
    let w = LtWitness::new(op, b, c);
    let diff = Val::from_u8(w.b_comp) - Val::from_u8(w.c_comp);
    LtCols {
        a: Val::from_u32(a),
        b: Word::from_u32(b),
        c: Word::from_u32(c),
        flags: w.flags.map(Val::from_bool),
        b3_adj: Val::from_u8(w.b3_adj),
        c3_adj: Val::from_u8(w.c3_adj),
        msb_b: Val::from_bool(w.msb_b),
        msb_c: Val::from_bool(w.msb_c),
        diff_inv: diff.try_inverse().unwrap_or(Val::ZERO),
        is_slt: Val::from_bool(op == AluOp::Slt),
        is_sltu: Val::from_bool(op == AluOp::Sltu),
    }
}

impl Chip<Val, MachineRecord> for LtChip {
    fn name(&self) -> &'static str {
        "Lt"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = vec![Val::ZERO; record.lt_events.len() * NUM_LT_COLS];
        for (row, e) in values.chunks_mut(NUM_LT_COLS).zip(&record.lt_events) {
            let cols: &mut LtCols<Val> = row.borrow_mut();
            *cols = populate(e.op, e.a, e.b, e.c);
        }
        pad_to_power_of_two(values, NUM_LT_COLS, 1)
    }
}

/// Records `a = op(b, c)` for this chip (its row and its byte lookups); returns `a`.
pub fn record(record: &mut MachineRecord, op: AluOp, b: u32, c: u32) -> u32 {
    let a = op.apply(b, c);
    let lookups = &mut record.byte_lookups;
    record_range_check_word(lookups, b);
    record_range_check_word(lookups, c);
    let lt = LtWitness::new(op, b, c);
    lookups.record(ByteOp::Ltu, lt.b_comp, lt.c_comp);
    record.lt_events.push(AluEvent { op, a, b, c });
    a
}

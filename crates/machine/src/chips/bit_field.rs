//! EXT and INS: bit-field extract and insert, composed from requests to the Shift and Bitwise
//! chips, one row each.
//!
//! With `m = 0xFFFF_FFFF >> (32 − size)` (a Shift request):
//! EXT: `a = (b >> pos) & m`; INS: `a = (c & ~(m << pos)) | ((b << pos) & (m << pos))`, where `c`
//! is the destination's old value. The field `(pos, size)` arrives in the bus operation
//! (`op = base + pos + 32·(size − 1)`, see `bus::ext_op`), decomposed here into five bits each, so
//! the decomposition is unique.
//! **Proves**: `(op, a, b, c)` received on `alu` for an EXT or INS operation has
//! `a = bus::bit_field(..)`. Every intermediate word is pinned by the chip that answers it, which
//! range-checks its bytes.
//! **Assumes**: the Shift and Bitwise chips answer their requests (they are on the same bus).
//! `pos + size ≤ 32` is the decoder's guarantee (the ROM holds only valid EXT/INS).

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Val};

use crate::bus::{alu_message, bit_field, AluOp, EXT_BASE, INS_BASE};
use crate::record::MachineRecord;

/// One EXT or INS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitFieldEvent {
    pub insert: bool,
    pub pos: u32,
    pub size: u32,
    pub b: u32,
    pub c: u32,
}

/// Intermediate words, in column order: m, shifted b, M = m << pos, !M, c & !M, (b << pos) & M,
/// and the result.
pub(crate) struct BitFieldWitness {
    pub m: u32,
    pub shifted: u32,
    pub mask: u32,
    pub not_mask: u32,
    pub low: u32,
    pub high: u32,
    pub a: u32,
}

impl BitFieldWitness {
    pub fn new(insert: bool, pos: u32, size: u32, b: u32, c: u32) -> Self {
        let m = u32::MAX >> (32 - size);
        let (shifted, mask) = if insert {
            (b << pos, m << pos)
        } else {
            (b >> pos, 0)
        };
        let not_mask = if insert { !mask } else { 0 };
        let low = if insert { c & not_mask } else { 0 };
        let high = if insert { shifted & mask } else { 0 };
        BitFieldWitness {
            m,
            shifted,
            mask,
            not_mask,
            low,
            high,
            a: bit_field(insert, pos, size, b, c),
        }
    }

    /// The requests `(op, x, y)` the row sends, in the order `eval` sends them.
    pub fn requests(
        &self,
        insert: bool,
        pos: u32,
        size: u32,
        b: u32,
        c: u32,
    ) -> Vec<(AluOp, u32, u32)> {
        let mut out = vec![(AluOp::Srl, u32::MAX, 32 - size)];
        if insert {
            out.extend([
                (AluOp::Sll, b, pos),
                (AluOp::Sll, self.m, pos),
                (AluOp::Nor, self.mask, 0),
                (AluOp::And, c, self.not_mask),
                (AluOp::And, self.shifted, self.mask),
                (AluOp::Or, self.low, self.high),
            ]);
        } else {
            out.extend([(AluOp::Srl, b, pos), (AluOp::And, self.shifted, self.m)]);
        }
        out
    }
}

/// One row: the operands, the intermediate words (as `BitFieldWitness`) and the result as 16-bit
/// halves, then the field's bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct BitFieldCols<T> {
    pub b: [T; 2],
    /// The destination's old value; zero for EXT.
    pub c: [T; 2],
    /// `0xFFFF_FFFF >> (32 − size)`.
    pub m: [T; 2],
    /// `b >> pos` (EXT) or `b << pos` (INS).
    pub shifted: [T; 2],
    /// INS only (zero for EXT): `M = m << pos`, `!M`, `c & !M` and `(b << pos) & M`.
    pub mask: [T; 2],
    pub not_mask: [T; 2],
    pub low: [T; 2],
    pub high: [T; 2],
    pub a: [T; 2],
    /// `pos` and `size − 1`, five bits each, least significant first.
    pub pos_bits: [T; 5],
    pub size_bits: [T; 5],
    pub is_ext: T,
    pub is_ins: T,
}

crate::borrow_row!(BitFieldCols);

pub const NUM_BIT_FIELD_COLS: usize = std::mem::size_of::<BitFieldCols<u8>>();

#[derive(Clone, Debug, Default)]
pub struct BitFieldChip;

impl<F> BaseAir<F> for BitFieldChip {
    fn width(&self) -> usize {
        NUM_BIT_FIELD_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for BitFieldChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: BitFieldCols<AB::Var> = *builder.main().current_slice().borrow();
        let word = |w: [AB::Var; 2]| -> [AB::Expr; 2] { w.map(Into::into) };
        let [b, c, m, shifted, mask, not_mask, low, high, a] = [
            local.b,
            local.c,
            local.m,
            local.shifted,
            local.mask,
            local.not_mask,
            local.low,
            local.high,
            local.a,
        ]
        .map(word);
        let pos_bits: [AB::Expr; 5] = local.pos_bits.map(Into::into);
        let size_bits: [AB::Expr; 5] = local.size_bits.map(Into::into);
        let (is_ext, is_ins): (AB::Expr, AB::Expr) = (local.is_ext.into(), local.is_ins.into());
        let is_real = is_ext.clone() + is_ins.clone();
        for x in pos_bits
            .iter()
            .chain(&size_bits)
            .chain([&is_ext, &is_ins, &is_real])
        {
            builder.assert_bool(x.clone());
        }
        let number = |bits: &[AB::Expr; 5]| {
            bits.iter().enumerate().fold(AB::Expr::ZERO, |s, (i, x)| {
                s + x.clone() * AB::Expr::from_u32(1 << i)
            })
        };
        let (pos, size_minus_1) = (number(&pos_bits), number(&size_bits));
        let word_of = |x: AB::Expr| [x, AB::Expr::ZERO];
        let zero = || word_of(AB::Expr::ZERO);
        let all_ones = [AB::Expr::from_u32(0xFFFF), AB::Expr::from_u32(0xFFFF)];
        let op = |o: AluOp| AB::Expr::from_u8(o as u8);

        // m = 0xFFFF_FFFF >> (32 − size), for both.
        let amount = AB::Expr::from_u32(31) - size_minus_1.clone();
        alu_message(
            builder,
            op(AluOp::Srl),
            [m.clone(), all_ones, word_of(amount)],
            is_real.clone(),
            false,
        );
        // EXT: a = (b >> pos) & m.
        alu_message(
            builder,
            op(AluOp::Srl),
            [shifted.clone(), b.clone(), word_of(pos.clone())],
            is_ext.clone(),
            false,
        );
        alu_message(
            builder,
            op(AluOp::And),
            [a.clone(), shifted.clone(), m.clone()],
            is_ext.clone(),
            false,
        );
        // INS: a = (c & !M) | ((b << pos) & M), M = m << pos.
        alu_message(
            builder,
            op(AluOp::Sll),
            [shifted.clone(), b.clone(), word_of(pos.clone())],
            is_ins.clone(),
            false,
        );
        alu_message(
            builder,
            op(AluOp::Sll),
            [mask.clone(), m, word_of(pos.clone())],
            is_ins.clone(),
            false,
        );
        alu_message(
            builder,
            op(AluOp::Nor),
            [not_mask.clone(), mask.clone(), zero()],
            is_ins.clone(),
            false,
        );
        alu_message(
            builder,
            op(AluOp::And),
            [low.clone(), c.clone(), not_mask],
            is_ins.clone(),
            false,
        );
        alu_message(
            builder,
            op(AluOp::And),
            [high.clone(), shifted, mask],
            is_ins.clone(),
            false,
        );
        alu_message(
            builder,
            op(AluOp::Or),
            [a.clone(), low, high],
            is_ins.clone(),
            false,
        );

        // The request this row answers; `c` is zero for EXT.
        builder.assert_zero(is_ext.clone() * (c[0].clone() + c[1].clone()));
        let field = pos + size_minus_1 * AB::Expr::from_u32(32);
        let received = is_ext.clone() * AB::Expr::from_u32(EXT_BASE)
            + is_ins * AB::Expr::from_u32(INS_BASE)
            + field;
        alu_message(builder, received, [a, b, c], is_real, true);
    }
}

impl HasContract for BitFieldChip {
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_BIT_FIELD_COLS];
        let c: &BitFieldCols<u8> = row[..].borrow();
        ContractBuilder::new(c)
            .input("b", &c.b)
            .input("c", &c.c)
            .oracle("m", &c.m)
            .oracle("shifted", &c.shifted)
            .oracle("mask", &c.mask)
            .oracle("not_mask", &c.not_mask)
            .oracle("low", &c.low)
            .oracle("high", &c.high)
            .output("a", &c.a)
            .oracle("pos_bits", &c.pos_bits)
            .oracle("size_bits", &c.size_bits)
            .selector("is_ext", &c.is_ext)
            .selector("is_ins", &c.is_ins)
            .real_when(&[&c.is_ext, &c.is_ins])
            .guarantee("(ext_op(pos, size) | ins_op(pos, size), a, b, c) received on `alu` has a = bus::bit_field(..)")
            .build("`bus::bit_field` (EXT and INS)")
    }
}

/// The row of one EXT or INS.
pub fn populate(e: &BitFieldEvent) -> BitFieldCols<Val> {
    let w = BitFieldWitness::new(e.insert, e.pos, e.size, e.b, e.c);
    let halves = |x: u32| [Val::from_u32(x & 0xFFFF), Val::from_u32(x >> 16)];
    let bits = |x: u32| std::array::from_fn(|i| Val::from_bool(x >> i & 1 == 1));
    BitFieldCols {
        b: halves(e.b),
        c: halves(if e.insert { e.c } else { 0 }),
        m: halves(w.m),
        shifted: halves(w.shifted),
        mask: halves(w.mask),
        not_mask: halves(w.not_mask),
        low: halves(w.low),
        high: halves(w.high),
        a: halves(w.a),
        pos_bits: bits(e.pos),
        size_bits: bits(e.size - 1),
        is_ext: Val::from_bool(!e.insert),
        is_ins: Val::from_bool(e.insert),
    }
}

impl Chip<Val, MachineRecord> for BitFieldChip {
    fn name(&self) -> &'static str {
        "BitField"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let width = NUM_BIT_FIELD_COLS;
        let mut values = vec![Val::ZERO; record.bit_field_events.len() * width];
        for (row, e) in values.chunks_mut(width).zip(&record.bit_field_events) {
            let cols: &mut BitFieldCols<Val> = row.borrow_mut();
            *cols = populate(e);
        }
        pad_to_power_of_two(values, width, 1)
    }
}

/// Records an EXT (`insert = false`) or INS with the shift and bitwise requests the row makes;
/// returns the result.
pub fn record(
    record: &mut MachineRecord,
    insert: bool,
    pos: u32,
    size: u32,
    b: u32,
    c: u32,
) -> u32 {
    let w = BitFieldWitness::new(insert, pos, size, b, c);
    for (op, x, y) in w.requests(insert, pos, size, b, c) {
        record.record_alu(op, x, y);
    }
    record.bit_field_events.push(BitFieldEvent {
        insert,
        pos,
        size,
        b,
        c,
    });
    w.a
}

//! ADD/ADDU/ADDI/ADDIU and SUB/SUBU: `a = b + c` or `a = b − c` (mod 2^32), one row per operation.
//!
//! **Proves**: for each `(Add | Sub, a, b, c)` it receives on the `alu` bus, `a = b ± c mod 2^32`.
//! Subtraction is checked as `b = a + c`, so one adder with boolean byte carries serves both.
//! **Range checks**: all twelve limbs of `a`, `b`, `c` go to the byte table (`U8Pair`), so the
//! 16-bit halves on the bus are canonical and each limb sum is below 512 (no field wrap).
//! **Assumes**: nothing of its inputs; the sender (the CPU) is responsible for sending the right
//! operands. Padding rows are zero: both flags off, no interaction.

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{pad_to_power_of_two, Chip, Val};

use crate::bus::{alu_message, AluOp};
use crate::gadgets::add::{eval_add, AddCols};
use crate::gadgets::word::{range_check_word, Word};
use crate::record::MachineRecord;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct AddSubCols<T> {
    pub a: Word<T>,
    pub b: Word<T>,
    pub c: Word<T>,
    pub carries: AddCols<T>,
    pub is_add: T,
    pub is_sub: T,
}

pub const NUM_COLS: usize = 18;

impl<T: Copy> AddSubCols<T> {
    pub fn from_row(row: &[T]) -> Self {
        let w = |i: usize| Word::from_row(row, i);
        AddSubCols {
            a: w(0),
            b: w(4),
            c: w(8),
            carries: AddCols {
                carry: [row[12], row[13], row[14], row[15]],
            },
            is_add: row[16],
            is_sub: row[17],
        }
    }

    pub fn to_row(&self) -> [T; NUM_COLS] {
        let c = self.carries.carry;
        let [a, b, w] = [self.a.0, self.b.0, self.c.0];
        [
            a[0],
            a[1],
            a[2],
            a[3],
            b[0],
            b[1],
            b[2],
            b[3],
            w[0],
            w[1],
            w[2],
            w[3],
            c[0],
            c[1],
            c[2],
            c[3],
            self.is_add,
            self.is_sub,
        ]
    }
}

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
        let local = AddSubCols::<AB::Var>::from_row(builder.main().current_slice());
        let (is_add, is_sub): (AB::Expr, AB::Expr) = (local.is_add.into(), local.is_sub.into());
        let is_real = is_add.clone() + is_sub.clone();
        builder.assert_bool(is_add.clone());
        builder.assert_bool(is_sub.clone());
        builder.assert_bool(is_real.clone());

        // Add: b + c = a. Sub: a + c = b.
        let (a, b, c) = (
            local.a.bytes::<AB::Expr>(),
            local.b.bytes::<AB::Expr>(),
            local.c.bytes::<AB::Expr>(),
        );
        let x =
            std::array::from_fn(|i| is_add.clone() * b[i].clone() + is_sub.clone() * a[i].clone());
        let z =
            std::array::from_fn(|i| is_add.clone() * a[i].clone() + is_sub.clone() * b[i].clone());
        eval_add(builder, x, c, z, local.carries);

        for word in [local.a, local.b, local.c] {
            range_check_word(builder, word, is_real.clone());
        }
        let op = is_sub * AB::Expr::from_u8(AluOp::Sub as u8);
        alu_message(
            builder,
            op,
            [local.a.halves(), local.b.halves(), local.c.halves()],
            is_real,
            true,
        );
    }
}

impl Chip<Val, MachineRecord> for AddSubChip {
    fn name(&self) -> &'static str {
        "AddSub"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = Vec::with_capacity(record.add_sub_events.len() * NUM_COLS);
        for e in &record.add_sub_events {
            let (x, z) = if e.op == AluOp::Sub {
                (e.a, e.b)
            } else {
                (e.b, e.a)
            };
            let (sum, carries) = AddCols::<Val>::populate(x, e.c);
            debug_assert_eq!(sum, z);
            let cols = AddSubCols {
                a: Word::from_u32(e.a),
                b: Word::from_u32(e.b),
                c: Word::from_u32(e.c),
                carries,
                is_add: Val::from_bool(e.op == AluOp::Add),
                is_sub: Val::from_bool(e.op == AluOp::Sub),
            };
            values.extend(cols.to_row());
        }
        pad_to_power_of_two(values, NUM_COLS, 1)
    }
}

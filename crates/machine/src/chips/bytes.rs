//! The byte table: every pair of bytes `(b, c)` (2^16 preprocessed rows) with `b & c`, `b | c`,
//! `b ^ c`, `b < c` and the leading zeros of `b`, and one multiplicity column per [`ByteOp`].
//!
//! **Proves**: each message `(op, a, b, c)` it provides has `b, c < 256` and `a` the operation's
//! result (for `U16`, `(U16, b + 256·c, 0, 0)`: a value below 2^16). The rows are fixed by the
//! verifying key; only the multiplicities are the prover's.
//! **Assumes**: nothing. Multiplicities are free field elements on the provided side of a lookup:
//! an unbalanced one leaves the bus unbalanced, so they need no range check.

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{Chip, Contract, ContractBuilder, HasContract, Val};

use crate::bus::{ByteOp, BYTE_BUS};
use crate::record::MachineRecord;

/// Preprocessed columns: b, c, and, or, xor, ltu, clz8.
const PREPROCESSED_WIDTH: usize = 7;

#[derive(Clone, Debug, Default)]
pub struct ByteChip;

impl<F: Field> BaseAir<F> for ByteChip {
    fn width(&self) -> usize {
        ByteOp::ALL.len()
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let mut values = Vec::with_capacity((1 << 16) * PREPROCESSED_WIDTH);
        for row in 0..1u32 << 16 {
            let (b, c) = (row as u8, (row >> 8) as u8);
            values.extend(
                [
                    b as u32,
                    c as u32,
                    ByteOp::And.apply(b, c),
                    ByteOp::Or.apply(b, c),
                    ByteOp::Xor.apply(b, c),
                    ByteOp::Ltu.apply(b, c),
                    ByteOp::Clz8.apply(b, c),
                ]
                .map(F::from_u32),
            );
        }
        Some(RowMajorMatrix::new(values, PREPROCESSED_WIDTH))
    }
    fn preprocessed_width(&self) -> usize {
        PREPROCESSED_WIDTH
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ByteChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let prep: Vec<AB::Expr> = builder
            .preprocessed()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        let mults: Vec<AB::Expr> = builder
            .main()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        let (b, c) = (prep[0].clone(), prep[1].clone());
        let bus = LookupBus::new(BYTE_BUS);
        for op in ByteOp::ALL {
            let message = match op {
                ByteOp::And => [prep[2].clone(), b.clone(), c.clone()],
                ByteOp::Or => [prep[3].clone(), b.clone(), c.clone()],
                ByteOp::Xor => [prep[4].clone(), b.clone(), c.clone()],
                ByteOp::U8Pair => [AB::Expr::ZERO, b.clone(), c.clone()],
                ByteOp::U16 => [
                    b.clone() + c.clone() * AB::Expr::from_u32(256),
                    AB::Expr::ZERO,
                    AB::Expr::ZERO,
                ],
                ByteOp::Ltu => [prep[5].clone(), b.clone(), c.clone()],
                ByteOp::Clz8 => [prep[6].clone(), b.clone(), c.clone()],
            };
            let [a, x, y] = message;
            bus.table_entry(
                builder,
                [AB::Expr::from_u8(op as u8), a, x, y],
                mults[op as usize].clone(),
            );
        }
    }
}

impl HasContract for ByteChip {
    fn contract(&self) -> Contract {
        // One multiplicity per operation, in `ByteOp::ALL` order: the prover's to choose.
        let multiplicities = [0u8; ByteOp::ALL.len()];
        ContractBuilder::new(&multiplicities)
            .oracle("multiplicity", &multiplicities)
            .guarantee("(op, a, b, c) provided on `byte` has b, c < 2^8 and a = op(b, c)")
            .guarantee("(U16, v, 0, 0) provided on `byte` has v < 2^16")
            .build("`bus::ByteOp::apply`")
    }
}

impl Chip<Val, MachineRecord> for ByteChip {
    fn name(&self) -> &'static str {
        "Bytes"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let counts = &record.byte_lookups.counts;
        let width = ByteOp::ALL.len();
        let mut values = vec![Val::ZERO; (1 << 16) * width];
        for (op, column) in counts.iter().enumerate() {
            for (row, &n) in column.iter().enumerate() {
                values[row * width + op] = Val::from_u32(n);
            }
        }
        RowMajorMatrix::new(values, width)
    }
}

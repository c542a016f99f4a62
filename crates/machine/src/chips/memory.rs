//! The memory boundary of a shard: `MemoryInit` puts every touched key's value before the shard
//! on the memory bus at timestamp 0, `MemoryFinal` takes every key's last value and timestamp.
//! Between them, each access (see `gadgets::memory`) takes the previous value and puts the new
//! one, so the bus balances only if every read returns the last value written.
//!
//! **Proves**: each key appears at most once (keys strictly increase down the table: the
//! difference to the next real row, minus one, is range-checked below 2^30, and keys themselves
//! are below 2^30, so no difference can wrap around the field); values are canonical words
//! (two range-checked 16-bit halves).
//! `MemoryInit`'s values are zero: it starts every key outside the ELF image (whose words the
//! Image chip starts), registers included, as a run's first shard must.
//! **Assumes**: a proof covers a run from its start (one shard); carrying memory from shard to
//! shard is the cross-shard argument's job (issue 5).

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{pad_to_power_of_two, Chip, Val};

use crate::bus::{lookup_u16, memory_message};
use crate::record::MachineRecord;

/// Columns: key_lo, key_hi, value_lo, value_hi, ts, diff_lo, diff_hi, next_real, is_real.
pub const NUM_COLS: usize = 9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    Init,
    Final,
}

#[derive(Clone, Debug)]
pub struct MemoryBoundaryChip {
    pub boundary: Boundary,
}

impl<F> BaseAir<F> for MemoryBoundaryChip {
    fn width(&self) -> usize {
        NUM_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![0, 1, 8]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for MemoryBoundaryChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let (local, next): (Vec<AB::Var>, Vec<AB::Var>) =
            (main.current_slice().to_vec(), main.next_slice().to_vec());
        let e = |i: usize| -> AB::Expr { local[i].into() };
        let two16 = AB::Expr::from_u32(1 << 16);
        let key = e(0) + e(1) * two16.clone();
        let next_key = next[0].into() + next[1].into() * two16.clone();
        let (value_lo, value_hi, ts) = (e(2), e(3), e(4));
        let (diff_lo, diff_hi, next_real, is_real) = (e(5), e(6), e(7), e(8));
        let next_is_real: AB::Expr = next[8].into();

        builder.assert_bool(is_real.clone());
        builder.assert_bool(next_real.clone());
        // Real rows come first; `next_real` says whether the next row is one.
        builder
            .when_transition()
            .assert_zero((AB::Expr::ONE - is_real.clone()) * next_is_real.clone());
        builder
            .when_transition()
            .assert_eq(next_real.clone(), next_is_real);
        builder.when_last_row().assert_zero(next_real.clone());
        builder.when_transition().assert_zero(
            next_real.clone()
                * (next_key
                    - key.clone()
                    - AB::Expr::ONE
                    - diff_lo.clone()
                    - diff_hi.clone() * two16),
        );

        // Keys and differences below 2^30, values as 16-bit halves.
        let four = AB::Expr::from_u32(4);
        lookup_u16(builder, e(0), is_real.clone());
        lookup_u16(builder, e(1) * four.clone(), is_real.clone());
        lookup_u16(builder, value_lo.clone(), is_real.clone());
        lookup_u16(builder, value_hi.clone(), is_real.clone());
        lookup_u16(builder, diff_lo, next_real.clone());
        lookup_u16(builder, diff_hi * four, next_real);

        match self.boundary {
            Boundary::Init => {
                // Everything but the image (its own chip) starts at zero, registers included.
                builder.assert_zero(value_lo.clone());
                builder.assert_zero(value_hi.clone());
                memory_message(
                    builder,
                    [key, value_lo, value_hi, AB::Expr::ZERO],
                    is_real,
                    true,
                )
            }
            Boundary::Final => {
                memory_message(builder, [key, value_lo, value_hi, ts], is_real, false)
            }
        }
    }
}

impl Chip<Val, MachineRecord> for MemoryBoundaryChip {
    fn name(&self) -> &'static str {
        match self.boundary {
            Boundary::Init => "MemoryInit",
            Boundary::Final => "MemoryFinal",
        }
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let rows: Vec<(u32, u32, u32)> = match self.boundary {
            Boundary::Init => record.memory_init.iter().map(|&(k, v)| (k, v, 0)).collect(),
            Boundary::Final => record.memory_final.clone(),
        };
        let mut values = Vec::with_capacity(rows.len() * NUM_COLS);
        for (i, &(key, value, ts)) in rows.iter().enumerate() {
            let next = rows.get(i + 1).map(|r| r.0);
            let diff = next.map_or(0, |n| n - key - 1);
            values.extend(
                [
                    key & 0xFFFF,
                    key >> 16,
                    value & 0xFFFF,
                    value >> 16,
                    ts,
                    diff & 0xFFFF,
                    diff >> 16,
                    next.is_some() as u32,
                    1,
                ]
                .map(Val::from_u32),
            );
        }
        pad_to_power_of_two(values, NUM_COLS, 2)
    }
}

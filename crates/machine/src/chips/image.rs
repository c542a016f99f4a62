//! The initial memory image: one preprocessed row per word of the ELF's loadable segments,
//! `(key, value_lo, value_hi, is_real)`, each put on the memory bus at timestamp 0.
//!
//! **Proves**: every image word starts with its ELF value: the rows are preprocessed (the
//! verifying key commits to them) and each is put on the bus unconditionally, so its key's
//! chain of accesses must start there (the memory boundary lists each key at most once, so no
//! second start can replace it). Every other key starts at 0 (`MemoryInit`).
//! **Assumes**: nothing. The single main column is unused and constrained to zero.

use std::sync::Arc;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_mips::Program;
use tessera_stark::{pad_to_power_of_two, Chip, Val};

use crate::bus::{memory_key, memory_message};
use crate::record::MachineRecord;

const PREPROCESSED_WIDTH: usize = 4;

#[derive(Clone, Debug)]
pub struct ImageChip {
    /// `(key, value)` of every image word, sorted by key.
    pub words: Arc<Vec<(u32, u32)>>,
}

impl ImageChip {
    pub fn new(program: &Program) -> Self {
        let mut words: Vec<(u32, u32)> = program
            .initial_words()
            .map(|(addr, value)| (memory_key(addr), value))
            .collect();
        words.sort_unstable();
        words.dedup_by_key(|w| w.0);
        ImageChip {
            words: Arc::new(words),
        }
    }

    fn height(&self) -> usize {
        self.words.len().max(1).next_power_of_two()
    }
}

impl<F: Field> BaseAir<F> for ImageChip {
    fn width(&self) -> usize {
        1
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let values = self
            .words
            .iter()
            .flat_map(|&(key, value)| [key, value & 0xFFFF, value >> 16, 1].map(F::from_u32))
            .collect();
        Some(pad_to_power_of_two(
            values,
            PREPROCESSED_WIDTH,
            self.height(),
        ))
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

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ImageChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder
            .preprocessed()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        let unused: AB::Expr = builder.main().current_slice()[0].into();
        builder.assert_zero(unused);
        memory_message(
            builder,
            [
                row[0].clone(),
                row[1].clone(),
                row[2].clone(),
                AB::Expr::ZERO,
            ],
            row[3].clone(),
            true,
        );
    }
}

impl Chip<Val, MachineRecord> for ImageChip {
    fn name(&self) -> &'static str {
        "Image"
    }

    fn generate_trace(&self, _record: &MachineRecord) -> RowMajorMatrix<Val> {
        RowMajorMatrix::new(vec![Val::ZERO; self.height()], 1)
    }
}

//! SHA-256's 64 round constants as a preprocessed table `(j, k_lo, k_hi)` with a multiplicity
//! column: the ShaCompress chip looks up `K[j]` here for round `j`.
//!
//! **Proves**: every message it provides is `(j, K[j])` (the rows are preprocessed, so the
//! verifying key commits to them). **Assumes**: nothing.

use p3_air::{Air, AirBuilder, BaseAir};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_executor::SHA256_K;
use tessera_stark::{Chip, Contract, ContractBuilder, HasContract, Val};

use crate::bus::provide_preprocessed_row;
use crate::record::MachineRecord;

/// The lookup of round constants: `(j, k_lo, k_hi)`.
pub const ROUND_CONSTANT_BUS: &str = "sha_round_constant";

const PREPROCESSED_WIDTH: usize = 3;

#[derive(Clone, Debug, Default)]
pub struct ShaRoundConstantsChip;

impl<F: Field> BaseAir<F> for ShaRoundConstantsChip {
    fn width(&self) -> usize {
        1
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let values = SHA256_K
            .iter()
            .enumerate()
            .flat_map(|(j, &k)| [j as u32, k & 0xFFFF, k >> 16].map(F::from_u32))
            .collect();
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

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ShaRoundConstantsChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        provide_preprocessed_row(builder, ROUND_CONSTANT_BUS);
    }
}

impl HasContract for ShaRoundConstantsChip {
    fn contract(&self) -> Contract {
        // One multiplicity per round: the prover's to choose (the provided side of the lookup).
        // Every row is a row of the table: no `is_real`.
        let multiplicity = [0u8; 1];
        ContractBuilder::new(&multiplicity)
            .oracle("multiplicity", &multiplicity)
            .guarantee("(j, k_lo, k_hi) provided on `sha_round_constant` has j < 64 and k = SHA256_K[j] as 16-bit halves")
            .build("`tessera_executor::SHA256_K`")
    }
}

impl Chip<Val, MachineRecord> for ShaRoundConstantsChip {
    fn name(&self) -> &'static str {
        "ShaRoundConstants"
    }

    /// Every call of the shard looks up each round's constant once.
    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let calls = Val::from_usize(record.sha_compress_calls.len());
        RowMajorMatrix::new(vec![calls; SHA256_K.len()], 1)
    }
}

//! The committed public-values digest: eight words on the memory bus at keys
//! `DIGEST_KEY_BASE + i` (which no boundary chip can list). This chip puts each word's start
//! value 0 at timestamp 0 and takes its last value, which must be the public value: so the
//! public digest is what the guest's last COMMIT of each word wrote, or 0 if it never did.
//!
//! One row (columns: the last timestamp of each word). **Proves**: the public digest halves are
//! the final values. **Assumes**: nothing; the halves are canonical because they are taken
//! from the bus, where only COMMIT (a canonical register value) and this chip's zeros put them.

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{Chip, Val};

use crate::bus::{memory_message, DIGEST_KEY_BASE};
use crate::record::MachineRecord;

pub const DIGEST_WORDS: usize = 8;

#[derive(Clone, Debug, Default)]
pub struct DigestChip;

impl<F> BaseAir<F> for DigestChip {
    fn width(&self) -> usize {
        DIGEST_WORDS
    }
    fn num_public_values(&self) -> usize {
        2 * DIGEST_WORDS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for DigestChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let ts: Vec<AB::Expr> = builder
            .main()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        let pv: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        for i in 0..DIGEST_WORDS {
            let key = AB::Expr::from_u32(DIGEST_KEY_BASE + i as u32);
            memory_message(
                builder,
                [key.clone(), AB::Expr::ZERO, AB::Expr::ZERO, AB::Expr::ZERO],
                AB::Expr::ONE,
                true,
            );
            memory_message(
                builder,
                [key, pv[2 * i].clone(), pv[2 * i + 1].clone(), ts[i].clone()],
                AB::Expr::ONE,
                false,
            );
        }
    }
}

impl Chip<Val, MachineRecord> for DigestChip {
    fn name(&self) -> &'static str {
        "Digest"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        RowMajorMatrix::new(
            record
                .digest
                .iter()
                .map(|&(_, ts)| Val::from_u32(ts))
                .collect(),
            DIGEST_WORDS,
        )
    }

    fn public_values(&self, record: &MachineRecord) -> Vec<Val> {
        record
            .digest
            .iter()
            .flat_map(|&(word, _)| [word & 0xFFFF, word >> 16])
            .map(Val::from_u32)
            .collect()
    }
}

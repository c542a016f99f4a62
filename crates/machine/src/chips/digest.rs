//! The committed public-values digest: eight words on the memory bus at keys
//! `DIGEST_KEY_BASE + i` (which no boundary chip can list). This chip puts each word's value at
//! the shard's start (public) at timestamp 0 and takes its last value, which must be the public
//! end value: so the end digest is what the guest's last COMMIT of each word wrote, or the start
//! value if the shard did not. The verifier chains shards' digests, the first starting at 0.
//!
//! One row (columns: the last timestamp of each word). Public values: the start halves, then the
//! end halves. **Proves**: the public end halves are the final values. **Assumes**: the start
//! halves are canonical (the verifier's chain: zeros, then earlier end values); the end halves
//! are then canonical because only COMMIT (a canonical register value) and this chip's start
//! values put them on the bus.

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
        4 * DIGEST_WORDS
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
            let end = 2 * DIGEST_WORDS + 2 * i;
            memory_message(
                builder,
                [
                    key.clone(),
                    pv[2 * i].clone(),
                    pv[2 * i + 1].clone(),
                    AB::Expr::ZERO,
                ],
                AB::Expr::ONE,
                true,
            );
            memory_message(
                builder,
                [key, pv[end].clone(), pv[end + 1].clone(), ts[i].clone()],
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
        let end = record.digest.map(|(word, _)| word);
        record
            .digest_start
            .iter()
            .chain(&end)
            .flat_map(|&word| [word & 0xFFFF, word >> 16])
            .map(Val::from_u32)
            .collect()
    }
}

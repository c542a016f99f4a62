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

use std::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{Chip, Contract, ContractBuilder, HasContract, Val};

use crate::bus::{memory_message, DIGEST_KEY_BASE};
use crate::record::MachineRecord;

pub const DIGEST_WORDS: usize = 8;

/// The digest's words as 16-bit halves when the shard starts and when it ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct DigestPublicValues<T> {
    pub start: [[T; 2]; DIGEST_WORDS],
    pub end: [[T; 2]; DIGEST_WORDS],
}

crate::public_values!(DigestPublicValues);

#[derive(Clone, Debug, Default)]
pub struct DigestChip;

impl<F> BaseAir<F> for DigestChip {
    fn width(&self) -> usize {
        DIGEST_WORDS
    }
    fn num_public_values(&self) -> usize {
        DigestPublicValues::<u8>::COUNT
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
        let pv: DigestPublicValues<AB::PublicVar> = *builder.public_values().borrow();
        for (i, (start, end)) in pv.start.iter().zip(&pv.end).enumerate() {
            let key = AB::Expr::from_u32(DIGEST_KEY_BASE + i as u32);
            memory_message(
                builder,
                [
                    key.clone(),
                    start[0].into(),
                    start[1].into(),
                    AB::Expr::ZERO,
                ],
                AB::Expr::ONE,
                true,
            );
            memory_message(
                builder,
                [key, end[0].into(), end[1].into(), ts[i].clone()],
                AB::Expr::ONE,
                false,
            );
        }
    }
}

impl HasContract for DigestChip {
    fn contract(&self) -> Contract {
        // The last timestamp of each digest word: taken from the memory bus with the public end
        // value, so fixed by the word's last writer (COMMIT, or this chip's start value at 0).
        // One row, always real (the counts are the constant 1): no `is_real`.
        let ts = [0u8; DIGEST_WORDS];
        ContractBuilder::new(&ts)
            .input("ts", &ts)
            .guarantee("(DIGEST_KEY_BASE + i, start[i], 0) put on `memory` for each digest word i: the public start value at timestamp 0")
            .guarantee("the public end halves of word i are the value taken last from `memory` at DIGEST_KEY_BASE + i: what the shard's last COMMIT to it wrote, else the start value")
            .build("the executor's COMMIT (`Syscall::Commit`): the digest words' last values")
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
        let halves = |word: u32| [word & 0xFFFF, word >> 16].map(Val::from_u32);
        DigestPublicValues {
            start: record.digest_start.map(halves),
            end: record.digest.map(|(word, _)| halves(word)),
        }
        .to_vec()
    }
}

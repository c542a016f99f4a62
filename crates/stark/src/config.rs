//! The STARK configuration: KoalaBear, its degree-4 extension, Poseidon2-16 Merkle trees and FRI.
//!
//! Two parameter sets exist, named by [`ConfigId`]. `Production` is the one proofs are made with;
//! `InsecureTesting` has two FRI queries and no grinding, so that tests prove in milliseconds. Its
//! name is in every proof, and a verifier asked for one never accepts the other.

use p3_challenger::{CanObserve, DuplexChallenger};
use p3_commit::ExtensionMmcs;
use p3_dft::Radix2DitParallel;
use p3_field::extension::BinomialExtensionField;
use p3_field::Field;
use p3_fri::{FriParameters, TwoAdicFriPcs};
use p3_koala_bear::{default_koalabear_poseidon2_16, KoalaBear, Poseidon2KoalaBear};
use p3_merkle_tree::MerkleTreeMmcs;
use p3_symmetric::{PaddingFreeSponge, TruncatedPermutation};
use serde::{Deserialize, Serialize};

pub type Val = KoalaBear;
pub type Challenge = BinomialExtensionField<Val, 4>;
pub(crate) type Perm = Poseidon2KoalaBear<16>;
type Hash = PaddingFreeSponge<Perm, 16, 8, 8>;
type Compress = TruncatedPermutation<Perm, 2, 8, 16>;
pub(crate) type ValMmcs =
    MerkleTreeMmcs<<Val as Field>::Packing, <Val as Field>::Packing, Hash, Compress, 2, 8>;
pub(crate) type ChallengeMmcs = ExtensionMmcs<Val, Challenge, ValMmcs>;
pub(crate) type Challenger = DuplexChallenger<Val, Perm, 16, 8>;
pub(crate) type Dft = Radix2DitParallel<Val>;
pub(crate) type Pcs = TwoAdicFriPcs<Val, Dft, ValMmcs, ChallengeMmcs>;
/// The Plonky3 configuration every Tessera proof uses.
pub type StarkConfig = p3_uni_stark::StarkConfig<Pcs, Challenge, Challenger>;

/// Which parameter set a proof was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConfigId {
    /// 100 queries at blowup 2 with grinding and FRI folding by up to 8; ≥100 conjectured bits
    /// (see `security`).
    Production,
    /// Two queries and no grinding: **no security at all**. For tests only.
    InsecureTesting,
}

/// FRI and grinding parameters of a [`ConfigId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigParams {
    pub log_blowup: usize,
    pub num_queries: usize,
    pub log_final_poly_len: usize,
    pub max_log_arity: usize,
    pub query_pow_bits: usize,
    pub commit_pow_bits: usize,
    pub batch_pow_bits: usize,
    pub ood_pow_bits: usize,
    pub lookup_pow_bits: usize,
}

impl ConfigId {
    pub const fn params(self) -> ConfigParams {
        match self {
            ConfigId::Production => ConfigParams {
                log_blowup: 1,
                num_queries: 100,
                log_final_poly_len: 0,
                max_log_arity: 3,
                query_pow_bits: 16,
                commit_pow_bits: 4,
                batch_pow_bits: 12,
                ood_pow_bits: 8,
                lookup_pow_bits: 8,
            },
            ConfigId::InsecureTesting => ConfigParams {
                log_blowup: 1,
                num_queries: 2,
                log_final_poly_len: 0,
                max_log_arity: 1,
                query_pow_bits: 0,
                commit_pow_bits: 0,
                batch_pow_bits: 0,
                ood_pow_bits: 0,
                lookup_pow_bits: 0,
            },
        }
    }

    /// The FRI parameters, with the given commitment scheme for the FRI layers.
    pub(crate) fn fri_parameters<M>(self, mmcs: M) -> FriParameters<M> {
        let p = self.params();
        FriParameters {
            log_blowup: p.log_blowup,
            log_final_poly_len: p.log_final_poly_len,
            max_log_arity: p.max_log_arity,
            num_queries: p.num_queries,
            batch_proof_of_work_bits: p.batch_pow_bits,
            commit_proof_of_work_bits: p.commit_pow_bits,
            query_proof_of_work_bits: p.query_pow_bits,
            mmcs,
        }
    }

    /// A configuration whose transcript starts by absorbing `seed` (the verifying key's digest),
    /// so that a proof made under one key never verifies under another.
    pub(crate) fn build(self, seed: &[Val]) -> StarkConfig {
        let perm = default_koalabear_poseidon2_16();
        let val_mmcs = ValMmcs::new(Hash::new(perm.clone()), Compress::new(perm.clone()), 0);
        let fri = self.fri_parameters(ChallengeMmcs::new(val_mmcs.clone()));
        let pcs = Pcs::new(Dft::default(), val_mmcs, fri);
        let mut challenger = Challenger::new(perm);
        challenger.observe_slice(seed);
        let p = self.params();
        StarkConfig::new(pcs, challenger)
            .with_ood_proof_of_work_bits(p.ood_pow_bits)
            .with_lookup_proof_of_work_bits(p.lookup_pow_bits)
    }
}

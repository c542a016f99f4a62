//! Tessera's STARK backend, generic over the chips: a machine is a list of chips (AIR tables tied
//! by LogUp buses), proven as one Plonky3 batch over KoalaBear with FRI and Poseidon2 Merkle
//! trees. This crate owns the configuration, the chip abstraction, keys, the prover, the verifier
//! (typed errors, never a panic), the versioned proof format and debugging aids.
//!
//! The `testing` feature adds test hooks (proofs the honest prover refuses to make, bus counts
//! for forged witnesses, a commit-only baseline for benchmarks); only tests and benches enable it.

mod chip;
mod config;
pub mod contract;
pub mod debug;
mod error;
mod keys;
mod lookups;
mod machine;
pub mod ood;
mod proof;
mod prover;
pub mod security;
pub mod septic;
mod sub_air;
mod verifier;

pub use chip::{pad_to_power_of_two, Chip};
pub use config::{Challenge, ConfigId, ConfigParams, StarkConfig, Val};
pub use contract::{
    Assumption, Contract, ContractBuilder, Function, HasContract, Private, Role, Source,
};
pub use error::{ProveError, VerifyError};
pub use keys::{ChipShape, ProvingKey, VerifyingKey};
#[cfg(feature = "testing")]
pub use lookups::lookups_match_plonky3;
pub use machine::{Machine, MachineAir, MAX_LOG_HEIGHT};
pub use proof::{header, strip_header, Proof, FORMAT_VERSION, MAGIC, MAX_PROOF_BYTES};
#[cfg(feature = "testing")]
pub use prover::commit_only;
pub use sub_air::{SubAirBuilder, SubWindow};

/// The Plonky3 crates chips are written against, re-exported so that machines and the
/// [`machine_chips!`] macro use exactly the pinned versions.
pub mod reexports {
    pub use p3_air;
    pub use p3_field;
    pub use p3_lookup;
    pub use p3_matrix;
}

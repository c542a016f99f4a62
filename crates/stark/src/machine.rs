//! A machine: the chips proven together as one batch, and what the Plonky3 prover and verifier
//! require of their type. Its keys are made in `keys`, its proofs in `prover` and checked in
//! `verifier`.

use p3_air::{Air, DebugConstraintBuilder};
use p3_batch_stark::folder::{
    ProverConstraintFolderWithLookups, VerifierConstraintFolderWithLookups,
};
use p3_lookup::InteractionSymbolicBuilder;
use p3_uni_stark::StarkGenericConfig;

use crate::chip::Chip;
use crate::config::{Challenge, Challenger, ConfigId, Pcs, StarkConfig, Val};

/// Largest trace height, as log2: KoalaBear's two-adicity (24) less the blowup and one spare.
pub const MAX_LOG_HEIGHT: usize = 22;

/// The trace domain of `height` rows.
pub(crate) fn domain(config: &StarkConfig, height: usize) -> p3_batch_stark::Domain<StarkConfig> {
    <Pcs as p3_commit::Pcs<Challenge, Challenger>>::natural_domain_for_degree(config.pcs(), height)
}

/// Everything the Plonky3 prover and verifier require of a machine's chip type.
pub trait MachineAir<R>:
    Chip<Val, R>
    + Clone
    + Send
    + Sync
    + Air<InteractionSymbolicBuilder<Val, Challenge>>
    + for<'a> Air<ProverConstraintFolderWithLookups<'a, StarkConfig>>
    + for<'a> Air<VerifierConstraintFolderWithLookups<'a, StarkConfig>>
    + for<'a> Air<DebugConstraintBuilder<'a, Val, Challenge>>
    + for<'a> Air<DebugConstraintBuilder<'a, Val>>
{
}

impl<R, T> MachineAir<R> for T where
    T: Chip<Val, R>
        + Clone
        + Send
        + Sync
        + Air<InteractionSymbolicBuilder<Val, Challenge>>
        + for<'a> Air<ProverConstraintFolderWithLookups<'a, StarkConfig>>
        + for<'a> Air<VerifierConstraintFolderWithLookups<'a, StarkConfig>>
        + for<'a> Air<DebugConstraintBuilder<'a, Val, Challenge>>
        + for<'a> Air<DebugConstraintBuilder<'a, Val>>
{
}

/// A set of chips proven together as one batch.
pub struct Machine<A> {
    pub(crate) chips: Vec<A>,
    pub(crate) config_id: ConfigId,
}

impl<A> Machine<A> {
    pub fn new(chips: Vec<A>, config_id: ConfigId) -> Self {
        Machine { chips, config_id }
    }

    pub fn chips(&self) -> &[A] {
        &self.chips
    }

    pub fn config_id(&self) -> ConfigId {
        self.config_id
    }

    /// The chips `present`, in order.
    pub(crate) fn present_chips(&self, present: &[bool]) -> Vec<A>
    where
        A: Clone,
    {
        self.chips
            .iter()
            .zip(present)
            .filter(|(_, &p)| p)
            .map(|(c, _)| c.clone())
            .collect()
    }
}

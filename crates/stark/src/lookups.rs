//! Lookups: each chip's bus interactions, packed per trace height exactly as `p3-batch-stark`
//! packs them, so that prover and verifier derive them per proof from the key's chips.

use p3_air::symbolic::AirLayout;
use p3_air::Air;
use p3_batch_stark::symbolic::get_log_num_quotient_chunks_for_domain;
#[cfg(feature = "testing")]
use p3_batch_stark::ProverData;
use p3_commit::PolynomialSpace;
use p3_lookup::{InteractionSymbolicBuilder, LogUpGadget, Lookups};

#[cfg(feature = "testing")]
use crate::config::ConfigId;
use crate::config::{Challenge, StarkConfig, Val};
use crate::machine::domain;
#[cfg(feature = "testing")]
use crate::machine::MachineAir;

/// Each chip's lookups, packed exactly as `ProverData::from_airs_and_degrees` packs them for these
/// trace heights. Heights vary from proof to proof, so prover and verifier derive them per proof
/// while the preprocessed commitment stays the one in the key.
pub(crate) fn derive_lookups<A>(
    config: &StarkConfig,
    chips: &[A],
    ext_degree_bits: &[usize],
) -> Vec<Lookups<Val>>
where
    A: Air<InteractionSymbolicBuilder<Val, Challenge>> + p3_air::BaseAir<Val>,
{
    chips
        .iter()
        .zip(ext_degree_bits)
        .map(|(chip, &log_height)| chip_lookups(config, chip, log_height))
        .collect()
}

/// One chip's lookups, packed for trace height `2^log_height` (see [`derive_lookups`]).
pub(crate) fn chip_lookups<A>(config: &StarkConfig, chip: &A, log_height: usize) -> Lookups<Val>
where
    A: Air<InteractionSymbolicBuilder<Val, Challenge>> + p3_air::BaseAir<Val>,
{
    let gadget = LogUpGadget::new();
    let domain = domain(config, 1 << log_height);
    let unpacked = Lookups::<Val>::from_air::<Challenge, A>(chip);
    let log_chunks = get_log_num_quotient_chunks_for_domain::<Val, Challenge, A, _>(
        chip,
        AirLayout::from_air(chip),
        domain,
        &unpacked,
        0,
        &gadget,
    );
    let budget = (1usize << log_chunks) + 1;
    unpacked.pack_same_bus_with_degree(budget, |lookup| {
        gadget.constraint_degree_with_transition(lookup, domain.transition_degree_multiple())
    })
}

/// Test hook: whether `derive_lookups` packs `chips`' lookups for `log_heights` exactly as
/// `ProverData::from_airs_and_degrees` does (serialized, byte for byte).
#[cfg(feature = "testing")]
pub fn lookups_match_plonky3<A, R>(chips: &[A], config_id: ConfigId, log_heights: &[usize]) -> bool
where
    A: MachineAir<R>,
{
    let config = config_id.build(&[]);
    let ours = derive_lookups(&config, chips, log_heights);
    let theirs = ProverData::from_airs_and_degrees(&config, chips, log_heights)
        .expect("prover data")
        .common
        .lookups;
    let encode = |l: &Vec<Lookups<Val>>| {
        bincode::serde::encode_to_vec(l, bincode::config::standard()).expect("serializable")
    };
    encode(&ours) == encode(&theirs)
}

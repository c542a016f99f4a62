//! What the verifier's out-of-domain check of one chip depends on besides the proof's openings
//! and challenges: the chip's lookups as packed for its height, its quotient chunk count, and the
//! chunks' domains. The circuit layer rebuilds the check from these exactly as
//! `p3-batch-stark`'s verifier does it.

use p3_air::symbolic::AirLayout;
use p3_batch_stark::symbolic::get_log_num_quotient_chunks_for_domain;
use p3_commit::PolynomialSpace;
use p3_field::coset::TwoAdicMultiplicativeCoset;
use p3_lookup::{LogUpGadget, Lookups};

use crate::config::{ConfigId, Val};
use crate::machine::{derive_lookups, domain, MachineAir};

/// One chip's out-of-domain shape at trace height `2^log_height`.
#[derive(Clone, Debug)]
pub struct OodShape {
    pub log_height: usize,
    /// The lookups, packed as prover and verifier pack them at this height.
    pub lookups: Lookups<Val>,
    pub log_num_quotient_chunks: usize,
    /// Each quotient chunk's domain: its shift and log size.
    pub chunk_domains: Vec<(Val, usize)>,
}

/// The out-of-domain shape of `chip` at trace height `2^log_height` under `config_id`.
pub fn ood_shape<A, R>(config_id: ConfigId, chip: &A, log_height: usize) -> OodShape
where
    A: MachineAir<R>,
{
    let config = config_id.build(&[]);
    let lookups = derive_lookups(&config, std::slice::from_ref(chip), &[log_height])
        .pop()
        .expect("one chip, one set of lookups");
    let trace = domain(&config, 1 << log_height);
    let layout = AirLayout {
        preprocessed_width: chip.preprocessed_width(),
        main_width: chip.width(),
        num_public_values: chip.num_public_values(),
        num_periodic_columns: chip.num_periodic_columns(),
        ..Default::default()
    };
    let log_num_quotient_chunks = get_log_num_quotient_chunks_for_domain::<
        Val,
        crate::Challenge,
        A,
        _,
    >(chip, layout, trace, &lookups, 0, &LogUpGadget::new());
    let quotient: TwoAdicMultiplicativeCoset<Val> =
        trace.create_disjoint_domain(1 << (log_height + log_num_quotient_chunks));
    let chunk_domains = quotient
        .split_domains(1 << log_num_quotient_chunks)
        .into_iter()
        .map(|d| (d.shift(), d.log_size()))
        .collect();
    OodShape {
        log_height,
        lookups,
        log_num_quotient_chunks,
        chunk_domains,
    }
}

//! What the verifier's out-of-domain check of one chip depends on besides the proof's openings
//! and challenges: the chip's lookups as packed for its height, its quotient chunk count, and the
//! chunks' domains. The circuit layer rebuilds the check from these exactly as
//! `p3-batch-stark`'s verifier does it.

use p3_air::symbolic::AirLayout;
use p3_batch_stark::symbolic::get_log_num_quotient_chunks_for_domain;
use p3_commit::PolynomialSpace;
use p3_field::coset::TwoAdicMultiplicativeCoset;
use p3_lookup::{LogUpGadget, Lookups};

use p3_batch_stark::{BatchShape, BatchTranscriptFailure, BatchVerifierTranscript};
use p3_field::PrimeCharacteristicRing;
use p3_uni_stark::StarkGenericConfig;

use crate::config::{Challenge, Challenger, ConfigId, Pcs, StarkConfig, Val};
use crate::error::VerifyError;
use crate::keys::VerifyingKey;
use crate::lookups::{chip_lookups, derive_lookups};
use crate::machine::{domain, Machine, MachineAir};
use crate::proof::Proof;

type Commitment = <Pcs as p3_commit::Pcs<Challenge, Challenger>>::Commitment;

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
    let lookups = chip_lookups(&config, chip, log_height);
    shape_with_lookups::<A, R>(&config, chip, log_height, lookups)
}

/// The shape of `chip` at `2^log_height` with its `lookups` already packed for that height.
fn shape_with_lookups<A, R>(
    config: &StarkConfig,
    chip: &A,
    log_height: usize,
    lookups: Lookups<Val>,
) -> OodShape
where
    A: MachineAir<R>,
{
    let trace = domain(config, 1 << log_height);
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

/// What one chip's out-of-domain check reads from a verified proof.
#[derive(Clone, Debug)]
pub struct ChipOpenings {
    pub shape: OodShape,
    pub public_values: Vec<Val>,
    pub main_local: Vec<Challenge>,
    /// Zeros where the proof opens no next row, as the verifier substitutes.
    pub main_next: Vec<Challenge>,
    pub preprocessed_local: Vec<Challenge>,
    pub preprocessed_next: Vec<Challenge>,
    /// Base-flattened extension columns: `D` values per column.
    pub permutation_local: Vec<Challenge>,
    pub permutation_next: Vec<Challenge>,
    /// Each quotient chunk's `D` coordinates.
    pub quotient_chunks: Vec<Vec<Challenge>>,
    pub lookup_challenges: Vec<Challenge>,
    pub terminals: Vec<Challenge>,
}

/// Everything the out-of-domain checks of a verified proof read.
#[derive(Clone, Debug)]
pub struct OodValues {
    pub alpha: Challenge,
    pub zeta: Challenge,
    /// Per machine chip; `None` for a chip the proof leaves out.
    pub chips: Vec<Option<ChipOpenings>>,
}

impl<A> Machine<A> {
    /// Verifies `proof`, then replays its transcript as the verifier does and returns what the
    /// out-of-domain checks read: the challenges and every chip's openings.
    pub fn ood_values<R>(&self, vk: &VerifyingKey, proof: &Proof) -> Result<OodValues, VerifyError>
    where
        A: MachineAir<R>,
    {
        self.verify::<R>(vk, proof)?;
        let config = self.config_id().build(&vk.transcript_seed());
        let chips = self.present_chips(&proof.present);
        let batch = &proof.batch;
        let degree_bits = &batch.degree_bits;
        let lookups = derive_lookups(&config, &chips, degree_bits);
        let preprocessed = vk.global_preprocessed(&proof.present);
        let preprocessed_widths: Vec<usize> =
            chips.iter().map(|c| c.preprocessed_width()).collect();
        let public_values: Vec<Vec<Val>> = (0..self.chips().len())
            .filter(|&i| proof.present[i])
            .map(|i| {
                proof.public_values[i]
                    .iter()
                    .map(|&v| Val::from_u32(v))
                    .collect()
            })
            .collect();
        let shape = BatchShape {
            trace_widths: chips.iter().map(|c| c.width()).collect(),
            public_value_counts: chips.iter().map(|c| c.num_public_values()).collect(),
            preprocessed_widths: preprocessed_widths.clone(),
            has_preprocessed_commitment: preprocessed.is_some(),
            num_lookup_instances: lookups.iter().filter(|l| !l.is_empty()).count(),
            lookup_pow_bits: config.lookup_proof_of_work_bits(),
            has_randomization_commitment: <Pcs as p3_commit::UnivariateStarkPcs<
                Challenge,
                Challenger,
            >>::ZK,
            ood_pow_bits: config.ood_proof_of_work_bits(),
        };
        let replay_error = |e: BatchTranscriptFailure| VerifyError::Transcript(format!("{e:?}"));
        let mut challenger = config.initialise_challenger();
        let mut transcript = BatchVerifierTranscript::<Challenger, Val, Challenge, Commitment>::new(
            &mut challenger,
            shape,
        );
        transcript.instance_bindings(degree_bits);
        transcript.main_phase(batch.commitments.main.clone(), &public_values);
        transcript.preprocessed_phase(preprocessed.as_ref().map(|g| g.commitment.clone()));
        let challenges = transcript
            .lookup_phase(&lookups, &LogUpGadget::new(), batch.lookup_pow_witness)
            .map_err(replay_error)?;
        let terminals: Vec<Challenge> = batch
            .lookup_terminals
            .iter()
            .flatten()
            .map(|t| t.0)
            .collect();
        let alpha = transcript.permutation_phase(batch.commitments.permutation.clone(), &terminals);
        transcript.quotient_phase(
            batch.commitments.quotient_chunks.clone(),
            batch.commitments.random.clone(),
        );
        let zeta = transcript
            .ood_phase(batch.ood_pow_witness)
            .map_err(replay_error)?;
        transcript.abort();

        let mut present = Vec::with_capacity(chips.len());
        for (i, chip) in chips.iter().enumerate() {
            let opened = &batch.opened_values.instances[i];
            let base = &opened.base_opened_values;
            let shape =
                shape_with_lookups::<A, R>(&config, chip, degree_bits[i], lookups[i].clone());
            let zeros = |n: usize| vec![Challenge::ZERO; n];
            present.push(ChipOpenings {
                shape,
                public_values: public_values[i].clone(),
                main_local: base.trace_local.clone(),
                main_next: base
                    .trace_next
                    .clone()
                    .unwrap_or_else(|| zeros(chip.width())),
                preprocessed_local: base.preprocessed_local().unwrap_or(&[]).to_vec(),
                preprocessed_next: base
                    .preprocessed_next()
                    .map_or_else(|| zeros(preprocessed_widths[i]), <[Challenge]>::to_vec),
                permutation_local: opened.permutation_local.clone(),
                permutation_next: opened.permutation_next.clone(),
                quotient_chunks: base.quotient_chunks.clone(),
                lookup_challenges: challenges[i].clone(),
                terminals: batch.lookup_terminals[i].iter().map(|t| t.0).collect(),
            });
        }
        let mut present = present.into_iter();
        let chips = proof
            .present
            .iter()
            .map(|&p| if p { present.next() } else { None })
            .collect();
        Ok(OodValues { alpha, zeta, chips })
    }
}

//! The prover: traces generated from a record (or given), their shapes checked, in debug builds
//! every constraint and bus checked with the failure named, then one `p3-batch-stark` proof of
//! the chips present, which the prover verifies before handing it out.

use p3_batch_stark::{CommonData, ProverData, ProverOnlyData, StarkInstance};
use p3_field::PrimeField32;
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
#[cfg(feature = "testing")]
use p3_uni_stark::StarkGenericConfig;
use rayon::prelude::*;

#[cfg(feature = "testing")]
use crate::config::{Challenge, Challenger, ConfigId, Pcs};
use crate::config::{StarkConfig, Val};
use crate::error::ProveError;
use crate::keys::ProvingKey;
use crate::lookups::derive_lookups;
#[cfg(feature = "testing")]
use crate::machine::domain;
use crate::machine::{Machine, MachineAir, MAX_LOG_HEIGHT};
use crate::proof::Proof;

impl<A> Machine<A> {
    /// Generates every chip's trace from `record` (in parallel) and proves them.
    pub fn prove<R: Sync>(&self, pk: &ProvingKey, record: &R) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        let traces: Vec<RowMajorMatrix<Val>> = self
            .chips
            .par_iter()
            .map(|chip| chip.generate_trace(record))
            .collect();
        let public_values: Vec<Vec<Val>> =
            self.chips.iter().map(|c| c.public_values(record)).collect();
        self.prove_traces_of::<R>(pk, record, traces, public_values)
    }

    /// Which chips a proof of `record` holds: all but the optional ones it does not use.
    pub fn present<R>(&self, record: &R) -> Vec<bool>
    where
        A: MachineAir<R>,
    {
        self.chips
            .iter()
            .map(|c| !c.is_optional() || c.is_used(record))
            .collect()
    }

    /// [`Machine::prove_traces`] for the traces of `record`, leaving out the optional chips it
    /// does not use.
    pub fn prove_traces_of<R>(
        &self,
        pk: &ProvingKey,
        record: &R,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        let present = self.present(record);
        self.prove_checked::<R>(pk, traces, public_values, present)
    }

    /// Proves given traces, every chip present. In debug builds every constraint and bus is
    /// checked first, and a failure is reported with its chip, row and constraint (or bus,
    /// tuple and rows); in every build the proof is verified before it is returned.
    pub fn prove_traces<R>(
        &self,
        pk: &ProvingKey,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        let present = vec![true; self.chips.len()];
        self.prove_checked::<R>(pk, traces, public_values, present)
    }

    fn prove_checked<R>(
        &self,
        pk: &ProvingKey,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
        present: Vec<bool>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        self.check_shapes::<R>(&traces)?;
        #[cfg(debug_assertions)]
        self.check_traces::<R>(&traces, &public_values)?;
        self.prove_verified::<R>(pk, traces, public_values, present)
    }

    /// Proves and verifies: never hands out a proof that was not verified (release builds
    /// check no constraint before proving; an unverifiable proof is an error, not a result).
    fn prove_verified<R>(
        &self,
        pk: &ProvingKey,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
        present: Vec<bool>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        let proof = self.prove_shaped::<R>(pk, traces, public_values, present)?;
        self.verify::<R>(&pk.vk, &proof)
            .map_err(ProveError::Unverified)?;
        Ok(proof)
    }

    /// Every constraint and bus, with chip, row and constraint (or bus, tuple and rows) named.
    #[cfg(debug_assertions)]
    fn check_traces<R>(
        &self,
        traces: &[RowMajorMatrix<Val>],
        public_values: &[Vec<Val>],
    ) -> Result<(), ProveError>
    where
        A: MachineAir<R>,
    {
        for ((chip, trace), pvs) in self.chips.iter().zip(traces).zip(public_values) {
            crate::debug::check_constraints(chip.name(), chip, trace, pvs)?;
        }
        let named: Vec<(&str, &A)> = self.chips.iter().map(|c| (c.name(), c)).collect();
        crate::debug::check_buses(&named, traces, public_values)
    }

    /// The proof of the chips `present`, from traces whose shapes were checked.
    fn prove_shaped<R>(
        &self,
        pk: &ProvingKey,
        traces: Vec<RowMajorMatrix<Val>>,
        mut public_values: Vec<Vec<Val>>,
        present: Vec<bool>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        let chips = self.present_chips(&present);
        let traces: Vec<RowMajorMatrix<Val>> = traces
            .into_iter()
            .zip(&present)
            .filter_map(|(t, &p)| p.then_some(t))
            .collect();
        for (pvs, &p) in public_values.iter_mut().zip(&present) {
            if !p {
                pvs.clear();
            }
        }
        let degree_bits: Vec<usize> = traces
            .iter()
            .map(|t| t.height().trailing_zeros() as usize)
            .collect();
        let prover_data = ProverData {
            common: CommonData {
                preprocessed: pk.vk.global_preprocessed(&present),
                lookups: derive_lookups(&pk.config, &chips, &degree_bits),
            },
            prover_only: ProverOnlyData {
                preprocessed_prover_data: pk.preprocessed.clone(),
            },
        };
        let present_values = public_values
            .iter()
            .zip(&present)
            .filter_map(|(pvs, &p)| p.then_some(pvs));
        let instances: Vec<StarkInstance<StarkConfig, A>> = chips
            .iter()
            .zip(&traces)
            .zip(present_values)
            .map(|((air, trace), pvs)| StarkInstance {
                air,
                trace,
                public_values: pvs.clone(),
            })
            .collect();
        let batch = p3_batch_stark::prove_batch(&pk.config, &instances, &prover_data)
            .map_err(|e| ProveError::Backend(format!("{e:?}")))?;
        Ok(Proof {
            config_id: pk.vk.config_id,
            vk_digest: pk.vk.digest(),
            present,
            public_values: public_values
                .iter()
                .map(|pvs| pvs.iter().map(|v| v.as_canonical_u32()).collect())
                .collect(),
            batch,
        })
    }

    fn check_shapes<R>(&self, traces: &[RowMajorMatrix<Val>]) -> Result<(), ProveError>
    where
        A: MachineAir<R>,
    {
        assert_eq!(traces.len(), self.chips.len(), "one trace per chip");
        for (chip, trace) in self.chips.iter().zip(traces) {
            let chip_name = chip.name().to_string();
            if trace.width() != chip.width() {
                return Err(ProveError::TraceWidth {
                    chip: chip_name,
                    width: trace.width(),
                    expected: chip.width(),
                });
            }
            if !trace.height().is_power_of_two() || trace.height() > 1 << MAX_LOG_HEIGHT {
                return Err(ProveError::TraceHeight {
                    chip: chip_name,
                    height: trace.height(),
                });
            }
            if let Some(p) = chip.preprocessed_trace().filter(|p| p.width() > 0) {
                if p.height() != trace.height() {
                    return Err(ProveError::PreprocessedHeight {
                        chip: chip_name,
                        height: trace.height(),
                        expected: p.height(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Test hooks: proofs that the honest prover refuses to make, for tests to show that the verifier
/// (or the prover's own verification) rejects them.
#[cfg(feature = "testing")]
impl<A> Machine<A> {
    /// Test hook: [`Machine::prove_traces`] as a release build runs it, no constraint checked
    /// before proving and the proof verified after, so that tests can show that a bad trace
    /// yields an error, not a proof.
    pub fn prove_traces_as_release<R>(
        &self,
        pk: &ProvingKey,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        self.prove_skipping_checks::<R>(pk, None, traces, public_values, true)
    }

    /// Test hook: proves given traces, every chip present, without the debug checks and without
    /// verifying the proof, as a cheating prover would, so that tests can show that the verifier
    /// rejects what the checks would have caught.
    pub fn prove_traces_unchecked<R>(
        &self,
        pk: &ProvingKey,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        self.prove_skipping_checks::<R>(pk, None, traces, public_values, false)
    }

    /// Test hook: [`Machine::prove_traces_unchecked`] leaving out the optional chips `record`
    /// does not use, as the honest prover does.
    pub fn prove_traces_of_unchecked<R>(
        &self,
        pk: &ProvingKey,
        record: &R,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        self.prove_skipping_checks::<R>(pk, Some(record), traces, public_values, false)
    }

    /// The proof of the chips `record` uses (every chip without one) from traces whose shapes
    /// alone are checked, verified before it is returned if `verify`.
    fn prove_skipping_checks<R>(
        &self,
        pk: &ProvingKey,
        record: Option<&R>,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
        verify: bool,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        self.check_shapes::<R>(&traces)?;
        let present = match record {
            Some(record) => self.present(record),
            None => vec![true; self.chips.len()],
        };
        if verify {
            self.prove_verified::<R>(pk, traces, public_values, present)
        } else {
            self.prove_shaped::<R>(pk, traces, public_values, present)
        }
    }
}

/// Test hook (for benchmarks): commits `traces` as the prover commits main traces (coset LDE,
/// then a Poseidon2 Merkle tree) and nothing else: the unavoidable cost that prove time is
/// measured against.
#[cfg(feature = "testing")]
pub fn commit_only(config_id: ConfigId, traces: Vec<RowMajorMatrix<Val>>) {
    let config = config_id.build(&[]);
    let items: Vec<_> = traces
        .into_iter()
        .map(|t| (domain(&config, t.height()), t))
        .collect();
    let committed = <Pcs as p3_commit::Pcs<Challenge, Challenger>>::commit(config.pcs(), items)
        .expect("commit");
    std::hint::black_box(committed);
}

//! A machine: its chips, its keys, and the prover and verifier for one batch of their tables.

use std::panic::{catch_unwind, AssertUnwindSafe};

use p3_air::symbolic::{AirLayout, SymbolicExpr, SymbolicExpression};
use p3_air::{Air, DebugConstraintBuilder};
use p3_batch_stark::common::{GlobalPreprocessed, PreprocessedInstanceMeta};
use p3_batch_stark::folder::{
    ProverConstraintFolderWithLookups, VerifierConstraintFolderWithLookups,
};
use p3_batch_stark::symbolic::get_log_num_quotient_chunks_for_domain;
use p3_batch_stark::{
    BatchVerificationError, CommonData, ProverData, ProverOnlyData, StarkInstance,
    VerificationError,
};
use p3_commit::{PolynomialSpace, UnivariateStarkPcs};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_lookup::{InteractionSymbolicBuilder, LogUpGadget, LookupError, Lookups};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use p3_uni_stark::StarkGenericConfig;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::chip::Chip;
use crate::config::{Challenge, Challenger, ConfigId, ConfigParams, Pcs, StarkConfig, Val};
use crate::error::{ProveError, VerifyError};
use crate::proof::Proof;

/// Largest trace height, as log2: KoalaBear's two-adicity (24) less the blowup and one spare.
pub const MAX_LOG_HEIGHT: usize = 22;

type Commitment = <Pcs as p3_commit::Pcs<Challenge, Challenger>>::Commitment;
type PreprocessedData = <Pcs as p3_commit::Pcs<Challenge, Challenger>>::ProverData;

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

/// The shape of one chip, as the verifying key records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChipShape {
    pub name: String,
    pub width: usize,
    pub preprocessed_width: usize,
    /// log2 of the preprocessed table's height (fixed for the machine), if the chip has one.
    pub preprocessed_log_height: Option<usize>,
    pub num_public_values: usize,
    /// SHA-256 of the chip's symbolic constraints and bus interactions: a key made for one
    /// version of a chip does not verify proofs of another.
    pub constraints_digest: [u8; 32],
    /// Whether a proof may leave the chip out (see [`Chip::is_optional`]).
    pub optional: bool,
}

/// What a verifier needs besides the chips: serializable, and bound into every proof's
/// transcript (its digest seeds the challenger) so a proof for one program or machine never
/// verifies for another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyingKey {
    pub config_id: ConfigId,
    pub config_params: ConfigParams,
    pub chips: Vec<ChipShape>,
    pub preprocessed_commitment: Option<Commitment>,
    /// Values the application binds to the key beyond its chips (a program's memory image
    /// hash): they enter the digest, so the transcript, like everything else here.
    pub context: Vec<u32>,
}

impl VerifyingKey {
    pub fn digest(&self) -> [u8; 32] {
        let bytes = bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("a verifying key always serializes");
        Sha256::digest(bytes).into()
    }

    /// The digest as 16 field elements of 16 bits each, absorbed before anything else.
    pub(crate) fn transcript_seed(&self) -> Vec<Val> {
        self.digest()
            .chunks_exact(2)
            .map(|c| Val::from_u16(u16::from_le_bytes([c[0], c[1]])))
            .collect()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("a verifying key always serializes")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let config = bincode::config::standard().with_limit::<{ 16 << 20 }>();
        bincode::serde::decode_from_slice(bytes, config)
            .map(|(vk, _)| vk)
            .map_err(|e| VerifyError::Malformed(format!("verifying key: {e}")))
    }

    /// Plonky3's view of the preprocessed commitment, for the chips `present` (every chip with
    /// a preprocessed table is).
    pub(crate) fn global_preprocessed(
        &self,
        present: &[bool],
    ) -> Option<GlobalPreprocessed<StarkConfig>> {
        let commitment = self.preprocessed_commitment.clone()?;
        let mut instances = Vec::with_capacity(self.chips.len());
        let mut matrix_to_instance = Vec::new();
        let chips = self.chips.iter().zip(present).filter(|c| *c.1);
        for (i, (chip, _)) in chips.enumerate() {
            instances.push(chip.preprocessed_log_height.map(|log_height| {
                matrix_to_instance.push(i);
                PreprocessedInstanceMeta {
                    matrix_index: matrix_to_instance.len() - 1,
                    width: chip.preprocessed_width,
                    degree_bits: log_height,
                }
            }));
        }
        Some(GlobalPreprocessed {
            commitment,
            instances,
            matrix_to_instance,
        })
    }
}

/// The prover's key: the verifying key, the configuration seeded with its digest, and the
/// committed preprocessed tables.
pub struct ProvingKey {
    pub vk: VerifyingKey,
    config: StarkConfig,
    preprocessed: Option<PreprocessedData>,
}

/// A set of chips proven together as one batch.
pub struct Machine<A> {
    chips: Vec<A>,
    config_id: ConfigId,
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
}

fn constraints_digest<A>(chip: &A) -> [u8; 32]
where
    A: Air<InteractionSymbolicBuilder<Val, Challenge>> + p3_air::BaseAir<Val>,
{
    let builder = InteractionSymbolicBuilder::<Val, Challenge>::from_air(
        chip,
        AirLayout::from_air::<Val>(chip),
    );
    let mut digests = ExprDigests::default();
    let mut hasher = Sha256::new();
    // Held to the end: the digests are memoized by node address.
    let constraints = builder.base_constraints();
    for c in &constraints {
        hasher.update(digests.of(c));
    }
    for i in builder.global_interactions() {
        hasher.update(format!(
            "{} {} {}\n",
            i.bus_name,
            i.fields.len(),
            i.count_weight
        ));
        for f in &i.fields {
            hasher.update(digests.of(f));
        }
        hasher.update(digests.of(&i.count));
    }
    for i in builder.local_interactions() {
        for (fields, count) in &i.tuples {
            hasher.update(format!("local {} {}\n", fields.len(), count.weight()));
            for f in fields {
                hasher.update(digests.of(f));
            }
            hasher.update(digests.of(&count.clone().into_parts().0));
        }
    }
    hasher.finalize().into()
}

/// Structural digests of symbolic expressions, memoized by node: Plonky3 builds constraints as
/// DAGs (a Keccak round shares sub-expressions many times over), which printing would unfold
/// into trees exponentially larger.
#[derive(Default)]
struct ExprDigests {
    memo: std::collections::HashMap<*const SymbolicExpression<Val>, [u8; 32]>,
}

impl ExprDigests {
    /// The digest of `expr`; its shared sub-expressions must stay alive while `self` does.
    fn of(&mut self, expr: &SymbolicExpression<Val>) -> [u8; 32] {
        let mut hasher = Sha256::new();
        match expr {
            SymbolicExpr::Leaf(leaf) => hasher.update(format!("leaf {leaf:?}")),
            SymbolicExpr::Neg { x, .. } => {
                hasher.update("neg");
                hasher.update(self.of_shared(x));
            }
            SymbolicExpr::Add { x, y, .. }
            | SymbolicExpr::Sub { x, y, .. }
            | SymbolicExpr::Mul { x, y, .. } => {
                hasher.update(match expr {
                    SymbolicExpr::Add { .. } => "add",
                    SymbolicExpr::Sub { .. } => "sub",
                    _ => "mul",
                });
                hasher.update(self.of_shared(x));
                hasher.update(self.of_shared(y));
            }
        }
        hasher.finalize().into()
    }

    fn of_shared(&mut self, expr: &std::sync::Arc<SymbolicExpression<Val>>) -> [u8; 32] {
        let key = std::sync::Arc::as_ptr(expr);
        if let Some(d) = self.memo.get(&key) {
            return *d;
        }
        let digest = self.of(expr);
        self.memo.insert(key, digest);
        digest
    }
}

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

impl<A> Machine<A> {
    /// Commits the preprocessed tables and builds both keys.
    pub fn setup<R>(&self) -> (ProvingKey, VerifyingKey)
    where
        A: MachineAir<R>,
    {
        self.setup_with_context::<R>(Vec::new())
    }

    /// [`Machine::setup`] for a key that also binds `context` (see [`VerifyingKey::context`]).
    pub fn setup_with_context<R>(&self, context: Vec<u32>) -> (ProvingKey, VerifyingKey)
    where
        A: MachineAir<R>,
    {
        let mut shapes = Vec::with_capacity(self.chips.len());
        let mut tables = Vec::new();
        let unseeded = self.config_id.build(&[]);
        for chip in &self.chips {
            let preprocessed = chip.preprocessed_trace().filter(|t| t.width() > 0);
            assert!(
                !chip.is_optional() || (preprocessed.is_none() && chip.num_public_values() == 0),
                "chip {}: an optional chip has no preprocessed table and no public values",
                chip.name()
            );
            let log_height = preprocessed.as_ref().map(|t| {
                assert!(
                    t.height().is_power_of_two(),
                    "chip {}: preprocessed height must be a power of two",
                    chip.name()
                );
                t.height().trailing_zeros() as usize
            });
            shapes.push(ChipShape {
                name: chip.name().to_string(),
                width: chip.width(),
                preprocessed_width: preprocessed.as_ref().map_or(0, |t| t.width()),
                preprocessed_log_height: log_height,
                num_public_values: chip.num_public_values(),
                constraints_digest: constraints_digest(chip),
                optional: chip.is_optional(),
            });
            if let Some(table) = preprocessed {
                let domain = domain(&unseeded, table.height());
                tables.push((domain, table));
            }
        }
        let (commitment, preprocessed) = if tables.is_empty() {
            (None, None)
        } else {
            let (c, data) =
                <Pcs as UnivariateStarkPcs<Challenge, Challenger>>::commit_preprocessing(
                    unseeded.pcs(),
                    tables,
                )
                .expect("committing fixed tables cannot fail");
            (Some(c), Some(data))
        };
        let vk = VerifyingKey {
            config_id: self.config_id,
            config_params: self.config_id.params(),
            chips: shapes,
            preprocessed_commitment: commitment,
            context,
        };
        let config = self.config_id.build(&vk.transcript_seed());
        let pk = ProvingKey {
            vk: vk.clone(),
            config,
            preprocessed,
        };
        (pk, vk)
    }

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

    /// [`Machine::prove_traces`] as a release build runs it: no constraint checked before
    /// proving, the proof verified after. Tests use it to show that a bad trace yields an
    /// error, not a proof.
    #[doc(hidden)]
    pub fn prove_traces_as_release<R>(
        &self,
        pk: &ProvingKey,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        self.check_shapes::<R>(&traces)?;
        let present = vec![true; self.chips.len()];
        self.prove_verified::<R>(pk, traces, public_values, present)
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

    /// Proves given traces without the debug checks: how a cheating prover would. Tests use it
    /// to show that the verifier rejects what the checks would have caught.
    #[doc(hidden)]
    pub fn prove_traces_unchecked<R>(
        &self,
        pk: &ProvingKey,
        traces: Vec<RowMajorMatrix<Val>>,
        public_values: Vec<Vec<Val>>,
    ) -> Result<Proof, ProveError>
    where
        A: MachineAir<R>,
    {
        self.check_shapes::<R>(&traces)?;
        let present = vec![true; self.chips.len()];
        self.prove_shaped::<R>(pk, traces, public_values, present)
    }

    /// [`Machine::prove_traces_unchecked`] leaving out the optional chips `record` does not use,
    /// as the honest prover does.
    #[doc(hidden)]
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
        self.check_shapes::<R>(&traces)?;
        let present = self.present(record);
        self.prove_shaped::<R>(pk, traces, public_values, present)
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

    /// Verifies `proof` against `vk` for this machine's chips. Never panics.
    pub fn verify<R>(&self, vk: &VerifyingKey, proof: &Proof) -> Result<(), VerifyError>
    where
        A: MachineAir<R>,
    {
        if proof.config_id != vk.config_id {
            return Err(VerifyError::ConfigMismatch {
                expected: vk.config_id,
                got: proof.config_id,
            });
        }
        if vk.config_id != self.config_id || vk.config_params != self.config_id.params() {
            return Err(VerifyError::KeyMismatch(
                "configuration differs from the machine's".into(),
            ));
        }
        if proof.vk_digest != vk.digest() {
            return Err(VerifyError::WrongVerifyingKey);
        }
        self.check_key(vk)?;
        let n = self.chips.len();
        if proof.present.len() != n || proof.public_values.len() != n {
            return Err(VerifyError::ChipCount {
                expected: n,
                got: proof.present.len().min(proof.public_values.len()),
            });
        }
        for ((chip, &present), pvs) in self
            .chips
            .iter()
            .zip(&proof.present)
            .zip(&proof.public_values)
        {
            if !present && (!chip.is_optional() || !pvs.is_empty()) {
                return Err(VerifyError::Shape(format!(
                    "chip {} is left out of the proof, but it may not be",
                    chip.name()
                )));
            }
        }
        let chips = self.present_chips(&proof.present);
        let present = |i: &usize| proof.present[*i];
        let shapes: Vec<&ChipShape> = (0..n).filter(present).map(|i| &vk.chips[i]).collect();
        let proof_values: Vec<&Vec<u32>> = (0..n)
            .filter(present)
            .map(|i| &proof.public_values[i])
            .collect();
        let degree_bits = &proof.batch.degree_bits;
        if degree_bits.len() != chips.len() {
            return Err(VerifyError::ChipCount {
                expected: chips.len(),
                got: degree_bits.len(),
            });
        }
        let mut public_values = Vec::with_capacity(chips.len());
        for ((chip, shape), (&log_height, pvs)) in chips
            .iter()
            .zip(shapes)
            .zip(degree_bits.iter().zip(proof_values))
        {
            let bad_height = |reason: &str| VerifyError::BadHeight {
                chip: shape.name.clone(),
                log_height,
                reason: reason.into(),
            };
            if log_height > MAX_LOG_HEIGHT {
                return Err(bad_height("above the largest supported height"));
            }
            if shape
                .preprocessed_log_height
                .is_some_and(|h| h != log_height)
            {
                return Err(bad_height("differs from the chip's preprocessed height"));
            }
            if pvs.len() != chip.num_public_values() {
                return Err(VerifyError::BadPublicValues {
                    chip: shape.name.clone(),
                    reason: format!(
                        "{} values, expected {}",
                        pvs.len(),
                        chip.num_public_values()
                    ),
                });
            }
            if let Some(v) = pvs.iter().find(|&&v| v >= Val::ORDER_U32) {
                return Err(VerifyError::BadPublicValues {
                    chip: shape.name.clone(),
                    reason: format!("{v} is not a canonical field element"),
                });
            }
            public_values.push(pvs.iter().map(|&v| Val::from_u32(v)).collect::<Vec<_>>());
        }

        let config = self.config_id.build(&vk.transcript_seed());
        let run = || {
            let common = CommonData {
                preprocessed: vk.global_preprocessed(&proof.present),
                lookups: derive_lookups(&config, &chips, degree_bits),
            };
            p3_batch_stark::verify_batch(&config, &chips, &proof.batch, &public_values, &common)
        };
        match catch_unwind(AssertUnwindSafe(run)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Self::map_error::<R>(&chips, e)),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                Err(VerifyError::VerifierPanicked(message))
            }
        }
    }

    /// Decodes and verifies a proof's bytes.
    pub fn verify_bytes<R>(&self, vk: &VerifyingKey, bytes: &[u8]) -> Result<Proof, VerifyError>
    where
        A: MachineAir<R>,
    {
        let proof = Proof::from_bytes(bytes)?;
        self.verify::<R>(vk, &proof)?;
        Ok(proof)
    }

    /// Checks that `vk` describes these chips.
    fn check_key<R>(&self, vk: &VerifyingKey) -> Result<(), VerifyError>
    where
        A: MachineAir<R>,
    {
        if vk.chips.len() != self.chips.len() {
            return Err(VerifyError::KeyMismatch(format!(
                "{} chips in the key, {} in the machine",
                vk.chips.len(),
                self.chips.len()
            )));
        }
        for (chip, shape) in self.chips.iter().zip(&vk.chips) {
            let preprocessed_width = chip.preprocessed_width();
            let same = shape.name == chip.name()
                && shape.width == chip.width()
                && shape.preprocessed_width == preprocessed_width
                && shape.preprocessed_log_height.is_some() == (preprocessed_width > 0)
                && shape.num_public_values == chip.num_public_values()
                && shape.constraints_digest == constraints_digest(chip)
                && shape.optional == chip.is_optional();
            if !same {
                return Err(VerifyError::KeyMismatch(format!(
                    "chip {} differs from the key's {}",
                    chip.name(),
                    shape.name
                )));
            }
        }
        if vk.preprocessed_commitment.is_some()
            != vk.chips.iter().any(|c| c.preprocessed_log_height.is_some())
        {
            return Err(VerifyError::KeyMismatch(
                "preprocessed commitment presence".into(),
            ));
        }
        Ok(())
    }

    /// The error of Plonky3's `e` for the batch of `chips`.
    fn map_error<R>(
        chips: &[A],
        e: BatchVerificationError<p3_batch_stark::PcsError<StarkConfig>>,
    ) -> VerifyError
    where
        A: MachineAir<R>,
    {
        match e {
            BatchVerificationError::Verification(VerificationError::OodEvaluationMismatch {
                index: Some(i),
            }) => match chips.get(i) {
                Some(chip) => VerifyError::ConstraintsFailed {
                    chip: chip.name().to_string(),
                },
                None => VerifyError::ConstraintsFailedUnknownChip,
            },
            BatchVerificationError::Verification(VerificationError::OodEvaluationMismatch {
                index: None,
            }) => VerifyError::ConstraintsFailedUnknownChip,
            BatchVerificationError::Verification(VerificationError::InvalidOpeningArgument(e)) => {
                VerifyError::Opening(format!("{e:?}"))
            }
            BatchVerificationError::Verification(VerificationError::InvalidOodPowWitness) => {
                VerifyError::Transcript("invalid out-of-domain proof-of-work witness".into())
            }
            BatchVerificationError::Verification(other) => VerifyError::Shape(other.to_string()),
            BatchVerificationError::Lookup(LookupError::TerminalSumNonZero) => {
                VerifyError::BusImbalance
            }
            BatchVerificationError::Lookup(other) => VerifyError::Lookup(other.to_string()),
            BatchVerificationError::Transcript(t) => VerifyError::Transcript(t.to_string()),
        }
    }
}

#[doc(hidden)]
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

/// Commits `traces` as the prover commits main traces (coset LDE, then a Poseidon2 Merkle tree)
/// and nothing else: the unavoidable cost that prove time is measured against.
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

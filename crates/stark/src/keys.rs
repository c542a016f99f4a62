//! Keys: the verifying key (each chip's shape and a digest of its constraints, the preprocessed
//! commitment, the application's context) and the proving key, and the setup that makes both.

use p3_air::symbolic::{AirLayout, SymbolicExpr, SymbolicExpression};
use p3_air::Air;
use p3_batch_stark::common::{GlobalPreprocessed, PreprocessedInstanceMeta};
use p3_commit::UnivariateStarkPcs;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionSymbolicBuilder;
use p3_matrix::Matrix;
use p3_uni_stark::StarkGenericConfig;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Challenge, Challenger, ConfigId, ConfigParams, Pcs, StarkConfig, Val};
use crate::error::VerifyError;
use crate::machine::{domain, Machine, MachineAir};

type Commitment = <Pcs as p3_commit::Pcs<Challenge, Challenger>>::Commitment;
type PreprocessedData = <Pcs as p3_commit::Pcs<Challenge, Challenger>>::ProverData;

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
    /// Whether a proof may leave the chip out (see
    /// [`Chip::is_optional`](crate::Chip::is_optional)).
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
    pub(crate) config: StarkConfig,
    pub(crate) preprocessed: Option<PreprocessedData>,
}

/// SHA-256 of `chip`'s symbolic constraints and bus interactions, in the order the chip emits
/// them: [`ChipShape::constraints_digest`].
pub(crate) fn constraints_digest<A>(chip: &A) -> [u8; 32]
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
}

//! LogUp boundary batching: the identities that close a proof's buses, and the one root that
//! batches them with the constraint check.
//!
//! - `sum = Σ terminals[sum] + Σ scalar corrections`, with every bus end that comes from public
//!   values added as a fraction `±1 / encode(bus, message)`. The fractions are folded into one
//!   running rational `(N, D) ← (N·d + D·n, D·d)` (no inversion), so the identity
//!   `sum + N/D = 0` becomes `boundary = sum·D + N = 0`.
//! - `zero = Σ terminals[zero]`: slots that must be zero on their own (padding).
//! - `root = constraint_check + γ·boundary + γ²·zero`.
//!
//! Each identity sits at its own power of γ: a nonzero `zero` cannot cancel a nonzero
//! `boundary` (unless γ is a root of a nonzero polynomial of degree ≤ 2, probability
//! `2/|EF|`), which is why γ must be drawn after every batched value is fixed (see
//! `docs/circuit.md`).
//!
//! A message encodes as `α + (bus + 1)·β^W + Σ_i β^i·m_i`, `W` the widest message, its
//! elements constants or public values; the powers of β are shared through interning.

use p3_field::PrimeCharacteristicRing;
use tessera_stark::{Challenge, Val};

use thiserror::Error;

use crate::dag::{DagBuilder, DagError, NodeId};
use crate::layout::InputKey;

#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum BoundaryError {
    #[error(transparent)]
    Dag(#[from] DagError),
    #[error("the configuration has bus fractions but no encoding challenges (α, β)")]
    MissingEncoding,
}

/// An element of a bus message that comes from outside the traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageElement {
    Constant(Val),
    Public { chip: u16, index: u32 },
}

/// A bus end whose message the verifier knows: `+1/encode` (`send`) or `−1/encode`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusFraction {
    pub bus: u32,
    pub message: Vec<MessageElement>,
    pub send: bool,
}

/// What closes the buses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoundaryConfig {
    /// Terminals (`InputKey::Terminal`) that add up with the fractions to zero.
    pub sum_terminals: Vec<InputKey>,
    /// Terminals that must each be zero.
    pub zero_terminals: Vec<InputKey>,
    pub fractions: Vec<BusFraction>,
    /// How many scalar corrections (`InputKey::ScalarCorrection { 0.. }`) join the sum.
    pub scalar_corrections: u32,
    /// The encoding's challenges `(α, β)`: required when there are fractions.
    pub encoding: Option<(InputKey, InputKey)>,
}

/// The batched identities.
#[derive(Clone, Copy, Debug)]
pub struct BatchedRoot {
    pub boundary: NodeId,
    pub zero: NodeId,
    pub root: NodeId,
}

/// `Σ_i γ^i · identities[i]`, by Horner's rule.
pub fn batch_at_powers(
    b: &mut DagBuilder,
    gamma: NodeId,
    identities: &[NodeId],
) -> Result<NodeId, DagError> {
    let mut acc = b.zero();
    for &identity in identities.iter().rev() {
        let scaled = b.mul(acc, gamma)?;
        acc = b.add(scaled, identity)?;
    }
    Ok(acc)
}

/// `encode(bus, message)` for a message of at most `width` elements.
fn encode(
    b: &mut DagBuilder,
    fraction: &BusFraction,
    width: usize,
    alpha: NodeId,
    beta_powers: &[NodeId],
) -> Result<NodeId, DagError> {
    let bus = b.constant(Challenge::from(Val::from_u32(fraction.bus + 1)));
    let tag = b.mul(bus, beta_powers[width])?;
    let mut sum = b.add(alpha, tag)?;
    for (i, element) in fraction.message.iter().enumerate() {
        let value = match *element {
            MessageElement::Constant(c) => b.constant(Challenge::from(c)),
            MessageElement::Public { chip, index } => b.input(InputKey::Public { chip, index }),
        };
        let term = b.mul(beta_powers[i], value)?;
        sum = b.add(sum, term)?;
    }
    Ok(sum)
}

/// Adds the boundary identities to `b` and batches them with `constraint_check` at powers of
/// γ (`InputKey::Gamma`).
pub fn batch_logup_boundary(
    b: &mut DagBuilder,
    constraint_check: NodeId,
    config: &BoundaryConfig,
) -> Result<BatchedRoot, BoundaryError> {
    let mut sum = b.zero();
    for &key in &config.sum_terminals {
        let t = b.input(key);
        sum = b.add(sum, t)?;
    }
    for index in 0..config.scalar_corrections {
        let c = b.input(InputKey::ScalarCorrection { index });
        sum = b.add(sum, c)?;
    }
    let (mut numerator, mut denominator) = (b.zero(), b.one());
    if !config.fractions.is_empty() {
        let width = config
            .fractions
            .iter()
            .map(|f| f.message.len())
            .max()
            .unwrap_or(0);
        let (alpha, beta) = config.encoding.ok_or(BoundaryError::MissingEncoding)?;
        let (alpha, beta) = (b.input(alpha), b.input(beta));
        let mut beta_powers = Vec::with_capacity(width + 1);
        let mut power = b.one();
        for _ in 0..width {
            beta_powers.push(power);
            power = b.mul(power, beta)?;
        }
        beta_powers.push(power);
        for fraction in &config.fractions {
            let d = encode(b, fraction, width, alpha, &beta_powers)?;
            let n = if fraction.send {
                b.one()
            } else {
                b.constant(Challenge::NEG_ONE)
            };
            let nd = b.mul(numerator, d)?;
            let dn = b.mul(denominator, n)?;
            numerator = b.add(nd, dn)?;
            denominator = b.mul(denominator, d)?;
        }
    }
    let scaled = b.mul(sum, denominator)?;
    let boundary = b.add(scaled, numerator)?;
    let mut zero = b.zero();
    for &key in &config.zero_terminals {
        let t = b.input(key);
        zero = b.add(zero, t)?;
    }
    let gamma = b.input(InputKey::Gamma);
    let root = batch_at_powers(b, gamma, &[constraint_check, boundary, zero])?;
    Ok(BatchedRoot {
        boundary,
        zero,
        root,
    })
}

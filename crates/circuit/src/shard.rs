//! A shard's whole out-of-domain check as one circuit: every present chip's quotient and
//! selector identities, then the buses' closing identity. In a Tessera shard every bus is closed
//! inside the shard (public values are bound by AIR constraints), so every chip's LogUp terminal
//! joins the sum, no slot must be zero on its own, and no bus end comes from public values.
//!
//! `root = constraint_check + γ·boundary + γ²·zero` with
//! `constraint_check = Σ_k γ^(3+k)·identity_k`, so every identity has its own power of γ.

use tessera_stark::ood::OodShape;
use tessera_stark::MachineAir;

use crate::boundary::{batch_at_powers, batch_logup_boundary, BatchedRoot, BoundaryConfig};
use crate::dag::{Dag, DagBuilder, NodeId};
use crate::layout::InputKey;
use crate::lower::{build_dag_for_air, ChipCheck, LowerError};

/// One shard's circuit.
#[derive(Clone, Debug)]
pub struct ShardCircuit {
    pub dag: Dag,
    /// Each machine chip's identities (`None` for a chip the shard leaves out).
    pub checks: Vec<Option<ChipCheck>>,
    pub batched: BatchedRoot,
}

impl ChipCheck {
    /// The chip's identities: the quotient check, then the selector checks.
    pub fn identities(&self) -> [NodeId; 4] {
        let [a, b, c] = self.selector_checks;
        [self.quotient_check, a, b, c]
    }
}

/// The circuit of a shard whose chips (`chips[i]`, present where `shapes[i]` is) have these
/// out-of-domain shapes.
pub fn build_shard_circuit<A, R>(
    chips: &[A],
    shapes: &[Option<OodShape>],
) -> Result<ShardCircuit, LowerError>
where
    A: MachineAir<R>,
{
    let mut b = DagBuilder::new();
    let mut checks = Vec::with_capacity(chips.len());
    let mut identities = Vec::new();
    let mut config = BoundaryConfig::default();
    for (index, (chip, shape)) in chips.iter().zip(shapes).enumerate() {
        let Some(shape) = shape else {
            checks.push(None);
            continue;
        };
        let check = build_dag_for_air::<A, R>(&mut b, index as u16, chip, shape)?;
        identities.extend(check.identities());
        if !shape.lookups.is_empty() {
            config.sum_terminals.push(InputKey::Terminal {
                chip: index as u16,
                index: 0,
            });
        }
        checks.push(Some(check));
    }
    let gamma = b.input(InputKey::Gamma);
    let batched_checks = batch_at_powers(&mut b, gamma, &identities)?;
    let gamma_cubed = b.square_times(gamma, 1)?;
    let gamma_cubed = b.mul(gamma_cubed, gamma)?;
    let constraint_check = b.mul(gamma_cubed, batched_checks)?;
    let batched = batch_logup_boundary(&mut b, constraint_check, &config)?;
    Ok(ShardCircuit {
        dag: b.finish(),
        checks,
        batched,
    })
}

impl ShardCircuit {
    /// The circuit of chip `index`'s identities alone (batched at powers of γ), with their
    /// inputs' layout: for per-chip statistics.
    pub fn chip_circuit(&self, index: usize) -> Option<crate::emit::Circuit> {
        let check = self.checks.get(index)?.as_ref()?;
        let mut b = DagBuilder::reopen(self.dag.clone());
        let gamma = b.input(InputKey::Gamma);
        let root = batch_at_powers(&mut b, gamma, &check.identities()).ok()?;
        let (dag, roots) = b.finish().compact(&[root]).ok()?;
        let layout = crate::layout::InputLayout::of(&dag);
        crate::emit::emit_circuit(&dag, roots[0], &layout).ok()
    }

    /// The whole shard's circuit.
    pub fn circuit(&self) -> Result<crate::emit::Circuit, crate::emit::EmitError> {
        let (dag, roots) = self.dag.compact(&[self.batched.root])?;
        let layout = crate::layout::InputLayout::of(&dag);
        crate::emit::emit_circuit(&dag, roots[0], &layout)
    }
}

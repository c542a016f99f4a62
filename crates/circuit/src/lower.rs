//! Lowering one chip's constraints into the DAG: the AIR's constraints and the LogUp constraints
//! `p3-lookup` adds, exactly as `p3-batch-stark` 0.8's verifier evaluates them at `ζ`, folded with
//! `α` in its order (`acc ← acc·α + c`, the AIR's constraints first, then the lookups'), and
//! closed with the quotient identity `acc = Z_H(ζ) · quotient(ζ)`, where the quotient is
//! recomposed from its chunks.
//!
//! Plonky3 builds constraints as DAGs of shared `Arc` nodes; lowering is memoized by node, so a
//! shared sub-expression is lowered once (a plain tree walk is exponential on them).
//!
//! Nothing is divided: `Z_H(ζ) = ζ^n − 1` is computed by squarings, the quotient chunks' weights
//! are products of `Z_{D_j}(ζ)` (computed) and constants, and the selectors, which the verifier
//! gets by division, are inputs checked by multiplication:
//! `is_first_row·(ζ − 1) = Z_H(ζ)`, `is_last_row·(ζ − g⁻¹) = Z_H(ζ)`, `is_transition = ζ − g⁻¹`.

use std::collections::HashMap;

use p3_air::symbolic::{
    AirLayout, BaseEntry, BaseLeaf, ExtEntry, ExtLeaf, SymbolicExpr, SymbolicExpression,
    SymbolicExpressionExt,
};
use p3_air::BaseAir;
use p3_field::{BasedVectorSpace, Field, PrimeCharacteristicRing, TwoAdicField};
use p3_lookup::LogUpGadget;
use tessera_stark::ood::OodShape;
use tessera_stark::{Challenge, MachineAir, Val};
use thiserror::Error;

use crate::dag::{DagBuilder, DagError, NodeId};
use crate::layout::{InputKey, Row, Selector};

/// The degree of the extension field over KoalaBear.
pub const EXT_DEGREE: usize = <Challenge as BasedVectorSpace<Val>>::DIMENSION;

#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum LowerError {
    #[error(transparent)]
    Dag(#[from] DagError),
    #[error(transparent)]
    Boundary(#[from] crate::boundary::BoundaryError),
    #[error("chip {chip}: {what} is not supported by the circuit layer")]
    Unsupported { chip: String, what: &'static str },
}

/// One chip's part of a circuit.
#[derive(Clone, Copy, Debug)]
pub struct ChipCheck {
    /// The constraints folded with `α`: the verifier's accumulator at `ζ`.
    pub folded: NodeId,
    /// `folded − Z_H(ζ)·quotient(ζ)`: zero exactly when the verifier's quotient check passes.
    pub quotient_check: NodeId,
    /// `is_first_row·(ζ − 1) − Z_H(ζ)`, `is_last_row·(ζ − g⁻¹) − Z_H(ζ)` and
    /// `is_transition − (ζ − g⁻¹)`: zero exactly when the selector inputs are right.
    pub selector_checks: [NodeId; 3],
}

struct Lowerer<'a> {
    b: &'a mut DagBuilder,
    chip: u16,
    name: String,
    base: HashMap<*const SymbolicExpression<Val>, NodeId>,
    ext: HashMap<*const SymbolicExpressionExt<Val, Challenge>, NodeId>,
}

fn row(offset: usize) -> Row {
    if offset == 0 {
        Row::Local
    } else {
        Row::Next
    }
}

impl Lowerer<'_> {
    fn unsupported(&self, what: &'static str) -> LowerError {
        LowerError::Unsupported {
            chip: self.name.clone(),
            what,
        }
    }

    /// Lowers `e`, once per node.
    fn expr<L: Leaf>(&mut self, e: &SymbolicExpr<L>) -> Result<NodeId, LowerError> {
        let key = e as *const _;
        if let Some(&id) = L::memo(self).get(&key) {
            return Ok(id);
        }
        let id = match e {
            SymbolicExpr::Leaf(leaf) => L::lower(self, leaf)?,
            SymbolicExpr::Add { x, y, .. } => {
                let (x, y) = (self.expr(x)?, self.expr(y)?);
                self.b.add(x, y)?
            }
            SymbolicExpr::Sub { x, y, .. } => {
                let (x, y) = (self.expr(x)?, self.expr(y)?);
                self.b.sub(x, y)?
            }
            SymbolicExpr::Mul { x, y, .. } => {
                let (x, y) = (self.expr(x)?, self.expr(y)?);
                self.b.mul(x, y)?
            }
            SymbolicExpr::Neg { x, .. } => {
                let x = self.expr(x)?;
                self.b.neg(x)?
            }
        };
        L::memo(self).insert(key, id);
        Ok(id)
    }

    fn selector(&mut self, selector: Selector) -> NodeId {
        self.b.input(InputKey::Selector {
            chip: self.chip,
            selector,
        })
    }

    /// An extension column of the permutation trace from its `D` opened coordinates:
    /// `Σ_k coordinate_k · X^k`, as the verifier recomposes it.
    fn permutation_column(&mut self, row: Row, column: u32) -> Result<NodeId, LowerError> {
        let chip = self.chip;
        let coordinates: [NodeId; EXT_DEGREE] = std::array::from_fn(|k| {
            self.b.input(InputKey::Permutation {
                chip,
                row,
                column,
                coordinate: k as u8,
            })
        });
        Ok(recompose(self.b, coordinates)?)
    }
}

/// A leaf type of Plonky3's symbolic expressions: base-field leaves, or extension-field ones.
trait Leaf: Sized {
    fn memo<'l>(l: &'l mut Lowerer<'_>) -> &'l mut HashMap<*const SymbolicExpr<Self>, NodeId>;
    fn lower(l: &mut Lowerer<'_>, leaf: &Self) -> Result<NodeId, LowerError>;
}

impl Leaf for BaseLeaf<Val> {
    fn memo<'l>(l: &'l mut Lowerer<'_>) -> &'l mut HashMap<*const SymbolicExpr<Self>, NodeId> {
        &mut l.base
    }

    fn lower(l: &mut Lowerer<'_>, leaf: &Self) -> Result<NodeId, LowerError> {
        let chip = l.chip;
        Ok(match leaf {
            BaseLeaf::Variable(v) => {
                let column = v.index as u32;
                let key = match v.entry {
                    BaseEntry::Main { offset } => InputKey::Main {
                        chip,
                        row: row(offset),
                        column,
                    },
                    BaseEntry::Preprocessed { offset } => InputKey::Preprocessed {
                        chip,
                        row: row(offset),
                        column,
                    },
                    BaseEntry::Public => InputKey::Public {
                        chip,
                        index: column,
                    },
                    BaseEntry::Periodic => return Err(l.unsupported("a periodic column")),
                };
                l.b.input(key)
            }
            BaseLeaf::IsFirstRow => l.selector(Selector::IsFirstRow),
            BaseLeaf::IsLastRow => l.selector(Selector::IsLastRow),
            BaseLeaf::IsTransition => l.selector(Selector::IsTransition),
            BaseLeaf::Constant(c) => l.b.constant(Challenge::from(*c)),
        })
    }
}

impl Leaf for ExtLeaf<Val, Challenge> {
    fn memo<'l>(l: &'l mut Lowerer<'_>) -> &'l mut HashMap<*const SymbolicExpr<Self>, NodeId> {
        &mut l.ext
    }

    fn lower(l: &mut Lowerer<'_>, leaf: &Self) -> Result<NodeId, LowerError> {
        let chip = l.chip;
        Ok(match leaf {
            ExtLeaf::Base(base) => l.expr(base)?,
            ExtLeaf::ExtConstant(c) => l.b.constant(*c),
            ExtLeaf::ExtVariable(v) => {
                let index = v.index as u32;
                match v.entry {
                    ExtEntry::Permutation { offset } => l.permutation_column(row(offset), index)?,
                    ExtEntry::Challenge => l.b.input(InputKey::LookupChallenge { chip, index }),
                    ExtEntry::PermutationValue => l.b.input(InputKey::Terminal { chip, index }),
                }
            }
        })
    }
}

/// `Σ_k coordinates[k] · X^k`: an extension element from its basis coefficients.
pub fn recompose(
    b: &mut DagBuilder,
    coordinates: [NodeId; EXT_DEGREE],
) -> Result<NodeId, DagError> {
    let mut sum = b.zero();
    for (k, c) in coordinates.into_iter().enumerate() {
        let basis = b.constant(Challenge::from_basis_coefficients_fn(|i| {
            Val::from_bool(i == k)
        }));
        let term = b.mul(basis, c)?;
        sum = b.add(sum, term)?;
    }
    Ok(sum)
}

/// `Z_D(x) = (x / shift)^{|D|} − 1`, the vanishing polynomial of the coset `D` at `x`.
fn vanishing_at(
    b: &mut DagBuilder,
    x: NodeId,
    (shift, log_size): (Val, usize),
) -> Result<NodeId, DagError> {
    let shift_inverse = b.constant(Challenge::from(shift.inverse()));
    let unshifted = b.mul(x, shift_inverse)?;
    let power = b.square_times(unshifted, log_size)?;
    let one = b.one();
    b.sub(power, one)
}

fn vanishing_value((shift, log_size): (Val, usize), x: Val) -> Val {
    (x * shift.inverse()).exp_power_of_2(log_size) - Val::ONE
}

/// Lowers chip `chip` (`air`, at `shape`) into `b`.
pub fn build_dag_for_air<A, R>(
    b: &mut DagBuilder,
    chip: u16,
    air: &A,
    shape: &OodShape,
) -> Result<ChipCheck, LowerError>
where
    A: MachineAir<R>,
{
    let layout = AirLayout {
        preprocessed_width: air.preprocessed_width(),
        main_width: BaseAir::<Val>::width(air),
        num_public_values: BaseAir::<Val>::num_public_values(air),
        num_periodic_columns: BaseAir::<Val>::num_periodic_columns(air),
        ..Default::default()
    };
    let (base, ext) = p3_batch_stark::symbolic::get_symbolic_constraints::<Val, Challenge, A, _>(
        air,
        layout,
        &shape.lookups,
        &LogUpGadget::new(),
    );
    let mut lower = Lowerer {
        b,
        chip,
        name: air.name().to_string(),
        base: HashMap::new(),
        ext: HashMap::new(),
    };
    let alpha = lower.b.input(InputKey::Alpha);
    let mut folded = lower.b.zero();
    for c in &base {
        let c = lower.expr(c)?;
        let scaled = lower.b.mul(folded, alpha)?;
        folded = lower.b.add(scaled, c)?;
    }
    for c in &ext {
        let c = lower.expr(c)?;
        let scaled = lower.b.mul(folded, alpha)?;
        folded = lower.b.add(scaled, c)?;
    }
    let b = lower.b;

    // The quotient at ζ: Σ_i zp_i · chunk_i, zp_i = Π_{j≠i} Z_{D_j}(ζ) / Z_{D_j}(first point of D_i).
    let zeta = b.input(InputKey::Zeta);
    let domains = &shape.chunk_domains;
    let vanishing: Vec<NodeId> = domains
        .iter()
        .map(|&d| vanishing_at(b, zeta, d))
        .collect::<Result<_, _>>()?;
    let mut quotient = b.zero();
    for (i, &(first_point, _)) in domains.iter().enumerate() {
        let mut weight = b.one();
        for (j, &d) in domains.iter().enumerate().filter(|&(j, _)| j != i) {
            let scale = b.constant(Challenge::from(vanishing_value(d, first_point).inverse()));
            let term = b.mul(vanishing[j], scale)?;
            weight = b.mul(weight, term)?;
        }
        let coordinates: [NodeId; EXT_DEGREE] = std::array::from_fn(|k| {
            b.input(InputKey::QuotientChunk {
                chip,
                chunk: i as u32,
                coordinate: k as u8,
            })
        });
        let chunk = recompose(b, coordinates)?;
        let term = b.mul(weight, chunk)?;
        quotient = b.add(quotient, term)?;
    }
    let z_h = vanishing_at(b, zeta, (Val::ONE, shape.log_height))?;
    let expected = b.mul(z_h, quotient)?;
    let quotient_check = b.sub(folded, expected)?;

    // The selectors, checked without division.
    let one = b.one();
    let g_inverse = b.constant(Challenge::from(
        Val::two_adic_generator(shape.log_height).inverse(),
    ));
    let zeta_minus_one = b.sub(zeta, one)?;
    let zeta_minus_last = b.sub(zeta, g_inverse)?;
    let sel = |b: &mut DagBuilder, selector| b.input(InputKey::Selector { chip, selector });
    let first = sel(b, Selector::IsFirstRow);
    let last = sel(b, Selector::IsLastRow);
    let transition = sel(b, Selector::IsTransition);
    let first_times = b.mul(first, zeta_minus_one)?;
    let last_times = b.mul(last, zeta_minus_last)?;
    let selector_checks = [
        b.sub(first_times, z_h)?,
        b.sub(last_times, z_h)?,
        b.sub(transition, zeta_minus_last)?,
    ];
    Ok(ChipCheck {
        folded,
        quotient_check,
        selector_checks,
    })
}

//! Extraction: a chip's constraints and bus interactions, read from Plonky3's symbolic builder
//! (the same `eval` the prover runs), lowered into the checker's [`Ir`].

use std::collections::HashMap;
use std::fmt;

use p3_air::symbolic::{AirLayout, BaseEntry, BaseLeaf, SymbolicExpr, SymbolicExpression};
use p3_air::{Air, BaseAir};
use p3_lookup::InteractionSymbolicBuilder;
use tessera_stark::contract::Column;
use tessera_stark::{Challenge, Contract, Role, Val};

use crate::ir::{Ir, Node, NodeId, Row, Selector, Var};

/// Where an interaction's messages go.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A bus shared by every chip of the machine.
    Global,
    /// Local lookup number `n` of the chip (its tuples balance within the chip's own trace).
    Local(usize),
}

/// One bus interaction: `count` copies of the message `fields` on `bus` per row (negative counts
/// receive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interaction {
    pub bus: String,
    pub scope: Scope,
    pub fields: Vec<NodeId>,
    pub count: NodeId,
    /// Plonky3's declared bound on `|count|` per row.
    pub weight: u32,
}

/// One chip as the checker sees it.
#[derive(Clone, Debug)]
pub struct ChipIr {
    pub name: String,
    pub width: usize,
    pub preprocessed_width: usize,
    pub num_public_values: usize,
    /// Which columns `eval` reads on the next row (Plonky3 commits to those only).
    pub next_row_columns: Vec<usize>,
    pub ir: Ir,
    /// Each constraint's polynomial, which must vanish on every row, in emission order.
    pub constraints: Vec<NodeId>,
    pub interactions: Vec<Interaction>,
    pub contract: Contract,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtractError {
    /// The chip uses a Plonky3 feature the checker does not model.
    Unsupported { chip: String, what: &'static str },
    /// The contract does not describe the chip's columns.
    Contract { chip: String, what: String },
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::Unsupported { chip, what } => {
                write!(f, "chip {chip}: {what} is not supported by the checker")
            }
            ExtractError::Contract { chip, what } => write!(f, "chip {chip}: {what}"),
        }
    }
}

impl std::error::Error for ExtractError {}

struct Lowerer<'a> {
    ir: &'a mut Ir,
    memo: HashMap<*const SymbolicExpression<Val>, NodeId>,
    chip: &'a str,
}

impl Lowerer<'_> {
    /// Lowers `e`, once per shared node (a plain tree walk is exponential on Plonky3's DAGs).
    fn lower(&mut self, e: &SymbolicExpression<Val>) -> Result<NodeId, ExtractError> {
        let key = e as *const _;
        if let Some(&id) = self.memo.get(&key) {
            return Ok(id);
        }
        let id = self.lower_root(e)?;
        self.memo.insert(key, id);
        Ok(id)
    }

    /// Lowers `e` without remembering `e` itself: for a temporary, whose address a later
    /// temporary may reuse (its children are shared, so they are remembered).
    fn lower_root(&mut self, e: &SymbolicExpression<Val>) -> Result<NodeId, ExtractError> {
        let id = match e {
            SymbolicExpr::Leaf(leaf) => match leaf {
                BaseLeaf::Variable(v) => {
                    let index = v.index as u32;
                    let row = |offset: usize| if offset == 0 { Row::Local } else { Row::Next };
                    let var = match v.entry {
                        BaseEntry::Main { offset } => Var::Main(row(offset), index),
                        BaseEntry::Preprocessed { offset } => Var::Preprocessed(row(offset), index),
                        BaseEntry::Public => Var::Public(index),
                        BaseEntry::Periodic => {
                            return Err(ExtractError::Unsupported {
                                chip: self.chip.to_string(),
                                what: "a periodic column",
                            })
                        }
                    };
                    self.ir.var(var)
                }
                BaseLeaf::IsFirstRow => self.ir.intern(Node::Selector(Selector::IsFirstRow)),
                BaseLeaf::IsLastRow => self.ir.intern(Node::Selector(Selector::IsLastRow)),
                BaseLeaf::IsTransition => self.ir.intern(Node::Selector(Selector::IsTransition)),
                BaseLeaf::Constant(c) => self.ir.constant(*c),
            },
            SymbolicExpr::Add { x, y, .. } => {
                let (x, y) = (self.lower(x)?, self.lower(y)?);
                self.ir.add(x, y)
            }
            SymbolicExpr::Sub { x, y, .. } => {
                let (x, y) = (self.lower(x)?, self.lower(y)?);
                self.ir.sub(x, y)
            }
            SymbolicExpr::Neg { x, .. } => {
                let x = self.lower(x)?;
                self.ir.neg(x)
            }
            SymbolicExpr::Mul { x, y, .. } => {
                let (x, y) = (self.lower(x)?, self.lower(y)?);
                self.ir.mul(x, y)
            }
        };
        Ok(id)
    }
}

/// A contract that names column `i` `col<i>` and calls every column an oracle: enough to
/// extract and print a chip that declares nothing, not to check it.
pub fn anonymous_contract(width: usize) -> Contract {
    Contract {
        columns: (0..width)
            .map(|i| Column {
                name: format!("col{i}"),
                role: Role::Oracle,
            })
            .collect(),
        real_flags: Vec::new(),
        assumptions: Vec::new(),
        functions: Vec::new(),
        guarantees: Vec::new(),
        private: Vec::new(),
        reference: "none declared",
    }
}

/// Extracts `air`'s constraints and interactions under its `contract`.
pub fn extract<A>(name: &str, air: &A, contract: Contract) -> Result<ChipIr, ExtractError>
where
    A: BaseAir<Val> + Air<InteractionSymbolicBuilder<Val, Challenge>>,
{
    let width = air.width();
    if contract.width() != width {
        return Err(ExtractError::Contract {
            chip: name.to_string(),
            what: format!(
                "the contract names {} columns, the AIR has {width}",
                contract.width()
            ),
        });
    }
    let builder =
        InteractionSymbolicBuilder::<Val, Challenge>::from_air(air, AirLayout::from_air(air));
    if !builder.extension_constraints().is_empty() {
        return Err(ExtractError::Unsupported {
            chip: name.to_string(),
            what: "an extension-field constraint",
        });
    }
    if !builder.exclusive_interactions().is_empty()
        || !builder.indexed_reads().is_empty()
        || !builder.indexed_tables().is_empty()
    {
        return Err(ExtractError::Unsupported {
            chip: name.to_string(),
            what: "an exclusive or indexed lookup",
        });
    }
    let mut ir = Ir::new();
    let mut lowerer = Lowerer {
        ir: &mut ir,
        memo: HashMap::new(),
        chip: name,
    };
    let constraints = builder
        .base_constraints()
        .iter()
        .map(|c| lowerer.lower(c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut interactions = Vec::new();
    for i in builder.global_interactions() {
        interactions.push(Interaction {
            bus: i.bus_name.clone(),
            scope: Scope::Global,
            fields: i
                .fields
                .iter()
                .map(|f| lowerer.lower(f))
                .collect::<Result<_, _>>()?,
            count: lowerer.lower(&i.count)?,
            weight: i.count_weight,
        });
    }
    for (n, local) in builder.local_interactions().iter().enumerate() {
        for (fields, count) in &local.tuples {
            let (count, weight) = count.clone().into_parts();
            interactions.push(Interaction {
                bus: format!("local {n}"),
                scope: Scope::Local(n),
                fields: fields
                    .iter()
                    .map(|f| lowerer.lower(f))
                    .collect::<Result<_, _>>()?,
                count: lowerer.lower_root(&count)?,
                weight,
            });
        }
    }
    Ok(ChipIr {
        name: name.to_string(),
        width,
        preprocessed_width: air.preprocessed_width(),
        num_public_values: air.num_public_values(),
        next_row_columns: air.main_next_row_columns(),
        ir,
        constraints,
        interactions,
        contract,
    })
}

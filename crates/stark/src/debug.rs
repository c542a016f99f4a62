//! Debugging aids, run before proving in debug builds: which chip, row and constraint fails, and
//! which bus tuple does not balance (with the rows that carry it). Plonky3's own checkers panic;
//! these return a [`ProveError`] that says where.

use std::collections::BTreeMap;

use p3_air::symbolic::{AirLayout, BaseEntry, BaseLeaf, SymbolicExpr, SymbolicExpression};
use p3_air::{Air, DebugConstraintBuilder};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
use p3_lookup::InteractionSymbolicBuilder;
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;

use crate::config::{Challenge, Val};
use crate::error::ProveError;

/// The first failing constraint of one chip's trace, if any.
pub fn check_constraints<A>(
    name: &str,
    air: &A,
    trace: &RowMajorMatrix<Val>,
    public_values: &[Val],
) -> Result<(), ProveError>
where
    A: for<'a> Air<DebugConstraintBuilder<'a, Val>>,
{
    let report = p3_air::check_all_constraints(air, trace, public_values, Some(1));
    match report.failures.first() {
        None => Ok(()),
        Some(f) => Err(ProveError::Constraint {
            chip: name.to_string(),
            row: f.row,
            constraint: f.constraint,
            label: f.label.clone(),
        }),
    }
}

/// The values a row's expressions see.
struct RowView<'a> {
    row: usize,
    height: usize,
    local: &'a [Val],
    next: &'a [Val],
    prep_local: &'a [Val],
    prep_next: &'a [Val],
    public: &'a [Val],
}

fn eval(e: &SymbolicExpression<Val>, v: &RowView) -> Val {
    match e {
        SymbolicExpr::Leaf(leaf) => match leaf {
            BaseLeaf::Variable(var) => {
                let column = |cells: &[Val]| cells.get(var.index).copied().unwrap_or(Val::ZERO);
                match var.entry {
                    BaseEntry::Main { offset: 0 } => column(v.local),
                    BaseEntry::Main { .. } => column(v.next),
                    BaseEntry::Preprocessed { offset: 0 } => column(v.prep_local),
                    BaseEntry::Preprocessed { .. } => column(v.prep_next),
                    BaseEntry::Public => column(v.public),
                    // No chip uses periodic columns in interactions.
                    BaseEntry::Periodic => Val::ZERO,
                }
            }
            BaseLeaf::IsFirstRow => Val::from_bool(v.row == 0),
            BaseLeaf::IsLastRow => Val::from_bool(v.row + 1 == v.height),
            BaseLeaf::IsTransition => Val::from_bool(v.row + 1 != v.height),
            BaseLeaf::Constant(c) => *c,
        },
        SymbolicExpr::Add { x, y, .. } => eval(x, v) + eval(y, v),
        SymbolicExpr::Sub { x, y, .. } => eval(x, v) - eval(y, v),
        SymbolicExpr::Neg { x, .. } => -eval(x, v),
        SymbolicExpr::Mul { x, y, .. } => eval(x, v) * eval(y, v),
    }
}

/// Net count and carrying (chip, row) pairs of every tuple on every bus.
type BusTally = BTreeMap<String, BTreeMap<Vec<u32>, (Val, Vec<(String, usize)>)>>;

/// Calls `visit(bus, tuple, count, row)` for every interaction with a nonzero count, on the buses
/// `wanted` accepts, of every row of `air`'s trace.
fn for_each_interaction<A>(
    air: &A,
    trace: &RowMajorMatrix<Val>,
    public: &[Val],
    wanted: impl Fn(&str) -> bool,
    mut visit: impl FnMut(&str, Vec<u32>, Val, usize),
) where
    A: Air<InteractionSymbolicBuilder<Val, Challenge>>,
{
    let builder = InteractionSymbolicBuilder::<Val, Challenge>::from_air(
        air,
        AirLayout::from_air::<Val>(air),
    );
    let interactions: Vec<_> = builder
        .global_interactions()
        .iter()
        .filter(|i| wanted(&i.bus_name))
        .collect();
    if interactions.is_empty() {
        return;
    }
    let preprocessed = air.preprocessed_trace();
    let height = trace.height();
    for row in 0..height {
        let next_row = (row + 1) % height;
        let (prep_local, prep_next) = match &preprocessed {
            Some(p) => (p.row_slice(row), p.row_slice(next_row)),
            None => (None, None),
        };
        let local = trace.row_slice(row).expect("row in range");
        let next = trace.row_slice(next_row).expect("row in range");
        let view = RowView {
            row,
            height,
            local: &local,
            next: &next,
            prep_local: prep_local.as_deref().unwrap_or(&[]),
            prep_next: prep_next.as_deref().unwrap_or(&[]),
            public,
        };
        for interaction in &interactions {
            let count = eval(&interaction.count, &view);
            if count.is_zero() {
                continue;
            }
            let tuple = interaction
                .fields
                .iter()
                .map(|f| eval(f, &view).as_canonical_u32())
                .collect();
            visit(&interaction.bus_name, tuple, count, row);
        }
    }
}

/// Checks that every global bus balances over all chips' traces.
pub fn check_buses<A>(
    chips: &[(&str, &A)],
    traces: &[RowMajorMatrix<Val>],
    public_values: &[Vec<Val>],
) -> Result<(), ProveError>
where
    A: Air<InteractionSymbolicBuilder<Val, Challenge>>,
{
    let mut tally: BusTally = BTreeMap::new();
    for (((name, air), trace), public) in chips.iter().zip(traces).zip(public_values) {
        for_each_interaction(
            *air,
            trace,
            public,
            |_| true,
            |bus, tuple, count, row| {
                let entry = tally
                    .entry(bus.to_string())
                    .or_default()
                    .entry(tuple)
                    .or_insert((Val::ZERO, Vec::new()));
                entry.0 += count;
                entry.1.push((name.to_string(), row));
            },
        );
    }
    for (bus, tuples) in tally {
        if let Some((tuple, (count, mut rows))) =
            tuples.into_iter().find(|(_, (c, _))| !c.is_zero())
        {
            // A few rows name the culprits; thousands would bury them.
            rows.truncate(16);
            return Err(ProveError::BusImbalance {
                bus,
                tuple,
                count: count.to_string(),
                rows,
            });
        }
    }
    Ok(())
}

/// Test hook: the net count of every tuple on `bus` over the traces of `chips`, what a lookup
/// table must provide for the bus to balance, so that tests can give a forged witness the table
/// multiplicities it needs, as a cheating prover would.
#[cfg(feature = "testing")]
pub fn bus_counts<A>(
    chips: &[(&str, &A)],
    traces: &[RowMajorMatrix<Val>],
    public_values: &[Vec<Val>],
    bus: &str,
) -> BTreeMap<Vec<u32>, Val>
where
    A: Air<InteractionSymbolicBuilder<Val, Challenge>>,
{
    let mut counts: BTreeMap<Vec<u32>, Val> = BTreeMap::new();
    for (((_, air), trace), public) in chips.iter().zip(traces).zip(public_values) {
        for_each_interaction(
            *air,
            trace,
            public,
            |b| b == bus,
            |_, tuple, count, _| {
                *counts.entry(tuple).or_insert(Val::ZERO) += count;
            },
        );
    }
    counts
}

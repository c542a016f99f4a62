//! Lint findings settled by the solvers. Three lints are syntactic and may flag what the
//! constraints in fact rule out: an interaction live on padding, a count not shown boolean, a
//! recomposition not shown canonical. Each such finding is put to the solvers as a query on
//! one row (for a chip with transitions, the first of two rows of any trace): refuted, the
//! finding is dropped; satisfied, it keeps a concrete row, re-checked by the evaluator; neither,
//! it stays with the reason.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::Val;

use crate::extract::ChipIr;
use crate::ir::{Ir, Leaf, Node, NodeId, Row, Var};
use crate::lint::{linear_terms, lint, Finding, Rule};
use crate::query::{is_row_independent, specialize_with, RowSystem};
use crate::smt::{sum_at_least_query, violation_query, Theory};
use crate::solve::{Answer, Solvers};
use crate::unroll::{unroll, Window};

/// What the solvers made of a finding.
enum Settled {
    /// No row has it: the finding was a limit of the lint.
    Refuted,
    /// A row that has it.
    Witness(String),
    Open(String),
}

/// The findings of [`lint`] on `chip`, those the solvers refute dropped and the rest with a
/// concrete row where one was found.
pub fn refined_findings(chip: &ChipIr, solvers: &Solvers) -> Vec<Finding> {
    let findings = lint(chip);
    if findings.iter().all(|f| f.target.is_none()) {
        return findings;
    }
    // Each recomposition's guards are built into the chip's IR before it is unrolled, so the
    // window maps them like every other node.
    let mut base = chip.clone();
    let guards: Vec<Option<Vec<NodeId>>> = findings
        .iter()
        .map(|f| match (f.rule, f.target) {
            (Rule::WideRecomposition, Some(t)) => guards(&mut base, t),
            _ => None,
        })
        .collect();
    let chip = &base;
    let (flat, nodes) = if is_row_independent(chip) {
        (Cow::Borrowed(chip), None)
    } else {
        let u = unroll(chip, &Window::any_two(), &[]);
        (Cow::Owned(u.chip), Some(u.subject_nodes))
    };
    let at = |n: NodeId| nodes.as_ref().map_or(n, |v| v[n as usize]);
    let focus = |n: NodeId| focus(&flat, n);
    let real = if flat.contract.real_flags.is_empty() {
        vec![None]
    } else {
        vec![Some(true), Some(false)]
    };
    findings
        .into_iter()
        .zip(guards)
        .filter_map(|(mut f, guards)| {
            let Some(target) = f.target else {
                return Some(f);
            };
            let settled = match f.rule {
                Rule::LiveOnPadding => settle(
                    &flat,
                    &focus(at(target)),
                    &[Some(false)],
                    &[at(target)],
                    solvers,
                    |s, x| {
                        let q = |t| (t, violation_query(s, x[0], t, false).0);
                        vec![q(Theory::Integer), q(Theory::FiniteField)]
                    },
                ),
                Rule::CountNotBoolean => settle(
                    &flat,
                    &focus(at(target)),
                    &real,
                    &[at(target)],
                    solvers,
                    |s, x| {
                        // |count| ≤ 1: count·(count − 1)·(count + 1) = 0.
                        let one = s.ir.constant(Val::ONE);
                        let (lo, hi) = (s.ir.sub(x[0], one), s.ir.add(x[0], one));
                        let e = s.ir.mul(x[0], lo);
                        let e = s.ir.mul(e, hi);
                        let q = |t| (t, violation_query(s, e, t, false).0);
                        vec![q(Theory::Integer), q(Theory::FiniteField)]
                    },
                ),
                Rule::WideRecomposition => {
                    let mut terms = Vec::new();
                    linear_terms(chip, target, 1, &mut terms);
                    let bound = Val::ORDER_U32 as u128;
                    let limbs: BTreeSet<u32> = terms.iter().map(|&(_, c)| c).collect();
                    // The sum matters only where some guard is nonzero: ask once per guard
                    // (refuted when every one is), or once unguarded.
                    let guards: Vec<Option<NodeId>> = match guards {
                        Some(g) => g.into_iter().map(Some).collect(),
                        None => vec![None],
                    };
                    let mut outcome = Settled::Refuted;
                    for guard in guards {
                        let mut focus = limbs.clone();
                        let wanted: Vec<NodeId> = guard.map(at).into_iter().collect();
                        if let Some(g) = guard {
                            focus.extend(self::focus(&flat, at(g)));
                        }
                        let settled =
                            settle(&flat, &focus, &real[..1], &wanted, solvers, |s, x| {
                                let guard = x.first().copied();
                                vec![(Theory::Integer, sum_at_least_query(s, &terms, bound, guard))]
                            });
                        if !matches!(settled, Settled::Refuted) {
                            outcome = settled;
                            break;
                        }
                    }
                    outcome
                }
                _ => return Some(f),
            };
            match settled {
                Settled::Refuted => None,
                Settled::Witness(row) => {
                    let _ = write!(f.message, "; e.g. the row {row}");
                    Some(f)
                }
                Settled::Open(why) => {
                    let _ = write!(f.message, " (not settled by the solvers: {why})");
                    Some(f)
                }
            }
        })
        .collect()
}

/// The local columns `n` reads.
fn focus(flat: &ChipIr, n: NodeId) -> BTreeSet<u32> {
    flat.ir
        .vars_of(n)
        .into_iter()
        .filter_map(|v| match v {
            Var::Main(_, c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Where the value of `target` matters: for each constraint that reads it, the coefficient
/// `g` of `constraint = g·target + h` (`h` not reading `target`), and the count of each
/// interaction whose fields read it. Where all of them vanish, `target`'s value changes
/// nothing (the CPU's JR target is `rs` only on JR rows). `None` when a constraint reads
/// `target` other than linearly, or when no guard is found.
fn guards(chip: &mut ChipIr, target: NodeId) -> Option<Vec<NodeId>> {
    let mut reads = vec![false; chip.ir.len()];
    for id in 0..chip.ir.len() as NodeId {
        reads[id as usize] = id == target
            || match chip.ir.node(id) {
                Node::Add(x, y) | Node::Sub(x, y) | Node::Mul(x, y) => {
                    reads[x as usize] || reads[y as usize]
                }
                Node::Neg(x) => reads[x as usize],
                _ => false,
            };
    }
    let mut memo = HashMap::new();
    let mut out = Vec::new();
    for k in 0..chip.constraints.len() {
        let root = chip.constraints[k];
        if reads[root as usize] {
            out.push(coefficient(&mut chip.ir, root, target, &reads, &mut memo)?);
        }
    }
    for i in &chip.interactions {
        if i.fields.iter().any(|&f| reads[f as usize]) {
            out.push(i.count);
        }
    }
    // A guard that is a nonzero constant or a real flag holds on every real row: the sum
    // matters everywhere, and the unguarded query is the one to ask.
    let everywhere = |g: NodeId| match chip.ir.node(g) {
        Node::Const(k) => k != 0,
        Node::Var(Var::Main(Row::Local, c)) => chip.contract.real_flags.contains(&(c as usize)),
        _ => false,
    };
    out.sort_unstable();
    out.dedup();
    (!out.is_empty() && !out.iter().any(|&g| everywhere(g))).then_some(out)
}

/// `x + y`, `x − y`, `x·y`, `−x` with constants folded, so a coefficient that is a constant
/// is one node.
fn fold(ir: &mut Ir, node: Node) -> NodeId {
    let value = |ir: &Ir, n: NodeId| match ir.node(n) {
        Node::Const(k) => Some(Val::from_u32(k)),
        _ => None,
    };
    let constant = |ir: &mut Ir, v: Val| ir.constant(v);
    match node {
        Node::Add(x, y) => match (value(ir, x), value(ir, y)) {
            (Some(a), Some(b)) => constant(ir, a + b),
            (Some(a), _) if a == Val::ZERO => y,
            (_, Some(b)) if b == Val::ZERO => x,
            _ => ir.add(x, y),
        },
        Node::Sub(x, y) => match (value(ir, x), value(ir, y)) {
            (Some(a), Some(b)) => constant(ir, a - b),
            (_, Some(b)) if b == Val::ZERO => x,
            _ => ir.sub(x, y),
        },
        Node::Mul(x, y) => match (value(ir, x), value(ir, y)) {
            (Some(a), Some(b)) => constant(ir, a * b),
            (Some(a), _) | (_, Some(a)) if a == Val::ZERO => constant(ir, Val::ZERO),
            (Some(a), _) if a == Val::ONE => y,
            (_, Some(b)) if b == Val::ONE => x,
            _ => ir.mul(x, y),
        },
        Node::Neg(x) => match value(ir, x) {
            Some(a) => constant(ir, -a),
            None => ir.neg(x),
        },
        other => ir.intern(other),
    }
}

/// The coefficient of `target` in `id`, if `id` is affine in it; `reads` says which nodes
/// read `target`.
fn coefficient(
    ir: &mut Ir,
    id: NodeId,
    target: NodeId,
    reads: &[bool],
    memo: &mut HashMap<NodeId, Option<NodeId>>,
) -> Option<NodeId> {
    if id == target {
        return Some(ir.constant(Val::ONE));
    }
    if !reads[id as usize] {
        return Some(ir.constant(Val::ZERO));
    }
    if let Some(&known) = memo.get(&id) {
        return known;
    }
    let mut of = |ir: &mut Ir, n: NodeId| coefficient(ir, n, target, reads, memo);
    let g = match ir.node(id) {
        Node::Add(x, y) => of(ir, x)
            .zip(of(ir, y))
            .map(|(a, b)| fold(ir, Node::Add(a, b))),
        Node::Sub(x, y) => of(ir, x)
            .zip(of(ir, y))
            .map(|(a, b)| fold(ir, Node::Sub(a, b))),
        Node::Neg(x) => of(ir, x).map(|a| fold(ir, Node::Neg(a))),
        Node::Mul(x, y) => match (reads[x as usize], reads[y as usize]) {
            (true, true) => None,
            (true, false) => of(ir, x).map(|a| fold(ir, Node::Mul(a, y))),
            _ => of(ir, y).map(|b| fold(ir, Node::Mul(x, b))),
        },
        _ => None,
    };
    memo.insert(id, g);
    g
}

/// The part of `flat` within `radius` steps of the columns `focus`: the constraints (of degree
/// at most `max_degree`) and interactions that read a column reached so far, and the columns
/// they read, `radius` times.
/// Dropping the rest only drops facts, so what the part refutes the chip refutes.
fn slice(flat: &ChipIr, focus: &BTreeSet<u32>, radius: usize, max_degree: u32) -> ChipIr {
    let cols = |id: NodeId| -> BTreeSet<u32> {
        flat.ir
            .vars_of(id)
            .into_iter()
            .filter_map(|v| match v {
                Var::Main(_, c) => Some(c),
                _ => None,
            })
            .collect()
    };
    // A constraint above `max_degree` is left out (it reads nothing then).
    let constraint_cols: Vec<BTreeSet<u32>> = flat
        .constraints
        .iter()
        .map(|&c| {
            if flat.ir.degree(c) <= max_degree {
                cols(c)
            } else {
                BTreeSet::new()
            }
        })
        .collect();
    let interaction_cols: Vec<BTreeSet<u32>> = flat
        .interactions
        .iter()
        .map(|i| {
            let mut c = cols(i.count);
            for &f in &i.fields {
                c.extend(cols(f));
            }
            c
        })
        .collect();
    let mut reached = focus.clone();
    reached.extend(flat.contract.real_flags.iter().map(|&f| f as u32));
    for _ in 0..radius {
        let mut next = reached.clone();
        for c in constraint_cols.iter().chain(&interaction_cols) {
            if !c.is_disjoint(&reached) {
                next.extend(c);
            }
        }
        reached = next;
    }
    let mut part = flat.clone();
    let touches = |c: &BTreeSet<u32>| !c.is_disjoint(&reached);
    part.constraints = flat
        .constraints
        .iter()
        .zip(&constraint_cols)
        .filter(|(_, c)| touches(c))
        .map(|(&id, _)| id)
        .collect();
    part.interactions = flat
        .interactions
        .iter()
        .zip(&interaction_cols)
        .filter(|(_, c)| touches(c))
        .map(|(i, _)| i.clone())
        .collect();
    part
}

/// [`settle_all`] on growing parts of `flat` around the columns `focus` (a refutation of a
/// part is one of the chip), then on the whole chip.
fn settle(
    flat: &ChipIr,
    focus: &BTreeSet<u32>,
    kinds: &[Option<bool>],
    wanted: &[NodeId],
    solvers: &Solvers,
    build: impl Fn(&mut RowSystem, &[NodeId]) -> Vec<(Theory, String)>,
) -> Settled {
    // Low-degree parts first: gadgets (range and zero checks) settle most findings, and a
    // hash's rounds only slow the solvers down.
    for (radius, max_degree) in [(2, 2), (1, 3), (2, 3), (3, 3)] {
        let part = slice(flat, focus, radius, max_degree);
        if part.constraints.len() == flat.constraints.len()
            && part.interactions.len() == flat.interactions.len()
        {
            break;
        }
        if let Settled::Refuted = settle_all(&part, kinds, wanted, solvers, &build) {
            return Settled::Refuted;
        }
    }
    settle_all(flat, kinds, wanted, solvers, &build)
}

/// Puts the queries `build` makes to the solvers, from the chip specialized to each kind of row
/// in `kinds` (with the nodes `wanted`, specialized alike): refuted when every kind refutes
/// them.
fn settle_all(
    flat: &ChipIr,
    kinds: &[Option<bool>],
    wanted: &[NodeId],
    solvers: &Solvers,
    build: &impl Fn(&mut RowSystem, &[NodeId]) -> Vec<(Theory, String)>,
) -> Settled {
    let mut open = None;
    for &real in kinds {
        let Some((mut system, extra)) = specialize_with(flat, &[], real, wanted) else {
            continue;
        };
        system.forced.clear();
        let queries = build(&mut system, &extra);
        match solvers.solve(&queries) {
            Answer::Unsat => {}
            Answer::Sat(model) => {
                // Columns the specialization fixed are not in the query: their values come
                // from the mode, not from the model.
                let mut row: Vec<u32> = (0..flat.width)
                    .map(|c| model.get(&format!("x{c}_0")).copied().unwrap_or(0))
                    .collect();
                for &(c, v) in &system.mode {
                    row[c as usize] = v;
                }
                if satisfies(flat, &row) {
                    return Settled::Witness(show(flat, &row));
                }
                open.get_or_insert_with(|| "a model fails the concrete check".to_string());
            }
            Answer::Unknown(why) => {
                open.get_or_insert(why);
            }
        }
    }
    match open {
        Some(why) => Settled::Open(why),
        None => Settled::Refuted,
    }
}

/// Whether `row` satisfies every constraint of `flat`.
fn satisfies(flat: &ChipIr, row: &[u32]) -> bool {
    let values = flat.ir.eval_all(|leaf| match leaf {
        Leaf::Var(Var::Main(Row::Local, c)) => Val::from_u32(row[c as usize]),
        _ => Val::ZERO,
    });
    flat.constraints
        .iter()
        .all(|&c| values[c as usize] == Val::ZERO)
}

/// The nonzero cells of `row`.
fn show(chip: &ChipIr, row: &[u32]) -> String {
    let cells: Vec<String> = chip
        .contract
        .columns
        .iter()
        .zip(row)
        .filter(|(_, &v)| v != 0)
        .map(|(col, &v)| format!("{} = {}", col.name, Val::from_u32(v).as_canonical_u32()))
        .collect();
    if cells.is_empty() {
        "every cell 0".into()
    } else {
        cells.join(", ")
    }
}

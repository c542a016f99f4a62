//! Lints: structural rules every chip must follow, checked on its extracted constraints without a
//! solver. Each finding names the rule, the columns or interaction, and why it matters; a rule
//! the lints cannot settle syntactically is reported as such, for the solver to decide.

use std::collections::BTreeSet;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::{Assumption, Role, Source, Val};

use crate::extract::{ChipIr, Interaction, Scope};
use crate::ir::{Leaf, Node, NodeId, Row, Var};
use crate::table::{range_facts, RangeFact};

/// The highest constraint degree the backend's configuration proves (its quotient degree).
pub const DEGREE_BUDGET: u32 = 3;

/// One lint finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// What the solvers can settle the finding on: the count of an interaction live on
    /// padding or not shown boolean, the sum of a recomposition not shown canonical.
    pub target: Option<NodeId>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// A column no constraint or interaction reads.
    Unconstrained,
    /// An output or state column connected to no input.
    Untied,
    /// A constraint or interaction above the degree budget.
    Degree,
    /// An interaction live on padding rows (`is_real = 0`).
    LiveOnPadding,
    /// An interaction count not shown boolean.
    CountNotBoolean,
    /// A declared range assumption no range lookup makes true.
    UnjustifiedAssumption,
    /// A range lookup of a scaled or offset column (`k·x`, `C − x`) whose column is not itself
    /// range-checked: it proves no range for the column.
    ScaledRange,
    /// A recomposition of limbs wider than the field: not canonical in KoalaBear.
    WideRecomposition,
    /// An input column no received message carries: nothing outside the chip fixes it.
    InputNotReceived,
    /// A linear constraint among bounded cells whose integer value can reach ±p: it holds in
    /// the field for cells where the integer equation it stands for fails.
    WrapAround,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::Unconstrained => "unconstrained column",
            Rule::Untied => "output not tied to an input",
            Rule::Degree => "degree above budget",
            Rule::LiveOnPadding => "interaction live on padding",
            Rule::CountNotBoolean => "count not boolean",
            Rule::UnjustifiedAssumption => "unjustified assumption",
            Rule::ScaledRange => "range check of a scaled value",
            Rule::WideRecomposition => "non-canonical recomposition",
            Rule::InputNotReceived => "input not received",
            Rule::WrapAround => "relation that wraps around p",
        }
    }
}

/// Every finding on `chip`.
pub fn lint(chip: &ChipIr) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut facts = range_facts(chip);
    facts.extend(decomposition_facts(chip));
    unconstrained(chip, &mut findings);
    untied(chip, &mut findings);
    degree(chip, &mut findings);
    live_on_padding(chip, &mut findings);
    boolean_counts(chip, &mut findings);
    assumptions(chip, &facts, &mut findings);
    scaled_ranges(chip, &facts, &mut findings);
    recompositions(chip, &facts, &mut findings);
    inputs_received(chip, &mut findings);
    let booleans: Vec<u32> = Booleans::of(chip).columns.into_iter().collect();
    crate::wrap::wrapping_relations(chip, &facts, &booleans, &mut findings);
    findings
}

/// Every input column is carried by a message the chip receives (a negative count): otherwise
/// the chip proves its relation for inputs nobody asked about.
fn inputs_received(chip: &ChipIr, findings: &mut Vec<Finding>) {
    let mut received = BTreeSet::new();
    for i in &chip.interactions {
        if crate::specialize::is_receive(&chip.ir, i.count) {
            for &f in &i.fields {
                received.extend(main_columns(chip, f));
            }
        }
    }
    for (col, column) in chip.contract.columns.iter().enumerate() {
        if column.role == Role::Input && !received.contains(&(col as u32)) {
            findings.push(Finding {
                rule: Rule::InputNotReceived,
                target: None,
                message: format!(
                    "input {} is in no message the chip receives: nothing outside the chip \
                     fixes it",
                    column.name
                ),
            });
        }
    }
}

/// Range facts from bit decompositions: a constraint `x = Σ 2^i·b_i` (either side) over
/// distinct powers and columns constrained boolean proves `x < 2^(max i + 1)`.
pub fn decomposition_facts(chip: &ChipIr) -> Vec<RangeFact> {
    let booleans = Booleans::of(chip);
    let mut facts = Vec::new();
    for &c in &chip.constraints {
        let Node::Sub(l, r) = chip.ir.node(c) else {
            continue;
        };
        for (sum, x) in [(l, r), (r, l)] {
            let Node::Var(Var::Main(Row::Local, col)) = chip.ir.node(x) else {
                continue;
            };
            let mut terms = Vec::new();
            if !linear_terms(chip, sum, 1, &mut terms) {
                continue;
            }
            let powers: BTreeSet<u64> = terms.iter().map(|&(k, _)| k).collect();
            let bits_ok = terms
                .iter()
                .all(|&(k, b)| k.is_power_of_two() && booleans.columns.contains(&b));
            if bits_ok && powers.len() == terms.len() {
                let top = powers.iter().max().map_or(0, |k| k.trailing_zeros() + 1);
                if top < 31 {
                    facts.push(RangeFact {
                        expr: x,
                        column: Some(col),
                        bits: top,
                        count: None,
                    });
                }
            }
        }
    }
    facts
}

fn column_name(chip: &ChipIr, col: u32) -> &str {
    &chip.contract.columns[col as usize].name
}

fn main_columns(chip: &ChipIr, id: NodeId) -> BTreeSet<u32> {
    chip.ir
        .vars_of(id)
        .into_iter()
        .filter_map(|v| match v {
            Var::Main(_, c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Every group of columns read together: one per constraint and one per interaction.
fn groups(chip: &ChipIr) -> Vec<BTreeSet<u32>> {
    let mut groups: Vec<BTreeSet<u32>> = chip
        .constraints
        .iter()
        .map(|&c| main_columns(chip, c))
        .collect();
    for i in &chip.interactions {
        let mut g = main_columns(chip, i.count);
        for &f in &i.fields {
            g.extend(main_columns(chip, f));
        }
        groups.push(g);
    }
    groups
}

fn unconstrained(chip: &ChipIr, findings: &mut Vec<Finding>) {
    let read: BTreeSet<u32> = groups(chip).into_iter().flatten().collect();
    for col in 0..chip.width as u32 {
        if !read.contains(&col) {
            findings.push(Finding {
                rule: Rule::Unconstrained,
                target: None,
                message: format!(
                    "{} is read by no constraint and no interaction: the prover may put anything \
                     there",
                    column_name(chip, col)
                ),
            });
        }
    }
}

/// Outputs and state must be connected to an input (through shared constraints or
/// interactions): otherwise nothing the chip is given can determine them.
fn untied(chip: &ChipIr, findings: &mut Vec<Finding>) {
    let n = chip.width;
    // Node `n` stands for everything outside the main trace (preprocessed and public values):
    // inputs too. Each constraint and send joins the columns it reads.
    let mut parent: Vec<usize> = (0..=n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    // A received message ties nothing: it hands the chip's answer to the sender, it does not
    // fix it. A send does (its receiver answers it as a function of the arguments).
    let mut roots: Vec<Vec<NodeId>> = chip.constraints.iter().map(|&c| vec![c]).collect();
    for i in &chip.interactions {
        if !crate::specialize::is_receive(&chip.ir, i.count) {
            roots.push(i.fields.iter().copied().chain([i.count]).collect());
        }
    }
    for group in roots {
        let vars: Vec<Var> = group.iter().flat_map(|&r| chip.ir.vars_of(r)).collect();
        let members = vars.iter().map(|v| match v {
            Var::Main(_, c) => *c as usize,
            _ => n,
        });
        let mut first = None;
        for m in members {
            let root = find(&mut parent, m);
            match first {
                None => first = Some(root),
                Some(f) => parent[root] = f,
            }
        }
    }
    let mut tied = vec![false; n + 1];
    let outside = find(&mut parent, n);
    tied[outside] = true;
    for c in 0..n {
        if chip.contract.columns[c].role == Role::Input {
            let root = find(&mut parent, c);
            tied[root] = true;
        }
    }
    for c in 0..n {
        let role = chip.contract.columns[c].role;
        if matches!(role, Role::Output | Role::State) && !tied[find(&mut parent, c)] {
            findings.push(Finding {
                rule: Rule::Untied,
                target: None,
                message: format!(
                    "{} ({role:?}) shares no constraint path with any input",
                    chip.contract.columns[c].name
                ),
            });
        }
    }
}

fn degree(chip: &ChipIr, findings: &mut Vec<Finding>) {
    for (n, &c) in chip.constraints.iter().enumerate() {
        let d = chip.ir.degree(c);
        if d > DEGREE_BUDGET {
            findings.push(Finding {
                rule: Rule::Degree,
                target: None,
                message: format!("constraint c{n} has degree {d} > {DEGREE_BUDGET}"),
            });
        }
    }
    for (k, i) in chip.interactions.iter().enumerate() {
        // LogUp's column constraint multiplies the message's denominator by the fraction column.
        let fields = i
            .fields
            .iter()
            .map(|&f| chip.ir.degree(f))
            .max()
            .unwrap_or(0);
        let d = (fields + 1).max(chip.ir.degree(i.count));
        if d > DEGREE_BUDGET {
            findings.push(Finding {
                rule: Rule::Degree,
                target: None,
                message: format!(
                    "interaction {k} on {} has LogUp degree {d} > {DEGREE_BUDGET}",
                    i.bus
                ),
            });
        }
    }
}

/// A tiny deterministic generator for evaluation points.
struct Points(u64);

impl Points {
    fn next(&mut self) -> Val {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Val::from_u32((self.0 >> 33) as u32 % Val::ORDER_U32)
    }
}

/// The local columns shown zero on padding rows: the real flags, every column `x` constrained
/// by `g·x = 0` where `g` is 1 on padding rows (`(1 − is_real)·multiplicity`), and every column
/// of a boolean sum `S` constrained by `g·S = 0` (e.g. `(1 − is_real)·(send_lo + send_hi)`: a
/// sum of a few booleans is zero only if each is).
fn zero_on_padding(chip: &ChipIr) -> BTreeSet<u32> {
    let mut zero: BTreeSet<u32> = chip.contract.real_flags.iter().map(|&c| c as u32).collect();
    let booleans = Booleans::of(chip);
    loop {
        let before = zero.len();
        for &c in &chip.constraints {
            zero.extend(forced_zero(chip, c, &zero, &booleans));
            let Node::Mul(x, y) = chip.ir.node(c) else {
                continue;
            };
            for (g, sum) in [(x, y), (y, x)] {
                if !identically(chip, g, &zero, Val::ONE) {
                    continue;
                }
                // One column is zero where `g = 1`; a sum of several only if they are
                // booleans.
                if let Node::Var(Var::Main(Row::Local, c)) = chip.ir.node(sum) {
                    zero.insert(c);
                } else if let Some(columns) = unit_sum(chip, sum) {
                    if columns.is_subset(&booleans.columns) {
                        zero.extend(columns);
                    }
                }
            }
        }
        if zero.len() == before {
            return zero;
        }
    }
}

/// The columns constraint `c` forces to zero once the columns `zero` are: with them
/// substituted it reads `k·x = 0` for one column, or `Σ kᵢ·bᵢ = 0` over booleans with
/// coefficients of one sign (`Σ flags = is_real`, `count = is_real·X`).
fn forced_zero(chip: &ChipIr, c: NodeId, zero: &BTreeSet<u32>, booleans: &Booleans) -> Vec<u32> {
    let subst: std::collections::HashMap<Var, Val> = zero
        .iter()
        .map(|&z| (Var::Main(Row::Local, z), Val::ZERO))
        .collect();
    let mut s = crate::specialize::Specializer::new(&chip.ir, &subst);
    let m = s.map(c);
    let mut terms = Vec::new();
    if !signed_terms(&s.ir, m, 1, &mut terms) {
        return Vec::new();
    }
    let columns: BTreeSet<u32> = terms.iter().map(|&(_, c)| c).collect();
    let one_sign = terms.iter().all(|&(k, _)| k > 0) || terms.iter().all(|&(k, _)| k < 0);
    let forced = columns.len() == 1
        || (one_sign && columns.is_subset(&booleans.columns) && columns.len() == terms.len());
    if forced {
        columns.into_iter().collect()
    } else {
        Vec::new()
    }
}

/// The terms of `id` if it is `Σ kᵢ·xᵢ` over local columns with small signed coefficients
/// and no constant.
pub(crate) fn signed_terms(
    ir: &crate::ir::Ir,
    id: NodeId,
    scale: i64,
    out: &mut Vec<(i64, u32)>,
) -> bool {
    let k = |c: u32| crate::specialize::signed(c);
    match ir.node(id) {
        Node::Var(Var::Main(Row::Local, c)) => {
            out.push((scale, c));
            true
        }
        Node::Add(x, y) => signed_terms(ir, x, scale, out) && signed_terms(ir, y, scale, out),
        Node::Sub(x, y) => signed_terms(ir, x, scale, out) && signed_terms(ir, y, -scale, out),
        Node::Neg(x) => signed_terms(ir, x, -scale, out),
        Node::Mul(x, y) => match (ir.node(x), ir.node(y)) {
            (Node::Const(c), _) => signed_terms(ir, y, scale.saturating_mul(k(c)), out),
            (_, Node::Const(c)) => signed_terms(ir, x, scale.saturating_mul(k(c)), out),
            _ => false,
        },
        _ => false,
    }
}

/// Whether `id` equals `value` whenever the local columns `zero` are 0, as a polynomial
/// identity checked at random points (a nonzero polynomial of degree `d` takes one value at a
/// random point with probability at most `d/p` unless it is that constant).
fn identically(chip: &ChipIr, id: NodeId, zero: &BTreeSet<u32>, value: Val) -> bool {
    let mut points = Points(0x07e5_5e7a);
    (0..4).all(|_| {
        let randoms: Vec<Val> = (0..2 * chip.width + 64).map(|_| points.next()).collect();
        let values = chip.ir.eval_all(|leaf| match leaf {
            Leaf::Var(Var::Main(Row::Local, c)) if zero.contains(&c) => Val::ZERO,
            Leaf::Var(Var::Main(Row::Local, c)) => randoms[c as usize],
            Leaf::Var(Var::Main(Row::Next, c)) => randoms[chip.width + c as usize],
            Leaf::Var(Var::Preprocessed(_, c)) | Leaf::Var(Var::Public(c)) => {
                randoms[2 * chip.width + (c as usize % 64)]
            }
            Leaf::Selector(_) => randoms[0],
        });
        values[id as usize] == value
    })
}

fn describe(chip: &ChipIr, k: usize, i: &Interaction) -> String {
    let scope = match i.scope {
        Scope::Global => "",
        Scope::Local(_) => " (local)",
    };
    let _ = chip;
    format!("interaction {k} on {}{scope}", i.bus)
}

/// Flags each interaction whose count is not shown zero when `is_real = 0`.
fn live_on_padding(chip: &ChipIr, findings: &mut Vec<Finding>) {
    if chip.contract.real_flags.is_empty() {
        return;
    }
    let zero = zero_on_padding(chip);
    for (k, i) in chip.interactions.iter().enumerate() {
        if !identically(chip, i.count, &zero, Val::ZERO) {
            findings.push(Finding {
                rule: Rule::LiveOnPadding,
                target: Some(i.count),
                message: format!(
                    "{}: its count is not zero when is_real = 0, so padding rows can send or \
                     serve messages",
                    describe(chip, k, i)
                ),
            });
        }
    }
}

/// The expressions the chip constrains boolean (`x·(x − 1) = 0`).
pub fn boolean_exprs(chip: &ChipIr) -> BTreeSet<NodeId> {
    let mut booleans = BTreeSet::new();
    for &c in &chip.constraints {
        if let Node::Mul(x, y) = chip.ir.node(c) {
            if let Node::Sub(x2, one) = chip.ir.node(y) {
                if x2 == x && chip.ir.node(one) == Node::Const(1) {
                    booleans.insert(x);
                }
            }
        }
    }
    booleans
}

/// What the chip shows boolean: single columns, and one-hot groups (sums of boolean columns
/// whose sum is boolean too, so that every sub-sum is boolean).
pub(crate) struct Booleans {
    pub(crate) columns: BTreeSet<u32>,
    groups: Vec<BTreeSet<u32>>,
    exprs: BTreeSet<NodeId>,
}

impl Booleans {
    pub(crate) fn of(chip: &ChipIr) -> Self {
        let exprs = boolean_exprs(chip);
        let columns: BTreeSet<u32> = exprs
            .iter()
            .filter_map(|&e| match chip.ir.node(e) {
                Node::Var(Var::Main(Row::Local, c)) => Some(c),
                _ => None,
            })
            .collect();
        let mut booleans = Booleans {
            columns,
            groups: Vec::new(),
            exprs,
        };
        // Equations `x = E` make `x` boolean when `E` is, and `S = b` makes a sum `S` of
        // booleans a one-hot group when `b` is boolean; to a fixed point.
        loop {
            let before = (booleans.columns.len(), booleans.groups.len());
            booleans.groups = booleans
                .exprs
                .iter()
                .filter_map(|&e| unit_sum(chip, e))
                .filter(|g| g.is_subset(&booleans.columns))
                .collect();
            for &c in &chip.constraints {
                let Node::Sub(l, r) = chip.ir.node(c) else {
                    continue;
                };
                for (x, e) in [(l, r), (r, l)] {
                    if !booleans.shows(chip, e) {
                        continue;
                    }
                    if let Node::Var(Var::Main(Row::Local, col)) = chip.ir.node(x) {
                        booleans.columns.insert(col);
                    } else if let Some(g) = unit_sum(chip, x) {
                        if g.is_subset(&booleans.columns) && !booleans.groups.contains(&g) {
                            booleans.exprs.insert(x);
                        }
                    }
                }
            }
            if (booleans.columns.len(), booleans.groups.len()) == before
                && booleans
                    .exprs
                    .iter()
                    .filter_map(|&e| unit_sum(chip, e))
                    .filter(|g| g.is_subset(&booleans.columns))
                    .count()
                    == booleans.groups.len()
            {
                return booleans;
            }
        }
    }

    /// Whether `id` is shown 0 or 1: a constant 0 or 1, a boolean expression, a sub-sum of a
    /// one-hot group, or a product of those.
    pub(crate) fn shows(&self, chip: &ChipIr, id: NodeId) -> bool {
        if self.exprs.contains(&id) {
            return true;
        }
        if let Some(sum) = unit_sum(chip, id) {
            if sum.len() == 1 && sum.is_subset(&self.columns) {
                return true;
            }
            if self.groups.iter().any(|g| sum.is_subset(g)) {
                return true;
            }
        }
        match chip.ir.node(id) {
            Node::Const(0) | Node::Const(1) => true,
            Node::Mul(x, y) => self.shows(chip, x) && self.shows(chip, y),
            // `b − x` for booleans with `x ⇒ b` (a constraint `x·(1 − b) = 0`).
            Node::Sub(b, x) => self.shows(chip, b) && self.shows(chip, x) && implies(chip, x, b),
            _ => false,
        }
    }
}

/// Whether the chip constrains `x·(1 − b) = 0` (either factor order).
fn implies(chip: &ChipIr, x: NodeId, b: NodeId) -> bool {
    let not_b = |n: NodeId| {
        matches!(chip.ir.node(n), Node::Sub(one, b2) if b2 == b
            && chip.ir.node(one) == Node::Const(1))
    };
    chip.constraints.iter().any(|&c| match chip.ir.node(c) {
        Node::Mul(u, v) => (u == x && not_b(v)) || (v == x && not_b(u)),
        _ => false,
    })
}

/// The columns of `id` if it is a sum of distinct local columns, each with coefficient 1.
fn unit_sum(chip: &ChipIr, id: NodeId) -> Option<BTreeSet<u32>> {
    let mut terms = Vec::new();
    if !linear_terms(chip, id, 1, &mut terms) || terms.iter().any(|&(k, _)| k != 1) {
        return None;
    }
    let columns: BTreeSet<u32> = terms.iter().map(|&(_, c)| c).collect();
    (columns.len() == terms.len()).then_some(columns)
}

fn boolean_counts(chip: &ChipIr, findings: &mut Vec<Finding>) {
    let booleans = Booleans::of(chip);
    for (k, i) in chip.interactions.iter().enumerate() {
        // A provided table entry's multiplicity is free (an unbalanced one unbalances the bus).
        if i.weight == 0 {
            continue;
        }
        let magnitude = match chip.ir.node(i.count) {
            Node::Neg(x) => x,
            _ => i.count,
        };
        let unit = matches!(chip.ir.node(i.count), Node::Const(c) if c == Val::ORDER_U32 - 1);
        if !unit && !booleans.shows(chip, magnitude) {
            findings.push(Finding {
                rule: Rule::CountNotBoolean,
                target: Some(i.count),
                message: format!(
                    "{}: its count is not a product of columns constrained boolean",
                    describe(chip, k, i)
                ),
            });
        }
    }
}

fn assumptions(chip: &ChipIr, facts: &[RangeFact], findings: &mut Vec<Finding>) {
    for a in &chip.contract.assumptions {
        if a.source() != Source::Lookup {
            continue;
        }
        let bits = a.bits();
        let what = match a {
            Assumption::Boolean { .. } => "boolean".to_string(),
            _ => format!("below 2^{bits}"),
        };
        for &col in a.columns() {
            let justified = facts
                .iter()
                .any(|f| f.column == Some(col as u32) && f.bits <= bits);
            if !justified {
                findings.push(Finding {
                    rule: Rule::UnjustifiedAssumption,
                    target: None,
                    message: format!(
                        "{} is assumed {what} by the chip's own lookups, but no range lookup \
                         checks it",
                        column_name(chip, col as u32)
                    ),
                });
            }
        }
    }
}

/// `k·x`, `x·k` or `C − x` for a column `x` and constants `k`, `C`: the column and the map
/// `x ↦ a·x + b` as `(a, b)`.
fn scaled_column(chip: &ChipIr, id: NodeId) -> Option<(u32, Val, Val)> {
    let column = |n: NodeId| match chip.ir.node(n) {
        Node::Var(Var::Main(Row::Local, c)) => Some(c),
        _ => None,
    };
    let constant = |n: NodeId| match chip.ir.node(n) {
        Node::Const(k) => Some(Val::from_u32(k)),
        _ => None,
    };
    match chip.ir.node(id) {
        Node::Mul(x, y) => match (constant(x), constant(y)) {
            (Some(k), None) => Some((column(y)?, k, Val::ZERO)),
            (None, Some(k)) => Some((column(x)?, k, Val::ZERO)),
            _ => None,
        },
        Node::Sub(x, y) => Some((column(y)?, -Val::ONE, constant(x)?)),
        Node::Neg(x) => Some((column(x)?, -Val::ONE, Val::ZERO)),
        _ => None,
    }
}

/// A value of `x` at or above `2^bits` whose image `a·x + b` is below `2^bits`, so passes the
/// lookup: the witness that the lookup does not bound `x`.
fn passing_large_value(a: Val, b: Val, bits: u32) -> Option<(Val, Val)> {
    use p3_field::Field;
    let inverse = a.try_inverse()?;
    let limit = 1u64 << bits.min(20);
    (0..limit).find_map(|v| {
        let image = Val::from_u64(v);
        let x = (image - b) * inverse;
        (u64::from(x.as_canonical_u32()) >= 1u64 << bits).then_some((x, image))
    })
}

/// `v` as a field element, and as a negative number where it is one (above p/2).
fn signed_value(v: Val) -> String {
    let c = v.as_canonical_u32();
    if c > Val::ORDER_U32 / 2 {
        format!("{c} (−{})", Val::ORDER_U32 - c)
    } else {
        c.to_string()
    }
}

fn scaled_ranges(chip: &ChipIr, facts: &[RangeFact], findings: &mut Vec<Finding>) {
    for f in facts {
        let Some((col, a, b)) = scaled_column(chip, f.expr) else {
            continue;
        };
        // A column the contract assumes small (a sender's canonical halves) is known small.
        let assumed = chip.contract.assumptions.iter().any(|a| {
            matches!(a, Assumption::Range { .. })
                && a.source() != Source::Lookup
                && a.columns().contains(&(col as usize))
        });
        let checked = assumed || facts.iter().any(|g| g.column == Some(col));
        if !checked {
            let name = column_name(chip, col);
            let example = passing_large_value(a, b, f.bits).map_or(String::new(), |(x, image)| {
                format!(
                    "; e.g. {name} = {} passes, its image being {}",
                    signed_value(x),
                    image.as_canonical_u32()
                )
            });
            findings.push(Finding {
                rule: Rule::ScaledRange,
                target: None,
                message: format!(
                    "a range lookup of a scaled or offset {name} (below 2^{}) proves no range \
                     for {name} itself: a field element like v·k⁻¹ or C − v passes too; \
                     range-check the column first{example}",
                    f.bits
                ),
            });
        }
    }
}

/// The terms `(coefficient, column)` of a linear combination of local columns, if `id` is one.
pub(crate) fn linear_terms(
    chip: &ChipIr,
    id: NodeId,
    scale: u64,
    out: &mut Vec<(u64, u32)>,
) -> bool {
    match chip.ir.node(id) {
        Node::Var(Var::Main(Row::Local, c)) => {
            out.push((scale, c));
            true
        }
        Node::Add(x, y) => linear_terms(chip, x, scale, out) && linear_terms(chip, y, scale, out),
        Node::Mul(x, y) => match (chip.ir.node(x), chip.ir.node(y)) {
            (Node::Const(k), _) => linear_terms(chip, y, scale.saturating_mul(k as u64), out),
            (_, Node::Const(k)) => linear_terms(chip, x, scale.saturating_mul(k as u64), out),
            _ => false,
        },
        _ => false,
    }
}

/// A sum `Σ kᵢ·xᵢ` of range-checked columns whose integer value can reach p is not a canonical
/// encoding: two different limb vectors can give the same field element.
fn recompositions(chip: &ChipIr, facts: &[RangeFact], findings: &mut Vec<Finding>) {
    // The bounds the chip means its columns to have; a bound that does not hold is the
    // scaled-range or unjustified-assumption lint's finding.
    let booleans: Vec<u32> = Booleans::of(chip).columns.into_iter().collect();
    let bounds = crate::wrap::bounds(chip, facts, &booleans);
    let max_of = |col: u32| bounds.get(&col).map(|&m| m as u128);
    let mut roots: Vec<NodeId> = chip.constraints.clone();
    for i in &chip.interactions {
        roots.extend(&i.fields);
    }
    let mut seen = BTreeSet::new();
    for root in roots {
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let mut terms = Vec::new();
            if matches!(chip.ir.node(id), Node::Add(..)) && linear_terms(chip, id, 1, &mut terms) {
                let maxes: Option<Vec<u128>> = terms.iter().map(|&(_, c)| max_of(c)).collect();
                if let (true, Some(maxes)) = (terms.len() >= 2, maxes) {
                    let max: u128 = terms
                        .iter()
                        .zip(&maxes)
                        .map(|(&(k, _), &m)| k as u128 * m)
                        .sum();
                    if max >= Val::ORDER_U32 as u128 {
                        let names: Vec<&str> =
                            terms.iter().map(|&(_, c)| column_name(chip, c)).collect();
                        findings.push(Finding {
                            rule: Rule::WideRecomposition,
                            target: Some(id),
                            message: format!(
                                "the limbs {} recompose to values up to {max} ≥ p: not canonical",
                                names.join(", ")
                            ),
                        });
                    }
                }
                continue;
            }
            match chip.ir.node(id) {
                Node::Add(x, y) | Node::Sub(x, y) | Node::Mul(x, y) => stack.extend([x, y]),
                Node::Neg(x) => stack.push(x),
                _ => {}
            }
        }
    }
}

//! SMT-LIB encodings of a determinism query: two copies of one row of a chip mode, sharing the
//! inputs, both satisfying every constraint and every promise of their sends, differing in one
//! column. Unsat proves the column determined; a model is a candidate counterexample (checked
//! again by the concrete evaluator before it is reported).
//!
//! Two encodings, for a portfolio of solvers:
//! - **Finite field** (`QF_FF`, cvc5): the constraints exactly; ranges up to 16 bits as bit
//!   decompositions, wider ones dropped; table answers as functions (equal arguments, equal
//!   answers).
//! - **Integers, interval-lowered** (`QF_NIA`, z3): every cell an integer in `[0, p)`, ranges
//!   as bounds. Each constraint's integer range is inferred from its cells' ranges: one that
//!   cannot reach ±p is asserted over the integers, any other as a multiple `p·k` with `k`
//!   bounded. The byte table's `Ltu` and the ALU's `Sltu` answers are exact comparisons.
//!
//! Both encodings may only drop facts, never add any, so unsat is a proof in either.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use p3_field::PrimeField32;
use tessera_machine::bus::{AluOp, ByteOp, ALU_BUS, BYTE_BUS};
use tessera_stark::Val;

use crate::ir::{Node, NodeId, Row, Var};
use crate::query::{Promise, RowSystem};
use crate::specialize::{constant, signed};

mod exact;

const P: i128 = Val::ORDER_U32 as i128;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Theory {
    FiniteField,
    Integer,
}

/// An integer interval `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Interval {
    lo: i128,
    hi: i128,
}

impl Interval {
    fn bits(bits: u32) -> Self {
        Interval {
            lo: 0,
            hi: (1i128 << bits) - 1,
        }
    }
    const FIELD: Interval = Interval { lo: 0, hi: P - 1 };
}

/// Names of the query's variables.
pub fn cell(system: &RowSystem, col: u32, copy: usize) -> String {
    if system.forced.contains(&col) {
        format!("x{col}")
    } else {
        format!("x{col}_{copy}")
    }
}

struct Encoder<'a> {
    system: &'a RowSystem,
    theory: Theory,
    out: String,
    intervals: Vec<Interval>,
    var_intervals: HashMap<u32, Interval>,
    defined: BTreeSet<(usize, NodeId)>,
    reduced: HashMap<(usize, NodeId), String>,
    fresh: usize,
    /// Nodes that read only forced cells: equal in both copies.
    shared: Vec<bool>,
    /// How many copies of the row the query has (two for determinism, one for redundancy).
    copies: usize,
    /// Whether the integer encoding states the byte table's and the ALU's answers exactly
    /// (bit by bit, shift by shift): slower to refute, but its models are real ones.
    exact: bool,
}

impl<'a> Encoder<'a> {
    fn new(system: &'a RowSystem, theory: Theory) -> Self {
        let var_intervals = known_bits(system)
            .into_iter()
            .map(|(c, b)| (c, Interval::bits(b)))
            .collect();
        let mut e = Encoder {
            system,
            theory,
            out: String::new(),
            intervals: Vec::new(),
            var_intervals,
            defined: BTreeSet::new(),
            reduced: HashMap::new(),
            fresh: 0,
            shared: Vec::new(),
            copies: 2,
            exact: false,
        };
        e.intervals = e.compute_intervals();
        e.refine_intervals();
        e.shared = (0..system.ir.len() as NodeId)
            .map(|id| {
                system.ir.vars_of(id).iter().all(|v| match v {
                    Var::Main(_, c) => system.forced.contains(c),
                    _ => true,
                })
            })
            .collect();
        e
    }

    fn compute_intervals(&self) -> Vec<Interval> {
        let ir = &self.system.ir;
        let mut out: Vec<Interval> = Vec::with_capacity(ir.len());
        for id in 0..ir.len() as NodeId {
            let iv = |n: NodeId| out[n as usize];
            let interval = match ir.node(id) {
                Node::Var(Var::Main(_, c)) => self
                    .var_intervals
                    .get(&c)
                    .copied()
                    .unwrap_or(Interval::FIELD),
                Node::Var(_) | Node::Selector(_) => Interval::FIELD,
                Node::Const(c) => {
                    let s = signed(c) as i128;
                    Interval { lo: s, hi: s }
                }
                // Saturating: an interval this wide is "anything" to the encoder anyway.
                Node::Add(x, y) => Interval {
                    lo: iv(x).lo.saturating_add(iv(y).lo),
                    hi: iv(x).hi.saturating_add(iv(y).hi),
                },
                Node::Sub(x, y) => Interval {
                    lo: iv(x).lo.saturating_sub(iv(y).hi),
                    hi: iv(x).hi.saturating_sub(iv(y).lo),
                },
                Node::Neg(x) => Interval {
                    lo: iv(x).hi.saturating_neg(),
                    hi: iv(x).lo.saturating_neg(),
                },
                Node::Mul(x, y) => {
                    let (a, b) = (iv(x), iv(y));
                    let products = [
                        a.lo.saturating_mul(b.lo),
                        a.lo.saturating_mul(b.hi),
                        a.hi.saturating_mul(b.lo),
                        a.hi.saturating_mul(b.hi),
                    ];
                    Interval {
                        lo: *products.iter().min().unwrap(),
                        hi: *products.iter().max().unwrap(),
                    }
                }
            };
            out.push(interval);
        }
        out
    }

    /// Tightens column intervals through definitions: a constraint `x − E = 0` (or `E − x`)
    /// whose `E` cannot leave `[0, p)` gives `x = E` over the integers, so `x` lies in `E`'s
    /// interval.
    fn refine_intervals(&mut self) {
        for _ in 0..8 {
            let mut changed = false;
            for &c in &self.system.constraints {
                let Node::Sub(l, r) = self.system.ir.node(c) else {
                    continue;
                };
                for (x, def) in [(l, r), (r, l)] {
                    let Node::Var(Var::Main(Row::Local, col)) = self.system.ir.node(x) else {
                        continue;
                    };
                    let iv = self.intervals[def as usize];
                    let current = self
                        .var_intervals
                        .get(&col)
                        .copied()
                        .unwrap_or(Interval::FIELD);
                    if iv.lo >= 0 && iv.hi < P && (iv.lo > current.lo || iv.hi < current.hi) {
                        let tighter = Interval {
                            lo: iv.lo.max(current.lo),
                            hi: iv.hi.min(current.hi),
                        };
                        self.var_intervals.insert(col, tighter);
                        changed = true;
                    }
                }
            }
            if !changed {
                return;
            }
            self.intervals = self.compute_intervals();
        }
    }

    fn sort(&self) -> &'static str {
        match self.theory {
            Theory::FiniteField => "F",
            Theory::Integer => "Int",
        }
    }

    fn lit(&self, v: i128) -> String {
        match self.theory {
            Theory::FiniteField => format!("#f{}m{P}", v.rem_euclid(P)),
            Theory::Integer if v < 0 => format!("(- {})", -v),
            Theory::Integer => v.to_string(),
        }
    }

    fn op(&self, name: &str) -> &'static str {
        match (self.theory, name) {
            (Theory::FiniteField, "+") => "ff.add",
            (Theory::FiniteField, "*") => "ff.mul",
            (Theory::FiniteField, "neg") => "ff.neg",
            (Theory::Integer, "+") => "+",
            (Theory::Integer, "*") => "*",
            (Theory::Integer, "neg") => "-",
            _ => unreachable!("no operator {name}"),
        }
    }

    /// The name of node `id` in `copy`, defining it (and its children) first.
    ///
    /// A product of two non-constant factors that reads only forced cells has the same value in both copies: it becomes
    /// one shared variable bounded by its interval, which keeps the queries linear. Dropping
    /// the product's definition only relaxes the query (unsat still proves), and a model that
    /// leans on it fails the concrete check instead of being reported.
    fn node(&mut self, copy: usize, id: NodeId) -> String {
        // A product by a constant is linear already: abstracting it only loses the cell.
        let nonlinear = |ir: &crate::ir::Ir| match ir.node(id) {
            Node::Mul(x, y) => constant(ir, x).is_none() && constant(ir, y).is_none(),
            _ => false,
        };
        let abstracted =
            self.system.shared_products && self.shared[id as usize] && nonlinear(&self.system.ir);
        if abstracted {
            let name = format!("s{id}");
            if self.defined.insert((usize::MAX, id)) {
                let _ = writeln!(self.out, "(declare-fun {name} () {})", self.sort());
                if self.theory == Theory::Integer {
                    let iv = self.intervals[id as usize];
                    let _ = writeln!(
                        self.out,
                        "(assert (and (<= {} {name}) (<= {name} {})))",
                        self.lit(iv.lo),
                        self.lit(iv.hi)
                    );
                }
            }
            return name;
        }
        let name = format!("e{copy}_{id}");
        if self.defined.contains(&(copy, id)) {
            return name;
        }
        let body = match self.system.ir.node(id) {
            Node::Var(Var::Main(Row::Local, c)) => cell(self.system, c, copy),
            Node::Var(Var::Preprocessed(_, c)) => format!("pre{c}"),
            Node::Var(Var::Public(i)) => format!("pv{i}"),
            Node::Var(Var::Main(Row::Next, _)) | Node::Selector(_) => {
                unreachable!("a row-independent system reads neither")
            }
            Node::Const(c) => self.lit(signed(c) as i128),
            Node::Add(x, y) => {
                let (x, y) = (self.node(copy, x), self.node(copy, y));
                format!("({} {x} {y})", self.op("+"))
            }
            Node::Sub(x, y) => {
                let (x, y) = (self.node(copy, x), self.node(copy, y));
                match self.theory {
                    Theory::FiniteField => format!("(ff.add {x} (ff.neg {y}))"),
                    Theory::Integer => format!("(- {x} {y})"),
                }
            }
            Node::Neg(x) => {
                let x = self.node(copy, x);
                format!("({} {x})", self.op("neg"))
            }
            Node::Mul(x, y) => {
                let (x, y) = (self.node(copy, x), self.node(copy, y));
                format!("({} {x} {y})", self.op("*"))
            }
        };
        let _ = writeln!(self.out, "(define-fun {name} () {} {body})", self.sort());
        self.defined.insert((copy, id));
        name
    }

    fn fresh(&mut self, prefix: &str, lo: i128, hi: i128) -> String {
        self.fresh += 1;
        let name = format!("{prefix}{}", self.fresh);
        let _ = writeln!(self.out, "(declare-fun {name} () Int)");
        let _ = writeln!(
            self.out,
            "(assert (and (<= {} {name}) (<= {name} {})))",
            self.lit(lo),
            self.lit(hi)
        );
        name
    }

    /// The canonical value of `id` in `[0, p)`: for the integer encoding, `id − p·k`.
    fn canonical(&mut self, copy: usize, id: NodeId) -> String {
        let e = self.node(copy, id);
        if self.theory == Theory::FiniteField {
            return e;
        }
        if let Some(r) = self.reduced.get(&(copy, id)) {
            return r.clone();
        }
        let iv = self.intervals[id as usize];
        let r = if iv.lo >= 0 && iv.hi < P {
            e
        } else {
            let k = self.fresh("k", iv.lo.div_euclid(P), iv.hi.div_euclid(P));
            let r = format!("r{}", self.fresh);
            let _ = writeln!(self.out, "(define-fun {r} () Int (- {e} (* {P} {k})))");
            let _ = writeln!(self.out, "(assert (and (<= 0 {r}) (< {r} {P})))");
            r
        };
        self.reduced.insert((copy, id), r.clone());
        r
    }

    /// `id = 0` in the field.
    fn assert_zero(&mut self, copy: usize, id: NodeId) {
        let e = self.node(copy, id);
        match self.theory {
            Theory::FiniteField => {
                let _ = writeln!(self.out, "(assert (= {e} {}))", self.lit(0));
            }
            Theory::Integer => {
                let iv = self.intervals[id as usize];
                if iv.lo > -P && iv.hi < P {
                    let _ = writeln!(self.out, "(assert (= {e} 0))");
                } else {
                    let k = self.fresh("k", (iv.lo + P - 1).div_euclid(P), iv.hi.div_euclid(P));
                    let _ = writeln!(self.out, "(assert (= {e} (* {P} {k})))");
                }
            }
        }
    }

    /// A formula saying the canonical value `v` is below `2^bits`.
    fn below(&mut self, copy: usize, id: NodeId, bits: u32) -> String {
        match self.theory {
            Theory::Integer => {
                let v = self.canonical(copy, id);
                format!("(< {v} {})", 1i128 << bits)
            }
            Theory::FiniteField => {
                let v = self.node(copy, id);
                ff_below(self, &v, bits)
            }
        }
    }

    fn eq(&mut self, copy_a: usize, a: NodeId, copy_b: usize, b: NodeId) -> String {
        let (x, y) = (self.canonical(copy_a, a), self.canonical(copy_b, b));
        format!("(= {x} {y})")
    }

    fn live(&mut self, copy: usize, count: NodeId) -> String {
        if constant(&self.system.ir, count).is_some_and(|c| c != 0) {
            return "true".to_string();
        }
        let c = self.node(copy, count);
        format!("(not (= {c} {}))", self.lit(0))
    }

    /// What send `fact` promises in `copy`, under its count.
    fn promise(&mut self, copy: usize, count: NodeId, promise: &Promise) {
        let live = self.live(copy, count);
        let mut parts = Vec::new();
        match *promise {
            Promise::Range { expr, bits } => parts.push(self.below(copy, expr, bits)),
            Promise::Byte { op, a, b, c } => {
                let op_node = op;
                parts.push(self.below(copy, b, 8));
                parts.push(self.below(copy, c, 8));
                let op = constant(&self.system.ir, op);
                let a_bits = match op {
                    Some(x) if x == ByteOp::Ltu as u32 || x == ByteOp::U8Pair as u32 => 1,
                    Some(x) if x == ByteOp::Clz8 as u32 => 4,
                    Some(x) if x == ByteOp::U16 as u32 => 16,
                    Some(_) => 8,
                    None => 16,
                };
                parts.push(self.below(copy, a, a_bits));
                if op == Some(ByteOp::U8Pair as u32) {
                    let z = self.node(copy, a);
                    parts.push(format!("(= {z} {})", self.lit(0)));
                }
                if op == Some(ByteOp::Ltu as u32) && self.theory == Theory::Integer {
                    let (a, b, c) = (
                        self.canonical(copy, a),
                        self.canonical(copy, b),
                        self.canonical(copy, c),
                    );
                    parts.push(format!("(= {a} (ite (< {b} {c}) 1 0))"));
                } else if self.exact && self.theory == Theory::Integer {
                    match op {
                        Some(op) => parts.extend(self.exact_byte(copy, op, a, b, c)),
                        None => {
                            // The operation is an expression (of flags): one of the table's.
                            let o = self.canonical(copy, op_node);
                            let mut cases = Vec::new();
                            for k in ByteOp::ALL {
                                let exact = self.exact_byte(copy, k as u32, a, b, c);
                                let exact = exact.unwrap_or_else(|| "true".into());
                                cases.push(format!("(and (= {o} {}) {exact})", k as u32));
                            }
                            parts.push(format!("(or {})", cases.join(" ")));
                        }
                    }
                }
            }
            Promise::Alu { op, a, b, c } => {
                for &h in a.iter().chain(&b).chain(&c) {
                    parts.push(self.below(copy, h, 16));
                }
                let op = constant(&self.system.ir, op).and_then(AluOp::from_u32);
                if op == Some(AluOp::Sltu) {
                    let z = self.node(copy, a[1]);
                    parts.push(format!("(= {z} {})", self.lit(0)));
                }
                let exact = self.exact || op == Some(AluOp::Sltu);
                if let (Some(op), Theory::Integer, true) = (op, self.theory, exact) {
                    let w = |e: &mut Self, h: [NodeId; 2]| {
                        let (lo, hi) = (e.canonical(copy, h[0]), e.canonical(copy, h[1]));
                        format!("(+ {lo} (* 65536 {hi}))")
                    };
                    let (aw, bw, cw) = (w(self, a), w(self, b), w(self, c));
                    let c_lo = self.canonical(copy, c[0]);
                    if let Some(exact) = self.exact_alu(op, &aw, &bw, &cw, &c_lo) {
                        parts.push(exact);
                    }
                }
            }
            // A function of the key: only what `functional` states of pairs of messages.
            Promise::Table { .. } => return,
        }
        let _ = writeln!(
            self.out,
            "(assert (=> {live} (and true {})))",
            parts.join(" ")
        );
    }

    /// Equal arguments give equal answers, for every pair of messages to the same function:
    /// the byte table, the ALU, a bus the contract declares a function of its key.
    fn functional(&mut self) {
        // (copy, count, arguments, answers, the function)
        type Message<'b> = (usize, NodeId, Vec<NodeId>, Vec<NodeId>, &'b str);
        let system = self.system;
        let mut messages: Vec<Message> = Vec::new();
        for copy in 0..self.copies {
            for f in &system.facts {
                match &f.promise {
                    // U16 rows are `(U16, v, 0, 0)`: their answer is not a function of
                    // `(b, c)`, so only rows of a known other operation are functional.
                    &Promise::Byte { op, a, b, c } if is_functional_byte_op(&system.ir, op) => {
                        messages.push((copy, f.count, vec![op, b, c], vec![a], BYTE_BUS))
                    }
                    Promise::Byte { .. } => {}
                    &Promise::Alu { op, a, b, c } => messages.push((
                        copy,
                        f.count,
                        vec![op, b[0], b[1], c[0], c[1]],
                        a.to_vec(),
                        ALU_BUS,
                    )),
                    Promise::Table { bus, key, values } => {
                        messages.push((copy, f.count, key.clone(), values.clone(), bus))
                    }
                    Promise::Range { .. } => {}
                }
            }
        }
        for i in 0..messages.len() {
            for j in i + 1..messages.len() {
                let (ci, ni, ki, vi, bus_i) = messages[i].clone();
                let (cj, nj, kj, vj, bus_j) = messages[j].clone();
                if bus_i != bus_j || ki.len() != kj.len() || vi.len() != vj.len() {
                    continue;
                }
                // Two messages whose keys differ in a constant never collide.
                let differ = ki.iter().zip(&kj).any(|(&x, &y)| {
                    let (x, y) = (constant(&system.ir, x), constant(&system.ir, y));
                    x.is_some() && y.is_some() && x != y
                });
                if differ {
                    continue;
                }
                let mut antecedent = vec![self.live(ci, ni), self.live(cj, nj)];
                for (&x, &y) in ki.iter().zip(&kj) {
                    antecedent.push(self.eq(ci, x, cj, y));
                }
                let consequent: Vec<String> = vi
                    .iter()
                    .zip(&vj)
                    .map(|(&x, &y)| self.eq(ci, x, cj, y))
                    .collect();
                let _ = writeln!(
                    self.out,
                    "(assert (=> (and {}) (and {})))",
                    antecedent.join(" "),
                    consequent.join(" ")
                );
            }
        }
    }
}

/// Whether byte-table rows of operation `op` are a function of `(b, c)`: a known operation
/// other than U16.
pub fn is_functional_byte_op(ir: &crate::ir::Ir, op: NodeId) -> bool {
    constant(ir, op).is_some_and(|op| op != ByteOp::U16 as u32 && op < ByteOp::ALL.len() as u32)
}

/// Bits known of each column: booleans (`x·(x − 1) = 0`), the contract's assumptions on
/// inputs and plain-column ranges of unconditional sends, carried through linear definitions.
pub fn known_bits(system: &RowSystem) -> HashMap<u32, u32> {
    let ir = &system.ir;
    let mut bits: HashMap<u32, u32> = HashMap::new();
    let mut tighten = |c: u32, b: u32| {
        let e = bits.entry(c).or_insert(b);
        *e = (*e).min(b);
    };
    for &c in &system.constraints {
        if let Node::Mul(x, y) = ir.node(c) {
            if let (Node::Var(Var::Main(Row::Local, col)), Node::Sub(x2, one)) =
                (ir.node(x), ir.node(y))
            {
                if x2 == x && ir.node(one) == Node::Const(1) {
                    tighten(col, 1);
                }
            }
        }
    }
    for &(c, b) in &system.assumed {
        tighten(c, b);
    }
    for f in &system.facts {
        if constant(ir, f.count).is_none_or(|c| c == 0) {
            continue;
        }
        let mut plain = |e: NodeId, b: u32| {
            if let Node::Var(Var::Main(Row::Local, c)) = ir.node(e) {
                tighten(c, b);
            }
        };
        match f.promise {
            Promise::Range { expr, bits } => plain(expr, bits),
            Promise::Byte { op, a, b, c } => {
                plain(b, 8);
                plain(c, 8);
                if let Some(op) = constant(ir, op) {
                    let a_bits = if op == ByteOp::Ltu as u32 || op == ByteOp::U8Pair as u32 {
                        1
                    } else if op == ByteOp::Clz8 as u32 {
                        4
                    } else if op == ByteOp::U16 as u32 {
                        16
                    } else {
                        8
                    };
                    plain(a, a_bits);
                }
            }
            Promise::Alu { a, b, c, .. } => {
                for h in a.into_iter().chain(b).chain(c) {
                    plain(h, 16);
                }
            }
            Promise::Table { .. } => {}
        }
    }
    // Through linear definitions, to a fixed point: `x = Σ m_j·y_j` with every `m_j > 0`, the
    // `y_j` of known ranges and the sum below p bounds `x` by the sum's largest value; and
    // `x = m·y` with `x` bounded and `m·y` unable to reach p (`y` bounded already, or `m = 1`)
    // bounds `y` by `x / m`: the 16-bit check of `4·hi` bounds `hi` below 2^14 once `hi` is
    // known to be a half.
    let p = Val::ORDER_U32 as i128;
    let width = |v: i128| 128 - v.leading_zeros();
    loop {
        let mut changed = false;
        for &c in &system.constraints {
            let mut terms = Vec::new();
            if !crate::lint::signed_terms(ir, c, 1, &mut terms) {
                continue;
            }
            let mut merged: std::collections::BTreeMap<u32, i128> = Default::default();
            for (k, col) in terms {
                *merged.entry(col).or_insert(0) += k as i128;
            }
            merged.retain(|_, k| *k != 0);
            for (&x, &kx) in &merged {
                if kx.abs() != 1 {
                    continue;
                }
                // x = Σ m_j·y_j
                let others: Vec<(u32, i128)> = merged
                    .iter()
                    .filter(|&(&y, _)| y != x)
                    .map(|(&y, &k)| (y, -k * kx))
                    .collect();
                let most = others.iter().try_fold(0i128, |acc, &(y, m)| {
                    let b = *bits.get(&y)?;
                    (m > 0 && b < 64).then(|| acc + m * ((1i128 << b) - 1))
                });
                let mut bounds = Vec::new();
                if let Some(most) = most.filter(|&m| m < p && !others.is_empty()) {
                    bounds.push((x, most));
                }
                if let ([(y, m)], Some(&bx)) = (&others[..], bits.get(&x)) {
                    let reach = match bits.get(y) {
                        _ if *m == 1 => Some(0),
                        Some(&by) if by < 64 => Some(m * ((1i128 << by) - 1)),
                        _ => None,
                    };
                    if *m > 0 && bx < 64 && reach.is_some_and(|r| r < p) {
                        bounds.push((*y, ((1i128 << bx) - 1) / m));
                    }
                }
                for (col, bound) in bounds {
                    let b = width(bound);
                    if bits.get(&col).is_none_or(|&old| old > b) {
                        bits.insert(col, b);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return bits;
        }
    }
}

/// What a determinism query asks to differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Column(u32),
    /// An expression of the row, such as the answer of a received message.
    Expr(NodeId),
    /// An expression that matters only where `guard` (a message's count, the same in both
    /// copies) is not zero.
    Guarded {
        expr: NodeId,
        guard: NodeId,
    },
}

/// The query "`target` can differ between two copies with the same inputs", and the names of
/// every cell of both copies (for reading a model back).
pub fn determinism_query(
    system: &RowSystem,
    target: Target,
    theory: Theory,
    exact: bool,
) -> (String, Vec<String>) {
    query(system, theory, exact, 2, |e| {
        // The sender fixes the arguments of every received message.
        for r in &system.received {
            for &a in &r.arguments {
                let same = e.eq(0, a, 1, a);
                let _ = writeln!(e.out, "(assert {same})");
            }
        }
        let same = match target {
            Target::Column(t) => format!("(= {} {})", cell(system, t, 0), cell(system, t, 1)),
            Target::Expr(id) => e.eq(0, id, 1, id),
            Target::Guarded { expr, guard } => {
                let live = e.live(0, guard);
                let _ = writeln!(e.out, "(assert {live})");
                e.eq(0, expr, 1, expr)
            }
        };
        let _ = writeln!(e.out, "(assert (not {same}))");
    })
}

/// The query "one row satisfies every constraint, promise and assumption of `system`, and
/// `expr` is not zero there": unsat says `expr = 0` follows from the rest (a dropped constraint
/// is redundant). `system.forced` should be empty: there is one copy.
pub fn violation_query(
    system: &RowSystem,
    expr: NodeId,
    theory: Theory,
    exact: bool,
) -> (String, Vec<String>) {
    query(system, theory, exact, 1, |e| {
        let v = e.canonical(0, expr);
        let zero = e.lit(0);
        let _ = writeln!(e.out, "(assert (not (= {v} {zero})))");
    })
}

/// The query "one row satisfies `system`, `guard` (if any) is nonzero there, and
/// `Σ kᵢ·xᵢ ≥ bound` over the integers" (integer theory only, cells in `[0, p)`): unsat says
/// the sum of the columns `terms` stays below the bound wherever `guard` is nonzero, so its
/// field value is its integer value there when the bound is p.
pub fn sum_at_least_query(
    system: &RowSystem,
    terms: &[(u64, u32)],
    bound: u128,
    guard: Option<NodeId>,
) -> String {
    query(system, Theory::Integer, false, 1, |e| {
        if let Some(g) = guard {
            let v = e.canonical(0, g);
            let zero = e.lit(0);
            let _ = writeln!(e.out, "(assert (not (= {v} {zero})))");
        }
        let sum: Vec<String> = terms
            .iter()
            .map(|&(k, c)| format!("(* {k} {})", cell(system, c, 0)))
            .collect();
        let _ = writeln!(e.out, "(assert (>= (+ 0 {}) {bound}))", sum.join(" "));
    })
    .0
}

/// The query "one row satisfies `system` and the cell `column` is 0 or above `(p − 1)/2`"
/// (integer theory): unsat says every valid row holds it in `1..=(p − 1)/2`, so no two valid
/// rows hold it at `x` and `−x`, which settles the sign of a square root it is a cell of.
pub fn sign_query(system: &RowSystem, column: u32) -> String {
    query(system, Theory::Integer, false, 1, |e| {
        let x = cell(system, column, 0);
        let _ = writeln!(e.out, "(assert (or (= {x} 0) (> {x} {})))", P / 2);
    })
    .0
}

/// `copies` copies of `system`'s row, each satisfying its constraints, promises and sender
/// assumptions, then `goal`'s assertions; the query text and the names of every cell.
fn query(
    system: &RowSystem,
    theory: Theory,
    exact: bool,
    copies: usize,
    goal: impl FnOnce(&mut Encoder),
) -> (String, Vec<String>) {
    let mut e = Encoder::new(system, theory);
    e.copies = copies;
    e.exact = exact;
    let mut head = String::new();
    match theory {
        Theory::FiniteField => {
            let _ = writeln!(head, "(set-logic QF_FF)");
            let _ = writeln!(head, "(define-sort F () (_ FiniteField {P}))");
        }
        Theory::Integer => {
            let _ = writeln!(head, "(set-logic QF_NIA)");
        }
    }
    let _ = writeln!(head, "(set-option :produce-models true)");
    let mut cells = Vec::new();
    let mut declared = BTreeSet::new();
    for copy in 0..copies {
        for col in 0..system.width as u32 {
            let name = cell(system, col, copy);
            cells.push(name.clone());
            if !declared.insert(name.clone()) {
                continue;
            }
            let _ = writeln!(head, "(declare-fun {name} () {})", e.sort());
            if theory == Theory::Integer {
                let iv = e
                    .var_intervals
                    .get(&col)
                    .copied()
                    .unwrap_or(Interval::FIELD);
                let _ = writeln!(
                    head,
                    "(assert (and (<= {} {name}) (<= {name} {})))",
                    iv.lo, iv.hi
                );
            }
        }
    }
    for id in 0..system.ir.len() as NodeId {
        match system.ir.node(id) {
            Node::Var(Var::Preprocessed(_, c)) => {
                let _ = writeln!(head, "(declare-fun pre{c} () {})", e.sort());
            }
            Node::Var(Var::Public(i)) => {
                let _ = writeln!(head, "(declare-fun pv{i} () {})", e.sort());
            }
            _ => {}
        }
    }
    for copy in 0..copies {
        for &c in &system.constraints.clone() {
            e.assert_zero(copy, c);
        }
        for f in &system.facts.clone() {
            e.promise(copy, f.count, &f.promise);
        }
        // Combinations a sender promises: one of the tuples.
        for (columns, tuples) in &system.one_of.clone() {
            let names: Vec<String> = columns.iter().map(|&c| cell(system, c, copy)).collect();
            let options: Vec<String> = tuples
                .iter()
                .map(|t| {
                    let eqs: Vec<String> = names
                        .iter()
                        .zip(t)
                        .map(|(n, &v)| format!("(= {n} {})", e.lit(v as i128)))
                        .collect();
                    format!("(and true {})", eqs.join(" "))
                })
                .collect();
            let _ = writeln!(e.out, "(assert (or false {}))", options.join(" "));
        }
        // The contract's sender assumptions, in the field encoding (the integer one has them
        // as bounds).
        if theory == Theory::FiniteField {
            for &(col, bits) in &system.assumed.clone() {
                let name = cell(system, col, copy);
                let formula = ff_below(&mut e, &name, bits);
                let _ = writeln!(e.out, "(assert {formula})");
            }
        }
    }
    e.functional();
    goal(&mut e);
    let _ = writeln!(e.out, "(check-sat)");
    let mut unique: Vec<String> = declared.into_iter().collect();
    unique.sort();
    let _ = writeln!(e.out, "(get-value ({}))", unique.join(" "));
    (head + &e.out, cells)
}

/// `name` below `2^bits` in the field encoding, as a bit decomposition; wider ranges are
/// dropped (a weaker query, still sound for unsat).
fn ff_below(e: &mut Encoder, name: &str, bits: u32) -> String {
    if bits > 16 {
        return "true".to_string();
    }
    let mut terms = Vec::new();
    for i in 0..bits {
        e.fresh += 1;
        let b = format!("bit{}", e.fresh);
        let _ = writeln!(e.out, "(declare-fun {b} () F)");
        let _ = writeln!(
            e.out,
            "(assert (= (ff.mul {b} (ff.add {b} {})) {}))",
            e.lit(-1),
            e.lit(0)
        );
        terms.push(format!("(ff.mul {} {b})", e.lit(1i128 << i)));
    }
    match terms.len() {
        0 => format!("(= {name} {})", e.lit(0)),
        1 => format!("(= {name} {})", terms[0]),
        _ => format!("(= {name} (ff.add {}))", terms.join(" ")),
    }
}

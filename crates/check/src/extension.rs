//! Uniqueness through products in an extension field (the septic curve's arithmetic), which the
//! affine and digit rules of `propagate` cannot see: each coordinate of such a product is a
//! constraint that reads all of an unknown element's cells at once.
//!
//! - **Invertible products.** `n` constraints affine in `n` unforced cells `s` with coefficients
//!   that are forced: `L(f)·s + r(f) = 0`. If the matrices `L(f)` span an `n`-dimensional space
//!   whose map `(s, t) ↦ Σ tⱼ·Wⱼ·s` has no zero divisors (`crate::algebra`: a field
//!   multiplication in some basis), every `L(f)` is zero or invertible; if other constraints
//!   say `L(f)·w = c` with a constant `c ≠ 0` (an inverse witness: the chord's `x_q − x_p` has
//!   an inverse), `L(f)` is not zero there, so `s` (and `w`) are forced.
//! - **Square roots.** `n` constraints `Q(u) + r(f) = 0`, each a quadratic form in `n` unforced
//!   cells `u` with constant coefficients, with no linear part: if the symmetric bilinear map of
//!   the forms has no zero divisors, two solutions satisfy `(u₁ − u₂)·(u₁ + u₂) = 0`, so
//!   `u₁ = ±u₂`. Which sign is for the solver to settle (`determinism::settle_signs`): a cell of
//!   `u` that no valid row has at 0 or above `(p − 1)/2` fixes it.
//!
//! Both forms are read off the constraints by expanding them to degree 2 in the unforced cells,
//! the forced cells at pseudo-random values (the same test at two points, and at `n + 2` for the
//! span, as the other identity tests of `propagate` are made).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use p3_field::{Field, PrimeCharacteristicRing};
use tessera_stark::Val;

use crate::algebra::Bilinear;
use crate::ir::{Leaf, Node, NodeId, Var};
use crate::query::{Promise, RowSystem};

/// The largest element a rule looks at (cells per group).
const MAX_CELLS: usize = 8;
/// The most terms an expansion keeps before it gives up on a constraint.
const MAX_TERMS: usize = 4096;
const NONE: u32 = u32::MAX;

/// A polynomial of degree at most 2 in the unforced cells, its coefficients at one point of the
/// forced ones: monomials `(NONE, NONE)` (the constant), `(i, NONE)` and `(i, j)` with `i ≤ j`.
type Poly2 = BTreeMap<(u32, u32), Val>;

/// The columns the invertible-product rule forces, given `forced`.
pub fn invertible_products(system: &RowSystem, forced: &BTreeSet<u32>) -> Vec<u32> {
    let forms = Forms::new(system, forced, 2 + MAX_CELLS);
    let linear: Vec<(Vec<u32>, Vec<NodeId>)> = forms.groups(|polys| {
        polys
            .iter()
            .all(|p| p.keys().all(|&(_, j)| j == NONE) && p.keys().any(|&(i, _)| i != NONE))
    });
    let mut out = Vec::new();
    for (cells, rows) in &linear {
        if cells.iter().all(|c| out.contains(c)) || !forms.zero_or_invertible(cells, rows) {
            continue;
        }
        let witnessed = linear
            .iter()
            .any(|(w, wrows)| w != cells && forms.is_inverse_witness(cells, rows, w, wrows));
        if witnessed {
            out.extend(cells.iter().copied());
            for (w, wrows) in &linear {
                if w != cells && forms.is_inverse_witness(cells, rows, w, wrows) {
                    out.extend(w.iter().copied());
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The groups of unforced cells `square_root` fixes up to sign, given `forced`.
pub fn square_root_groups(system: &RowSystem, forced: &BTreeSet<u32>) -> Vec<Vec<u32>> {
    let forms = Forms::new(system, forced, 2);
    let groups = forms.groups(|polys| {
        let quadratic = |p: &Poly2| -> Poly2 {
            p.iter()
                .filter(|(&(_, j), _)| j != NONE)
                .map(|(&m, &v)| (m, v))
                .collect()
        };
        let first = quadratic(&polys[0]);
        !first.is_empty()
            && polys
                .iter()
                .all(|p| quadratic(p) == first && p.keys().all(|&(i, j)| i == NONE || j != NONE))
    });
    groups
        .into_iter()
        .filter(|(cells, rows)| {
            let n = cells.len();
            let index = |c: u32| cells.iter().position(|&x| x == c).expect("a group cell");
            let half = Val::TWO.inverse();
            let mut t = vec![Val::ZERO; n * n * n];
            for (k, &row) in rows.iter().take(n).enumerate() {
                for (&(a, b), &v) in forms.polys[&row][0].iter() {
                    if b == NONE {
                        continue;
                    }
                    let (i, j) = (index(a), index(b));
                    if i == j {
                        t[(k * n + i) * n + i] += v;
                    } else {
                        t[(k * n + i) * n + j] += v * half;
                        t[(k * n + j) * n + i] += v * half;
                    }
                }
            }
            rows.len() >= n && Bilinear::new(n, t).has_no_zero_divisors()
        })
        .map(|(cells, _)| cells)
        .collect()
}

/// The candidate constraints expanded at several points of the forced cells.
struct Forms {
    /// Each candidate's unforced cells, and its expansion at each point.
    cells: HashMap<NodeId, Vec<u32>>,
    polys: HashMap<NodeId, Vec<Poly2>>,
    order: Vec<NodeId>,
}

impl Forms {
    fn new(system: &RowSystem, forced: &BTreeSet<u32>, points: usize) -> Self {
        let ir = &system.ir;
        // Which nodes read an unforced cell (children precede parents).
        let mut unforced_below = vec![false; ir.len()];
        for id in 0..ir.len() {
            unforced_below[id] = match ir.node(id as NodeId) {
                Node::Var(Var::Main(_, c)) => !forced.contains(&c),
                Node::Var(_) | Node::Selector(_) | Node::Const(_) => false,
                Node::Add(x, y) | Node::Sub(x, y) | Node::Mul(x, y) => {
                    unforced_below[x as usize] || unforced_below[y as usize]
                }
                Node::Neg(x) => unforced_below[x as usize],
            };
        }
        let mut cells = HashMap::new();
        let mut order = Vec::new();
        for &c in &system.constraints {
            if !unforced_below[c as usize] || cells.contains_key(&c) {
                continue;
            }
            let unforced: Vec<u32> = ir
                .vars_of(c)
                .into_iter()
                .filter_map(|v| match v {
                    Var::Main(_, x) if !forced.contains(&x) => Some(x),
                    _ => None,
                })
                .collect();
            if unforced.len() <= MAX_CELLS {
                cells.insert(c, unforced);
                order.push(c);
            }
        }
        let mut polys: HashMap<NodeId, Vec<Poly2>> = HashMap::new();
        let mut next = crate::propagate::pseudo_random(0xe47e_5105);
        for _ in 0..points {
            let point: Vec<Val> = (0..system.width + 64).map(|_| next()).collect();
            let values = ir.eval_all(|leaf| match leaf {
                Leaf::Var(Var::Main(_, c)) => point[c as usize],
                Leaf::Var(Var::Preprocessed(_, c)) | Leaf::Var(Var::Public(c)) => {
                    point[system.width + c as usize % 64]
                }
                Leaf::Selector(_) => point[0],
            });
            let mut memo = HashMap::new();
            order.retain(
                |&c| match expand(system, c, &unforced_below, &values, &mut memo) {
                    Some(p) => {
                        polys.entry(c).or_default().push((*p).clone());
                        true
                    }
                    None => false,
                },
            );
        }
        Forms {
            cells,
            polys,
            order,
        }
    }

    /// The constraints whose expansions `accept`, grouped by their unforced cells, with at
    /// least as many constraints as cells.
    fn groups(&self, accept: impl Fn(&[Poly2]) -> bool) -> Vec<(Vec<u32>, Vec<NodeId>)> {
        let mut by_cells: BTreeMap<Vec<u32>, Vec<NodeId>> = BTreeMap::new();
        for &c in &self.order {
            if accept(&self.polys[&c]) {
                by_cells.entry(self.cells[&c].clone()).or_default().push(c);
            }
        }
        by_cells
            .into_iter()
            .filter(|(cells, rows)| !cells.is_empty() && rows.len() >= cells.len())
            .collect()
    }

    /// The coefficient matrix of `rows` (the first `cells.len()`) in `cells`, at point `at`.
    fn matrix(&self, cells: &[u32], rows: &[NodeId], at: usize) -> Vec<Vec<Val>> {
        rows.iter()
            .take(cells.len())
            .map(|r| {
                let p = &self.polys[r][at];
                cells
                    .iter()
                    .map(|&c| p.get(&(c, NONE)).copied().unwrap_or(Val::ZERO))
                    .collect()
            })
            .collect()
    }

    fn constant_part(&self, row: NodeId, at: usize) -> Val {
        self.polys[&row][at]
            .get(&(NONE, NONE))
            .copied()
            .unwrap_or(Val::ZERO)
    }

    /// Whether the coefficient matrices of `rows` in `cells` are each zero or invertible: they
    /// span `n` dimensions at the sample points, and the span's map has no zero divisors.
    fn zero_or_invertible(&self, cells: &[u32], rows: &[NodeId]) -> bool {
        let n = cells.len();
        let samples = self.polys[&rows[0]].len();
        let flat: Vec<Vec<Val>> = (0..samples)
            .map(|at| self.matrix(cells, rows, at).concat())
            .collect();
        let basis = independent(&flat);
        if basis.len() != n {
            return false;
        }
        // B(s, t)_k = Σ_j t_j · W_j[k][i] · s_i.
        let mut t = vec![Val::ZERO; n * n * n];
        for (j, &b) in basis.iter().enumerate() {
            for k in 0..n {
                for i in 0..n {
                    t[(k * n + i) * n + j] = flat[b][k * n + i];
                }
            }
        }
        Bilinear::new(n, t).has_no_zero_divisors()
    }

    /// Whether `wrows` say `L(f)·w = c` for the matrix `L` of `rows` (row for row, in some
    /// order, at every sample point) and a constant `c ≠ 0`.
    fn is_inverse_witness(
        &self,
        cells: &[u32],
        rows: &[NodeId],
        w: &[u32],
        wrows: &[NodeId],
    ) -> bool {
        let n = cells.len();
        if w.len() != n {
            return false;
        }
        let samples = self.polys[&rows[0]].len();
        let l0 = self.matrix(cells, rows, 0);
        let w0 = self.matrix(w, wrows, 0);
        // The order of the witness's rows that matches `rows` at the first point.
        let Some(order): Option<Vec<usize>> = l0
            .iter()
            .map(|row| w0.iter().position(|wr| wr == row))
            .collect()
        else {
            return false;
        };
        let wrows: Vec<NodeId> = order.iter().map(|&i| wrows[i]).collect();
        let constant: Vec<Val> = wrows.iter().map(|&r| self.constant_part(r, 0)).collect();
        constant.iter().any(|&c| c != Val::ZERO)
            && (1..samples).all(|at| {
                self.matrix(cells, rows, at) == self.matrix(w, &wrows, at)
                    && wrows
                        .iter()
                        .zip(&constant)
                        .all(|(&r, &c)| self.constant_part(r, at) == c)
            })
    }
}

/// The indices of a maximal linearly independent subset of `vectors` (in order).
fn independent(vectors: &[Vec<Val>]) -> Vec<usize> {
    let mut reduced: Vec<(usize, Vec<Val>)> = Vec::new();
    let mut chosen = Vec::new();
    for (index, v) in vectors.iter().enumerate() {
        let mut v = v.clone();
        for (pivot, r) in &reduced {
            let f = v[*pivot];
            if f != Val::ZERO {
                for (x, y) in v.iter_mut().zip(r) {
                    *x -= f * *y;
                }
            }
        }
        if let Some(pivot) = v.iter().position(|&x| x != Val::ZERO) {
            let inv = v[pivot].inverse();
            for x in v.iter_mut() {
                *x *= inv;
            }
            reduced.push((pivot, v));
            chosen.push(index);
        }
    }
    chosen
}

/// `id` expanded to degree 2 in the unforced cells, forced values from `values`; `None` past
/// degree 2 or `MAX_TERMS` terms.
fn expand(
    system: &RowSystem,
    id: NodeId,
    unforced_below: &[bool],
    values: &[Val],
    memo: &mut HashMap<NodeId, Option<Rc<Poly2>>>,
) -> Option<Rc<Poly2>> {
    if !unforced_below[id as usize] {
        let v = values[id as usize];
        let mut p = Poly2::new();
        if v != Val::ZERO {
            p.insert((NONE, NONE), v);
        }
        return Some(Rc::new(p));
    }
    if let Some(p) = memo.get(&id) {
        return p.clone();
    }
    let mut go = |x: NodeId| expand(system, x, unforced_below, values, memo);
    let out = match system.ir.node(id) {
        Node::Var(Var::Main(_, c)) => Some(Poly2::from([((c, NONE), Val::ONE)])),
        Node::Add(x, y) => go(x).zip(go(y)).map(|(a, b)| combine(&a, &b, Val::ONE)),
        Node::Sub(x, y) => go(x).zip(go(y)).map(|(a, b)| combine(&a, &b, Val::NEG_ONE)),
        Node::Neg(x) => go(x).map(|a| a.iter().map(|(&m, &v)| (m, -v)).collect()),
        Node::Mul(x, y) => go(x).zip(go(y)).and_then(|(a, b)| product(&a, &b)),
        _ => None,
    }
    .filter(|p| p.len() <= MAX_TERMS)
    .map(Rc::new);
    memo.insert(id, out.clone());
    out
}

fn combine(a: &Poly2, b: &Poly2, k: Val) -> Poly2 {
    let mut out = a.clone();
    for (&m, &v) in b {
        let e = out.entry(m).or_insert(Val::ZERO);
        *e += k * v;
        if *e == Val::ZERO {
            out.remove(&m);
        }
    }
    out
}

fn degree((i, j): (u32, u32)) -> usize {
    usize::from(i != NONE) + usize::from(j != NONE)
}

fn product(a: &Poly2, b: &Poly2) -> Option<Poly2> {
    let mut out = Poly2::new();
    for (&ma, &va) in a {
        for (&mb, &vb) in b {
            if degree(ma) + degree(mb) > 2 {
                return None;
            }
            let mut cells: Vec<u32> = [ma.0, ma.1, mb.0, mb.1]
                .into_iter()
                .filter(|&c| c != NONE)
                .collect();
            cells.sort_unstable();
            let m = match cells[..] {
                [] => (NONE, NONE),
                [i] => (i, NONE),
                [i, j] => (i, j),
                _ => unreachable!("degree at most 2"),
            };
            let e = out.entry(m).or_insert(Val::ZERO);
            *e += va * vb;
            if *e == Val::ZERO {
                out.remove(&m);
            }
        }
    }
    Some(out)
}

/// The part of `system` around `cell` that a sign query needs: the constraints and sends that
/// read `cell` or a cell reached from it, never through a cell of `boundary` (the rest of its
/// square-root group, whose sign is the question). Dropping facts keeps an unsat answer sound.
pub fn slice_around(system: &RowSystem, cell: u32, boundary: &[u32]) -> RowSystem {
    let cols = |id: NodeId| -> BTreeSet<u32> {
        system
            .ir
            .vars_of(id)
            .into_iter()
            .filter_map(|v| match v {
                Var::Main(_, c) => Some(c),
                _ => None,
            })
            .collect()
    };
    let fact_cols = |f: &crate::query::Fact| -> BTreeSet<u32> {
        let mut out = cols(f.count);
        let ids: Vec<NodeId> = match &f.promise {
            Promise::Range { expr, .. } => vec![*expr],
            Promise::Byte { op, a, b, c } => vec![*op, *a, *b, *c],
            Promise::Alu { op, a, b, c } => {
                [vec![*op], a.to_vec(), b.to_vec(), c.to_vec()].concat()
            }
            Promise::Table { key, values, .. } => [key.clone(), values.clone()].concat(),
        };
        for id in ids {
            out.extend(cols(id));
        }
        out
    };
    let constraint_cols: Vec<BTreeSet<u32>> = system.constraints.iter().map(|&c| cols(c)).collect();
    let fact_cells: Vec<BTreeSet<u32>> = system.facts.iter().map(fact_cols).collect();
    let mut reached: BTreeSet<u32> = BTreeSet::from([cell]);
    let mut keep_c = vec![false; constraint_cols.len()];
    let mut keep_f = vec![false; fact_cells.len()];
    loop {
        let before = reached.len();
        for (sets, keep) in [(&constraint_cols, &mut keep_c), (&fact_cells, &mut keep_f)] {
            for (i, s) in sets.iter().enumerate() {
                if keep[i]
                    || s.iter().any(|c| boundary.contains(c) && *c != cell)
                    || s.is_disjoint(&reached)
                {
                    continue;
                }
                keep[i] = true;
                reached.extend(s.iter().copied());
            }
        }
        if reached.len() == before {
            break;
        }
    }
    let mut out = system.clone();
    out.constraints = system
        .constraints
        .iter()
        .zip(&keep_c)
        .filter(|(_, &k)| k)
        .map(|(&c, _)| c)
        .collect();
    out.facts = system
        .facts
        .iter()
        .zip(&keep_f)
        .filter(|(_, &k)| k)
        .map(|(f, _)| f.clone())
        .collect();
    out.received.clear();
    out.one_of
        .retain(|(cols, _)| cols.iter().all(|c| reached.contains(c)));
    out
}

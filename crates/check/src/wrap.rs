//! The wrap-around lint: a linear constraint among range-bounded cells is meant as an equation
//! over the integers (a sorted chain `next = key + 1 + diff`, a carry `a + 2^16·c = x + y`), but
//! the field only checks it mod p. If the integer value of its left side can reach ±p, some
//! cells in their ranges satisfy it without the integer equation holding: a chain that wraps
//! around p "increases" back to a smaller key.
//!
//! Bounds are what the chip means them to be: its own range lookups and bit decompositions,
//! its declared assumptions, booleanity, and the bound a scaled or offset lookup is meant to
//! give (`k·x < 2^b` means `x < 2^b / k`; `C − x < 2^b` means `x ≤ C`; the scaled-range lint
//! says whether that bound holds). A next-row cell has its column's bound.

use std::collections::HashMap;

use p3_field::PrimeField32;
use tessera_stark::Val;

use crate::extract::ChipIr;
use crate::ir::{Node, NodeId, Row, Var};
use crate::lint::{Finding, Rule};
use crate::table::RangeFact;

const P: i128 = Val::ORDER_U32 as i128;

/// A field constant as the small signed integer it stands for.
fn signed(c: u32) -> i128 {
    let c = c as i128;
    if c > P / 2 {
        c - P
    } else {
        c
    }
}

/// The affine form `Σ kᵢ·cellᵢ + k₀` of `id` over main cells, if it is one.
fn affine(chip: &ChipIr, id: NodeId, scale: i128, out: &mut Affine) -> bool {
    match chip.ir.node(id) {
        Node::Var(Var::Main(row, c)) => {
            *out.terms.entry((row, c)).or_default() += scale;
            true
        }
        Node::Const(k) => {
            out.constant += scale * signed(k);
            true
        }
        Node::Add(x, y) => affine(chip, x, scale, out) && affine(chip, y, scale, out),
        Node::Sub(x, y) => affine(chip, x, scale, out) && affine(chip, y, -scale, out),
        Node::Neg(x) => affine(chip, x, -scale, out),
        Node::Mul(x, y) => match (chip.ir.node(x), chip.ir.node(y)) {
            (Node::Const(k), _) => affine(chip, y, scale * signed(k), out),
            (_, Node::Const(k)) => affine(chip, x, scale * signed(k), out),
            _ => false,
        },
        _ => false,
    }
}

#[derive(Default)]
struct Affine {
    terms: HashMap<(Row, u32), i128>,
    constant: i128,
}

/// The largest value each column is meant to take.
pub(crate) fn bounds(chip: &ChipIr, facts: &[RangeFact], booleans: &[u32]) -> HashMap<u32, i128> {
    let mut bounds: HashMap<u32, i128> = HashMap::new();
    let mut tighten = |c: u32, max: i128| {
        let b = bounds.entry(c).or_insert(max);
        *b = (*b).min(max);
    };
    for &c in booleans {
        tighten(c, 1);
    }
    for a in &chip.contract.assumptions {
        let max = (1i128 << a.bits()) - 1;
        for &c in a.columns() {
            tighten(c as u32, max);
        }
    }
    let column = |n: NodeId| match chip.ir.node(n) {
        Node::Var(Var::Main(Row::Local, c)) => Some(c),
        _ => None,
    };
    for f in facts {
        let below = (1i128 << f.bits) - 1;
        if let Some(c) = f.column {
            tighten(c, below);
            continue;
        }
        match chip.ir.node(f.expr) {
            Node::Mul(x, y) => {
                let (k, c) = match (chip.ir.node(x), chip.ir.node(y)) {
                    (Node::Const(k), _) => (k, column(y)),
                    (_, Node::Const(k)) => (k, column(x)),
                    _ => continue,
                };
                if let (Some(c), k @ 1..) = (c, signed(k)) {
                    tighten(c, below / k);
                }
            }
            Node::Sub(x, y) => {
                if let (Node::Const(k), Some(c)) = (chip.ir.node(x), column(y)) {
                    tighten(c, signed(k).max(0));
                }
            }
            _ => {}
        }
    }
    bounds
}

/// Flags each linear constraint among bounded cells whose integer value can reach ±p, with a
/// witness: cells in their ranges where the constraint holds in the field and not over the
/// integers.
pub(crate) fn wrapping_relations(
    chip: &ChipIr,
    facts: &[RangeFact],
    booleans: &[u32],
    findings: &mut Vec<Finding>,
) {
    let bounds = bounds(chip, facts, booleans);
    for (n, &c) in chip.constraints.iter().enumerate() {
        let mut form = Affine::default();
        if !affine(chip, guarded(chip, c, booleans), 1, &mut form) {
            continue;
        }
        let mut terms: Vec<((Row, u32), i128, i128)> = Vec::new();
        let mut bounded = true;
        for (&cell, &k) in &form.terms {
            if k == 0 {
                continue;
            }
            match bounds.get(&cell.1) {
                Some(&max) => terms.push((cell, k, max)),
                None => bounded = false,
            }
        }
        if !bounded || terms.len() < 2 {
            continue;
        }
        terms.sort_by_key(|&((row, c), ..)| (row, c));
        // The integer value is a multiple of every coefficient's common divisor g, and p is
        // prime: only a value of ±g·p or beyond can vanish in the field.
        let g = terms
            .iter()
            .fold(form.constant.abs(), |g, &(_, k, _)| gcd(g, k.abs()));
        let hi: i128 = form.constant + terms.iter().map(|&(_, k, m)| (k * m).max(0)).sum::<i128>();
        let lo: i128 = form.constant + terms.iter().map(|&(_, k, m)| (k * m).min(0)).sum::<i128>();
        let target = if hi >= g * P {
            g * P
        } else if lo <= -g * P {
            -g * P
        } else {
            continue;
        };
        let witness = witness(form.constant, &terms, target)
            .map(|cells| {
                let shown: Vec<String> = cells
                    .iter()
                    .map(|&((row, col), v)| {
                        let name = &chip.contract.columns[col as usize].name;
                        match row {
                            Row::Local => format!("{name} = {v}"),
                            Row::Next => format!("next {name} = {v}"),
                        }
                    })
                    .collect();
                format!(
                    "; e.g. {} makes it {target} over the integers",
                    shown.join(", ")
                )
            })
            .unwrap_or_else(|| "; the greedy fill found no witness: check it by hand".into());
        findings.push(Finding {
            rule: Rule::WrapAround,
            target: None,
            message: format!(
                "constraint c{n} is linear in bounded cells but its integer value ranges over \
                 [{lo}, {hi}], which reaches {target}: it can hold in the field and fail over \
                 the integers{witness}"
            ),
        });
    }
}

/// The constraint a guarded one asserts where its guard is 1: `g·E` for a row selector, a
/// boolean column or a product of those `g` is `E` (where `g = 0` it asserts nothing).
fn guarded(chip: &ChipIr, mut id: NodeId, booleans: &[u32]) -> NodeId {
    let is_guard = |n: NodeId| match chip.ir.node(n) {
        Node::Selector(_) => true,
        Node::Var(Var::Main(_, c)) => booleans.contains(&c),
        _ => false,
    };
    loop {
        match chip.ir.node(id) {
            Node::Mul(g, e) if is_guard(g) => id = e,
            Node::Mul(e, g) if is_guard(g) => id = e,
            _ => return id,
        }
    }
}

/// Cells in their ranges with `Σ kᵢ·xᵢ + constant = target`, found greedily (largest
/// coefficients first), if the greedy fill lands exactly.
fn witness(
    constant: i128,
    terms: &[((Row, u32), i128, i128)],
    target: i128,
) -> Option<Vec<((Row, u32), i128)>> {
    let mut order: Vec<usize> = (0..terms.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(terms[i].1.abs()));
    let mut values = vec![0i128; terms.len()];
    let mut left = target - constant;
    for &i in &order {
        let (_, k, max) = terms[i];
        // Move `left` towards 0 with this term, as far as its range allows.
        if (k > 0) == (left > 0) && left != 0 {
            values[i] = (left / k).clamp(0, max);
            left -= k * values[i];
        }
    }
    (left == 0).then(|| {
        terms
            .iter()
            .zip(values)
            .map(|(&(cell, ..), v)| (cell, v))
            .collect()
    })
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

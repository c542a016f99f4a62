//! Uniqueness propagation (as in Picus): columns the inputs force, found without a solver. A
//! column is forced when a constraint reads it and otherwise only forced columns, and is affine
//! in it with a constant nonzero coefficient (`k·x + R = 0` gives `x = −R/k`), when it is the
//! answer of a table or ALU request whose arguments are forced (tables are functions), a digit
//! of a unique mixed-radix decomposition of a forced value, or an is-zero gadget's result. Forced
//! columns are equal in every two solutions with the same inputs, so the solver's queries share
//! them between the copies, and a forced target is proved outright.

use std::collections::{BTreeSet, HashMap};

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::Val;

use crate::ir::{Leaf, Node, NodeId, Row, Var};
use crate::query::{Promise, RowSystem};
use crate::smt::{is_functional_byte_op, known_bits};
use crate::specialize::{constant, signed};

/// The columns of `system` forced by its inputs.
pub fn forced_columns(system: &RowSystem) -> BTreeSet<u32> {
    let mut forced: BTreeSet<u32> = system.inputs.union(&system.settled).copied().collect();
    let booleans = boolean_columns(system);
    let ranges = known_bits(system);
    let mut answer_values: BTreeSet<NodeId> = BTreeSet::new();
    loop {
        let before = forced.len();
        // A constraint says its polynomial is 0; a received argument is a value the sender fixes:
        // both are forced values.
        let arguments = system
            .received
            .iter()
            .flat_map(|r| r.arguments.iter().copied());
        let forced_values: Vec<NodeId> = system
            .constraints
            .iter()
            .copied()
            .chain(arguments)
            .chain(answer_values.iter().copied())
            .collect();
        for &c in &forced_values {
            let unknown: Vec<u32> = columns(system, c)
                .into_iter()
                .filter(|x| !forced.contains(x))
                .collect();
            if let [x] = unknown[..] {
                if affine_with_constant_coefficient(system, c, x) {
                    forced.insert(x);
                }
            }
            if let Some(digits) = forced_digits(system, c, &forced, &booleans, &ranges) {
                forced.extend(digits);
            } else if !unknown.is_empty()
                && unknown.iter().all(|x| booleans.contains(x))
                && ((unknown.len() <= MAX_ENUMERATED
                    && injective_on_booleans(system, c, &unknown, &forced, &booleans))
                    || injective_on_groups(system, c, &forced, &booleans))
            {
                forced.extend(unknown);
            }
        }
        forced.extend(is_zero_results(system, &forced));
        for f in &system.facts {
            if constant(&system.ir, f.count).is_none_or(|c| c == 0) {
                continue;
            }
            let (arguments, answers): (Vec<NodeId>, Vec<NodeId>) = match f.promise {
                Promise::Byte { op, a, b, c } if is_functional_byte_op(&system.ir, op) => {
                    (vec![op, b, c], vec![a])
                }
                Promise::Byte { .. } => continue,
                Promise::Alu { op, a, b, c } => (vec![op, b[0], b[1], c[0], c[1]], a.to_vec()),
                Promise::Table {
                    ref key,
                    ref values,
                    ..
                } => (key.clone(), values.clone()),
                Promise::Range { .. } => continue,
            };
            let known = arguments
                .iter()
                .all(|&e| columns(system, e).iter().all(|x| forced.contains(x)));
            if known {
                for a in answers {
                    if let Node::Var(Var::Main(Row::Local, x)) = system.ir.node(a) {
                        forced.insert(x);
                    } else {
                        // An answer that is an expression (a packed word of flags) is a
                        // forced value, as a constraint is.
                        answer_values.insert(a);
                    }
                }
            }
        }
        if forced.len() == before {
            // The extension-field rule last: it expands constraints, which the others do not.
            forced.extend(crate::extension::invertible_products(system, &forced));
            if forced.len() == before {
                return forced;
            }
        }
    }
}

/// The results of is-zero gadgets of forced values: `X·r = 0` and `X·inv + k·r + R = 0`, with
/// `X` and `R` forced and `k` a nonzero constant. Where `X ≠ 0` the first gives `r = 0`; where
/// `X = 0` the second no longer reads `inv` and gives `r = −R/k`: either way `r` is a function
/// of forced values (`inv` is not, where `X = 0`).
fn is_zero_results(system: &RowSystem, forced: &BTreeSet<u32>) -> Vec<u32> {
    let ir = &system.ir;
    let unforced = |id: NodeId| -> Vec<u32> {
        columns(system, id)
            .into_iter()
            .filter(|c| !forced.contains(c))
            .collect()
    };
    let mut out = Vec::new();
    for &product in &system.constraints {
        let Node::Mul(a, b) = ir.node(product) else {
            continue;
        };
        let (r, x) = match (ir.node(a), ir.node(b)) {
            (Node::Var(Var::Main(Row::Local, r)), _) if unforced(b).is_empty() => (r, b),
            (_, Node::Var(Var::Main(Row::Local, r))) if unforced(a).is_empty() => (r, a),
            _ => continue,
        };
        if forced.contains(&r) || out.contains(&r) {
            continue;
        }
        let pairs = system.constraints.iter().any(|&c| {
            let cols = unforced(c);
            let [p, q] = cols[..] else { return false };
            let inverse = if p == r {
                q
            } else if q == r {
                p
            } else {
                return false;
            };
            affine_with_constant_coefficient(system, c, r) && coefficient_is(system, c, inverse, x)
        });
        if pairs {
            out.push(r);
        }
    }
    out
}

/// Whether `id` is `X·v + R` with `R` free of the column `v` (at pseudo-random points).
fn coefficient_is(system: &RowSystem, id: NodeId, v: u32, x: NodeId) -> bool {
    let mut next = pseudo_random(0xc0ef_u64 ^ ((v as u64) << 32) ^ id as u64);
    (0..3).all(|_| {
        let point: Vec<Val> = (0..system.width + 64).map(|_| next()).collect();
        let v0 = next();
        let at = |value: Val| eval_at(system, &point, v, value);
        let (a, b, c) = (at(v0), at(v0 + Val::ONE), at(v0 + Val::TWO));
        let (a, b, c) = (a[id as usize], b[id as usize], c[id as usize]);
        c - b.double() + a == Val::ZERO && b - a == at(v0)[x as usize]
    })
}

/// A pseudo-random field element generator seeded by `seed` (an LCG: the tests at random
/// points need only spread, not secrecy).
pub(crate) fn pseudo_random(seed: u64) -> impl FnMut() -> Val {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Val::from_u32((state >> 33) as u32 % Val::ORDER_U32)
    }
}

/// Every node of `system` at `point` (main columns by index, preprocessed and public values
/// after them), with the column `v` set to `value`.
fn eval_at(system: &RowSystem, point: &[Val], v: u32, value: Val) -> Vec<Val> {
    system.ir.eval_all(|leaf| match leaf {
        Leaf::Var(Var::Main(_, c)) if c == v => value,
        Leaf::Var(Var::Main(_, c)) => point[c as usize],
        Leaf::Var(Var::Preprocessed(_, c)) | Leaf::Var(Var::Public(c)) => {
            point[system.width + c as usize % 64]
        }
        Leaf::Selector(_) => point[0],
    })
}

/// The most boolean columns whose assignments are enumerated (2^10).
const MAX_ENUMERATED: usize = 10;

/// Whether `id` being zero picks the values of the boolean columns `bits`: enumerating the
/// assignments of `bits`, widened by the unforced boolean columns of constraints over booleans
/// that touch them (a one-hot group), that those constraints allow, no two with different
/// values of `bits` give `id` the same value. The forced columns are held at one random point:
/// the unknown part must be affine in the bits with constant coefficients, so the differences
/// between assignments do not depend on them.
fn injective_on_booleans(
    system: &RowSystem,
    id: NodeId,
    bits: &[u32],
    forced: &BTreeSet<u32>,
    booleans: &BTreeSet<u32>,
) -> bool {
    let mut terms: Vec<(i64, NodeId)> = Vec::new();
    collect_terms(system, id, 1, &mut terms);
    let affine = terms.iter().all(|&(_, t)| {
        let unknown = columns(system, t)
            .iter()
            .filter(|c| !forced.contains(c))
            .count();
        unknown == 0 || matches!(system.ir.node(t), Node::Var(Var::Main(Row::Local, _)))
    });
    if !affine {
        return false;
    }
    // Widen to the one-hot groups the bits belong to.
    let mut all: BTreeSet<u32> = bits.iter().copied().collect();
    let boolean_only = |c: NodeId| {
        let cols = columns(system, c);
        (!cols.is_empty()
            && cols
                .iter()
                .all(|x| booleans.contains(x) && !forced.contains(x)))
        .then_some(cols)
    };
    loop {
        let before = all.len();
        for &c in &system.constraints {
            if let Some(cols) = boolean_only(c) {
                if !cols.is_disjoint(&all) {
                    all.extend(cols);
                }
            }
        }
        if all.len() == before || all.len() > MAX_ENUMERATED {
            break;
        }
    }
    if all.len() > MAX_ENUMERATED {
        return false;
    }
    let all: Vec<u32> = all.into_iter().collect();
    let within: Vec<NodeId> = system
        .constraints
        .iter()
        .copied()
        .filter(|&c| c != id && columns(system, c).iter().all(|x| all.contains(x)))
        .collect();
    let random: Vec<Val> = (0..system.width as u32 + 64)
        .map(|i| Val::from_u32((i.wrapping_mul(2654435761) >> 1) % Val::ORDER_U32))
        .collect();
    let mut seen: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    for assignment in 0u32..1 << all.len() {
        let value_of = |c: u32| match all.iter().position(|&b| b == c) {
            Some(i) => Val::from_u32((assignment >> i) & 1),
            None => random[c as usize],
        };
        let values = system.ir.eval_all(|leaf| match leaf {
            Leaf::Var(Var::Main(_, c)) => value_of(c),
            Leaf::Var(Var::Preprocessed(_, c)) | Leaf::Var(Var::Public(c)) => {
                random[system.width + c as usize % 64]
            }
            Leaf::Selector(_) => Val::ZERO,
        });
        if within.iter().any(|&c| values[c as usize] != Val::ZERO) {
            continue;
        }
        let projection = bits.iter().fold(0u32, |acc, &b| {
            let i = all.iter().position(|&x| x == b).unwrap();
            acc << 1 | (assignment >> i) & 1
        });
        let value = values[id as usize].as_canonical_u32();
        if *seen.entry(value).or_insert(projection) != projection {
            return false;
        }
    }
    true
}

/// The most assignments [`injective_on_groups`] enumerates.
const MAX_GROUP_ASSIGNMENTS: usize = 1 << 16;

/// Whether the forced value `id`, affine in unforced boolean columns with constant
/// coefficients, picks their values: the columns are split into at-most-one groups (a
/// constraint `S·(S − 1) = 0` with `S` a plain sum of them) and free bits, and the sums of
/// every choice (one column of each group or none, each free bit 0 or 1) are distinct. The
/// choices over-approximate what the constraints allow, so distinct sums are a proof; this
/// covers a packed word of a one-hot kind and flag bits, too many columns to enumerate.
fn injective_on_groups(
    system: &RowSystem,
    id: NodeId,
    forced: &BTreeSet<u32>,
    booleans: &BTreeSet<u32>,
) -> bool {
    let ir = &system.ir;
    let mut terms: Vec<(i64, NodeId)> = Vec::new();
    collect_terms(system, id, 1, &mut terms);
    let mut coefficient: std::collections::BTreeMap<u32, Val> = Default::default();
    for &(k, t) in &terms {
        if columns(system, t).iter().all(|c| forced.contains(c)) {
            continue;
        }
        match ir.node(t) {
            Node::Var(Var::Main(Row::Local, c)) if booleans.contains(&c) => {
                let k = if k < 0 {
                    -Val::from_u64(k.unsigned_abs())
                } else {
                    Val::from_u64(k as u64)
                };
                *coefficient.entry(c).or_insert(Val::ZERO) += k;
            }
            _ => return false,
        }
    }
    if coefficient.is_empty() || coefficient.values().any(|&k| k == Val::ZERO) {
        return false;
    }
    // At-most-one groups among the columns, from `S·(S − 1) = 0`.
    let mut grouped: BTreeSet<u32> = BTreeSet::new();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for &c in &system.constraints {
        let Node::Mul(x, y) = ir.node(c) else {
            continue;
        };
        let Node::Sub(x2, one) = ir.node(y) else {
            continue;
        };
        if x2 != x || ir.node(one) != Node::Const(1) {
            continue;
        }
        let mut sum = Vec::new();
        collect_terms(system, x, 1, &mut sum);
        let members: Option<Vec<u32>> = sum
            .iter()
            .map(|&(k, t)| match ir.node(t) {
                Node::Var(Var::Main(Row::Local, b)) if k == 1 && booleans.contains(&b) => Some(b),
                _ => None,
            })
            .collect();
        let Some(members) = members else { continue };
        let inside: Vec<u32> = members
            .into_iter()
            .filter(|b| coefficient.contains_key(b))
            .collect();
        if inside.len() > 1 && inside.iter().all(|b| !grouped.contains(b)) {
            grouped.extend(&inside);
            groups.push(inside);
        }
    }
    groups.extend(
        coefficient
            .keys()
            .filter(|b| !grouped.contains(b))
            .map(|&b| vec![b]),
    );
    // Every choice's sum, each remembered with the choice that gives it.
    let mut sums: HashMap<Val, Vec<usize>> = HashMap::from([(Val::ZERO, Vec::new())]);
    for group in &groups {
        if sums.len() * (group.len() + 1) > MAX_GROUP_ASSIGNMENTS {
            return false;
        }
        let mut next: HashMap<Val, Vec<usize>> = HashMap::new();
        for (sum, choice) in &sums {
            for pick in 0..=group.len() {
                let value = match pick {
                    0 => *sum,
                    i => *sum + coefficient[&group[i - 1]],
                };
                let mut extended = choice.clone();
                extended.push(pick);
                if next.insert(value, extended).is_some() {
                    return false;
                }
            }
        }
        sums = next;
    }
    true
}

/// The columns the system constrains boolean (`x·(x − 1) = 0`).
fn boolean_columns(system: &RowSystem) -> BTreeSet<u32> {
    let ir = &system.ir;
    let mut out = BTreeSet::new();
    for &c in &system.constraints {
        if let Node::Mul(x, y) = ir.node(c) {
            if let (Node::Var(Var::Main(Row::Local, col)), Node::Sub(x2, one)) =
                (ir.node(x), ir.node(y))
            {
                if x2 == x && ir.node(one) == Node::Const(1) {
                    out.insert(col);
                }
            }
        }
    }
    out
}

/// A mixed-radix decomposition of a forced value: `R + Σ k_i·l_i = 0` with `R` forced and the
/// unforced part made of *digits*, each an unforced column of known range `[0, 2^b)`
/// (booleans, bytes, 16-bit halves: values `k·{0, …, 2^b − 1}`) or an at-most-one group of
/// booleans (values `0` and each member's `k`). Ordered by the smallest gap between two
/// values of a digit, each gap must exceed the spreads (largest minus smallest value) of the
/// digits before it, and all the spreads together must stay below p. Then two assignments
/// with the same value agree on every digit: at the highest digit where they differ the
/// difference is at least its gap, the digits below make up less, and the total difference
/// is nonzero and below p. So every column of the digits is forced (a group's members too:
/// its value names at most one of them, and its others are 0).
fn forced_digits(
    system: &RowSystem,
    id: NodeId,
    forced: &BTreeSet<u32>,
    booleans: &BTreeSet<u32>,
    bits: &HashMap<u32, u32>,
) -> Option<Vec<u32>> {
    let ir = &system.ir;
    let mut terms: Vec<(i64, NodeId)> = Vec::new();
    collect_terms(system, id, 1, &mut terms);
    let mut weights: std::collections::BTreeMap<u32, i128> = Default::default();
    for &(k, t) in &terms {
        if columns(system, t).iter().all(|c| forced.contains(c)) {
            continue;
        }
        let Node::Var(Var::Main(Row::Local, l)) = ir.node(t) else {
            return None;
        };
        *weights.entry(l).or_insert(0) += k as i128;
    }
    if weights.is_empty() || weights.values().any(|&k| k == 0) {
        return None;
    }
    let groups = at_most_one_groups(system, booleans, forced);
    // Each digit's values, as (gap, spread).
    let mut digits: Vec<(i128, i128)> = Vec::new();
    let mut placed: BTreeSet<u32> = BTreeSet::new();
    for group in &groups {
        let members: Vec<u32> = group
            .iter()
            .copied()
            .filter(|c| weights.contains_key(c))
            .collect();
        if members.len() < 2 || members.iter().any(|c| placed.contains(c)) {
            continue;
        }
        let mut values: Vec<i128> = members.iter().map(|c| weights[c]).collect();
        values.push(0);
        values.sort();
        let gap = values.windows(2).map(|w| w[1] - w[0]).min()?;
        if gap == 0 {
            return None;
        }
        digits.push((gap, values[values.len() - 1] - values[0]));
        placed.extend(members);
    }
    for (&l, &k) in &weights {
        if placed.contains(&l) {
            continue;
        }
        let b = *bits.get(&l)?;
        if b >= 32 {
            return None;
        }
        digits.push((k.abs(), k.abs() * ((1i128 << b) - 1)));
    }
    digits.sort();
    let mut spread = 0i128;
    for &(gap, own) in &digits {
        if gap <= spread {
            return None;
        }
        spread += own;
    }
    if spread >= Val::ORDER_U32 as i128 {
        return None;
    }
    let mut out: Vec<u32> = weights.into_keys().collect();
    // A group's members outside the form are 0 wherever one inside is 1, but may be the one
    // that is 1 when the form's members are all 0: left to the other rules.
    out.sort();
    Some(out)
}

/// The at-most-one groups of unforced booleans: `S·(S − 1) = 0` or `S − 1 = 0`, with `S` a
/// plain sum of boolean columns (the forced ones left out of the group).
fn at_most_one_groups(
    system: &RowSystem,
    booleans: &BTreeSet<u32>,
    forced: &BTreeSet<u32>,
) -> Vec<Vec<u32>> {
    let ir = &system.ir;
    let plain_sum = |sum: &[(i64, NodeId)]| -> Option<Vec<u32>> {
        sum.iter()
            .map(|&(k, t)| match ir.node(t) {
                Node::Var(Var::Main(Row::Local, b)) if k == 1 && booleans.contains(&b) => Some(b),
                _ => None,
            })
            .collect()
    };
    let mut groups = Vec::new();
    for &c in &system.constraints {
        let mut sum = Vec::new();
        match ir.node(c) {
            Node::Mul(x, y)
                if matches!(ir.node(y), Node::Sub(x2, one)
                    if x2 == x && ir.node(one) == Node::Const(1)) =>
            {
                collect_terms(system, x, 1, &mut sum);
            }
            _ => {
                collect_terms(system, c, 1, &mut sum);
                let constant_part: i64 = sum
                    .iter()
                    .filter_map(|&(k, t)| constant(ir, t).map(|v| k.saturating_mul(signed(v))))
                    .sum();
                if constant_part != -1 {
                    continue;
                }
                sum.retain(|&(_, t)| constant(ir, t).is_none());
            }
        }
        if let Some(members) = plain_sum(&sum) {
            let unforced: Vec<u32> = members
                .into_iter()
                .filter(|b| !forced.contains(b))
                .collect();
            if unforced.len() > 1 {
                groups.push(unforced);
            }
        }
    }
    groups
}

/// `id` as a sum of `k·term` (constants folded into `k`, signed), expanding sums, differences
/// and products by constants; anything else is one term.
fn collect_terms(system: &RowSystem, id: NodeId, k: i64, out: &mut Vec<(i64, NodeId)>) {
    let ir = &system.ir;
    match ir.node(id) {
        Node::Add(x, y) => {
            collect_terms(system, x, k, out);
            collect_terms(system, y, k, out);
        }
        Node::Sub(x, y) => {
            collect_terms(system, x, k, out);
            collect_terms(system, y, -k, out);
        }
        Node::Neg(x) => collect_terms(system, x, -k, out),
        Node::Mul(x, y) => match (constant(ir, x), constant(ir, y)) {
            (Some(c), _) => collect_terms(system, y, k.saturating_mul(signed(c)), out),
            (_, Some(c)) => collect_terms(system, x, k.saturating_mul(signed(c)), out),
            _ => out.push((k, id)),
        },
        _ => out.push((k, id)),
    }
}

fn columns(system: &RowSystem, id: NodeId) -> BTreeSet<u32> {
    system
        .ir
        .vars_of(id)
        .into_iter()
        .filter_map(|v| match v {
            Var::Main(_, c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Whether `id` is `k·x + R` with `k` a nonzero constant and `R` free of `x`, tested as a
/// polynomial identity at pseudo-random points: the second difference in `x` vanishes and the
/// first difference is the same nonzero constant everywhere.
fn affine_with_constant_coefficient(system: &RowSystem, id: NodeId, x: u32) -> bool {
    let mut next = pseudo_random(0x5eed_u64 ^ ((x as u64) << 32) ^ id as u64);
    let mut coefficient = None;
    for _ in 0..3 {
        let point: Vec<Val> = (0..system.width + 64).map(|_| next()).collect();
        let x0 = next();
        let at = |xv: Val| eval_at(system, &point, x, xv)[id as usize];
        let (v0, v1, v2) = (at(x0), at(x0 + Val::ONE), at(x0 + Val::TWO));
        if v2 - v1.double() + v0 != Val::ZERO {
            return false;
        }
        let k = v1 - v0;
        if k == Val::ZERO || coefficient.is_some_and(|c| c != k) {
            return false;
        }
        coefficient = Some(k);
    }
    true
}

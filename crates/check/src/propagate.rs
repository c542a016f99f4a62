//! Uniqueness propagation (as in Picus): columns the inputs force, found without a solver. A
//! column is forced when a constraint reads it and otherwise only forced columns, and is affine
//! in it with a constant nonzero coefficient (`k·x + R = 0` gives `x = −R/k`), or when it is the
//! answer of a table or ALU request whose arguments are forced (tables are functions). Forced
//! columns are equal in every two solutions with the same inputs, so the solver's queries share
//! them between the copies, and a forced target is proved outright.

use std::collections::{BTreeSet, HashMap};

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::Val;

use crate::ir::{Leaf, Node, NodeId, Row, Var};
use crate::query::{Promise, RowSystem};
use crate::smt::is_functional_byte_op;
use crate::specialize::{constant, signed};

/// The columns of `system` forced by its inputs.
pub fn forced_columns(system: &RowSystem) -> BTreeSet<u32> {
    let mut forced: BTreeSet<u32> = system.inputs.clone();
    let booleans = boolean_columns(system);
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
            if let Some(bits) = forced_bits(system, c, &forced, &booleans) {
                forced.extend(bits);
            } else if !unknown.is_empty()
                && unknown.iter().all(|x| booleans.contains(x))
                && ((unknown.len() <= MAX_ENUMERATED
                    && injective_on_booleans(system, c, &unknown, &forced, &booleans))
                    || injective_on_groups(system, c, &forced, &booleans))
            {
                forced.extend(unknown);
            }
        }
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
            return forced;
        }
    }
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

/// A bit decomposition of a forced value, `R − Σ 2^i·b_i = 0` with `R` forced, the `b_i`
/// boolean columns at distinct powers and `Σ 2^i < p`: binary representations are unique, so
/// every `b_i` is forced.
fn forced_bits(
    system: &RowSystem,
    id: NodeId,
    forced: &BTreeSet<u32>,
    booleans: &BTreeSet<u32>,
) -> Option<Vec<u32>> {
    let ir = &system.ir;
    let mut terms: Vec<(i64, NodeId)> = Vec::new();
    collect_terms(system, id, 1, &mut terms);
    let mut bits = Vec::new();
    let mut powers = BTreeSet::new();
    for &(k, t) in &terms {
        let cols = columns(system, t);
        if cols.iter().all(|c| forced.contains(c)) {
            continue;
        }
        let Node::Var(Var::Main(Row::Local, b)) = ir.node(t) else {
            return None;
        };
        let magnitude = k.unsigned_abs();
        if !booleans.contains(&b) || !magnitude.is_power_of_two() || !powers.insert(magnitude) {
            return None;
        }
        bits.push(b);
    }
    let total: u64 = powers.iter().sum();
    let all_same_sign = terms
        .iter()
        .filter(|(_, t)| matches!(ir.node(*t), Node::Var(Var::Main(Row::Local, b)) if bits.contains(&b)))
        .map(|(k, _)| k.signum())
        .collect::<BTreeSet<_>>()
        .len()
        == 1;
    (!bits.is_empty() && all_same_sign && total < Val::ORDER_U32 as u64 / 2).then_some(bits)
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
    let mut state = 0x5eed_u64 ^ ((x as u64) << 32) ^ id as u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Val::from_u32((state >> 33) as u32 % Val::ORDER_U32)
    };
    let mut coefficient = None;
    for _ in 0..3 {
        let point: Vec<Val> = (0..system.width + 64).map(|_| next()).collect();
        let x0 = next();
        let at = |xv: Val| {
            system.ir.eval_all(|leaf| match leaf {
                Leaf::Var(Var::Main(_, c)) if c == x => xv,
                Leaf::Var(Var::Main(_, c)) => point[c as usize],
                Leaf::Var(Var::Preprocessed(_, c)) | Leaf::Var(Var::Public(c)) => {
                    point[system.width + c as usize % 64]
                }
                Leaf::Selector(_) => point[0],
            })[id as usize]
        };
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

//! The facts of one mode of a row-independent chip, ready for a solver: its constraints
//! specialized to the mode, and what its sends to other chips promise (byte-table rows, ALU
//! answers), each under its count.
//!
//! A chip whose constraints read no next-row cell and no row selector is row-independent: the
//! constraints of a trace of any height are the conjunction of the rows' own, so determinism at
//! a row depends on that row alone and one row stands for the cyclic traces of height 2 and 4.

use std::collections::{BTreeSet, HashMap};

use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
use tessera_machine::bus::{ALU_BUS, BYTE_BUS};
use tessera_stark::{Role, Source, Val};

use crate::extract::{ChipIr, Scope};
use crate::ir::{Ir, Node, NodeId, Row, Var};
use crate::lint::boolean_exprs;
use crate::specialize::{constant, is_receive, signed, Specializer};

/// What a send promises, for as long as its count is not zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Promise {
    /// `expr < 2^bits`.
    Range { expr: NodeId, bits: u32 },
    /// A byte-table row `(op, a, b, c)`: `a = op(b, c)` for bytes `b`, `c`.
    Byte {
        op: NodeId,
        a: NodeId,
        b: NodeId,
        c: NodeId,
    },
    /// An ALU answer `a = op(b, c)` on 16-bit halves.
    Alu {
        op: NodeId,
        a: [NodeId; 2],
        b: [NodeId; 2],
        c: [NodeId; 2],
    },
    /// A lookup on a bus the contract declares a function of its key: `values` are the bus's
    /// function of `key` (the same for every message with the same key).
    Table {
        bus: String,
        key: Vec<NodeId>,
        values: Vec<NodeId>,
    },
}

#[derive(Clone, Debug)]
pub struct Fact {
    /// The send's count: the promise holds where it is not zero.
    pub count: NodeId,
    pub promise: Promise,
}

/// A received message: the sender's arguments and the answers the chip determines.
#[derive(Clone, Debug)]
pub struct Received {
    /// The interaction's index in the chip.
    pub interaction: usize,
    pub bus: String,
    /// The (negative) count: fixed by the sender, so among the arguments too.
    pub count: NodeId,
    pub arguments: Vec<NodeId>,
    pub answers: Vec<NodeId>,
}

/// One mode of a row-independent chip.
#[derive(Clone, Debug)]
pub struct RowSystem {
    pub ir: Ir,
    /// The mode: the operation flags fixed, by column.
    pub mode: Vec<(u32, u32)>,
    pub constraints: Vec<NodeId>,
    pub facts: Vec<Fact>,
    /// The input columns.
    pub inputs: BTreeSet<u32>,
    /// The columns the inputs force ([`crate::propagate`]), inputs included: shared by the
    /// two copies of a determinism query.
    pub forced: BTreeSet<u32>,
    /// Columns a solver showed forced outside propagation (a square root's sign,
    /// `determinism::settle_signs`): propagation starts from them as from the inputs.
    pub settled: BTreeSet<u32>,
    /// Each message the chip receives: its count and arguments, which the sender fixes
    /// (inputs, like the input columns), and its answers, which the chip must determine.
    pub received: Vec<Received>,
    /// Range and booleanity assumptions on columns, from the contract's senders.
    pub assumed: Vec<(u32, u32)>,
    /// Combinations the contract's senders promise: the columns hold one of the tuples (those
    /// the mode allows, on the columns it leaves free).
    pub one_of: Vec<(Vec<u32>, Vec<Vec<u32>>)>,
    /// The columns something reads in this mode: a constraint, or a message whose count is
    /// not zero here. A column outside it is accepted at any value and seen by nothing.
    pub read: BTreeSet<u32>,
    /// The columns a message whose count is not zero here reads, on a bus to another chip
    /// that is not the byte table: what other chips see of the row.
    pub sent: BTreeSet<u32>,
    /// Whether a product of forced cells may become one shared variable in the encodings
    /// (linear, so fast; its models may break the product, and fail the concrete check).
    pub shared_products: bool,
    pub width: usize,
}

/// Whether no constraint or interaction reads the next row or a row selector.
pub fn is_row_independent(chip: &ChipIr) -> bool {
    (0..chip.ir.len() as NodeId).all(|id| {
        !matches!(
            chip.ir.node(id),
            Node::Var(Var::Main(Row::Next, _))
                | Node::Var(Var::Preprocessed(Row::Next, _))
                | Node::Selector(_)
        )
    })
}

/// The boolean input and selector columns whose values split the chip into modes (the
/// selectors must be shown determined before two copies may share a mode).
pub fn mode_columns(chip: &ChipIr) -> Vec<u32> {
    let booleans = boolean_exprs(chip);
    let mut columns: Vec<u32> = booleans
        .iter()
        .filter_map(|&e| match chip.ir.node(e) {
            Node::Var(Var::Main(Row::Local, c))
                if matches!(
                    chip.contract.columns[c as usize].role,
                    Role::Input | Role::Selector
                ) =>
            {
                Some(c)
            }
            _ => None,
        })
        .collect();
    columns.sort();
    columns
}

/// The most mode columns split on (2^12 modes).
pub const MAX_MODE_COLUMNS: usize = 12;

/// Every assignment of 0 or 1 to `columns`, as `(column, value)` pairs.
pub fn assignments(columns: &[u32]) -> impl Iterator<Item = Vec<(u32, u32)>> + '_ {
    (0u32..1 << columns.len()).map(move |bits| {
        columns
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, (bits >> i) & 1))
            .collect()
    })
}

/// The most modes enumerated.
pub const MAX_MODES: usize = 1 << MAX_MODE_COLUMNS;

/// The modes to split `chip` by on the columns `split`: the combinations a sender's one-of
/// assumption allows on the columns it covers, times every 0/1 assignment of the others. An
/// error when there are too many.
pub fn mode_assignments(chip: &ChipIr, split: &[u32]) -> Result<Vec<Vec<(u32, u32)>>, String> {
    let mut modes: Vec<Vec<(u32, u32)>> = vec![Vec::new()];
    let mut covered: BTreeSet<u32> = BTreeSet::new();
    for a in &chip.contract.assumptions {
        let tessera_stark::Assumption::OneOf {
            columns,
            values,
            source: Source::Sender(_),
        } = a
        else {
            continue;
        };
        let columns: Vec<u32> = columns.iter().map(|&c| c as u32).collect();
        if !columns
            .iter()
            .all(|c| split.contains(c) && !covered.contains(c))
        {
            continue;
        }
        if modes.len() * values.len() > MAX_MODES {
            return Err(format!("{} modes", modes.len() * values.len()));
        }
        covered.extend(&columns);
        modes = modes
            .iter()
            .flat_map(|m| {
                values.iter().map(|v| {
                    let mut m = m.clone();
                    m.extend(columns.iter().copied().zip(v.iter().copied()));
                    m
                })
            })
            .collect();
    }
    let rest: Vec<u32> = split
        .iter()
        .copied()
        .filter(|c| !covered.contains(c))
        .collect();
    if rest.len() > MAX_MODE_COLUMNS || modes.len() << rest.len() > MAX_MODES {
        return Err(format!("{} mode columns", split.len()));
    }
    Ok(modes
        .iter()
        .flat_map(|m| {
            assignments(&rest).map(move |a| {
                let mut m = m.clone();
                m.extend(a);
                m
            })
        })
        .collect())
}

/// Every feasible mode of `chip` with the row real: each assignment of its mode columns that
/// leaves no constraint a nonzero constant.
pub fn modes(chip: &ChipIr) -> Result<Vec<RowSystem>, String> {
    let columns = mode_columns(chip);
    let mut systems = Vec::new();
    for mode in mode_assignments(chip, &columns)? {
        if let Some(system) = specialize(chip, &mode) {
            systems.push(system);
        }
    }
    Ok(systems)
}

/// The chip in one mode, with `is_real = 1`; `None` if the mode is infeasible.
pub fn specialize(chip: &ChipIr, mode: &[(u32, u32)]) -> Option<RowSystem> {
    specialize_with(chip, mode, Some(true), &[]).map(|(system, _)| system)
}

/// The chip in one mode: a real row (`Some(true)`), a padding row (`Some(false)`: the real
/// flags sum to 0, and the senders' assumptions, which hold for the messages of real rows, are
/// dropped) or any row (`None`); and `extra` expressions of the chip, specialized alike.
pub fn specialize_with(
    chip: &ChipIr,
    mode: &[(u32, u32)],
    real: Option<bool>,
    extra: &[NodeId],
) -> Option<(RowSystem, Vec<NodeId>)> {
    // Columns a constraint fixes to a constant (`is_real − 1` on the asked row, a selector
    // fixed by a window) are substituted too, until none is left: their products fold, which
    // leaves the guarded constraints (`is_transition · next.is_real · (next.pc − pc')`) linear.
    let mut subst: HashMap<Var, Val> = mode
        .iter()
        .map(|&(c, v)| (Var::Main(Row::Local, c), Val::from_u32(v)))
        .collect();
    let mut mode = mode.to_vec();
    let (mut s, constraints) = loop {
        let (s, constraints) = constraints_under(chip, &subst, real)?;
        let fixed: Vec<(u32, Val)> = constraints
            .iter()
            .filter_map(|&c| fixed_column(&s.ir, c))
            .collect();
        if fixed.is_empty() {
            break (s, constraints);
        }
        drop(s);
        for (c, v) in fixed {
            if subst.insert(Var::Main(Row::Local, c), v).is_none() {
                mode.push((c, v.as_canonical_u32()));
            }
        }
    };
    let mut facts = Vec::new();
    let mut received = Vec::new();
    for (index, i) in chip.interactions.iter().enumerate() {
        if i.scope != Scope::Global {
            continue;
        }
        let count = s.map(i.count);
        if is_receive(&s.ir, count) && i.bus == ALU_BUS && i.fields.len() == 7 {
            // The sender fixes how many copies it sends as well as what they say.
            let f: Vec<NodeId> = i.fields.iter().map(|&f| s.map(f)).collect();
            received.push(Received {
                interaction: index,
                bus: i.bus.clone(),
                count,
                arguments: vec![count, f[0], f[3], f[4], f[5], f[6]],
                answers: vec![f[1], f[2]],
            });
            continue;
        }
        // Receives (negative counts) promise the chip nothing.
        let receive = matches!(s.ir.node(count), Node::Neg(_))
            || constant(&s.ir, count).is_some_and(|c| signed(c) <= 0);
        if receive {
            continue;
        }
        let fields: Vec<NodeId> = i.fields.iter().map(|&f| s.map(f)).collect();
        let function = chip
            .contract
            .functions
            .iter()
            .find(|f| f.bus == i.bus && f.key_fields < fields.len());
        let promise = if let Some(function) = function {
            let (key, values) = fields.split_at(function.key_fields);
            Promise::Table {
                bus: i.bus.clone(),
                key: key.to_vec(),
                values: values.to_vec(),
            }
        } else if i.bus == BYTE_BUS && fields.len() == 4 {
            Promise::Byte {
                op: fields[0],
                a: fields[1],
                b: fields[2],
                c: fields[3],
            }
        } else if i.bus == ALU_BUS && fields.len() == 7 {
            Promise::Alu {
                op: fields[0],
                a: [fields[1], fields[2]],
                b: [fields[3], fields[4]],
                c: [fields[5], fields[6]],
            }
        } else {
            continue;
        };
        facts.push(Fact { count, promise });
    }
    let local_columns = |ir: &Ir, e: NodeId| -> Vec<u32> {
        ir.vars_of(e)
            .into_iter()
            .filter_map(|v| match v {
                Var::Main(Row::Local, c) => Some(c),
                _ => None,
            })
            .collect()
    };
    // A lookup in the byte table (a fixed table) or on a bus local to the chip is a check on
    // the row, as a constraint is: it tells no other chip anything.
    let mut sent = BTreeSet::new();
    let mut read = BTreeSet::new();
    for i in &chip.interactions {
        let count = s.map(i.count);
        if constant(&s.ir, count) != Some(0) {
            let mut cells = local_columns(&s.ir, count);
            for &f in &i.fields {
                let f = s.map(f);
                cells.extend(local_columns(&s.ir, f));
            }
            if i.scope == Scope::Global && i.bus != BYTE_BUS {
                sent.extend(cells.iter().copied());
            }
            read.extend(cells);
        }
    }
    for &c in &constraints {
        read.extend(local_columns(&s.ir, c));
    }
    let extra = extra.iter().map(|&e| s.map(e)).collect();
    let mut assumed = Vec::new();
    let mut one_of = Vec::new();
    let fixed: HashMap<u32, u32> = mode.iter().copied().collect();
    for a in &chip.contract.assumptions {
        if let (Source::Sender(_), false) = (a.source(), real == Some(false)) {
            let bits = a.bits();
            assumed.extend(a.columns().iter().map(|&c| (c as u32, bits)));
            if let tessera_stark::Assumption::OneOf {
                columns, values, ..
            } = a
            {
                let (kept, allowed) = consistent(columns, values, &fixed);
                if allowed.is_empty() {
                    return None;
                }
                one_of.push((kept, allowed));
            }
        }
    }
    // The prover's private choices where their flag is 1 in this mode are shared as inputs
    // are: what the chip determines, it determines given them.
    let private = chip
        .contract
        .private
        .iter()
        .filter(|p| fixed.get(&(p.when as u32)) == Some(&1));
    let inputs = (0..chip.width as u32)
        .filter(|&c| chip.contract.columns[c as usize].role == Role::Input)
        .chain(private.flat_map(|p| p.columns.iter().map(|&c| c as u32)))
        .collect();
    let mut system = RowSystem {
        ir: s.ir,
        mode,
        constraints,
        facts,
        forced: BTreeSet::new(),
        settled: BTreeSet::new(),
        received,
        inputs,
        assumed,
        one_of,
        read,
        sent,
        shared_products: true,
        width: chip.width,
    };
    system.forced = crate::propagate::forced_columns(&system);
    Some((system, extra))
}

/// The tuples of a one-of assumption that agree with the `fixed` columns, on the columns left
/// free.
fn consistent(
    columns: &[usize],
    values: &[Vec<u32>],
    fixed: &HashMap<u32, u32>,
) -> (Vec<u32>, Vec<Vec<u32>>) {
    let free: Vec<usize> = (0..columns.len())
        .filter(|&i| !fixed.contains_key(&(columns[i] as u32)))
        .collect();
    let mut allowed: Vec<Vec<u32>> = values
        .iter()
        .filter(|v| {
            (0..columns.len()).all(|i| fixed.get(&(columns[i] as u32)).is_none_or(|&f| f == v[i]))
        })
        .map(|v| free.iter().map(|&i| v[i]).collect())
        .collect();
    allowed.sort();
    allowed.dedup();
    (free.iter().map(|&i| columns[i] as u32).collect(), allowed)
}

/// The chip's constraints (and, for a real or padding row, its real flags' sum) under `subst`,
/// with the specializer that made them; `None` if one is a nonzero constant.
fn constraints_under<'a>(
    chip: &'a ChipIr,
    subst: &'a HashMap<Var, Val>,
    real: Option<bool>,
) -> Option<(Specializer<'a>, Vec<NodeId>)> {
    let mut s = Specializer::new(&chip.ir, subst);
    let mut constraints = Vec::new();
    for &c in &chip.constraints {
        let m = s.map(c);
        match constant(&s.ir, m) {
            Some(0) => {}
            Some(_) => return None,
            None => constraints.push(m),
        }
    }
    // The row is real: its flags sum to 1 (or padding: to 0).
    let target = u32::from(real == Some(true));
    if !chip.contract.real_flags.is_empty() && real.is_some() {
        let mut known = 0;
        let mut free = Vec::new();
        for &f in &chip.contract.real_flags {
            match subst.get(&Var::Main(Row::Local, f as u32)) {
                Some(v) => known += v.as_canonical_u32(),
                None => free.push(f as u32),
            }
        }
        if free.is_empty() {
            if known != target {
                return None;
            }
        } else {
            let mut sum = s.ir.constant(Val::from_u32(known) - Val::from_u32(target));
            for f in free {
                let v = s.ir.var(Var::Main(Row::Local, f));
                sum = s.ir.add(sum, v);
            }
            constraints.push(sum);
        }
    }
    Some((s, constraints))
}

/// The column and value `id = 0` fixes, when `id` is `k·x + c` for one main column `x` and
/// constants `k ≠ 0`, `c`.
fn fixed_column(ir: &Ir, id: NodeId) -> Option<(u32, Val)> {
    // `id` as `k·x + c`: the column and `k` (if any), and `c`.
    fn linear(ir: &Ir, id: NodeId) -> Option<(Option<(u32, Val)>, Val)> {
        let combine = |a: Option<(u32, Val)>, b: Option<(u32, Val)>| match (a, b) {
            (None, b) => Some(b),
            (a, None) => Some(a),
            (Some((x, k)), Some((y, l))) if x == y => Some(Some((x, k + l))),
            _ => None,
        };
        let negate = |t: Option<(u32, Val)>| t.map(|(x, k)| (x, -k));
        Some(match ir.node(id) {
            Node::Const(c) => (None, Val::from_u32(c)),
            Node::Var(Var::Main(Row::Local, x)) => (Some((x, Val::ONE)), Val::ZERO),
            Node::Add(a, b) | Node::Sub(a, b) => {
                let ((ta, ca), (tb, cb)) = (linear(ir, a)?, linear(ir, b)?);
                if matches!(ir.node(id), Node::Add(..)) {
                    (combine(ta, tb)?, ca + cb)
                } else {
                    (combine(ta, negate(tb))?, ca - cb)
                }
            }
            Node::Neg(a) => {
                let (t, c) = linear(ir, a)?;
                (negate(t), -c)
            }
            Node::Mul(a, b) => {
                let ((ta, ca), (tb, cb)) = (linear(ir, a)?, linear(ir, b)?);
                match (ta, tb) {
                    (None, t) => (t.map(|(x, k)| (x, k * ca)), ca * cb),
                    (t, None) => (t.map(|(x, k)| (x, k * cb)), ca * cb),
                    _ => return None,
                }
            }
            _ => return None,
        })
    }
    match linear(ir, id)? {
        (Some((x, k)), c) if k != Val::ZERO => Some((x, -c * k.inverse())),
        _ => None,
    }
}

/// The answer fields of a message the chip receives on `bus`, if the checker knows the bus
/// (the ALU bus: `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)` answers `a`).
pub fn answer_fields(bus: &str, len: usize) -> Option<Vec<usize>> {
    (bus == ALU_BUS && len == 7).then(|| vec![1, 2])
}

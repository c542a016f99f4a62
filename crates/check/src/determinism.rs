//! Determinism: for each output, state and selector column, whether two rows with the same
//! inputs that both satisfy every constraint and every promise can differ there. Answered per
//! mode by the solver portfolio; a model is re-checked by the concrete evaluator (constraints,
//! the byte table, the ALU's reference semantics) before it is reported as a counterexample.

use std::collections::HashMap;
use std::fmt::Write;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::{Role, Val};

use crate::extract::{ChipIr, Scope};
use crate::ir::{Leaf, Row, Var};
use crate::query::{answer_fields, is_row_independent, mode_columns, modes, specialize, RowSystem};
use crate::reference::answered;
use crate::smt::{cell, determinism_query, Target, Theory};
use crate::solve::{Answer, Solvers};
use crate::specialize::{constant, signed};

/// What must be determined: a column, or an answer field of a received message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Column(u32),
    Answer { interaction: usize, field: usize },
}

impl Subject {
    pub fn describe(&self, chip: &ChipIr) -> String {
        match *self {
            Subject::Column(c) => chip.contract.columns[c as usize].name.clone(),
            Subject::Answer { interaction, field } => {
                let i = &chip.interactions[interaction];
                format!(
                    "field {field} of the {} message received by interaction {interaction}",
                    i.bus
                )
            }
        }
    }
}

/// Two rows with the same inputs, both accepted, that differ where they must not.
#[derive(Clone, Debug)]
pub struct Counterexample {
    pub mode: Vec<(u32, u32)>,
    pub rows: [Vec<u32>; 2],
    /// The integer and finite-field queries that produced it.
    pub smt2: Vec<(Theory, String)>,
}

#[derive(Clone, Debug)]
pub enum Verdict {
    Proved,
    Counterexample(Box<Counterexample>),
    Unknown(String),
}

#[derive(Clone, Debug)]
pub struct SubjectVerdict {
    pub subject: Subject,
    pub verdict: Verdict,
}

/// Every subject of `chip`: its output, state and selector columns, and the answers of the
/// messages it receives.
pub fn subjects(chip: &ChipIr) -> Vec<Subject> {
    let mut subjects: Vec<Subject> = (0..chip.width as u32)
        .filter(|&c| chip.contract.columns[c as usize].role.is_determined())
        .map(Subject::Column)
        .collect();
    for (k, i) in chip.interactions.iter().enumerate() {
        let receive = matches!(chip.ir.node(i.count), crate::ir::Node::Neg(_));
        if let (true, Some(fields)) = (receive, answer_fields(&i.bus, i.fields.len())) {
            subjects.extend(fields.into_iter().map(|field| Subject::Answer {
                interaction: k,
                field,
            }));
        }
    }
    subjects
}

/// The verdict on every subject of `chip`.
pub fn check_determinism(chip: &ChipIr, solvers: &Solvers) -> Result<Vec<SubjectVerdict>, String> {
    determinism_verdicts(chip, solvers, false)
}

/// The verdict on every subject of `chip`, or (with `stop`) up to the first counterexample.
///
/// Two copies may share a mode only if the mode's selectors are determined, so the selector
/// columns the modes split on are checked first, on the chip unsplit (one real row, nothing
/// fixed but the messages it receives). Where one is not shown determined, what the modes
/// prove holds only for copies in the same mode and is reported unknown.
pub fn determinism_verdicts(
    chip: &ChipIr,
    solvers: &Solvers,
    stop: bool,
) -> Result<Vec<SubjectVerdict>, String> {
    let systems = systems(chip)?;
    let selectors: Vec<u32> = mode_columns(chip)
        .into_iter()
        .filter(|&c| chip.contract.columns[c as usize].role == Role::Selector)
        .collect();
    let whole = if selectors.is_empty() {
        Vec::new()
    } else {
        specialize(chip, &[]).into_iter().collect()
    };
    let (flags, rest): (Vec<Subject>, Vec<Subject>) = subjects(chip)
        .into_iter()
        .partition(|s| matches!(s, Subject::Column(c) if selectors.contains(c)));
    let mut verdicts = Vec::new();
    let mut shared_mode = Ok(());
    for subject in flags {
        let v = if whole.is_empty() {
            Verdict::Unknown("no real row with the mode unsplit".into())
        } else {
            verdict(chip, &whole, subject, solvers)
        };
        if !matches!(v, Verdict::Proved) && shared_mode.is_ok() {
            shared_mode = Err(subject.describe(chip));
        }
        let counterexample = matches!(v, Verdict::Counterexample(_));
        verdicts.push(SubjectVerdict {
            subject,
            verdict: v,
        });
        if stop && counterexample {
            return Ok(verdicts);
        }
    }
    for subject in rest {
        let mut v = verdict(chip, &systems, subject, solvers);
        if let (Verdict::Proved, Err(flag)) = (&v, &shared_mode) {
            v = Verdict::Unknown(format!(
                "proved for two rows in the same mode only: the mode selector {flag} is not \
                 shown determined"
            ));
        }
        let counterexample = matches!(v, Verdict::Counterexample(_));
        verdicts.push(SubjectVerdict {
            subject,
            verdict: v,
        });
        if stop && counterexample {
            break;
        }
    }
    Ok(verdicts)
}

/// The modes of `chip` a determinism check goes through.
pub fn systems(chip: &ChipIr) -> Result<Vec<RowSystem>, String> {
    if !is_row_independent(chip) {
        return Err(
            "reads the next row or a row selector: transition chips are checked over \
                    cyclic traces, not built yet"
                .into(),
        );
    }
    let systems = modes(chip)?;
    if systems.is_empty() {
        return Err("no mode of the chip admits a real row".into());
    }
    Ok(systems)
}

/// The verdict on `subject`, over every mode in `systems`: proved when every mode proves it, a
/// counterexample as soon as one mode has a confirmed one.
pub fn verdict(
    chip: &ChipIr,
    systems: &[RowSystem],
    subject: Subject,
    solvers: &Solvers,
) -> Verdict {
    let mut verdict = Verdict::Proved;
    for system in systems {
        let target = match subject {
            Subject::Column(c) => {
                if system.mode.iter().any(|&(m, _)| m == c) || system.forced.contains(&c) {
                    continue;
                }
                Target::Column(c)
            }
            Subject::Answer { interaction, field } => {
                let Some(r) = system
                    .received
                    .iter()
                    .find(|r| r.interaction == interaction)
                else {
                    continue;
                };
                let count = match constant(&system.ir, r.count) {
                    Some(0) => continue,
                    Some(_) => None,
                    None => Some(r.count),
                };
                let e = r.answers[field - 1];
                let cols = system.ir.vars_of(e);
                let forced = cols.iter().all(|v| match v {
                    Var::Main(_, c) => system.forced.contains(c),
                    _ => true,
                });
                if forced {
                    continue;
                }
                match count {
                    None => Target::Expr(e),
                    Some(guard) => Target::Guarded { expr: e, guard },
                }
            }
        };
        // The light encodings first; the exact one when they neither refute the query nor
        // give a model that survives the concrete check.
        let light: Vec<(Theory, String)> = [Theory::Integer, Theory::FiniteField]
            .into_iter()
            .map(|t| (t, determinism_query(system, target, t, false).0))
            .collect();
        let exact = || {
            vec![(
                Theory::Integer,
                determinism_query(system, target, Theory::Integer, true).0,
            )]
        };
        let mut why = None;
        for queries in [light, exact()] {
            match solvers.solve(&queries) {
                Answer::Unsat => {
                    why = None;
                    break;
                }
                Answer::Sat(model) => {
                    let rows = rows_of(chip, system, &model);
                    match confirm(chip, &rows, subject) {
                        Ok(()) => {
                            return Verdict::Counterexample(Box::new(Counterexample {
                                mode: system.mode.clone(),
                                rows,
                                smt2: queries,
                            }))
                        }
                        Err(not) => {
                            why = Some(format!("a solver's model fails the concrete check ({not})"))
                        }
                    }
                }
                Answer::Unknown(unknown) => {
                    why.get_or_insert(unknown);
                }
            }
        }
        if let (Some(why), Verdict::Proved) = (why, &verdict) {
            verdict = Verdict::Unknown(why);
        }
    }
    verdict
}

/// The two rows of a model; the mode's columns hold the mode's values.
fn rows_of(chip: &ChipIr, system: &RowSystem, model: &HashMap<String, u32>) -> [Vec<u32>; 2] {
    let mode: HashMap<u32, u32> = system.mode.iter().copied().collect();
    std::array::from_fn(|copy| {
        (0..chip.width as u32)
            .map(|c| {
                mode.get(&c)
                    .copied()
                    .or_else(|| model.get(&cell(system, c, copy)).copied())
                    .unwrap_or(0)
            })
            .collect()
    })
}

/// Checks a candidate counterexample against the chip itself: both rows satisfy every
/// constraint, are real, every send is answered as its receiver would (a byte-table row, the
/// ALU's reference result), the inputs agree and the target differs.
pub fn confirm(chip: &ChipIr, rows: &[Vec<u32>; 2], subject: Subject) -> Result<(), String> {
    for (c, column) in chip.contract.columns.iter().enumerate() {
        if column.role == Role::Input && rows[0][c] != rows[1][c] {
            return Err(format!("input {} differs", column.name));
        }
    }
    let values: Vec<Vec<Val>> = rows
        .iter()
        .map(|row| {
            chip.ir.eval_all(|leaf| match leaf {
                Leaf::Var(Var::Main(Row::Local, c)) => Val::from_u32(row[c as usize]),
                _ => Val::ZERO,
            })
        })
        .collect();
    // Received messages: the same arguments in both rows; the subject differs.
    for (k, i) in chip.interactions.iter().enumerate() {
        let receive = signed(values[0][i.count as usize].as_canonical_u32()) < 0;
        let Some(answers) = answer_fields(&i.bus, i.fields.len()) else {
            continue;
        };
        if !receive {
            continue;
        }
        if values[0][i.count as usize] != values[1][i.count as usize] {
            return Err(format!("interaction {k}: the senders' counts differ"));
        }
        for (n, &f) in i.fields.iter().enumerate() {
            if !answers.contains(&n) && values[0][f as usize] != values[1][f as usize] {
                return Err(format!("interaction {k}: the senders' arguments differ"));
            }
        }
    }
    let differs = match subject {
        Subject::Column(t) => rows[0][t as usize] != rows[1][t as usize],
        Subject::Answer { interaction, field } => {
            let i = &chip.interactions[interaction];
            if values[0][i.count as usize] == Val::ZERO {
                return Err("the message is not received".into());
            }
            let f = i.fields[field];
            values[0][f as usize] != values[1][f as usize]
        }
    };
    if !differs {
        return Err("the subject agrees".into());
    }
    for (row, values) in rows.iter().zip(&values) {
        let v = |id: u32| values[id as usize].as_canonical_u32();
        if let Some(n) = chip.constraints.iter().position(|&c| v(c) != 0) {
            return Err(format!("constraint c{n} fails"));
        }
        let real: Val = chip
            .contract
            .real_flags
            .iter()
            .map(|&f| Val::from_u32(row[f]))
            .sum();
        if !chip.contract.real_flags.is_empty() && real != Val::ONE {
            return Err("the row is not real".into());
        }
        for (k, i) in chip.interactions.iter().enumerate() {
            if i.scope != Scope::Global || signed(v(i.count)) <= 0 {
                continue;
            }
            let f: Vec<u32> = i.fields.iter().map(|&x| v(x)).collect();
            answered(&i.bus, &f).map_err(|why| format!("interaction {k} on {}: {why}", i.bus))?;
        }
    }
    Ok(())
}

/// A counterexample as two rows side by side, differing columns marked.
pub fn show(chip: &ChipIr, subject: Subject, cx: &Counterexample) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} is not determined; two accepted rows with the same inputs:",
        chip.name,
        subject.describe(chip)
    );
    let _ = writeln!(out, "  {:<28} {:>12} {:>12}", "column", "row A", "row B");
    for (c, col) in chip.contract.columns.iter().enumerate() {
        let (a, b) = (cx.rows[0][c], cx.rows[1][c]);
        let mark = if a != b { "  ≠" } else { "" };
        let _ = writeln!(
            out,
            "  {:<28} {a:>12} {b:>12}{mark}  ({:?})",
            col.name, col.role
        );
    }
    out
}

//! Determinism: for each output, state and selector column, whether two rows with the same
//! inputs that both satisfy every constraint and every promise can differ there. Answered per
//! mode by the solver portfolio; a model is re-checked by the concrete evaluator (constraints,
//! the byte table, the ALU's reference semantics) before it is reported as a counterexample.

use std::collections::HashMap;
use std::fmt::Write;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_machine::bus::{AluOp, ByteOp, ALU_BUS, BYTE_BUS};
use tessera_stark::{Role, Val};

use crate::extract::{ChipIr, Scope};
use crate::ir::{Leaf, Row, Var};
use crate::query::{answer_fields, is_row_independent, modes, RowSystem};
use crate::smt::{cell, determinism_query, Target, Theory};
use crate::solve::{Answer, Solvers};
use crate::specialize::signed;

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
    let mut verdicts = Vec::new();
    for subject in subjects(chip) {
        let mut verdict = Verdict::Proved;
        for system in &systems {
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
                    let e = r.answers[field - 1];
                    let cols = system.ir.vars_of(e);
                    let forced = cols.iter().all(|v| match v {
                        Var::Main(_, c) => system.forced.contains(c),
                        _ => true,
                    });
                    if forced {
                        continue;
                    }
                    Target::Expr(e)
                }
            };
            let queries: Vec<(Theory, String)> = [Theory::Integer, Theory::FiniteField]
                .into_iter()
                .map(|t| (t, determinism_query(system, target, t).0))
                .collect();
            match solvers.solve(&queries) {
                Answer::Unsat => {}
                Answer::Sat(model) => {
                    let rows = rows_of(chip, system, &model);
                    match confirm(chip, &rows, subject) {
                        Ok(()) => {
                            verdict = Verdict::Counterexample(Box::new(Counterexample {
                                mode: system.mode.clone(),
                                rows,
                                smt2: queries,
                            }));
                            break;
                        }
                        Err(why) => {
                            verdict = Verdict::Unknown(format!(
                                "a solver's model fails the concrete check ({why})"
                            ))
                        }
                    }
                }
                Answer::Unknown(why) => {
                    if matches!(verdict, Verdict::Proved) {
                        verdict = Verdict::Unknown(why);
                    }
                }
            }
        }
        verdicts.push(SubjectVerdict { subject, verdict });
    }
    Ok(verdicts)
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
        for (n, &f) in i.fields.iter().enumerate() {
            if !answers.contains(&n) && values[0][f as usize] != values[1][f as usize] {
                return Err(format!("interaction {k}: the senders' arguments differ"));
            }
        }
    }
    let differs = match subject {
        Subject::Column(t) => rows[0][t as usize] != rows[1][t as usize],
        Subject::Answer { interaction, field } => {
            let f = chip.interactions[interaction].fields[field];
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
        let real: u32 = chip.contract.real_flags.iter().map(|&f| row[f]).sum();
        if !chip.contract.real_flags.is_empty() && real != 1 {
            return Err("the row is not real".into());
        }
        for (k, i) in chip.interactions.iter().enumerate() {
            if i.scope != Scope::Global || signed(v(i.count)) <= 0 {
                continue;
            }
            let f: Vec<u32> = i.fields.iter().map(|&x| v(x)).collect();
            let answered = if i.bus == BYTE_BUS && f.len() == 4 {
                byte_row(&f)
            } else if i.bus == ALU_BUS && f.len() == 7 {
                alu_answer(&f)
            } else {
                Ok(())
            };
            answered.map_err(|why| format!("interaction {k} on {}: {why}", i.bus))?;
        }
    }
    Ok(())
}

fn byte_row(f: &[u32]) -> Result<(), String> {
    let op = ByteOp::ALL
        .into_iter()
        .find(|&op| op as u32 == f[0])
        .ok_or("no such byte operation")?;
    if op == ByteOp::U16 {
        return if f[1] < 1 << 16 && f[2] == 0 && f[3] == 0 {
            Ok(())
        } else {
            Err("not a 16-bit value".into())
        };
    }
    if f[2] > 255 || f[3] > 255 || op.apply(f[2] as u8, f[3] as u8) != f[1] {
        return Err("not a row of the byte table".into());
    }
    Ok(())
}

fn alu_answer(f: &[u32]) -> Result<(), String> {
    if f[1..].iter().any(|&h| h >= 1 << 16) {
        return Err("a half is not 16-bit".into());
    }
    let word = |lo: u32, hi: u32| lo | hi << 16;
    let op = AluOp::from_u32(f[0]).ok_or("an operation the checker cannot evaluate")?;
    let division = matches!(op, AluOp::DivQ | AluOp::DivR | AluOp::DivQU | AluOp::DivRU);
    if division && word(f[5], f[6]) == 0 {
        return Err("a division by zero".into());
    }
    if op.apply(word(f[3], f[4]), word(f[5], f[6])) != word(f[1], f[2]) {
        return Err("a wrong ALU answer".into());
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

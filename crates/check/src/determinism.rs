//! Determinism: for each output, state and selector column, whether two rows with the same
//! inputs that both satisfy every constraint and every promise can differ there. Answered per
//! mode by the solver portfolio; a model is re-checked by the concrete evaluator (constraints,
//! the byte table, the ALU's reference semantics) before it is reported as a counterexample.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::{Role, Val};

use crate::extract::{ChipIr, Scope};
use crate::ir::{Leaf, Row, Var};
use crate::query::{
    answer_fields, is_row_independent, mode_assignments, mode_columns, modes, specialize, RowSystem,
};
use crate::reference::answered;
use crate::smt::{cell, determinism_query, Target, Theory};
use crate::solve::{Answer, Solvers};
use crate::specialize::{constant, signed};
use crate::unroll::{flat_column, unroll, Window};

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
    /// The columns of the rows: the chip's, or for a window of several trace rows, the
    /// window's flat row (`name@r` is the column on trace row `r`).
    pub columns: Vec<tessera_stark::contract::Column>,
    /// Which rows of a trace the columns cover, for a chip with transitions.
    pub window: Option<String>,
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
/// A row-independent chip is checked on one row. A chip with transitions is checked on each
/// row of cyclic traces of height 2 and 4 and on the induction step (row `i + 1` of two rows
/// whose first the copies agree on): a subject is proved when every window proves it, and has
/// a counterexample when a cyclic trace has one (the induction step's rows need not be
/// reachable, so its models only leave the subject unknown).
pub fn determinism_verdicts(
    chip: &ChipIr,
    solvers: &Solvers,
    stop: bool,
) -> Result<Vec<SubjectVerdict>, String> {
    let own = subjects(chip);
    let plain = chip.preprocessed_width == 0 && chip.num_public_values == 0;
    if is_row_independent(chip) {
        if plain {
            let pairs: Vec<(Subject, Subject)> = own.iter().map(|&s| (s, s)).collect();
            return verdicts_in(chip, &mode_columns(chip), &pairs, solvers, stop);
        }
        let u = unroll(chip, &Window::single(), &own);
        return verdicts_in(&u.chip, &u.split, &u.subjects, solvers, stop);
    }
    let mut windows: Vec<Window> = (0..2).map(|r| Window::cyclic(2, r)).collect();
    windows.extend((0..4).map(|r| Window::cyclic(4, r)));
    windows.push(Window::induction());
    // What a cyclic trace's earlier rows proved, by height: `(row, column)`.
    let mut learned: HashMap<usize, Vec<(usize, u32)>> = HashMap::new();
    let mut combined: Vec<SubjectVerdict> = own
        .iter()
        .map(|&subject| SubjectVerdict {
            subject,
            verdict: Verdict::Proved,
        })
        .collect();
    for window in &mut windows {
        let height = window.rows.len();
        if window.hypothesis.is_none() {
            learn(
                chip,
                window,
                learned.get(&height).map_or(&[][..], |l| &l[..]),
                &own,
            );
        }
        let u = unroll(chip, window, &own);
        let induction = window.hypothesis.is_some();
        let started = std::time::Instant::now();
        let verdicts = match verdicts_in(&u.chip, &u.split, &u.subjects, solvers, stop) {
            Ok(v) => v,
            // No trace of this height has the asked row real (the global sum's last row is
            // padding): nothing there to determine.
            Err(why) if why == NO_REAL_ROW && !induction => own
                .iter()
                .map(|&subject| SubjectVerdict {
                    subject,
                    verdict: Verdict::Proved,
                })
                .collect(),
            Err(why) => own
                .iter()
                .map(|&subject| SubjectVerdict {
                    subject,
                    verdict: Verdict::Unknown(why.clone()),
                })
                .collect(),
        };
        tracing::info!(
            chip = %chip.name,
            window = %window.name,
            unknown = verdicts
                .iter()
                .filter(|v| !matches!(v.verdict, Verdict::Proved))
                .count(),
            ms = started.elapsed().as_millis() as u64,
            "window checked"
        );
        if !induction {
            let proved = verdicts
                .iter()
                .filter_map(|v| match (v.subject, &v.verdict) {
                    // An output is proved only where it is sent: two copies may still differ
                    // where it is not, so it is not shared.
                    (Subject::Column(c), Verdict::Proved)
                        if chip.contract.columns[c as usize].role != Role::Output =>
                    {
                        Some((window.subject, c))
                    }
                    _ => None,
                });
            learned.entry(height).or_default().extend(proved);
        }
        for v in verdicts {
            let Some(slot) = combined.iter_mut().find(|c| c.subject == v.subject) else {
                continue;
            };
            let verdict = match v.verdict {
                Verdict::Proved => continue,
                Verdict::Counterexample(_) if induction => Verdict::Unknown(format!(
                    "{}: two copies that agree on row i differ at row i + 1 (row i need not \
                     be reachable)",
                    window.name
                )),
                Verdict::Counterexample(mut cx) => {
                    cx.window = Some(window.name.clone());
                    tracing::debug!("{}", show(chip, v.subject, &cx));
                    Verdict::Counterexample(cx)
                }
                Verdict::Unknown(why) => Verdict::Unknown(format!("{}: {why}", window.name)),
            };
            let replace = matches!(
                (&slot.verdict, &verdict),
                (Verdict::Proved, _) | (Verdict::Unknown(_), Verdict::Counterexample(_))
            );
            if replace {
                let found = matches!(verdict, Verdict::Counterexample(_));
                slot.verdict = verdict;
                if stop && found {
                    return Ok(combined);
                }
            }
        }
    }
    Ok(combined)
}

const NO_REAL_ROW: &str = "no mode of the chip admits a real row";

/// Lets `window` (a row of a cyclic trace) use what the trace's earlier rows proved: a row the
/// window's constraints make real (its real flags fixed to sum 1) has the senders'
/// assumptions, and the columns proved determined there are shared by both copies. Sound
/// because every pair of copies this window admits is then a pair the earlier window admitted
/// (the same trace's constraints, that row real with its assumptions, the same shared cells),
/// and no such pair differs there.
fn learn(chip: &ChipIr, window: &mut Window, learned: &[(usize, u32)], own: &[Subject]) {
    if learned.is_empty() {
        return;
    }
    let probe = unroll(chip, window, own);
    let Some(system) = specialize(&probe.chip, &[]) else {
        return;
    };
    let fixed: HashMap<u32, u32> = system.mode.iter().copied().collect();
    let is_real = |row: usize| {
        let flags = &chip.contract.real_flags;
        if flags.is_empty() {
            return true;
        }
        let values: Option<Vec<u32>> = flags
            .iter()
            .map(|&f| fixed.get(&flat_column(chip, row, f as u32)).copied())
            .collect();
        values.is_some_and(|v| v.iter().sum::<u32>() == 1)
    };
    let rows: BTreeSet<usize> = learned.iter().map(|&(r, _)| r).collect();
    for row in rows {
        if row == window.subject || !is_real(row) {
            continue;
        }
        window.real.push(row);
        window
            .known
            .extend(learned.iter().filter(|&&(r, _)| r == row).copied());
    }
}

/// The verdicts on `subjects` (each a column or answer of `chip`, with the subject it is
/// reported as), with the modes split on `split`.
///
/// Two copies may share a mode only if the mode's selectors are determined, so the selector
/// columns the modes split on are checked first, on the chip unsplit (one real row, nothing
/// fixed but the messages it receives). Where one is not shown determined, what the modes
/// prove holds only for copies in the same mode and is reported unknown.
fn verdicts_in(
    chip: &ChipIr,
    split: &[u32],
    subjects: &[(Subject, Subject)],
    solvers: &Solvers,
    stop: bool,
) -> Result<Vec<SubjectVerdict>, String> {
    // Too many modes to enumerate: the chip is checked unsplit (one system, every flag
    // symbolic), which is sound but leaves the solvers more to do.
    let (split, modes) = match mode_assignments(chip, split) {
        Ok(modes) => (split, modes),
        Err(_) => (&[][..], vec![Vec::new()]),
    };
    let systems: Vec<RowSystem> = modes
        .iter()
        .filter_map(|mode| specialize(chip, mode))
        .map(|system| settle_signs(system, solvers))
        .collect();
    if systems.is_empty() {
        return Err(NO_REAL_ROW.into());
    }
    let selectors: Vec<u32> = split
        .iter()
        .copied()
        .filter(|&c| chip.contract.columns[c as usize].role == Role::Selector)
        .collect();
    let whole = if selectors.is_empty() {
        Vec::new()
    } else {
        specialize(chip, &[]).into_iter().collect()
    };
    let (flags, rest): (Vec<_>, Vec<_>) = subjects
        .iter()
        .partition(|(s, _)| matches!(s, Subject::Column(c) if selectors.contains(c)));
    tracing::debug!(
        modes = systems.len(),
        selectors = flags.len(),
        subjects = rest.len(),
        "modes split"
    );
    let mut verdicts = Vec::new();
    let mut shared_mode = Ok(());
    for &(subject, reported) in flags {
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
            subject: reported,
            verdict: v,
        });
        if stop && counterexample {
            return Ok(verdicts);
        }
    }
    for &(subject, reported) in rest {
        let started = std::time::Instant::now();
        let mut v = verdict(chip, &systems, subject, solvers);
        tracing::debug!(
            subject = %subject.describe(chip),
            verdict = %match &v {
                Verdict::Proved => "proved".to_string(),
                Verdict::Counterexample(_) => "counterexample".to_string(),
                Verdict::Unknown(why) => format!("unknown: {why}"),
            },
            ms = started.elapsed().as_millis() as u64,
            "subject"
        );
        if let (Verdict::Proved, Err(flag)) = (&v, &shared_mode) {
            v = Verdict::Unknown(format!(
                "proved for two rows in the same mode only: the mode selector {flag} is not \
                 shown determined"
            ));
        }
        let counterexample = matches!(v, Verdict::Counterexample(_));
        verdicts.push(SubjectVerdict {
            subject: reported,
            verdict: v,
        });
        if stop && counterexample {
            break;
        }
    }
    Ok(verdicts)
}

/// `system` with the signs of its square roots settled where a solver can: a group of cells
/// propagation fixes up to sign (`extension::square_root_groups`) is forced once one of its
/// cells is shown to lie in `1..=(p − 1)/2` on every valid row (`smt::sign_query`, on the part
/// of the system around that cell), and propagation then goes on from it.
pub fn settle_signs(mut system: RowSystem, solvers: &Solvers) -> RowSystem {
    let mut tried: BTreeSet<Vec<u32>> = BTreeSet::new();
    loop {
        let groups = crate::extension::square_root_groups(&system, &system.forced);
        let mut settled = false;
        for group in groups {
            if !tried.insert(group.clone()) {
                continue;
            }
            let fixed = group.iter().any(|&cell| {
                let slice = crate::extension::slice_around(&system, cell, &group);
                let query = crate::smt::sign_query(&slice, cell);
                matches!(solvers.solve(&[(Theory::Integer, query)]), Answer::Unsat)
            });
            tracing::debug!(cells = group.len(), fixed, "square root's sign");
            if fixed {
                system.settled.extend(group);
                settled = true;
            }
        }
        if !settled {
            return system;
        }
        system.forced = crate::propagate::forced_columns(&system);
    }
}

/// The modes of a row-independent `chip` a determinism check goes through.
pub fn systems(chip: &ChipIr) -> Result<Vec<RowSystem>, String> {
    if !is_row_independent(chip) {
        return Err("reads the next row or a row selector".into());
    }
    let systems = modes(chip)?;
    if systems.is_empty() {
        return Err(NO_REAL_ROW.into());
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
    // What other chips see of a row is its messages. An output no message with a count not
    // zero reads in a mode (MUL's high word, a branch row's `mem_new`) is seen by nothing
    // there, whatever the constraints tie it to: the mode is skipped for it. Another column is
    // skipped where nothing reads it at all (no constraint either). A column seen in no mode
    // is still asked (and the lints flag it).
    let output = |c: u32| chip.contract.columns[c as usize].role == Role::Output;
    let seen = |s: &RowSystem, c: u32| {
        if output(c) {
            s.sent.contains(&c)
        } else {
            s.read.contains(&c)
        }
    };
    let read_somewhere = |c: u32| systems.iter().any(|s| seen(s, c));
    for system in systems {
        let target = match subject {
            Subject::Column(c) => {
                if system.mode.iter().any(|&(m, _)| m == c) || system.forced.contains(&c) {
                    continue;
                }
                if !seen(system, c) && read_somewhere(c) {
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
        // The light encodings first; when they neither refute the query nor give a model that
        // survives the concrete check, the same with every product kept (a model that broke a
        // shared product cannot recur), then the exact one.
        let light = |system: &RowSystem| -> Vec<(Theory, String)> {
            [Theory::Integer, Theory::FiniteField]
                .into_iter()
                .map(|t| (t, determinism_query(system, target, t, false).0))
                .collect()
        };
        let exact = || {
            vec![(
                Theory::Integer,
                determinism_query(system, target, Theory::Integer, true).0,
            )]
        };
        let mut why = None;
        let mut model_failed = false;
        for pass in 0..3 {
            let queries = match pass {
                0 => light(system),
                1 if model_failed => light(&RowSystem {
                    shared_products: false,
                    ..system.clone()
                }),
                1 => continue,
                _ => exact(),
            };
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
                                columns: chip.contract.columns.clone(),
                                window: None,
                                rows,
                                smt2: queries,
                            }))
                        }
                        Err(not) => {
                            model_failed = true;
                            why = Some(format!("a solver's model fails the concrete check ({not})"))
                        }
                    }
                }
                Answer::Unknown(unknown) => {
                    why.get_or_insert(unknown);
                }
            }
        }
        tracing::trace!(
            mode = %system
                .mode
                .iter()
                .filter(|&&(_, v)| v == 1)
                .map(|&(c, _)| chip.contract.columns[c as usize].name.as_str())
                .collect::<Vec<_>>()
                .join(","),
            why = ?why,
            "mode"
        );
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
    functions_agree(chip, &values)
}

/// Sends on a bus the contract declares a function of its key, in either row: the same key
/// never looks up different values.
fn functions_agree(chip: &ChipIr, values: &[Vec<Val>]) -> Result<(), String> {
    for function in &chip.contract.functions {
        let mut seen: HashMap<Vec<Val>, Vec<Val>> = HashMap::new();
        for values in values {
            for i in &chip.interactions {
                let live = signed(values[i.count as usize].as_canonical_u32()) > 0;
                if i.bus != function.bus || !live || i.fields.len() <= function.key_fields {
                    continue;
                }
                let f: Vec<Val> = i.fields.iter().map(|&x| values[x as usize]).collect();
                let (key, looked_up) = f.split_at(function.key_fields);
                let earlier = seen
                    .entry(key.to_vec())
                    .or_insert_with(|| looked_up.to_vec());
                if earlier != looked_up {
                    return Err(format!(
                        "{}: one key looks up two values (the bus is a function)",
                        function.bus
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A counterexample as two rows side by side, differing columns marked; a window of several
/// trace rows as two traces, one line per trace row and copy.
pub fn show(chip: &ChipIr, subject: Subject, cx: &Counterexample) -> String {
    let mut out = String::new();
    let what = match &cx.window {
        Some(window) => format!("two accepted traces with the same inputs ({window})"),
        None => "two accepted rows with the same inputs".into(),
    };
    let _ = writeln!(
        out,
        "{}: {} is not determined; {what}:",
        chip.name,
        subject.describe(chip)
    );
    if cx.window.is_some() {
        show_traces(&mut out, cx);
        return out;
    }
    let _ = writeln!(out, "  {:<28} {:>12} {:>12}", "column", "row A", "row B");
    for (c, col) in cx.columns.iter().enumerate() {
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

/// The flat row of a window as traces: a column `name@r` is `name` on trace row `r`.
fn show_traces(out: &mut String, cx: &Counterexample) {
    let mut names: Vec<&str> = Vec::new();
    let mut cells: std::collections::BTreeMap<usize, HashMap<&str, usize>> = Default::default();
    for (c, col) in cx.columns.iter().enumerate() {
        let Some((name, row)) = col.name.rsplit_once('@') else {
            let (a, b) = (cx.rows[0][c], cx.rows[1][c]);
            let mark = if a != b { "  ≠" } else { "" };
            let _ = writeln!(out, "  {} = {a} | {b}{mark}", col.name);
            continue;
        };
        let Ok(row) = row.parse::<usize>() else {
            continue;
        };
        if !names.contains(&name) {
            names.push(name);
        }
        cells.entry(row).or_default().insert(name, c);
    }
    let width = |n: &str| n.chars().count().max(10);
    let mut line = format!("  {:<8}", "row");
    for n in &names {
        let _ = write!(line, " {:>w$}", n, w = width(n));
    }
    let _ = writeln!(out, "{line}");
    for (row, at) in &cells {
        for (copy, label) in ["A", "B"].iter().enumerate() {
            let mut line = format!("  {:<8}", format!("{label}{row}"));
            for n in &names {
                let cell = at.get(n).map(|&c| {
                    let (a, b) = (cx.rows[0][c], cx.rows[1][c]);
                    let v = cx.rows[copy][c].to_string();
                    if a != b {
                        format!("{v}≠")
                    } else {
                        v
                    }
                });
                let _ = write!(line, " {:>w$}", cell.unwrap_or_default(), w = width(n));
            }
            let _ = writeln!(out, "{line}");
        }
    }
}

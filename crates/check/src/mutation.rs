//! The mutation self-test: each constraint and each interaction of a chip dropped in turn. The
//! checker must flag the mutant (a lint finding or a confirmed counterexample to determinism)
//! or prove the dropped constraint redundant (implied, on every row, by the rest). A mutant
//! that survives is a constraint the checker cannot tell it needs: a gap in the checker or a
//! constraint the chip does not need.

use std::collections::BTreeSet;

use crate::determinism::{determinism_verdicts, Verdict};
use crate::extract::ChipIr;
use crate::lint::lint;
use crate::query::{is_row_independent, mode_assignments, mode_columns, specialize_with};
use crate::smt::{violation_query, Theory};
use crate::solve::{Answer, Solvers};
use crate::unroll::{unroll, Window};

/// What is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    Constraint(usize),
    Interaction(usize),
}

impl Mutant {
    pub fn describe(&self) -> String {
        match self {
            Mutant::Constraint(k) => format!("constraint c{k}"),
            Mutant::Interaction(k) => format!("interaction {k}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Flagged, and how.
    Killed(String),
    /// The dropped constraint follows from the others.
    Redundant,
    /// Neither, and why not.
    Survived(String),
}

/// Every mutant of `chip`.
pub fn mutants(chip: &ChipIr) -> Vec<Mutant> {
    (0..chip.constraints.len())
        .map(Mutant::Constraint)
        .chain((0..chip.interactions.len()).map(Mutant::Interaction))
        .collect()
}

/// `chip` without what `mutant` drops.
pub fn mutate(chip: &ChipIr, mutant: Mutant) -> ChipIr {
    let mut m = chip.clone();
    match mutant {
        Mutant::Constraint(k) => {
            m.constraints.remove(k);
        }
        Mutant::Interaction(k) => {
            m.interactions.remove(k);
        }
    }
    m
}

/// The fate of `mutant`; `baseline` is the number of lint findings on `chip` itself.
pub fn judge(chip: &ChipIr, mutant: Mutant, baseline: usize, solvers: &Solvers) -> Fate {
    let m = mutate(chip, mutant);
    let findings = lint(&m);
    if findings.len() > baseline {
        let rules: BTreeSet<&str> = findings.iter().map(|f| f.rule.name()).collect();
        let rules: Vec<&str> = rules.into_iter().collect();
        return Fate::Killed(format!("lint: {}", rules.join(", ")));
    }
    let mut why = match determinism_verdicts(&m, solvers, true) {
        Err(why) => format!("determinism not checked: {why}"),
        Ok(verdicts) => {
            let mut unknown = None;
            for v in verdicts {
                match v.verdict {
                    Verdict::Counterexample(_) => {
                        return Fate::Killed(format!(
                            "counterexample: {} not determined",
                            v.subject.describe(&m)
                        ))
                    }
                    Verdict::Unknown(why) => {
                        unknown.get_or_insert(format!("{}: {why}", v.subject.describe(&m)));
                    }
                    Verdict::Proved => {}
                }
            }
            unknown.unwrap_or_else(|| "every subject still proved".into())
        }
    };
    if let Mutant::Constraint(k) = mutant {
        match redundant(chip, k, solvers) {
            Ok(()) => return Fate::Redundant,
            Err(not) => why = format!("{why}; not shown redundant: {not}"),
        }
    }
    Fate::Survived(why)
}

/// Whether constraint `k` of `chip` vanishes wherever the rest holds: on every real row (with
/// the senders' assumptions), in every mode, for a row-independent chip (on every row for a
/// chip without real flags); on row `i` of two constrained rows of any trace, real or not,
/// for a chip with transitions.
fn redundant(chip: &ChipIr, k: usize, solvers: &Solvers) -> Result<(), String> {
    if !is_row_independent(chip) {
        let u = unroll(chip, &Window::any_two(), &[]);
        let mut flat = u.chip;
        let dropped = flat.constraints[u.constraint_at[0][k]];
        let mut gone: Vec<usize> = u
            .constraint_at
            .iter()
            .filter_map(|at| at.get(k).copied())
            .collect();
        gone.sort_unstable();
        for g in gone.into_iter().rev() {
            flat.constraints.remove(g);
        }
        return redundant_in(&flat, &u.split, dropped, &[None], solvers);
    }
    let m = mutate(chip, Mutant::Constraint(k));
    // Padding rows of a row-independent chip are inert (every count vanishes there, which the
    // lints check), so a constraint is redundant when the rest implies it on real rows.
    let kinds: &[Option<bool>] = if m.contract.real_flags.is_empty() {
        &[None]
    } else {
        &[Some(true)]
    };
    redundant_in(&m, &mode_columns(&m), chip.constraints[k], kinds, solvers)
}

/// Whether `dropped` vanishes on every row of `m` of the `kinds` asked (real, padding, any)
/// that satisfies `m`, in every mode of `split`.
fn redundant_in(
    m: &ChipIr,
    split: &[u32],
    dropped: crate::ir::NodeId,
    kinds: &[Option<bool>],
    solvers: &Solvers,
) -> Result<(), String> {
    for mode in mode_assignments(m, split)? {
        for &real in kinds {
            let Some((mut system, extra)) = specialize_with(m, &mode, real, &[dropped]) else {
                continue;
            };
            if crate::specialize::constant(&system.ir, extra[0]) == Some(0) {
                continue;
            }
            system.forced.clear();
            // The light encodings may find rows the byte table or the ALU would not answer:
            // the exact one decides then.
            let light: Vec<(Theory, String)> = [Theory::Integer, Theory::FiniteField]
                .into_iter()
                .map(|t| (t, violation_query(&system, extra[0], t, false).0))
                .collect();
            if solvers.solve(&light) == Answer::Unsat {
                continue;
            }
            let exact = [(
                Theory::Integer,
                violation_query(&system, extra[0], Theory::Integer, true).0,
            )];
            match solvers.solve(&exact) {
                Answer::Unsat => {}
                Answer::Sat(_) => {
                    return Err(format!("a row in mode {mode:?} satisfies the rest, not it"))
                }
                Answer::Unknown(why) => return Err(format!("mode {mode:?}: {why}")),
            }
        }
    }
    Ok(())
}

/// The fate of every mutant of `chip`.
pub fn self_test(chip: &ChipIr, solvers: &Solvers) -> Vec<(Mutant, Fate)> {
    let baseline = lint(chip).len();
    mutants(chip)
        .into_iter()
        .map(|mutant| (mutant, judge(chip, mutant, baseline, solvers)))
        .collect()
}

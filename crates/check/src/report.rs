//! One chip's check, and the table `tessera check` prints.

use std::fmt::Write;
use std::time::{Duration, Instant};

use crate::determinism::{check_determinism, show, SubjectVerdict, Verdict};
use crate::extract::ChipIr;
use crate::lint::Finding;
use crate::machine::Completeness;
use crate::mutation::{self_test, Fate, Mutant};
use crate::refine::refined_findings;
use crate::solve::Solvers;

/// Everything checked of one chip.
pub struct ChipReport {
    pub name: String,
    pub findings: Vec<Finding>,
    /// The verdict on each determined column, or why determinism was not checked.
    pub determinism: Result<Vec<SubjectVerdict>, String>,
    /// Completeness on concrete traces, where the checker has a source of honest traces.
    pub completeness: Option<Completeness>,
    /// The mutation self-test, when asked for.
    pub mutants: Option<Vec<(Mutant, Fate)>>,
    pub time: Duration,
}

impl ChipReport {
    fn count(&self, pick: fn(&Verdict) -> bool) -> usize {
        match &self.determinism {
            Ok(v) => v.iter().filter(|c| pick(&c.verdict)).count(),
            Err(_) => 0,
        }
    }

    pub fn proved(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Proved))
    }

    pub fn counterexamples(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Counterexample(_)))
    }

    pub fn unknown(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Unknown(_)))
    }

    /// Whether the chip fails the check (a lint finding, a counterexample or a completeness
    /// failure).
    pub fn fails(&self) -> bool {
        let incomplete = self
            .completeness
            .as_ref()
            .is_some_and(|c| c.result.is_err());
        !self.findings.is_empty() || self.counterexamples() > 0 || incomplete
    }

    /// Mutants killed, and mutants not shown redundant.
    pub fn kill_rate(&self) -> Option<(usize, usize)> {
        let fates = self.mutants.as_ref()?;
        let killed = fates
            .iter()
            .filter(|(_, f)| matches!(f, Fate::Killed(_)))
            .count();
        let redundant = fates.iter().filter(|(_, f)| *f == Fate::Redundant).count();
        Some((killed, fates.len() - redundant))
    }
}

/// Lints `chip`, checks the determinism of its columns and (with `mutants`) runs the mutation
/// self-test; `completeness` is what the concrete traces said of it.
pub fn check_chip(
    chip: &ChipIr,
    solvers: &Solvers,
    completeness: Option<Completeness>,
    mutants: bool,
) -> ChipReport {
    let start = Instant::now();
    ChipReport {
        name: chip.name.clone(),
        findings: refined_findings(chip, solvers),
        determinism: check_determinism(chip, solvers),
        completeness,
        mutants: mutants.then(|| self_test(chip, solvers)),
        time: start.elapsed(),
    }
}

/// The summary table of `reports`.
pub fn table(reports: &[ChipReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<18} {:>5} {:>6} {:>9} {:>7} {:>10} {:>9} {:>8}",
        "chip", "lints", "proved", "counterex", "unknown", "complete", "mutants", "time"
    );
    for r in reports {
        let (proved, cx, unknown) = match &r.determinism {
            Ok(_) => (
                r.proved().to_string(),
                r.counterexamples().to_string(),
                r.unknown().to_string(),
            ),
            Err(_) => ("-".into(), "-".into(), "-".into()),
        };
        let complete = match &r.completeness {
            None => "-".to_string(),
            Some(c) => match &c.result {
                Ok(rows) => format!("{rows} rows"),
                Err(_) => "FAILS".to_string(),
            },
        };
        let mutants = r
            .kill_rate()
            .map_or("-".to_string(), |(k, n)| format!("{k}/{n}"));
        let _ = writeln!(
            out,
            "{:<18} {:>5} {:>6} {:>9} {:>7} {:>10} {:>9} {:>7.1}s",
            r.name,
            r.findings.len(),
            proved,
            cx,
            unknown,
            complete,
            mutants,
            r.time.as_secs_f32()
        );
    }
    out
}

/// Every finding, counterexample and unknown of `report`, spelled out.
pub fn details(chip: &ChipIr, report: &ChipReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{}: lint ({}): {}",
            report.name,
            f.rule.name(),
            f.message
        );
    }
    if let Some(Completeness {
        what,
        result: Err(why),
    }) = &report.completeness
    {
        let _ = writeln!(out, "{}: not complete ({what}): {why}", report.name);
    }
    for (m, fate) in report.mutants.iter().flatten() {
        if let Fate::Survived(why) = fate {
            let _ = writeln!(
                out,
                "{}: mutant without {} survives: {why}",
                report.name,
                m.describe()
            );
        }
    }
    match &report.determinism {
        Err(why) => {
            let _ = writeln!(out, "{}: determinism not checked: {why}", report.name);
        }
        Ok(verdicts) => {
            for v in verdicts {
                let subject = v.subject.describe(chip);
                match &v.verdict {
                    Verdict::Proved => {}
                    Verdict::Unknown(why) => {
                        let _ = writeln!(out, "{}: {subject}: unknown: {why}", report.name);
                    }
                    Verdict::Counterexample(cx) => out.push_str(&show(chip, v.subject, cx)),
                }
            }
        }
    }
    out
}

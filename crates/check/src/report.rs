//! One chip's check, and the table `tessera check` prints.

use std::fmt::Write;
use std::time::{Duration, Instant};

use crate::determinism::{check_determinism, show, SubjectVerdict, Verdict};
use crate::extract::ChipIr;
use crate::lint::{lint, Finding};
use crate::solve::Solvers;

/// Everything checked of one chip.
pub struct ChipReport {
    pub name: String,
    pub findings: Vec<Finding>,
    /// The verdict on each determined column, or why determinism was not checked.
    pub determinism: Result<Vec<SubjectVerdict>, String>,
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

    /// Whether the chip fails the check (a lint finding or a counterexample).
    pub fn fails(&self) -> bool {
        !self.findings.is_empty() || self.counterexamples() > 0
    }
}

/// Lints `chip` and checks the determinism of its columns.
pub fn check_chip(chip: &ChipIr, solvers: &Solvers) -> ChipReport {
    let start = Instant::now();
    ChipReport {
        name: chip.name.clone(),
        findings: lint(chip),
        determinism: check_determinism(chip, solvers),
        time: start.elapsed(),
    }
}

/// The summary table of `reports`.
pub fn table(reports: &[ChipReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20} {:>6} {:>7} {:>9} {:>8} {:>8}",
        "chip", "lints", "proved", "counterex", "unknown", "time"
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
        let _ = writeln!(
            out,
            "{:<20} {:>6} {:>7} {:>9} {:>8} {:>7.1}s",
            r.name,
            r.findings.len(),
            proved,
            cx,
            unknown,
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

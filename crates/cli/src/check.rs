//! `tessera check`: lints every chip and proves the determinism of its columns (or shows two
//! rows that say why not); with `--air`, the same for AIRs written in the text format of
//! `docs/check-format.md`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tessera_check::machine::{alu_completeness, edge_values, extract_mips, mips_chips, name};
use tessera_check::report::{check_chip, details, table};
use tessera_check::solve::Solvers;
use tessera_check::ChipIr;

/// Checks the MIPS chips `wanted` (all of them when empty and no `airs` are given) and the AIRs
/// in the files `airs`.
pub fn check(
    wanted: &[String],
    airs: &[PathBuf],
    guests: &Path,
    timeout: f64,
    smt_dir: Option<&Path>,
    mutants: bool,
) -> Result<ExitCode> {
    let chips = mips_chips();
    for w in wanted {
        if !chips.iter().any(|c| name(c) == w) {
            let names: Vec<&str> = chips.iter().map(name).collect();
            bail!("no chip {w}: the chips are {}", names.join(", "));
        }
    }
    // Every file is parsed before any solver runs: a typo fails at once, not minutes in.
    let external = airs
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            tessera_check::text::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        })
        .collect::<Result<Vec<ChipIr>>>()?;
    let solvers = Solvers::detect(Duration::from_secs_f64(timeout.max(0.1)));
    if solvers.z3.is_none() && solvers.cvc5.is_none() {
        bail!("no solver found: install z3 and cvc5 with `pip install z3-solver cvc5-gpl`");
    }
    eprintln!("solvers: {}", solvers.describe());
    let mips = airs.is_empty() || !wanted.is_empty();
    let mut completeness = Vec::new();
    if mips {
        let started = std::time::Instant::now();
        completeness = alu_completeness(&edge_values());
        eprintln!(
            "completeness of the ALU chips and the byte table: {:.1} s",
            started.elapsed().as_secs_f32()
        );
        // Every instruction form (into `$zero` too), then the example guests where present.
        let started = std::time::Instant::now();
        let mut runs = vec![tessera_check::runs::instruction_forms_run()];
        if guests.is_dir() {
            runs.extend(
                tessera_check::runs::guest_runs(guests, 1 << 14)
                    .map_err(|e| anyhow::anyhow!("the example guests: {e}"))?,
            );
        } else {
            eprintln!(
                "no {} folder: completeness on the example guests not checked",
                guests.display()
            );
        }
        for (chip, c) in tessera_check::runs::run_completeness(&runs) {
            match completeness.iter().position(|(n, _)| *n == chip) {
                Some(k) => {
                    let (n, before) = completeness.swap_remove(k);
                    completeness.push((n, before.and(c)));
                }
                None => completeness.push((chip, c)),
            }
        }
        eprintln!(
            "completeness of every chip on real runs: {:.1} s",
            started.elapsed().as_secs_f32()
        );
    }
    let mut reports = Vec::new();
    let mut undeclared = Vec::new();
    let mut text = String::new();
    let picked = |c: &&_| mips && (wanted.is_empty() || wanted.iter().any(|w| name(c) == w));
    for c in chips.iter().filter(picked) {
        let Some(ir) = extract_mips(c) else {
            undeclared.push(name(c));
            continue;
        };
        let ir = ir?;
        eprintln!("checking {}", ir.name);
        let complete = completeness
            .iter()
            .position(|(n, _)| *n == ir.name)
            .map(|k| completeness.swap_remove(k).1);
        let report = check_chip(&ir, &solvers, complete, mutants);
        text.push_str(&details(&ir, &report));
        if let (Some(dir), Ok(verdicts)) = (smt_dir, &report.determinism) {
            write_queries(dir, &ir.name, &ir, verdicts)?;
        }
        reports.push(report);
    }
    for ir in &external {
        eprintln!("checking {} (external AIR)", ir.name);
        // No source of honest traces for an external AIR: completeness is not checked.
        let report = check_chip(ir, &solvers, None, mutants);
        text.push_str(&details(ir, &report));
        if let (Some(dir), Ok(verdicts)) = (smt_dir, &report.determinism) {
            write_queries(dir, &ir.name, ir, verdicts)?;
        }
        reports.push(report);
    }
    print!("{}", table(&reports));
    print!("{text}");
    if !undeclared.is_empty() {
        println!("no contract yet (not checked): {}", undeclared.join(", "));
    }
    let failed = reports.iter().any(|r| r.fails());
    Ok(if failed || !undeclared.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes the SMT-LIB queries behind each counterexample.
fn write_queries(
    dir: &Path,
    chip: &str,
    ir: &tessera_check::ChipIr,
    verdicts: &[tessera_check::determinism::SubjectVerdict],
) -> Result<()> {
    use tessera_check::determinism::Verdict;
    std::fs::create_dir_all(dir)?;
    for v in verdicts {
        if let Verdict::Counterexample(cx) = &v.verdict {
            let subject = match v.subject {
                tessera_check::determinism::Subject::Column(c) => {
                    ir.contract.columns[c as usize].name.clone()
                }
                tessera_check::determinism::Subject::Answer { interaction, field } => {
                    format!("interaction{interaction}-field{field}")
                }
            };
            for (theory, text) in &cx.smt2 {
                let file = dir.join(format!("{chip}-{subject}-{theory:?}.smt2"));
                std::fs::write(&file, text)?;
                println!("query: {}", file.display());
            }
        }
    }
    Ok(())
}

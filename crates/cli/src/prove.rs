//! `tessera prove` and `tessera verify`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use tessera_machine::core_proof::{CoreProof, CoreVerifier};
use tessera_machine::program::{ProgramProver, ProveEvent, ProveOptions};
use tessera_stark::ConfigId;

use crate::run::load_program;

fn config(insecure: bool) -> ConfigId {
    if insecure {
        ConfigId::InsecureTesting
    } else {
        ConfigId::Production
    }
}

/// "1 shard", "n shards".
fn shards(n: usize) -> String {
    format!("{n} shard{}", if n == 1 { "" } else { "s" })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct ProveArgs<'a> {
    pub elf: &'a Path,
    pub stdin: &'a [PathBuf],
    pub output: &'a Path,
    pub options: ProveOptions,
    pub insecure: bool,
}

pub fn prove(args: &ProveArgs) -> anyhow::Result<ExitCode> {
    let program = Arc::new(load_program(args.elf)?);
    let inputs = args
        .stdin
        .iter()
        .map(|p| std::fs::read(p).with_context(|| format!("reading input {}", p.display())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message("setting up keys");
    let started = Instant::now();
    let prover = ProgramProver::new(program, config(args.insecure));
    let setup = started.elapsed();
    bar.set_message("executing");
    let counts = std::sync::Mutex::new((0usize, 0usize, 0u64));
    let progress = |event: ProveEvent| {
        let mut c = counts.lock().expect("no panic while counting");
        match event {
            ProveEvent::ShardRecorded { .. } => c.0 += 1,
            ProveEvent::ShardProven { cycles, .. } => {
                c.1 += 1;
                c.2 += cycles as u64;
            }
        }
        bar.set_message(format!(
            "executing and proving: {} shards recorded, {} proven ({} cycles)",
            c.0, c.1, c.2
        ));
    };
    let result = prover.prove_with(inputs, args.options, &progress);
    bar.finish_and_clear();
    let (proof, report) = result?;
    let bytes = proof.to_bytes();
    std::fs::write(args.output, &bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;

    eprintln!(
        "{:<18} {:>8} {:>8} {:>13}",
        "chip", "rows", "width", "lookup width"
    );
    for (name, rows, width, aux) in &report.chips {
        eprintln!("{name:<18} {rows:>8} {width:>8} {aux:>13}");
    }
    let cells = report.committed_cells();
    let secs = report.prove_time.as_secs_f64();
    eprintln!(
        "tessera: proved {} cycles in {} of at most {} cycles in {:.2} s ({:.0} cycles/s; setup {:.2} s, execution {:.2} s), \
         {} committed cells ({:.1} per cycle), proof {} bytes -> {}",
        report.cycles,
        shards(report.shards),
        args.options.shard_size,
        secs,
        report.cycles as f64 / secs,
        setup.as_secs_f64(),
        report.execute_time.as_secs_f64(),
        cells,
        cells as f64 / report.cycles as f64,
        bytes.len(),
        args.output.display()
    );
    eprintln!(
        "tessera: program key {}, public-values digest {}",
        hex(&prover.vk.digest()),
        hex(&report.io.committed_digest_bytes())
    );
    Ok(ExitCode::SUCCESS)
}

pub struct VerifyArgs<'a> {
    pub elf: &'a Path,
    pub proof: &'a Path,
    pub public_values: Option<&'a Path>,
    pub insecure: bool,
}

pub fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let program = Arc::new(load_program(args.elf)?);
    let bytes =
        std::fs::read(args.proof).with_context(|| format!("reading {}", args.proof.display()))?;
    let proof = CoreProof::from_bytes(&bytes).context("reading the proof")?;
    let config = config(args.insecure);
    if let Some(shard) = proof.shards.iter().find(|s| s.config_id != config) {
        bail!(
            "the proof uses the {:?} configuration; this verifier accepts {:?}{}",
            shard.config_id,
            config,
            if args.insecure {
                ""
            } else {
                " (pass --insecure to accept test proofs)"
            }
        );
    }
    let verifier = CoreVerifier::new(program, config);
    let out = verifier.verify(&proof).context("invalid proof")?;
    if let Some(path) = args.public_values {
        let given = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let digest: [u8; 32] = Sha256::digest(&given).into();
        if digest != out.digest {
            bail!(
                "{} hashes to {}, but the proof commits to {}",
                path.display(),
                hex(&digest),
                hex(&out.digest)
            );
        }
    }
    eprintln!(
        "tessera: valid proof of {} (program key {}, {} cycles in {}, exit code 0)",
        args.elf.display(),
        hex(&verifier.vk.digest()),
        out.cycles,
        shards(out.shards)
    );
    println!("{}", hex(&out.digest));
    Ok(ExitCode::SUCCESS)
}

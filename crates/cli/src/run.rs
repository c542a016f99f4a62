//! `tessera run`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use tessera_executor::{Executor, ExecutorConfig};
use tessera_mips::Program;

pub fn load_program(path: &Path) -> anyhow::Result<Program> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Program::from_elf(&bytes).with_context(|| format!("loading {}", path.display()))
}

pub fn run(
    elf: &Path,
    stdin: &[PathBuf],
    max_cycles: u64,
    shard_size: u64,
    public_values_file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let program = load_program(elf)?;
    let inputs = stdin
        .iter()
        .map(|p| std::fs::read(p).with_context(|| format!("reading input {}", p.display())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let config = ExecutorConfig {
        max_cycles,
        shard_size,
    };
    let mut executor = Executor::new(&program, inputs, config);
    let result = executor.run_fast();

    // The guest's output is passed through even when the run fails.
    let io = executor.io();
    std::io::stdout().write_all(&io.stdout)?;
    std::io::stdout().flush()?;
    std::io::stderr().write_all(&io.stderr)?;
    if let Some(path) = public_values_file {
        std::fs::write(path, &io.public_values)
            .with_context(|| format!("writing {}", path.display()))?;
    }

    let outcome = result?;
    let digest: String = io
        .committed_digest_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    eprintln!(
        "tessera: {} cycles, {} shard(s) of up to {} cycles, exit code {}",
        outcome.cycles, outcome.shards, config.shard_size, outcome.exit_code
    );
    let check = if io.digest_matches_public_values() {
        "matches"
    } else {
        "does NOT match"
    };
    eprintln!(
        "tessera: public values {} bytes, committed digest {digest} ({check} their SHA-256)",
        io.public_values.len()
    );
    if outcome.exit_code != 0 {
        eprintln!("error: guest exited with code {}", outcome.exit_code);
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

//! `tessera run`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use tessera_executor::{Executor, ExecutorConfig, Shard};
use tessera_mips::{Instruction, Program};

pub fn load_program(path: &Path) -> anyhow::Result<Program> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Program::from_elf(&bytes).with_context(|| format!("loading {}", path.display()))
}

pub struct RunArgs<'a> {
    pub elf: &'a Path,
    pub stdin: &'a [PathBuf],
    pub config: ExecutorConfig,
    pub public_values: Option<&'a Path>,
    pub trace: bool,
}

pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let program = load_program(args.elf)?;
    let inputs = args
        .stdin
        .iter()
        .map(|p| std::fs::read(p).with_context(|| format!("reading input {}", p.display())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let config = args.config;
    let mut executor = Executor::new(&program, inputs, config);
    let result = if args.trace {
        let mut log = std::io::BufWriter::new(std::io::stderr().lock());
        let result = executor.run_traced(|shard| print_trace(&mut log, shard));
        log.flush()?;
        result
    } else {
        executor.run_fast()
    };

    // The guest's output is passed through even when the run fails.
    let io = executor.io();
    std::io::stdout().write_all(&io.stdout)?;
    std::io::stdout().flush()?;
    std::io::stderr().write_all(&io.stderr)?;
    if let Some(path) = args.public_values {
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

/// One line per instruction: cycle, pc, word, assembly, operand values and result.
fn print_trace(out: &mut impl Write, shard: &Shard) {
    let _ = writeln!(
        out,
        "-- shard {} from cycle {}",
        shard.index, shard.start.clock
    );
    for e in &shard.cpu_events {
        let assembly = Instruction::decode(e.word).disassemble(e.pc);
        let _ = write!(
            out,
            "{:>10} {:08x}: {:08x}  {assembly:<32} rs={:#x} rt={:#x} -> {:#x}",
            e.clock, e.pc, e.word, e.rs_value, e.rt_value, e.result
        );
        if let Some(m) = e.memory {
            let _ = write!(
                out,
                "  [{:#010x}] {:#x} -> {:#x}",
                m.addr, m.prev_value, m.value
            );
        }
        let _ = writeln!(out);
    }
}

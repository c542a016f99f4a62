//! `tessera`: the command line. `run` executes a guest, `disasm` lists its code, `bench`
//! measures the executor.

mod bench;
mod check;
mod circuit;
mod disasm;
mod prove;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tessera_executor::{DEFAULT_MAX_CYCLES, DEFAULT_SHARD_SIZE};

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "Tessera zkVM: run, prove, verify, list and benchmark MIPS32 guests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Execute a guest ELF: its stdout and stderr pass through, a summary goes to stderr.
    Run {
        elf: PathBuf,
        /// An input buffer for the guest (repeatable; read in order with HINT_LEN/HINT_READ).
        #[arg(long = "stdin", value_name = "FILE")]
        stdin: Vec<PathBuf>,
        /// Fail when the guest has not halted after this many cycles.
        #[arg(long, default_value_t = DEFAULT_MAX_CYCLES)]
        max_cycles: u64,
        /// Cycles per shard, for the shard count in the summary.
        #[arg(long, default_value_t = DEFAULT_SHARD_SIZE)]
        shard_size: u64,
        /// Write the public-value bytes to this file.
        #[arg(long, value_name = "FILE")]
        public_values: Option<PathBuf>,
        /// Print every executed instruction (cycle, pc, assembly, operands, result) to stderr.
        #[arg(long)]
        trace: bool,
    },
    /// Run a guest and prove the run: shards proven in parallel, one core proof.
    Prove {
        elf: PathBuf,
        /// An input buffer for the guest (repeatable; read in order with HINT_LEN/HINT_READ).
        #[arg(long = "stdin", value_name = "FILE")]
        stdin: Vec<PathBuf>,
        /// Where to write the proof.
        #[arg(
            short = 'o',
            long = "output",
            value_name = "PROOF",
            default_value = "proof.bin"
        )]
        output: PathBuf,
        /// Cycles per shard (2 to 4,194,302). The default keeps two shards in flight well
        /// inside 24 GiB (docs/shards.md).
        #[arg(long, value_name = "CYCLES", default_value_t = tessera_machine::program::DEFAULT_SHARD_SIZE)]
        shard_size: u64,
        /// Shards proven at once (each holds its record and traces in memory).
        #[arg(long, value_name = "N", default_value_t = tessera_machine::program::DEFAULT_SHARDS_IN_FLIGHT)]
        shards_in_flight: usize,
        /// Use the fast configuration with no security (tests only).
        #[arg(long)]
        insecure: bool,
    },
    /// Verify a proof of a run of ELF; prints the committed public-values digest.
    Verify {
        elf: PathBuf,
        proof: PathBuf,
        /// Check that these bytes hash to the committed digest.
        #[arg(long, value_name = "FILE")]
        public_values: Option<PathBuf>,
        /// Accept proofs made with the insecure test configuration (and only those).
        #[arg(long)]
        insecure: bool,
    },
    /// Print the program's code as assembly.
    Disasm { elf: PathBuf },
    /// Check every chip: lints, the determinism of each output column (SMT, with z3 and cvc5)
    /// and completeness on honest traces; exits non-zero on any finding, counterexample or
    /// completeness failure, or a chip without a contract.
    Check {
        /// Only these chips (comma-separated).
        #[arg(long, value_delimiter = ',')]
        chip: Vec<String>,
        /// Check the AIR in this file instead (repeatable; format: docs/check-format.md). The
        /// MIPS chips are then checked only if --chip names some.
        #[arg(long, value_name = "FILE")]
        air: Vec<PathBuf>,
        /// The example guests (`bin/*.elf`, `inputs/`) whose runs' traces every chip must
        /// accept (completeness); skipped if the folder is missing.
        #[arg(long, value_name = "DIR", default_value = "guest")]
        guests: PathBuf,
        /// Also run the mutation self-test: drop each constraint and interaction in turn.
        #[arg(long)]
        mutants: bool,
        /// Seconds per solver query.
        #[arg(long, value_name = "S", default_value_t = 20.0)]
        timeout: f64,
        /// Write the SMT-LIB query behind each counterexample here.
        #[arg(long, value_name = "DIR")]
        smt_dir: Option<PathBuf>,
    },
    /// Arithmetic circuits of the verifier's checks.
    #[command(subcommand)]
    Circuit(CircuitCommand),
    /// Measure executor throughput (fast and tracing mode) on the SHA-256 and Keccak guests,
    /// or with `--prove` proving throughput at the production configuration.
    Bench {
        /// Folder holding sha256.elf and keccak.elf.
        #[arg(long, default_value = "guest/bin")]
        guests: PathBuf,
        /// Bytes hashed by each guest.
        #[arg(long, default_value_t = 256 * 1024)]
        input_bytes: usize,
        /// Runs per measurement; the best is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Measure proving instead: each guest hashes about a million cycles' worth of bytes,
        /// or `--prove-bytes`.
        #[arg(long)]
        prove: bool,
        #[arg(long)]
        prove_bytes: Option<usize>,
        /// With `--prove`: only this guest (sha256 or keccak).
        #[arg(long)]
        guest: Option<String>,
        /// With `--prove`: cycles per shard.
        #[arg(long, value_name = "CYCLES", default_value_t = tessera_machine::program::DEFAULT_SHARD_SIZE)]
        shard_size: u64,
        /// With `--prove`: shards proven at once.
        #[arg(long, value_name = "N", default_value_t = tessera_machine::program::DEFAULT_SHARDS_IN_FLIGHT)]
        shards_in_flight: usize,
        /// Prove with the insecure test configuration.
        #[arg(long)]
        insecure: bool,
    },
}

#[derive(Subcommand)]
enum CircuitCommand {
    /// Inputs, constants and gates of the out-of-domain check of ELF's first shard, per chip
    /// and for the whole shard.
    Stats {
        elf: PathBuf,
        /// An input buffer for the guest (repeatable).
        #[arg(long = "stdin", value_name = "FILE")]
        stdin: Vec<PathBuf>,
        /// Cycles per shard.
        #[arg(long, value_name = "CYCLES", default_value_t = tessera_machine::program::DEFAULT_SHARD_SIZE)]
        shard_size: u64,
    },
}

fn main() -> ExitCode {
    // TESSERA_LOG sets the log filter; TESSERA_SPANS=1 also prints how long each phase took.
    let spans = std::env::var_os("TESSERA_SPANS").is_some();
    let default_filter = if spans { "info" } else { "warn" };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_span_events(if spans {
            tracing_subscriber::fmt::format::FmtSpan::CLOSE
        } else {
            tracing_subscriber::fmt::format::FmtSpan::NONE
        })
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TESSERA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            elf,
            stdin,
            max_cycles,
            shard_size,
            public_values,
            trace,
        } => run::run(&run::RunArgs {
            elf: &elf,
            stdin: &stdin,
            config: tessera_executor::ExecutorConfig {
                max_cycles,
                shard_size,
            },
            public_values: public_values.as_deref(),
            trace,
        }),
        Command::Prove {
            elf,
            stdin,
            output,
            shard_size,
            shards_in_flight,
            insecure,
        } => prove::prove(&prove::ProveArgs {
            elf: &elf,
            stdin: &stdin,
            output: &output,
            options: tessera_machine::program::ProveOptions {
                shard_size,
                shards_in_flight,
            },
            insecure,
        }),
        Command::Verify {
            elf,
            proof,
            public_values,
            insecure,
        } => prove::verify(&prove::VerifyArgs {
            elf: &elf,
            proof: &proof,
            public_values: public_values.as_deref(),
            insecure,
        }),
        Command::Check {
            chip,
            air,
            guests,
            mutants,
            timeout,
            smt_dir,
        } => check::check(&chip, &air, &guests, timeout, smt_dir.as_deref(), mutants),
        Command::Disasm { elf } => disasm::disasm(&elf).map(|()| ExitCode::SUCCESS),
        Command::Circuit(CircuitCommand::Stats {
            elf,
            stdin,
            shard_size,
        }) => circuit::stats(&elf, &stdin, shard_size).map(|()| ExitCode::SUCCESS),
        Command::Bench {
            guests,
            input_bytes,
            repeat,
            prove,
            prove_bytes,
            guest,
            shard_size,
            shards_in_flight,
            insecure,
        } => if prove {
            let options = tessera_machine::program::ProveOptions {
                shard_size,
                shards_in_flight,
            };
            bench::bench_prove(&guests, prove_bytes, guest.as_deref(), options, insecure)
        } else {
            bench::bench(&guests, input_bytes, repeat)
        }
        .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

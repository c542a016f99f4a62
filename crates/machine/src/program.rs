//! Proving whole programs: the machine for an ELF and the pipelined prover of a run's shards.
//! The executor cuts the run into shards; each shard's record is built in order (see
//! [`RunBridge`]) and proven by one of a few workers, so at most `shards_in_flight` shards'
//! records and traces are alive at once. The proofs form a [`CoreProof`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tessera_executor::{ExecError, Executor, ExecutorConfig, Io};
use tessera_mips::Program;
use tessera_stark::septic::Point;
use tessera_stark::{Chip, ConfigId, Machine, Proof, ProveError, ProvingKey, Val, VerifyingKey};
use thiserror::Error;

use crate::bridge::RunBridge;
use crate::chips::cpu::CpuChip;
use crate::chips::digest::DigestChip;
use crate::chips::global_sum::GlobalSumChip;
use crate::chips::hint::HintChip;
use crate::chips::image::ProgramImage;
use crate::chips::keccak_sponge::KeccakSpongeChip;
use crate::chips::memory::{MemoryGlobalChip, MemoryShardChip};
use crate::chips::poseidon2::Poseidon2Chip;
use crate::chips::sha_compress::{constants::ShaRoundConstantsChip, ShaCompressChip};
use crate::chips::sha_extend::ShaExtendChip;
use crate::chips::syscall::SyscallChip;
use crate::chips::{
    add_sub::AddSubChip, bit_field::BitFieldChip, bits::BitsChip, bitwise::BitwiseChip,
    bytes::ByteChip, div::DivChip, lt::LtChip, mul::MulChip, program::ProgramChip,
    shift::ShiftChip, MipsChip,
};
use crate::core_proof::{CoreProof, CoreVerifier};
use crate::record::MachineRecord;
use crate::shard::MAX_SHARD_CYCLES;

/// The machine that proves the shards of runs of `program`.
pub fn machine(program: Arc<Program>, config: ConfigId) -> Machine<MipsChip> {
    let chips = vec![
        MipsChip::Bytes(ByteChip),
        MipsChip::Program(ProgramChip::new(program.clone())),
        MipsChip::Cpu(CpuChip),
        MipsChip::AddSub(AddSubChip),
        MipsChip::Bitwise(BitwiseChip),
        MipsChip::Lt(LtChip),
        MipsChip::Mul(MulChip),
        MipsChip::Div(DivChip),
        MipsChip::Shift(ShiftChip),
        MipsChip::Bits(BitsChip),
        MipsChip::BitField(BitFieldChip),
        MipsChip::MemoryShard(MemoryShardChip),
        MipsChip::MemoryGlobal(MemoryGlobalChip),
        MipsChip::GlobalSum(GlobalSumChip),
        MipsChip::Syscall(SyscallChip),
        MipsChip::Hint(HintChip),
        MipsChip::Digest(DigestChip),
        MipsChip::ShaExtend(ShaExtendChip),
        MipsChip::ShaCompress(ShaCompressChip),
        MipsChip::ShaRoundConstants(ShaRoundConstantsChip),
        MipsChip::KeccakSponge(KeccakSpongeChip),
        MipsChip::Poseidon2(Poseidon2Chip),
    ];
    Machine::new(chips, config)
}

/// The position of the chip named `name` (its [`Chip::name`]) in `machine`'s list: chips are
/// found by name or variant, never by a position constant.
pub fn chip_position(machine: &Machine<MipsChip>, name: &str) -> Option<usize> {
    machine.chips().iter().position(|chip| chip.name() == name)
}

/// Cycles per shard unless asked otherwise: on a 24 GiB machine two shards of this size are
/// proven at once well inside memory (see `docs/shards.md` for the measured peaks).
pub const DEFAULT_SHARD_SIZE: u64 = 1 << 20;
/// Shards proven at once unless asked otherwise.
pub const DEFAULT_SHARDS_IN_FLIGHT: usize = 2;

/// How a run is cut and proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProveOptions {
    /// Cycles per shard (at most [`MAX_SHARD_CYCLES`]).
    pub shard_size: u64,
    /// At most this many shards' records and traces are alive (and proven) at once.
    pub shards_in_flight: usize,
}

impl Default for ProveOptions {
    fn default() -> Self {
        ProveOptions {
            shard_size: DEFAULT_SHARD_SIZE,
            shards_in_flight: DEFAULT_SHARDS_IN_FLIGHT,
        }
    }
}

/// What the prover reports as it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProveEvent {
    /// Shard `index` of `cycles` cycles was executed and its record built.
    ShardRecorded { index: usize, cycles: usize },
    /// Shard `index` was proven.
    ShardProven { index: usize, cycles: usize },
}

/// The keys of the machine for `program`: they bind the program image's multiset hash (which
/// the verifier adds to the shards' sums), so a proof for another image is for another key.
/// Returns the hash too.
pub fn keys(machine: &Machine<MipsChip>, program: &Program) -> (ProvingKey, VerifyingKey, Point) {
    let image_sum = ProgramImage::new(program).sum();
    let context = match image_sum {
        Point::Identity => vec![0],
        Point::Affine { x, y } => std::iter::once(1)
            .chain(
                x.0.iter()
                    .chain(&y.0)
                    .map(p3_field::PrimeField32::as_canonical_u32),
            )
            .collect(),
    };
    let (pk, vk) = machine.setup_with_context::<MachineRecord>(context);
    (pk, vk, image_sum)
}

/// Why a run was not proven. Each message includes its cause (none is also a `source`, so an
/// error chain prints each cause once).
#[derive(Debug, Error)]
pub enum ProgramError {
    #[error("execution failed: {0}")]
    Execution(ExecError),
    #[error("shard size {0} is out of range: a shard holds 2 to {MAX_SHARD_CYCLES} cycles")]
    ShardSize(u64),
    #[error("the guest exited with code {0}: only successful runs (exit code 0) are proven")]
    Failed(u32),
    #[error("this run cannot be proven: {0}")]
    Unprovable(String),
    #[error("shard {index}: {error}")]
    Prove { index: usize, error: ProveError },
}

impl From<ExecError> for ProgramError {
    fn from(error: ExecError) -> Self {
        ProgramError::Execution(error)
    }
}

/// What proving took.
#[derive(Clone, Debug)]
pub struct ProveReport {
    pub cycles: u64,
    pub shards: usize,
    /// `(chip, rows, width, permutation width)` of every chip, rows summed over the shards
    /// (widths in base-field columns; a chip a shard leaves out counts no rows there).
    pub chips: Vec<(String, usize, usize, usize)>,
    /// Executing and recording, then proving: they overlap, so `prove_time` is the wall time
    /// from the first cycle to the last proof.
    pub execute_time: Duration,
    pub prove_time: Duration,
    pub io: Io,
}

impl ProveReport {
    /// Σ (width + permutation width) × rows over all chips: every committed trace cell but the
    /// quotient's.
    pub fn committed_cells(&self) -> usize {
        self.chips
            .iter()
            .map(|(_, rows, width, aux)| rows * (width + aux))
            .sum()
    }
}

/// A prover for one program: its machine and keys.
pub struct ProgramProver {
    pub program: Arc<Program>,
    pub machine: Machine<MipsChip>,
    pub pk: ProvingKey,
    pub vk: VerifyingKey,
    /// The program image's part of the run's multiset sum.
    pub image_sum: Point,
}

/// One shard's proof and its chips' `(rows, permutation width)`.
type ShardOutcome = Result<(Proof, Vec<(usize, usize)>), ProveError>;

impl ProgramProver {
    pub fn new(program: Arc<Program>, config: ConfigId) -> Self {
        let machine = machine(program.clone(), config);
        let (pk, vk, image_sum) = keys(&machine, &program);
        ProgramProver {
            program,
            machine,
            pk,
            vk,
            image_sum,
        }
    }

    /// The verifier of this prover's proofs.
    pub fn verifier(&self) -> CoreVerifier {
        CoreVerifier {
            program: self.program.clone(),
            machine: machine(self.program.clone(), self.machine.config_id()),
            vk: self.vk.clone(),
            image_sum: self.image_sum,
        }
    }

    /// Runs the program on `inputs` and proves the run with the default options.
    pub fn prove(&self, inputs: Vec<Vec<u8>>) -> Result<(CoreProof, ProveReport), ProgramError> {
        self.prove_with(inputs, ProveOptions::default(), &|_| {})
    }

    /// Runs the program on `inputs` and proves the run shard by shard, telling `progress` as
    /// each shard is recorded and proven.
    pub fn prove_with(
        &self,
        inputs: Vec<Vec<u8>>,
        options: ProveOptions,
        progress: &(dyn Fn(ProveEvent) + Sync),
    ) -> Result<(CoreProof, ProveReport), ProgramError> {
        if !(2..=MAX_SHARD_CYCLES as u64).contains(&options.shard_size) {
            return Err(ProgramError::ShardSize(options.shard_size));
        }
        let started = Instant::now();
        let config = ExecutorConfig {
            shard_size: options.shard_size,
            ..ExecutorConfig::default()
        };
        let mut executor = Executor::new(&self.program, inputs, config);
        let workers = options.shards_in_flight.max(1);
        // A rendezvous channel: a record waits until a worker is free to take it.
        let (sender, receiver) = sync_channel::<(usize, MachineRecord)>(0);
        let receiver = Mutex::new(receiver);
        let results: Mutex<Vec<(usize, ShardOutcome)>> = Mutex::new(Vec::new());
        let failed = AtomicBool::new(false);
        let mut bridge = RunBridge::new(self.program.clone());
        let mut unprovable = None;
        let mut execute_time = Duration::ZERO;

        let outcome = std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let next = receiver
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .recv();
                    let Ok((index, record)) = next else { break };
                    let cycles = record.cpu_steps.len();
                    let outcome = self.prove_record(&record);
                    drop(record);
                    if outcome.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    } else {
                        progress(ProveEvent::ShardProven { index, cycles });
                    }
                    results
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((index, outcome));
                });
            }
            let outcome = executor.run_traced(|shard| {
                if unprovable.is_some() || failed.load(Ordering::Relaxed) {
                    return;
                }
                match bridge.record(shard) {
                    Ok(record) => {
                        let index = record.shard_index as usize;
                        progress(ProveEvent::ShardRecorded {
                            index,
                            cycles: shard.num_cycles(),
                        });
                        // Workers stop only once the sender is dropped, or by panicking (which
                        // the scope reports when it joins them).
                        if sender.send((index, record)).is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                    }
                    Err(e) => unprovable = Some(e),
                }
            });
            execute_time = started.elapsed();
            drop(sender);
            outcome
        })?;
        if outcome.exit_code != 0 {
            return Err(ProgramError::Failed(outcome.exit_code));
        }
        if let Some(e) = unprovable {
            return Err(ProgramError::Unprovable(e));
        }
        let mut results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
        results.sort_unstable_by_key(|r| r.0);
        let mut shards = Vec::with_capacity(results.len());
        let mut chips: Vec<(String, usize, usize, usize)> = self
            .machine
            .chips()
            .iter()
            .map(|c| {
                let width = <MipsChip as p3_air::BaseAir<Val>>::width(c);
                (c.name().to_string(), 0, width, 0)
            })
            .collect();
        for (index, outcome) in results {
            let (proof, shapes) = outcome.map_err(|error| ProgramError::Prove { index, error })?;
            for (chip, (rows, aux)) in chips.iter_mut().zip(shapes) {
                chip.1 += rows;
                chip.3 = chip.3.max(aux);
            }
            shards.push(proof);
        }
        let report = ProveReport {
            cycles: outcome.cycles,
            shards: shards.len(),
            chips,
            execute_time,
            prove_time: started.elapsed(),
            io: executor.io().clone(),
        };
        Ok((CoreProof { shards }, report))
    }

    /// Proves one shard's record.
    pub fn prove_record(&self, record: &MachineRecord) -> ShardOutcome {
        let traces: Vec<_> = self
            .machine
            .chips()
            .par_iter()
            .map(|chip| chip.generate_trace(record))
            .collect();
        let public_values: Vec<Vec<Val>> = self
            .machine
            .chips()
            .iter()
            .map(|c| c.public_values(record))
            .collect();
        let proof = self.machine.prove_traces_of::<MachineRecord>(
            &self.pk,
            record,
            traces,
            public_values,
        )?;
        // Read from the proof, so the lookup layout is derived once (by the prover): a chip the
        // proof leaves out commits nothing; the permutation row opens every base column.
        let batch = &proof.batch;
        let mut instances = batch.degree_bits.iter().zip(&batch.opened_values.instances);
        let shapes = proof
            .present
            .iter()
            .map(
                |&present| match present.then(|| instances.next()).flatten() {
                    Some((&log_height, opened)) => {
                        (1 << log_height, opened.permutation_local.len())
                    }
                    None => (0, 0),
                },
            )
            .collect();
        Ok((proof, shapes))
    }
}

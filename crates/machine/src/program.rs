//! Proving and verifying whole programs: the machine for an ELF, a run's proof, and the checks
//! a verifier makes of its public values (start at the ELF entry, halted, exit code 0) before it
//! reports the committed digest.
//!
//! A proof covers one shard for now, so a run must halt within [`MAX_SHARD_CYCLES`] cycles;
//! many shards come with the cross-shard argument (issue 5).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera_executor::{ExecError, Executor, ExecutorConfig, Io};
use tessera_mips::Program;
use tessera_stark::{
    Chip, ConfigId, Machine, Proof, ProveError, ProvingKey, Val, VerifyError, VerifyingKey,
};
use thiserror::Error;

use crate::chips::cpu::{public, CpuChip};
use crate::chips::digest::DigestChip;
use crate::chips::hint::HintChip;
use crate::chips::image::ImageChip;
use crate::chips::keccak_sponge::KeccakSpongeChip;
use crate::chips::poseidon2::Poseidon2Chip;
use crate::chips::sha_compress::{constants::ShaRoundConstantsChip, ShaCompressChip};
use crate::chips::sha_extend::ShaExtendChip;
use crate::chips::syscall::SyscallChip;
use crate::chips::{
    add_sub::AddSubChip, bit_field::BitFieldChip, bits::BitsChip, bitwise::BitwiseChip,
    bytes::ByteChip, div::DivChip, lt::LtChip, memory::Boundary, memory::MemoryBoundaryChip,
    mul::MulChip, program::ProgramChip, shift::ShiftChip, MipsChip,
};
use crate::record::MachineRecord;
use crate::shard::MAX_SHARD_CYCLES;

/// Chip positions in [`machine`].
pub const CPU: usize = 3;
pub const SYSCALL: usize = 14;
pub const DIGEST: usize = 16;

/// The machine that proves runs of `program`.
pub fn machine(program: Arc<Program>, config: ConfigId) -> Machine<MipsChip> {
    let chips = vec![
        MipsChip::Bytes(ByteChip),
        MipsChip::Program(ProgramChip::new(program.clone())),
        MipsChip::Image(ImageChip::new(&program)),
        MipsChip::Cpu(CpuChip),
        MipsChip::AddSub(AddSubChip),
        MipsChip::Bitwise(BitwiseChip),
        MipsChip::Lt(LtChip),
        MipsChip::Mul(MulChip),
        MipsChip::Div(DivChip),
        MipsChip::Shift(ShiftChip),
        MipsChip::Bits(BitsChip),
        MipsChip::BitField(BitFieldChip),
        MipsChip::MemoryBoundary(MemoryBoundaryChip {
            boundary: Boundary::Init,
        }),
        MipsChip::MemoryBoundary(MemoryBoundaryChip {
            boundary: Boundary::Final,
        }),
        MipsChip::Syscall(SyscallChip),
        MipsChip::Hint(HintChip),
        MipsChip::Digest(DigestChip),
        MipsChip::ShaExtend(ShaExtendChip),
        MipsChip::ShaCompress(ShaCompressChip),
        MipsChip::ShaRoundConstants(ShaRoundConstantsChip),
        MipsChip::KeccakSponge(KeccakSpongeChip),
        MipsChip::Poseidon2(Poseidon2Chip),
    ];
    debug_assert!(matches!(chips[CPU], MipsChip::Cpu(_)));
    debug_assert!(matches!(chips[SYSCALL], MipsChip::Syscall(_)));
    debug_assert!(matches!(chips[DIGEST], MipsChip::Digest(_)));
    Machine::new(chips, config)
}

#[derive(Debug, Error)]
pub enum ProgramError {
    #[error("execution failed: {0}")]
    Execution(#[from] ExecError),
    #[error(
        "the run takes {cycles} cycles; one proof holds at most {MAX_SHARD_CYCLES} for now \
         (proofs of many shards are not built yet)"
    )]
    TooLong { cycles: u64 },
    #[error("the guest exited with code {0}: only successful runs (exit code 0) are proven")]
    Failed(u32),
    #[error("this run cannot be proven: {0}")]
    Unprovable(String),
    #[error(transparent)]
    Prove(#[from] ProveError),
}

/// What proving took.
#[derive(Clone, Debug)]
pub struct ProveReport {
    pub cycles: u64,
    /// `(chip, rows, width, permutation width)` of every chip's trace (widths in base-field
    /// columns).
    pub chips: Vec<(String, usize, usize, usize)>,
    pub execute_time: Duration,
    pub setup_time: Duration,
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
}

impl ProgramProver {
    pub fn new(program: Arc<Program>, config: ConfigId) -> Self {
        let machine = machine(program.clone(), config);
        let (pk, vk) = machine.setup::<MachineRecord>();
        ProgramProver {
            program,
            machine,
            pk,
            vk,
        }
    }

    /// Runs the program on `inputs` and proves the run. `stage` hears each stage's name as it
    /// starts (for progress displays).
    pub fn prove(
        &self,
        inputs: Vec<Vec<u8>>,
        mut stage: impl FnMut(&str),
    ) -> Result<(Proof, ProveReport), ProgramError> {
        stage("executing");
        let started = Instant::now();
        let config = ExecutorConfig {
            shard_size: MAX_SHARD_CYCLES as u64,
            ..ExecutorConfig::default()
        };
        let mut executor = Executor::new(&self.program, inputs, config);
        let mut record: Option<Result<MachineRecord, String>> = None;
        let outcome = executor.run_traced(|shard| {
            if record.is_none() {
                record = Some(MachineRecord::from_shard(self.program.clone(), shard));
            }
        })?;
        if outcome.shards > 1 {
            return Err(ProgramError::TooLong {
                cycles: outcome.cycles,
            });
        }
        if outcome.exit_code != 0 {
            return Err(ProgramError::Failed(outcome.exit_code));
        }
        let record = record
            .expect("a halted run has a shard")
            .map_err(ProgramError::Unprovable)?;
        let execute_time = started.elapsed();

        stage("proving");
        let started = Instant::now();
        let traces: Vec<_> = {
            use rayon::prelude::*;
            self.machine
                .chips()
                .par_iter()
                .map(|chip| chip.generate_trace(&record))
                .collect()
        };
        let log_heights: Vec<usize> = traces
            .iter()
            .map(|t| (t.values.len() / t.width).trailing_zeros() as usize)
            .collect();
        let aux = self
            .machine
            .permutation_widths::<MachineRecord>(&log_heights);
        let present = self.machine.present(&record);
        // A chip the proof leaves out commits nothing.
        let chips = self
            .machine
            .chips()
            .iter()
            .zip(&traces)
            .zip(aux)
            .zip(&present)
            .map(|(((chip, t), aux), &present)| {
                let rows = if present { t.values.len() / t.width } else { 0 };
                (
                    chip.name().to_string(),
                    rows,
                    t.width,
                    if present { aux } else { 0 },
                )
            })
            .collect();
        let public_values: Vec<Vec<Val>> = self
            .machine
            .chips()
            .iter()
            .map(|c| c.public_values(&record))
            .collect();
        let proof = self.machine.prove_traces_of::<MachineRecord>(
            &self.pk,
            &record,
            traces,
            public_values,
        )?;
        let report = ProveReport {
            cycles: outcome.cycles,
            chips,
            execute_time,
            setup_time: Duration::ZERO,
            prove_time: started.elapsed(),
            io: executor.io().clone(),
        };
        Ok((proof, report))
    }
}

/// What a valid proof says about its run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicOutput {
    /// The SHA-256 digest of the public values the guest committed (its eight words as
    /// little-endian bytes).
    pub digest: [u8; 32],
    pub cycles: u32,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProgramVerifyError {
    #[error(transparent)]
    Proof(#[from] VerifyError),
    #[error("the proof's run starts at pc {pc:#x}, not at the ELF entry {entry:#x}")]
    WrongStart { pc: u32, entry: u32 },
    #[error("the proven run did not halt")]
    NotHalted,
    #[error("the proven run exited with code {0:#x}, not 0")]
    Failed(u32),
}

/// Verifies a proof of a run of the program `vk` was made for (`machine` must be that program's).
/// Checks, beyond the STARK: the run started at the ELF entry, halted, and exited with code 0.
pub fn verify(
    machine: &Machine<MipsChip>,
    vk: &VerifyingKey,
    program: &Program,
    proof: &Proof,
) -> Result<PublicOutput, ProgramVerifyError> {
    machine.verify::<MachineRecord>(vk, proof)?;
    // The verifier checked each chip's public-value count and canonical form.
    let pv = &proof.public_values;
    let cpu = &pv[CPU];
    let (pc, next_pc) = (cpu[public::START_PC], cpu[public::START_NEXT_PC]);
    if pc != program.entry || next_pc != program.entry.wrapping_add(4) {
        return Err(ProgramVerifyError::WrongStart {
            pc,
            entry: program.entry,
        });
    }
    if cpu[public::HALTED] != 1 {
        return Err(ProgramVerifyError::NotHalted);
    }
    let exit = pv[SYSCALL][0] | pv[SYSCALL][1] << 16;
    if pv[SYSCALL][0] >= 1 << 16 || pv[SYSCALL][1] >= 1 << 16 || exit != 0 {
        return Err(ProgramVerifyError::Failed(exit));
    }
    let mut digest = [0u8; 32];
    for (i, halves) in pv[DIGEST].chunks_exact(2).enumerate() {
        let word = halves[0] | halves[1] << 16;
        digest[4 * i..4 * i + 4].copy_from_slice(&word.to_le_bytes());
    }
    Ok(PublicOutput {
        digest,
        cycles: cpu[public::CYCLES],
    })
}

//! The core proof of a run: one STARK proof per shard, bound together by their public values.
//! The verifier checks every shard's proof and then what binds them: indices `0..n` in order,
//! each shard starting where the previous one ended (pc, next pc, clock, committed digest), only
//! the last one halting (with exit code 0) and holding the run's memory boundary, and the
//! shards' global sums adding up, with the program image's, to the identity
//! (`docs/multiset-hash.md`, `docs/shards.md`).

use std::sync::Arc;

use rayon::prelude::*;

use tessera_mips::Program;
use tessera_stark::septic::Point;
use tessera_stark::{header, strip_header, ConfigId, Machine, Proof, VerifyError, VerifyingKey};
use thiserror::Error;

use crate::chips::cpu::columns::CpuPublicValues;
use crate::chips::digest::{DigestPublicValues, DIGEST_WORDS};
use crate::chips::global_sum::{contribution, GlobalSumPublicValues};
use crate::chips::memory::MemoryShardPublicValues;
use crate::chips::syscall::SyscallPublicValues;
use crate::chips::MipsChip;
use crate::program::{keys, machine};
use crate::record::MachineRecord;

pub const CORE_MAGIC: [u8; 8] = *b"TESSCORE";
/// Bumped whenever the layout changes.
pub const CORE_FORMAT_VERSION: u32 = 1;
/// Core proofs larger than this are refused before decoding.
pub const MAX_CORE_PROOF_BYTES: usize = 1 << 31;

/// Every shard's proof, in order. Bytes: magic, version, then each shard's proof bytes behind
/// their length (`u64`, little-endian).
#[derive(Debug)]
pub struct CoreProof {
    pub shards: Vec<Proof>,
}

impl CoreProof {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = header(CORE_MAGIC, CORE_FORMAT_VERSION);
        for shard in &self.shards {
            let bytes = shard.to_bytes();
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        out
    }

    /// Decodes a core proof. Never panics: any byte string either decodes or is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let mut rest = strip_header(bytes, CORE_MAGIC, CORE_FORMAT_VERSION, MAX_CORE_PROOF_BYTES)?;
        let mut shards = Vec::new();
        while !rest.is_empty() {
            let Some((len, tail)) = rest.split_first_chunk::<8>() else {
                return Err(VerifyError::Malformed(
                    "a shard's length is cut short".into(),
                ));
            };
            let len = u64::from_le_bytes(*len);
            if len > tail.len() as u64 {
                return Err(VerifyError::Malformed(format!(
                    "shard {} claims {len} bytes, {} remain",
                    shards.len(),
                    tail.len()
                )));
            }
            let (shard, tail) = tail.split_at(len as usize);
            shards.push(Proof::from_bytes(shard)?);
            rest = tail;
        }
        Ok(CoreProof { shards })
    }
}

/// What a valid core proof says about its run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicOutput {
    /// The SHA-256 digest of the public values the guest committed (its eight words as
    /// little-endian bytes).
    pub digest: [u8; 32],
    pub cycles: u64,
    pub shards: usize,
}

/// Why a core proof was rejected. Each message includes its cause (none is also a `source`, so
/// an error chain prints each cause once).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CoreVerifyError {
    #[error("{0}")]
    Decode(VerifyError),
    #[error("the proof holds no shard")]
    NoShards,
    #[error("shard {index}: {error}")]
    Shard { index: usize, error: VerifyError },
    #[error("the proof's shard {position} says it is shard {claimed}: shards are missing, repeated or out of order")]
    WrongIndex { position: usize, claimed: u32 },
    #[error("shard {0} halts but is not the last one")]
    HaltsEarly(usize),
    #[error("the last shard ({0}) does not halt: the run is incomplete")]
    NotHalted(usize),
    #[error("shard {index} does not start where the run is: its {what} is {got:#x}, expected {expected:#x}")]
    Discontinuity {
        index: usize,
        what: &'static str,
        got: u64,
        expected: u64,
    },
    #[error("shard {0} carries the run's memory boundary, which only the last shard proves")]
    MisplacedGlobalMemory(usize),
    #[error("shard {0}: its global sum is not a point of the curve")]
    BadGlobalSum(usize),
    #[error("the shards' memory does not match up: the global multiset sum is not the identity (a value changed between shards, or a shard is missing or foreign)")]
    GlobalSumMismatch,
    #[error("the proven run exited with code {0:#x}, not 0")]
    Failed(u32),
    #[error("the committed digest is not made of 16-bit halves")]
    BadDigest,
}

/// Verifies core proofs of runs of one program.
pub struct CoreVerifier {
    pub program: Arc<Program>,
    pub machine: Machine<MipsChip>,
    pub vk: VerifyingKey,
    /// The program image's part of the multiset sum.
    pub image_sum: Point,
}

/// Where the chips whose public values bind the shards sit in the machine, found by variant.
struct BindingChips {
    cpu: usize,
    memory_shard: usize,
    memory_global: usize,
    global_sum: usize,
    syscall: usize,
    digest: usize,
}

impl BindingChips {
    fn of(chips: &[MipsChip]) -> Self {
        let find = |is: fn(&MipsChip) -> bool| {
            chips
                .iter()
                .position(is)
                .expect("the MIPS machine has every chip that binds shards")
        };
        BindingChips {
            cpu: find(|c| matches!(c, MipsChip::Cpu(_))),
            memory_shard: find(|c| matches!(c, MipsChip::MemoryShard(_))),
            memory_global: find(|c| matches!(c, MipsChip::MemoryGlobal(_))),
            global_sum: find(|c| matches!(c, MipsChip::GlobalSum(_))),
            syscall: find(|c| matches!(c, MipsChip::Syscall(_))),
            digest: find(|c| matches!(c, MipsChip::Digest(_))),
        }
    }
}

/// A chip's typed public values, borrowed from the proof's (whose count the STARK verifier
/// checked; a wrong count is still an error here, not a panic).
fn typed<P>(values: &[u32], index: usize) -> Result<&P, CoreVerifyError>
where
    [u32]: std::borrow::Borrow<P>,
{
    if std::mem::size_of_val(values) != std::mem::size_of::<P>() {
        return Err(CoreVerifyError::Shard {
            index,
            error: VerifyError::Malformed("a chip's public values have the wrong count".into()),
        });
    }
    Ok(std::borrow::Borrow::borrow(values))
}

/// A 32-bit word from public 16-bit halves (`None` if one is not a half).
fn word(lo: u32, hi: u32) -> Option<u32> {
    (lo < 1 << 16 && hi < 1 << 16).then_some(lo | hi << 16)
}

impl CoreVerifier {
    pub fn new(program: Arc<Program>, config: ConfigId) -> Self {
        let machine = machine(program.clone(), config);
        let (_, vk, image_sum) = keys(&machine, &program);
        CoreVerifier {
            program,
            machine,
            vk,
            image_sum,
        }
    }

    pub fn verify_bytes(&self, bytes: &[u8]) -> Result<PublicOutput, CoreVerifyError> {
        let proof = CoreProof::from_bytes(bytes).map_err(CoreVerifyError::Decode)?;
        self.verify(&proof)
    }

    /// Verifies every shard and what binds them; returns the run's public output.
    pub fn verify(&self, proof: &CoreProof) -> Result<PublicOutput, CoreVerifyError> {
        let shards = &proof.shards;
        let last = shards
            .len()
            .checked_sub(1)
            .ok_or(CoreVerifyError::NoShards)?;
        let mut pcs = (self.program.entry, self.program.entry.wrapping_add(4));
        let mut clock = 0u64;
        let chips = BindingChips::of(self.machine.chips());
        let mut digest = [[0u32; 2]; DIGEST_WORDS];
        let mut sum = self.image_sum;
        let mut exit_code = 0;
        // The shards' STARKs are independent: verify them in parallel, report the first failure.
        let verdicts: Vec<_> = shards
            .par_iter()
            .map(|shard| self.machine.verify::<MachineRecord>(&self.vk, shard))
            .collect();
        for (index, verdict) in verdicts.into_iter().enumerate() {
            verdict.map_err(|error| CoreVerifyError::Shard { index, error })?;
        }
        for (index, shard) in shards.iter().enumerate() {
            // The STARK verifier checked each present chip's public-value count.
            let pv = &shard.public_values;
            let claimed =
                typed::<MemoryShardPublicValues<u32>>(&pv[chips.memory_shard], index)?.shard_index;
            if claimed as usize != index {
                return Err(CoreVerifyError::WrongIndex {
                    position: index,
                    claimed,
                });
            }
            let cpu: &CpuPublicValues<u32> = typed(&pv[chips.cpu], index)?;
            match (cpu.halted == 1, index == last) {
                (true, false) => return Err(CoreVerifyError::HaltsEarly(index)),
                (false, true) => return Err(CoreVerifyError::NotHalted(index)),
                _ => {}
            }
            let start_clock = word(cpu.start_clock[0], cpu.start_clock[1]);
            let starts = [
                ("pc", cpu.start_pc as u64, pcs.0 as u64),
                ("next pc", cpu.start_next_pc as u64, pcs.1 as u64),
                ("clock", start_clock.map_or(u64::MAX, u64::from), clock),
            ];
            for (what, got, expected) in starts {
                if got != expected {
                    return Err(CoreVerifyError::Discontinuity {
                        index,
                        what,
                        got,
                        expected,
                    });
                }
            }
            let shard_digest: &DigestPublicValues<u32> = typed(&pv[chips.digest], index)?;
            let halves = shard_digest
                .start
                .iter()
                .flatten()
                .zip(digest.iter().flatten());
            if let Some((&got, &expected)) = halves.clone().find(|(got, expected)| got != expected)
            {
                return Err(CoreVerifyError::Discontinuity {
                    index,
                    what: "committed digest half",
                    got: got as u64,
                    expected: expected as u64,
                });
            }
            digest = shard_digest.end;
            if shard.present[chips.memory_global] && index != last {
                return Err(CoreVerifyError::MisplacedGlobalMemory(index));
            }
            let global_sum: &GlobalSumPublicValues<u32> = typed(&pv[chips.global_sum], index)?;
            sum = sum + contribution(global_sum).ok_or(CoreVerifyError::BadGlobalSum(index))?;
            pcs = (cpu.end_pc, cpu.end_next_pc);
            clock += cpu.cycles as u64;
            if index == last {
                let syscall: &SyscallPublicValues<u32> = typed(&pv[chips.syscall], index)?;
                exit_code = word(syscall.exit_code[0], syscall.exit_code[1]).unwrap_or(u32::MAX);
            }
        }
        if sum != Point::Identity {
            return Err(CoreVerifyError::GlobalSumMismatch);
        }
        if exit_code != 0 {
            return Err(CoreVerifyError::Failed(exit_code));
        }
        let mut out = [0u8; 32];
        for (i, halves) in digest.iter().enumerate() {
            let w = word(halves[0], halves[1]).ok_or(CoreVerifyError::BadDigest)?;
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        Ok(PublicOutput {
            digest: out,
            cycles: clock,
            shards: shards.len(),
        })
    }
}

//! The guest ABI's syscalls (`docs/guest-abi.md`): numbers and their effect on the executor.

use crate::error::ExecErrorKind;
use crate::executor::Executor;
use crate::precompiles::{
    keccak_sponge, poseidon2_permute, sha256_compress, sha256_extend, KECCAK_BLOCK_WORDS,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Syscall {
    Halt = 0x00,
    Write = 0x02,
    Commit = 0x10,
    CommitDeferredProofs = 0x1A,
    VerifyProof = 0x1B,
    HintLen = 0xF0,
    HintRead = 0xF1,
    ShaExtend = 0x3001_0005,
    ShaCompress = 0x0101_0006,
    KeccakSponge = 0x0101_0009,
    Poseidon2Permute = 0x0001_0030,
}

impl Syscall {
    pub const ALL: [Syscall; 11] = [
        Syscall::Halt,
        Syscall::Write,
        Syscall::Commit,
        Syscall::CommitDeferredProofs,
        Syscall::VerifyProof,
        Syscall::HintLen,
        Syscall::HintRead,
        Syscall::ShaExtend,
        Syscall::ShaCompress,
        Syscall::KeccakSponge,
        Syscall::Poseidon2Permute,
    ];

    pub fn from_number(number: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as u32 == number)
    }
}

/// File descriptors of WRITE.
pub const FD_STDOUT: u32 = 1;
pub const FD_STDERR: u32 = 2;
pub const FD_PUBLIC_VALUES_LEGACY: u32 = 3;
pub const FD_PUBLIC_VALUES: u32 = 13;
pub const FD_INPUT: u32 = 14;

fn bad(reason: String) -> ExecErrorKind {
    ExecErrorKind::BadSyscallArgument(reason)
}

impl Executor<'_> {
    /// Executes syscall `number`; returns the value for `$v0`, if the call has one.
    pub(crate) fn syscall<const TRACE: bool>(
        &mut self,
        number: u32,
        [a0, a1, a2]: [u32; 3],
    ) -> Result<Option<u32>, ExecErrorKind> {
        let call = Syscall::from_number(number).ok_or(ExecErrorKind::UnknownSyscall(number))?;
        match call {
            Syscall::Halt => self.exit_code = Some(a0),
            Syscall::Write => {
                let bytes = self.read_bytes::<TRACE>(a1, a2)?;
                match a0 {
                    FD_STDOUT => self.io.stdout.extend_from_slice(&bytes),
                    FD_STDERR => self.io.stderr.extend_from_slice(&bytes),
                    FD_PUBLIC_VALUES | FD_PUBLIC_VALUES_LEGACY => {
                        self.io.public_values.extend_from_slice(&bytes)
                    }
                    FD_INPUT => self.io.inputs.push(bytes),
                    fd => tracing::warn!(fd, len = a2, "guest wrote to an unknown fd; ignored"),
                }
            }
            Syscall::Commit | Syscall::CommitDeferredProofs => {
                if a0 >= 8 {
                    return Err(bad(format!("digest word index {a0} is not in 0..8")));
                }
                let digest = if call == Syscall::Commit {
                    &mut self.io.committed_digest
                } else {
                    &mut self.io.deferred_proofs_digest
                };
                digest[a0 as usize] = a1;
            }
            Syscall::VerifyProof => {
                let vk: [u32; 8] = self.read_words::<TRACE, 8>(a0)?;
                let digest: [u8; 32] = self
                    .read_bytes::<TRACE>(a1, 32)?
                    .try_into()
                    .expect("32 bytes were read");
                self.io.verified_proofs.push((vk, digest));
            }
            Syscall::HintLen => {
                let cursor = self.io.input_cursor;
                self.note_input_use(cursor + 1);
                let next = self
                    .io
                    .inputs
                    .get(cursor)
                    .ok_or(ExecErrorKind::NotEnoughInput(self.io.inputs.len()))?;
                return Ok(Some(next.len() as u32));
            }
            Syscall::HintRead => {
                let cursor = self.io.input_cursor;
                self.note_input_use(cursor + 1);
                let Some(next) = self.io.inputs.get(cursor) else {
                    return Err(ExecErrorKind::NotEnoughInput(self.io.inputs.len()));
                };
                if next.len() as u64 != a1 as u64 {
                    return Err(ExecErrorKind::HintLengthMismatch {
                        expected: next.len(),
                        got: a1,
                    });
                }
                if a0 % 4 != 0 {
                    return Err(ExecErrorKind::Unaligned { addr: a0, size: 4 });
                }
                let bytes = std::mem::take(&mut self.io.inputs[cursor]);
                let written = self.write_bytes::<TRACE>(a0, &bytes);
                self.io.inputs[cursor] = bytes;
                written?;
                self.io.input_cursor += 1;
            }
            Syscall::ShaExtend => {
                let mut w = [0u32; 64];
                w[..16].copy_from_slice(&self.read_words::<TRACE, 16>(a0)?);
                sha256_extend(&mut w);
                self.write_words::<TRACE>(a0 + 64, &w[16..])?;
            }
            Syscall::ShaCompress => {
                let w: [u32; 64] = self.read_words::<TRACE, 64>(a0)?;
                let mut state: [u32; 8] = self.read_words::<TRACE, 8>(a1)?;
                sha256_compress(&w, &mut state);
                self.write_words::<TRACE>(a1, &state)?;
            }
            Syscall::KeccakSponge => {
                let [len]: [u32; 1] = self.read_words::<TRACE, 1>(a1.wrapping_add(64))?;
                if !(len as usize).is_multiple_of(KECCAK_BLOCK_WORDS) {
                    return Err(bad(format!(
                        "keccak input length {len} words is not a multiple of {KECCAK_BLOCK_WORDS}"
                    )));
                }
                Self::check_aligned_range(a0, len.saturating_mul(4))?;
                let input: Vec<u32> = (0..len)
                    .map(|i| self.access::<TRACE>(a0 + 4 * i, None))
                    .collect();
                let out = keccak_sponge(&input);
                self.write_words::<TRACE>(a1, &out)?;
            }
            Syscall::Poseidon2Permute => {
                if a1 != 0 {
                    return Err(bad(format!("POSEIDON2_PERMUTE takes a1 = 0, got {a1:#x}")));
                }
                let words: [u32; 16] = self.read_words::<TRACE, 16>(a0)?;
                let out = poseidon2_permute(&words).ok_or_else(|| {
                    bad(
                        "POSEIDON2_PERMUTE input holds a word that is not below the KoalaBear \
                         prime"
                            .into(),
                    )
                })?;
                self.write_words::<TRACE>(a0, &out)?;
            }
        }
        Ok(None)
    }

    fn check_aligned_range(addr: u32, len: u32) -> Result<(), ExecErrorKind> {
        if !addr.is_multiple_of(4) {
            return Err(ExecErrorKind::Unaligned { addr, size: 4 });
        }
        Self::check_range(addr, len)
    }

    fn read_words<const TRACE: bool, const N: usize>(
        &mut self,
        addr: u32,
    ) -> Result<[u32; N], ExecErrorKind> {
        Self::check_aligned_range(addr, 4 * N as u32)?;
        Ok(std::array::from_fn(|i| {
            self.access::<TRACE>(addr + 4 * i as u32, None)
        }))
    }

    fn write_words<const TRACE: bool>(
        &mut self,
        addr: u32,
        words: &[u32],
    ) -> Result<(), ExecErrorKind> {
        Self::check_aligned_range(addr, 4 * words.len() as u32)?;
        for (i, &w) in words.iter().enumerate() {
            self.access::<TRACE>(addr + 4 * i as u32, Some(w));
        }
        Ok(())
    }

    /// `len` bytes from `addr`, touching each covered word once.
    fn read_bytes<const TRACE: bool>(
        &mut self,
        addr: u32,
        len: u32,
    ) -> Result<Vec<u8>, ExecErrorKind> {
        Self::check_range(addr, len)?;
        if len == 0 {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(len as usize);
        let (first, last) = (addr & !3, (addr + len - 1) & !3);
        for word_addr in (first..=last).step_by(4) {
            let bytes = self.access::<TRACE>(word_addr, None).to_le_bytes();
            for (k, b) in bytes.iter().enumerate() {
                let a = word_addr + k as u32;
                if a >= addr && a - addr < len {
                    out.push(*b);
                }
            }
        }
        Ok(out)
    }

    /// Writes `bytes` at `addr`, read-modify-writing each covered word once.
    fn write_bytes<const TRACE: bool>(
        &mut self,
        addr: u32,
        bytes: &[u8],
    ) -> Result<(), ExecErrorKind> {
        let len = u32::try_from(bytes.len()).map_err(|_| ExecErrorKind::OutOfRange {
            addr,
            len: u32::MAX,
        })?;
        Self::check_range(addr, len)?;
        if len == 0 {
            return Ok(());
        }
        let (first, last) = (addr & !3, (addr + len - 1) & !3);
        for word_addr in (first..=last).step_by(4) {
            let mut word = self.memory.word(word_addr).to_le_bytes();
            for (k, b) in word.iter_mut().enumerate() {
                let a = word_addr + k as u32;
                if a >= addr && a - addr < len {
                    *b = bytes[(a - addr) as usize];
                }
            }
            self.access::<TRACE>(word_addr, Some(u32::from_le_bytes(word)));
        }
        Ok(())
    }
}

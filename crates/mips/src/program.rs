//! Loading a guest ELF into a [`Program`]: the memory image and the decoded code (the program ROM).

use elf::abi::{EM_MIPS, ET_EXEC, PF_W, PF_X, PT_LOAD};
use elf::endian::LittleEndian;
use elf::ElfBytes;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::instruction::Instruction;

/// Code must lie below this address (guest ABI).
pub const CODE_LIMIT: u32 = 0x3F00_0000;
/// Every address at or above this one is out of range (guest ABI).
pub const MEMORY_LIMIT: u32 = 0x7F00_0000;
/// A taken branch or jump to an address at or above this one is an error at the jump itself
/// (guest ABI). The prover's CPU checks every target below 2^30 as two 16-bit halves, which keeps
/// it a canonical field element; a run that jumps higher and halts in the delay slot, before
/// the target is fetched, would otherwise be accepted here and have no proof.
pub const JUMP_LIMIT: u32 = 1 << 30;
/// The largest span of executable segments Tessera decodes (16 M instructions); the program ROM
/// must stay a provable size.
pub const MAX_CODE_BYTES: u32 = 64 << 20;

const EF_MIPS_ARCH: u32 = 0xF000_0000;
/// MIPS I, II, 32 and 32r2: the 32-bit architectures whose user instructions are a subset of
/// MIPS32r2. Everything else (64-bit, release 6) is rejected up front.
const SUPPORTED_ARCHES: [u32; 4] = [0x0000_0000, 0x1000_0000, 0x5000_0000, 0x7000_0000];

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ElfError {
    #[error("not an ELF file (bad magic)")]
    NotElf,
    #[error("ELF file is truncated or malformed: {0}")]
    Malformed(String),
    #[error("ELF class is 64-bit; Tessera runs 32-bit MIPS (ELFCLASS32)")]
    Not32Bit,
    #[error("ELF is big-endian; Tessera runs little-endian MIPS (mipsel)")]
    NotLittleEndian,
    #[error("ELF machine is {0}, not MIPS (8)")]
    NotMips(u16),
    #[error("ELF type is {0}, not an executable (ET_EXEC); build with -static -fno-pic")]
    NotExecutable(u16),
    #[error("ELF architecture flags {0:#010x} are not MIPS32r2-compatible (64-bit or release 6)")]
    UnsupportedArch(u32),
    #[error("ELF has no loadable segment")]
    NoSegments,
    #[error("segment {index}: {reason}")]
    BadSegment { index: usize, reason: String },
    #[error("segments {0} and {1} overlap")]
    Overlap(usize, usize),
    #[error("executable segments span {0} bytes, more than the supported {MAX_CODE_BYTES}")]
    CodeTooLarge(u64),
    #[error("entry point {0:#010x} is not a 4-aligned address inside an executable segment")]
    BadEntry(u32),
}

/// One loadable segment: `data` is the file image, the rest up to `mem_size` reads as zero.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub vaddr: u32,
    pub mem_size: u32,
    pub data: Vec<u8>,
    pub executable: bool,
    pub writable: bool,
}

impl Segment {
    pub fn end(&self) -> u32 {
        self.vaddr + self.mem_size
    }
}

/// A loaded guest: its entry point, memory image and decoded code. The default is the empty
/// program (no segments, no code).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    pub entry: u32,
    pub segments: Vec<Segment>,
    /// Address of `instructions[0]`; the code covers the span of all executable segments.
    pub code_base: u32,
    pub instructions: Vec<Instruction>,
}

impl Program {
    /// Parses and validates a guest ELF. Never panics: every problem is an [`ElfError`].
    pub fn from_elf(bytes: &[u8]) -> Result<Self, ElfError> {
        if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        if bytes.len() < 52 {
            return Err(ElfError::Malformed(format!(
                "{} bytes, shorter than an ELF32 header",
                bytes.len()
            )));
        }
        match bytes[4] {
            1 => {}
            2 => return Err(ElfError::Not32Bit),
            c => return Err(ElfError::Malformed(format!("unknown ELF class {c}"))),
        }
        match bytes[5] {
            1 => {}
            2 => return Err(ElfError::NotLittleEndian),
            d => {
                return Err(ElfError::Malformed(format!(
                    "unknown ELF data encoding {d}"
                )))
            }
        }
        let file = ElfBytes::<LittleEndian>::minimal_parse(bytes)
            .map_err(|e| ElfError::Malformed(e.to_string()))?;
        let header = &file.ehdr;
        if header.e_machine != EM_MIPS {
            return Err(ElfError::NotMips(header.e_machine));
        }
        if header.e_type != ET_EXEC {
            return Err(ElfError::NotExecutable(header.e_type));
        }
        let arch = header.e_flags & EF_MIPS_ARCH;
        if !SUPPORTED_ARCHES.contains(&arch) {
            return Err(ElfError::UnsupportedArch(header.e_flags));
        }

        let table = file.segments().ok_or(ElfError::NoSegments)?;
        let mut segments = Vec::new();
        for (index, ph) in table.iter().enumerate() {
            if ph.p_type != PT_LOAD || ph.p_memsz == 0 {
                continue;
            }
            let bad = |reason: String| ElfError::BadSegment { index, reason };
            if ph.p_filesz > ph.p_memsz {
                return Err(bad(format!(
                    "file size {:#x} exceeds memory size {:#x}",
                    ph.p_filesz, ph.p_memsz
                )));
            }
            let file_end = ph.p_offset.checked_add(ph.p_filesz);
            if file_end.is_none_or(|end| end > bytes.len() as u64) {
                return Err(bad(format!(
                    "file range {:#x}+{:#x} lies outside the {}-byte file",
                    ph.p_offset,
                    ph.p_filesz,
                    bytes.len()
                )));
            }
            let end = ph.p_vaddr.checked_add(ph.p_memsz);
            if end.is_none_or(|end| end > MEMORY_LIMIT as u64) {
                return Err(bad(format!(
                    "memory range {:#x}+{:#x} passes the memory limit {MEMORY_LIMIT:#x}",
                    ph.p_vaddr, ph.p_memsz
                )));
            }
            if ph.p_align > 1 {
                if !ph.p_align.is_power_of_two() {
                    return Err(bad(format!(
                        "alignment {:#x} is not a power of two",
                        ph.p_align
                    )));
                }
                if ph.p_vaddr % ph.p_align != ph.p_offset % ph.p_align {
                    return Err(bad(format!(
                        "address {:#x} and offset {:#x} disagree modulo alignment {:#x}",
                        ph.p_vaddr, ph.p_offset, ph.p_align
                    )));
                }
            }
            let executable = ph.p_flags & PF_X != 0;
            if executable {
                if ph.p_vaddr % 4 != 0 {
                    return Err(bad(format!(
                        "executable segment at {:#x} is not 4-aligned",
                        ph.p_vaddr
                    )));
                }
                if ph.p_vaddr + ph.p_memsz > CODE_LIMIT as u64 {
                    return Err(bad(format!(
                        "executable segment ends past the code limit {CODE_LIMIT:#x}"
                    )));
                }
            }
            // Bounds were checked above, so these casts and the slice are exact.
            let start = ph.p_offset as usize;
            segments.push(Segment {
                vaddr: ph.p_vaddr as u32,
                mem_size: ph.p_memsz as u32,
                data: bytes[start..start + ph.p_filesz as usize].to_vec(),
                executable,
                writable: ph.p_flags & PF_W != 0,
            });
        }
        if segments.is_empty() {
            return Err(ElfError::NoSegments);
        }
        for i in 0..segments.len() {
            for j in i + 1..segments.len() {
                let (a, b) = (&segments[i], &segments[j]);
                if a.vaddr < b.end() && b.vaddr < a.end() {
                    return Err(ElfError::Overlap(i, j));
                }
            }
        }

        let code_segments = segments.iter().filter(|s| s.executable);
        let code_base = code_segments.clone().map(|s| s.vaddr).min();
        let code_end = code_segments.map(|s| s.end()).max();
        let (Some(code_base), Some(code_end)) = (code_base, code_end) else {
            return Err(ElfError::BadEntry(header.e_entry as u32));
        };
        let code_end = (code_end + 3) & !3;
        if code_end - code_base > MAX_CODE_BYTES {
            return Err(ElfError::CodeTooLarge((code_end - code_base) as u64));
        }
        let mut instructions = vec![Instruction::decode(0); ((code_end - code_base) / 4) as usize];
        for (slot, addr) in instructions
            .iter_mut()
            .zip((code_base..code_end).step_by(4))
        {
            // Words in gaps between executable segments are not code.
            let in_code = segments
                .iter()
                .any(|s| s.executable && s.vaddr <= addr && addr < s.end());
            *slot = if in_code {
                Instruction::decode(read_word(&segments, addr))
            } else {
                Instruction::decode(u32::MAX)
            };
        }

        let entry = header.e_entry;
        let entry_ok = entry % 4 == 0
            && segments
                .iter()
                .any(|s| s.executable && (s.vaddr as u64) <= entry && entry < s.end() as u64);
        if !entry_ok {
            return Err(ElfError::BadEntry(entry as u32));
        }
        Ok(Program {
            entry: entry as u32,
            segments,
            code_base,
            instructions,
        })
    }

    /// A program from raw code words at `code_base` (the entry) plus optional data segments:
    /// for tests and tools that assemble code directly rather than load an ELF.
    pub fn from_code(code_base: u32, code: &[u32], data: Vec<Segment>) -> Self {
        let mut segments = vec![Segment {
            vaddr: code_base,
            mem_size: 4 * code.len() as u32,
            data: code.iter().flat_map(|w| w.to_le_bytes()).collect(),
            executable: true,
            writable: false,
        }];
        segments.extend(data);
        Program {
            entry: code_base,
            segments,
            code_base,
            instructions: code.iter().map(|&w| Instruction::decode(w)).collect(),
        }
    }

    /// The decoded instruction at `pc`, if `pc` is an aligned address inside the code.
    #[inline(always)]
    pub fn instruction(&self, pc: u32) -> Option<&Instruction> {
        if !pc.is_multiple_of(4) {
            return None;
        }
        self.instructions
            .get((pc.wrapping_sub(self.code_base) / 4) as usize)
    }

    /// The ELF's initial memory as `(address, word)` pairs for every nonzero aligned word.
    pub fn initial_words(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.segments.iter().flat_map(|s| {
            let words = (s.data.len() as u32).div_ceil(4) + (s.vaddr % 4 != 0) as u32;
            let first = s.vaddr & !3;
            (0..words).filter_map(move |k| {
                let addr = first + 4 * k;
                let w = read_word(std::slice::from_ref(s), addr);
                (w != 0).then_some((addr, w))
            })
        })
    }
}

/// The little-endian word at aligned `addr` in the file image of `segments`.
fn read_word(segments: &[Segment], addr: u32) -> u32 {
    let mut bytes = [0u8; 4];
    for (k, byte) in bytes.iter_mut().enumerate() {
        let a = addr + k as u32;
        if let Some(s) = segments.iter().find(|s| s.vaddr <= a && a < s.end()) {
            *byte = s.data.get((a - s.vaddr) as usize).copied().unwrap_or(0);
        }
    }
    u32::from_le_bytes(bytes)
}

/// Function symbols of an ELF (address, name), sorted by address, for listings. Best effort:
/// a file without a symbol table gives an empty list.
pub fn function_symbols(bytes: &[u8]) -> Vec<(u32, String)> {
    let Ok(file) = ElfBytes::<LittleEndian>::minimal_parse(bytes) else {
        return Vec::new();
    };
    let Ok(Some((symbols, strings))) = file.symbol_table() else {
        return Vec::new();
    };
    let mut out: Vec<(u32, String)> = symbols
        .iter()
        .filter(|s| {
            let kind = s.st_symtype();
            (kind == elf::abi::STT_FUNC || kind == elf::abi::STT_NOTYPE) && s.st_shndx != 0
        })
        .filter_map(|s| {
            let name = strings.get(s.st_name as usize).ok()?;
            (!name.is_empty() && !name.starts_with('$'))
                .then(|| (s.st_value as u32, name.to_string()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal valid ELF: one RX segment at 0x400000 holding `code`.
    pub(crate) fn tiny_elf(code: &[u32]) -> Vec<u8> {
        let mut f = vec![0u8; 52 + 32];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 1; // ELFCLASS32
        f[5] = 1; // little-endian
        f[6] = 1; // version
        let put16 =
            |f: &mut Vec<u8>, at: usize, v: u16| f[at..at + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |f: &mut Vec<u8>, at: usize, v: u32| f[at..at + 4].copy_from_slice(&v.to_le_bytes());
        put16(&mut f, 16, 2); // ET_EXEC
        put16(&mut f, 18, 8); // EM_MIPS
        put32(&mut f, 20, 1);
        put32(&mut f, 24, 0x40_0000); // entry
        put32(&mut f, 28, 52); // phoff
        put32(&mut f, 36, 0x7000_1000); // flags: mips32r2, noreorder
        put16(&mut f, 40, 52);
        put16(&mut f, 42, 32);
        put16(&mut f, 44, 1);
        put16(&mut f, 46, 40);
        let off = 0x1000u32;
        let size = 4 * code.len() as u32;
        put32(&mut f, 52, 1); // PT_LOAD
        put32(&mut f, 56, off);
        put32(&mut f, 60, 0x40_0000);
        put32(&mut f, 64, 0x40_0000);
        put32(&mut f, 68, size);
        put32(&mut f, 72, size);
        put32(&mut f, 76, 5); // R X
        put32(&mut f, 80, 0x1000);
        f.resize(off as usize, 0);
        for w in code {
            f.extend_from_slice(&w.to_le_bytes());
        }
        f
    }

    #[test]
    fn loads_a_minimal_executable() {
        let p = Program::from_elf(&tiny_elf(&[0x2402_0000, 0x0000_000C])).unwrap();
        assert_eq!(p.entry, 0x40_0000);
        assert_eq!(p.instructions.len(), 2);
        assert_eq!(p.instruction(0x40_0004).unwrap().word, 0x0000_000C);
        assert!(p.instruction(0x40_0008).is_none());
        assert!(p.instruction(0x40_0002).is_none());
        assert_eq!(
            p.initial_words().collect::<Vec<_>>(),
            vec![(0x40_0000, 0x2402_0000), (0x40_0004, 0xC)]
        );
    }

    #[test]
    fn rejects_bad_headers_with_clear_errors() {
        let good = tiny_elf(&[0]);
        let with = |at: usize, v: &[u8]| {
            let mut f = good.clone();
            f[at..at + v.len()].copy_from_slice(v);
            Program::from_elf(&f).unwrap_err()
        };
        assert_eq!(Program::from_elf(b"hello").unwrap_err(), ElfError::NotElf);
        assert_eq!(with(4, &[2]), ElfError::Not32Bit);
        assert_eq!(with(5, &[2]), ElfError::NotLittleEndian);
        assert_eq!(with(18, &[3, 0]), ElfError::NotMips(3));
        assert_eq!(with(16, &[3, 0]), ElfError::NotExecutable(3));
        assert!(matches!(
            with(36, &[0, 0, 0, 0x90]),
            ElfError::UnsupportedArch(_)
        ));
        assert_eq!(with(24, &[2, 0, 0x40, 0]), ElfError::BadEntry(0x40_0002));
        assert!(matches!(
            with(60, &[0, 0, 0, 0x7F]),
            ElfError::BadSegment { .. }
        ));
        assert!(matches!(
            with(56, &[0, 0, 1, 0]),
            ElfError::BadSegment { .. }
        ));
        // code above the code limit
        assert!(matches!(
            with(60, &[0, 0x10, 0, 0x3F]),
            ElfError::BadSegment { .. }
        ));
    }
}

//! Guest memory: the whole 0..0x7F000000 range as one zero-initialised array of words.
//!
//! The array is reserved lazily by the OS (a zeroed allocation maps untouched pages to nothing),
//! so only pages the guest touches cost memory, and every access is a bounds-free index.

use tessera_mips::{Program, MEMORY_LIMIT};

pub struct Memory {
    words: Vec<u32>,
}

impl Default for Memory {
    fn default() -> Self {
        Self::new()
    }
}

impl Memory {
    pub fn new() -> Self {
        Memory {
            words: vec![0u32; (MEMORY_LIMIT / 4) as usize],
        }
    }

    /// Memory holding the program's loaded segments.
    pub fn with_program(program: &Program) -> Self {
        let mut memory = Self::new();
        for (addr, word) in program.initial_words() {
            memory.set_word(addr, word);
        }
        memory
    }

    /// The word at aligned `addr`, which must be below the memory limit.
    #[inline(always)]
    pub fn word(&self, addr: u32) -> u32 {
        self.words[(addr >> 2) as usize]
    }

    #[inline(always)]
    pub fn set_word(&mut self, addr: u32, value: u32) {
        self.words[(addr >> 2) as usize] = value;
    }

    /// `len` bytes from `addr`; the caller has checked the range.
    pub fn read_bytes(&self, addr: u32, len: u32) -> Vec<u8> {
        (addr..addr + len)
            .map(|a| self.word(a & !3).to_le_bytes()[(a & 3) as usize])
            .collect()
    }
}

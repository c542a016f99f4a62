//! The initial memory image: the words of the ELF's loadable segments. They enter the run's
//! memory multiset once, through the verifying key rather than a chip: the verifier adds
//! [`ProgramImage::sum`], the multiset hash of the messages `(MEMORY, key, value, tag 0)` sent
//! for every image word, to the shards' contributions (`docs/multiset-hash.md`). So no shard can
//! leave the image out or count it twice, and no shard pays for it.

use rayon::prelude::*;
use tessera_mips::Program;
use tessera_stark::septic::Point;

use crate::bus::{global_memory_fields, memory_key};
use crate::chips::global_sum::message_point;

#[derive(Clone, Debug)]
pub struct ProgramImage {
    /// `(key, value)` of every image word, sorted by key.
    pub words: Vec<(u32, u32)>,
}

impl ProgramImage {
    pub fn new(program: &Program) -> Self {
        let mut words: Vec<(u32, u32)> = program
            .initial_words()
            .map(|(addr, value)| (memory_key(addr), value))
            .collect();
        words.sort_unstable();
        words.dedup_by_key(|w| w.0);
        ProgramImage { words }
    }

    /// The image's part of the run's multiset: the sum of its words' message points.
    pub fn sum(&self) -> Point {
        self.words
            .par_iter()
            .map(|&(key, value)| message_point((true, global_memory_fields(key, value, 0))))
            .reduce(|| Point::Identity, |a, b| a + b)
    }
}

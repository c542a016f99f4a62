//! Random programs over every instruction form of the guest ABI prove and verify, cut into small
//! random shards: the machine agrees with the executor on programs nobody wrote by hand.
//!
//! The generator builds a program from *units*: one instruction, or a short idiom (a branch or
//! jump and its delay slot, a call and its return, a syscall and its arguments) that control
//! enters only at its start. Branches and jumps go forward only, to the start of a later unit (or
//! to the final HALT), or inside their own unit to a place computed for them, so every program
//! terminates; no branch or jump sits in a delay slot. Nothing a unit does can fail: divisors are
//! nonzero, addresses aligned and in range, and trap conditions false.
//!
//! [`a_fixed_sample_proves_and_verifies_in_random_shards`] proves [`SAMPLE`] programs from fixed
//! seeds, each with a random shard size, and [`the_sample_covers_every_form`] executes the same
//! programs and checks that every form in [`required_forms`] was executed at least once.
//! `TESSERA_RANDOM_SEED=S` proves only the sample's program `S` (printing its listing), and
//! `TESSERA_SHRINK_SEED=S cargo test ... -- --ignored shrink` removes units from a failing program
//! while it still fails, and prints what is left.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::asm::{i, r, special2, special3, CODE, DATA, SYSCALL};
use proptest::prelude::*;
use tessera_executor::{CpuEvent, Executor, ExecutorConfig, Shard, SyscallEvent};
use tessera_machine::program::{ProgramProver, ProveOptions};
use tessera_mips::{Instruction, Opcode, Program};
use tessera_stark::ConfigId;

/// Programs in the fixed sample.
const SAMPLE: u64 = 200;
/// Code words per program in the sample (the prologue, the units, and HALT).
const LENGTH: usize = 120;
/// Of a hundred programs, how many are cut into several shards (the others are proven in one).
const MULTI_SHARD_PERCENT: u32 = 100;
/// Shard sizes are drawn from this range.
const SHARD_SIZES: std::ops::RangeInclusive<u64> = 2..=64;

/// Registers the units compute with (syscall units set `$v0`, `$a0`..`$a2` for themselves).
const REGS: [u8; 12] = [2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 30];
/// Base registers, never written after the prologue: data in the middle, and the top of memory.
const BASE: u8 = 16;
const BASE_VALUE: u32 = DATA + 128;
const HIGH: u8 = 18;
const HIGH_VALUE: u32 = tessera_mips::MEMORY_LIMIT - 128;
/// Link and jump-target registers: only control units write them (and `$ra`).
const LINKS: [u8; 3] = [17, 24, 25];
const RA: u8 = 31;

/// The bit of JR/JALR that asks for a hazard barrier (jr.hb, jalr.hb).
const HB: u32 = 1 << 10;

mod coverage;
mod generator;

use coverage::*;
use generator::*;

#[test]
fn the_sample_covers_every_form() {
    let mut forms = Forms::default();
    let (mut several, mut total) = (0, 0);
    for generated in sample() {
        let shards = generated
            .execute()
            .unwrap_or_else(|e| panic!("{e}\n{}", generated.listing()));
        several += (shards.len() > 1) as u64;
        total += shards.len();
        run_forms(&shards, &mut forms);
    }
    let required = required_forms();
    let missing: Vec<_> = required
        .iter()
        .filter(|f| !forms.0.contains_key(*f))
        .collect();
    assert!(missing.is_empty(), "the sample never executes {missing:?}");
    let mut rarest: Vec<_> = required.iter().map(|f| (forms.0[f], f)).collect();
    rarest.sort();
    eprintln!(
        "{} forms required, all executed; the rarest: {:?}",
        required.len(),
        &rarest[..12]
    );
    eprintln!("{several} of {SAMPLE} programs span several shards, {total} shards in all");
    assert!(
        several * 100 >= SAMPLE * MULTI_SHARD_PERCENT as u64 * 9 / 10,
        "only {several} of {SAMPLE} programs span several shards"
    );
}

#[test]
fn a_fixed_sample_proves_and_verifies_in_random_shards() {
    let only: Option<u64> = std::env::var("TESSERA_RANDOM_SEED")
        .ok()
        .map(|s| s.parse().expect("TESSERA_RANDOM_SEED is a sample index"));
    let programs: Vec<Generated> = sample()
        .filter(|g| only.is_none_or(|s| s == g.seed))
        .collect();
    if only.is_some() {
        eprintln!("{}", programs[0].listing());
    }
    let mut shards = 0;
    let mut failures = Vec::new();
    for g in &programs {
        match g.prove_and_verify(g.shard_size) {
            Ok(n) => shards += n,
            Err(e) => failures.push((g.seed, e)),
        }
    }
    eprintln!(
        "{} programs, {shards} shards proven and verified",
        programs.len() - failures.len()
    );
    if let Some((first, _)) = failures.first() {
        let list: Vec<_> = failures
            .iter()
            .map(|(seed, e)| format!("program {seed}: {e}"))
            .collect();
        panic!(
            "{} of the sample's programs failed:\n{}\nthe first:\n{}",
            failures.len(),
            list.join("\n"),
            programs
                .iter()
                .find(|g| g.seed == *first)
                .unwrap()
                .listing()
        );
    }
}

/// Removes units from the sample's failing program `TESSERA_SHRINK_SEED` while it still fails
/// (with any error), and prints what is left.
#[test]
#[ignore = "a tool: TESSERA_SHRINK_SEED=<sample index>"]
fn shrink() {
    let seed: u64 = std::env::var("TESSERA_SHRINK_SEED")
        .expect("TESSERA_SHRINK_SEED")
        .parse()
        .unwrap();
    let mut g = generate(seed, LENGTH);
    let fails = |g: &Generated| g.execute().is_ok() && g.prove_and_verify(g.shard_size).is_err();
    assert!(fails(&g), "program {seed} does not fail");
    let mut k = g.units.len();
    while k > 0 {
        k -= 1;
        let mut smaller = g.clone();
        smaller.units.remove(k);
        if fails(&smaller) {
            g = smaller;
        }
    }
    // One shard, if the failure does not need a cut.
    let mut whole = g.clone();
    whole.shard_size = 1 << 20;
    if fails(&whole) {
        g = whole;
    }
    eprintln!(
        "{}error: {}",
        g.listing(),
        g.prove_and_verify(g.shard_size).unwrap_err()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Longer programs from random seeds, each in one shard.
    #[test]
    fn random_programs_prove_and_verify(seed in any::<u64>()) {
        let generated = generate(seed, 300);
        generated.execute().map_err(|e| TestCaseError::fail(format!("seed {seed}: {e}")))?;
        generated
            .prove_and_verify(1 << 20)
            .map_err(|e| TestCaseError::fail(format!("seed {seed}: {e}\n{}", generated.listing())))?;
    }
}

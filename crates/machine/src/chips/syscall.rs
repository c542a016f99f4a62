//! Syscalls: one row per SYSCALL the CPU executes. The chip reads the number (`$v0`) and the
//! arguments (`$a0`, `$a1`) from the registers itself, at the syscall's cycle, and says whether
//! the call halts.
//!
//! - HALT: the exit code `$a0` is a public value (two halves: a field sum could hide `p`).
//! - WRITE: what a guest prints is not part of its proof, but the buffer `[$a1, $a1 + $a2)`
//!   must lie in memory, as the executor checks (a run it rejects has no proof).
//! - COMMIT: writes `$a1` to digest word `$a0 < 8` (a memory key above all others; the Digest
//!   chip makes the last values public).
//! - HINT_LEN: `$v0` gets the length of the next input buffer. Inputs are private and come
//!   from the prover: the value is only range-checked.
//! - HINT_READ: `$a1` private bytes go to `$a0` (4-aligned, `$a0 + $a1` within memory, even
//!   for no bytes), word by word, through the Hint chip.
//! - SHA_EXTEND: the ShaExtend chip's 64 rows, started at `$a0` (4-aligned).
//! - SHA_COMPRESS: the ShaCompress chip's 68 rows, started at `$a0` and `$a1` (4-aligned).
//! - KECCAK_SPONGE: the KeccakSponge chip's blocks, started at `$a0` and `$a1` (4-aligned).
//! - POSEIDON2_PERMUTE: the Poseidon2 chip's row, at `$a0` (4-aligned); `$a1` must be 0.
//!
//! Every other number (precompiles, deferred proofs) has no flag here, so no proof of a run
//! that makes such a call exists until a chip that receives it is added: the `syscall` bus is
//! the port a precompile chip receives its calls on.
//!
//! **Proves**: the number is the one of the row's flag (compared half by half); `$v0` is
//! unchanged except by HINT_LEN. **Range checks**: HINT_LEN's value (two 16-bit halves),
//! COMMIT's index (`8192·a0 < 2^16`), buffer word indices, and `addr + len ≤ 0x7F00_0000`
//! for WRITE's and HINT_READ's buffers. **Assumes**: the CPU sends `(clk, halt)` for each SYSCALL it executes.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_executor::Syscall;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{
    lookup_u16, permutation, register_key, DIGEST_KEY_BASE, HINT_BUS, KECCAK_BUS, POSEIDON2_BUS,
    SHA_COMPRESS_BUS, SHA_EXTEND_BUS, SYSCALL_BUS,
};
use crate::gadgets::bound::{
    eval_sum_at_most, populate_sum_at_most, record_sum_at_most, SumAtMostCols,
};
use crate::gadgets::is_zero::{eval_is_zero, IsZeroCols};
use crate::gadgets::memory::{eval_access, record_access, AccessCols};
use crate::record::MachineRecord;

/// The syscalls a proof can contain, in flag order.
pub(crate) const PROVABLE: [Syscall; 9] = [
    Syscall::Halt,
    Syscall::Write,
    Syscall::Commit,
    Syscall::HintLen,
    Syscall::HintRead,
    Syscall::ShaExtend,
    Syscall::ShaCompress,
    Syscall::KeccakSponge,
    Syscall::Poseidon2Permute,
];
const HALT: usize = 0;
const WRITE: usize = 1;
const COMMIT: usize = 2;
const HINT_LEN: usize = 3;
const HINT_READ: usize = 4;
const SHA_EXTEND: usize = 5;
const SHA_COMPRESS: usize = 6;
const KECCAK: usize = 7;
const POSEIDON2: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SyscallCols<T> {
    pub is_real: T,
    pub clk: T,
    pub flags: [T; 9],
    /// `$v0` before (the number) and after.
    pub v0: AccessCols<T>,
    pub v0_new: [T; 2],
    pub a0: AccessCols<T>,
    pub a1: AccessCols<T>,
    /// COMMIT's digest word; WRITE's length `$a2`.
    pub digest: AccessCols<T>,
    pub a2: AccessCols<T>,
    /// WRITE (`$a1`, `$a2`) and HINT_READ (`$a0`, `$a1`): the buffer's address and length, and
    /// the proof that it ends within memory.
    pub buffer: [[T; 2]; 2],
    pub buffer_in_memory: SumAtMostCols<T>,
    /// Buffers at `$a0` (HINT_READ and the precompiles) and `$a1` (SHA_COMPRESS, KECCAK_SPONGE):
    /// `a0 = 4·word_index` and `a1 = 4·a1_index` within their low halves; HINT_READ: whether
    /// the length is zero.
    pub word_index: T,
    pub a1_index: T,
    pub len_is_zero: IsZeroCols<T>,
    pub sends_words: T,
}

pub const NUM_SYSCALL_COLS: usize = std::mem::size_of::<SyscallCols<u8>>();
crate::borrow_row!(SyscallCols);

/// The exit code's halves, when the shard halts (zero otherwise).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SyscallPublicValues<T> {
    pub exit_code: [T; 2],
}

crate::public_values!(SyscallPublicValues);

/// One syscall as proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallStep {
    pub clk: u32,
    pub call: Syscall,
    /// `(value, prev_ts)` of `$v0`, `$a0`, `$a1`.
    pub v0: (u32, u32),
    pub v0_new: u32,
    pub a0: (u32, u32),
    pub a1: (u32, u32),
    /// COMMIT: the digest word's previous value and timestamp.
    pub digest: (u32, u32),
    /// WRITE: `$a2` and its previous timestamp.
    pub a2: (u32, u32),
}

#[derive(Clone, Debug, Default)]
pub struct SyscallChip;

impl<F> BaseAir<F> for SyscallChip {
    fn width(&self) -> usize {
        NUM_SYSCALL_COLS
    }
    fn num_public_values(&self) -> usize {
        SyscallPublicValues::<u8>::COUNT
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

fn halves<E: PrimeCharacteristicRing>(v: u32) -> [E; 2] {
    [E::from_u32(v & 0xFFFF), E::from_u32(v >> 16)]
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for SyscallChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: SyscallCols<AB::Var> = *builder.main().current_slice().borrow();
        let pv: SyscallPublicValues<AB::PublicVar> = *builder.public_values().borrow();
        let is_real: AB::Expr = local.is_real.into();
        let f = |i: usize| -> AB::Expr { local.flags[i].into() };
        builder.assert_bool(is_real.clone());
        let mut sum = AB::Expr::ZERO;
        let mut number = [AB::Expr::ZERO, AB::Expr::ZERO];
        for (i, call) in PROVABLE.iter().enumerate() {
            builder.assert_bool(f(i));
            sum += f(i);
            let [lo, hi] = halves::<AB::Expr>(*call as u32);
            number[0] += f(i) * lo;
            number[1] += f(i) * hi;
        }
        builder.assert_eq(sum, is_real.clone());
        let v0: [AB::Expr; 2] = local.v0.prev_value.map(Into::into);
        let [a0, a1]: [[AB::Expr; 2]; 2] =
            [local.a0.prev_value, local.a1.prev_value].map(|v| v.map(Into::into));
        for i in 0..2 {
            builder.assert_eq(v0[i].clone(), number[i].clone());
        }

        let clk: AB::Expr = local.clk.into();
        permutation(
            builder,
            SYSCALL_BUS,
            [clk.clone(), f(HALT)],
            is_real.clone(),
            false,
        );
        let ts = |slot: u32| clk.clone() * AB::Expr::from_u32(4) + AB::Expr::from_u32(slot);
        let reg = |r: u32| AB::Expr::from_u32(register_key(r));
        let v0_new: [AB::Expr; 2] = local.v0_new.map(Into::into);
        eval_access(
            builder,
            reg(2),
            v0_new.clone(),
            ts(0),
            local.v0,
            is_real.clone(),
        );
        eval_access(
            builder,
            reg(4),
            a0.clone(),
            ts(1),
            local.a0,
            is_real.clone(),
        );
        eval_access(
            builder,
            reg(5),
            a1.clone(),
            ts(2),
            local.a1,
            is_real.clone(),
        );
        for i in 0..2 {
            builder
                .assert_zero((AB::Expr::ONE - f(HINT_LEN)) * (v0_new[i].clone() - v0[i].clone()));
            lookup_u16(builder, v0_new[i].clone(), f(HINT_LEN));
        }

        // HALT: the exit code is public.
        for (half, code) in a0.iter().zip(pv.exit_code) {
            builder.assert_zero(f(HALT) * (half.clone() - code.into()));
        }

        // COMMIT: digest word a0 < 8 becomes a1.
        builder.assert_zero(f(COMMIT) * a0[1].clone());
        lookup_u16(builder, a0[0].clone() * AB::Expr::from_u32(8192), f(COMMIT));
        eval_access(
            builder,
            a0[0].clone() + AB::Expr::from_u32(DIGEST_KEY_BASE),
            a1.clone(),
            ts(3),
            local.digest,
            f(COMMIT),
        );

        // HINT_READ: the first word's key and the length go to the Hint chip.
        let index: AB::Expr = local.word_index.into();
        let buffer = f(HINT_READ) + f(SHA_EXTEND) + f(SHA_COMPRESS) + f(KECCAK) + f(POSEIDON2);
        builder
            .assert_zero(buffer.clone() * (a0[0].clone() - index.clone() * AB::Expr::from_u32(4)));
        lookup_u16(builder, index.clone(), buffer);
        let first_key = index.clone() + a0[1].clone() * AB::Expr::from_u32(1 << 14);
        // SHA_EXTEND: the chain of its 64 words starts at word 0 of `$a0`.
        permutation(
            builder,
            SHA_EXTEND_BUS,
            [clk.clone(), first_key.clone(), AB::Expr::ZERO],
            f(SHA_EXTEND),
            true,
        );
        // SHA_COMPRESS: the chain of its 68 rows starts at word 0 of `$a0` and of `$a1`;
        // KECCAK_SPONGE: its first block gets both keys.
        let a1_index: AB::Expr = local.a1_index.into();
        let a1_buffer = f(SHA_COMPRESS) + f(KECCAK);
        builder.assert_zero(
            a1_buffer.clone() * (a1[0].clone() - a1_index.clone() * AB::Expr::from_u32(4)),
        );
        lookup_u16(builder, a1_index.clone(), a1_buffer);
        let a1_key = a1_index + a1[1].clone() * AB::Expr::from_u32(1 << 14);
        permutation(
            builder,
            SHA_COMPRESS_BUS,
            [
                clk.clone(),
                first_key.clone(),
                a1_key.clone(),
                AB::Expr::ZERO,
            ],
            f(SHA_COMPRESS),
            true,
        );
        permutation(
            builder,
            KECCAK_BUS,
            [clk.clone(), first_key.clone(), a1_key],
            f(KECCAK),
            true,
        );
        // POSEIDON2_PERMUTE: its row gets the key of `$a0`; `$a1` is 0.
        for half in &a1 {
            builder.assert_zero(f(POSEIDON2) * half.clone());
        }
        permutation(
            builder,
            POSEIDON2_BUS,
            [clk.clone(), first_key.clone()],
            f(POSEIDON2),
            true,
        );
        // WRITE and HINT_READ (of any length, 0 included): the buffer ends within memory, as
        // the executor checks.
        let a2: [AB::Expr; 2] = local.a2.prev_value.map(Into::into);
        eval_access(builder, reg(6), a2.clone(), ts(3), local.a2, f(WRITE));
        let [addr, len] = local.buffer.map(|h| h.map(Into::<AB::Expr>::into));
        for i in 0..2 {
            builder.assert_zero(
                f(WRITE) * (addr[i].clone() - a1[i].clone())
                    + f(HINT_READ) * (addr[i].clone() - a0[i].clone()),
            );
            builder.assert_zero(
                f(WRITE) * (len[i].clone() - a2[i].clone())
                    + f(HINT_READ) * (len[i].clone() - a1[i].clone()),
            );
        }
        eval_sum_at_most(
            builder,
            addr,
            len,
            tessera_mips::MEMORY_LIMIT >> 16,
            local.buffer_in_memory,
            f(WRITE) + f(HINT_READ),
        );
        eval_is_zero(
            builder,
            a1[0].clone() + a1[1].clone(),
            local.len_is_zero,
            is_real.clone(),
        );
        builder.assert_eq(
            local.sends_words,
            f(HINT_READ) * (AB::Expr::ONE - local.len_is_zero.result.into()),
        );
        // Implied on real rows (the is-zero result is 0 or 1 there), but stated: the hint
        // message's count is then boolean by its own constraint, on every row.
        builder.assert_bool(local.sends_words);
        let two16 = AB::Expr::from_u32(1 << 16);
        permutation(
            builder,
            HINT_BUS,
            [clk, first_key, a1[0].clone() + a1[1].clone() * two16],
            local.sends_words.into(),
            true,
        );
    }
}

impl HasContract for SyscallChip {
    /// `clk` comes from the CPU, the registers (and COMMIT's digest word, WRITE's `$a2`) from
    /// the memory bus; the flags are forced by the number in `$v0`. `v0_new` is what goes back
    /// to `$v0`: `$v0` itself, except for HINT_LEN, where it is the prover's private input
    /// length (only range-checked, as the module says). The buffer, index and zero-test
    /// columns are oracles forced by the registers; `sends_words` is HINT_READ's count on
    /// `hint`.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_SYSCALL_COLS];
        let c: &SyscallCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        contract
            .selector("is_real", &c.is_real)
            .input("clk", &c.clk)
            .selector("flags", &c.flags);
        c.v0.declare(&mut contract, "v0");
        contract.output("v0_new", &c.v0_new);
        c.a0.declare(&mut contract, "a0");
        c.a1.declare(&mut contract, "a1");
        c.digest.declare(&mut contract, "digest");
        c.a2.declare(&mut contract, "a2");
        contract
            .oracle("buffer", &c.buffer)
            .oracle("buffer_in_memory.carry", &c.buffer_in_memory.carry);
        c.buffer_in_memory
            .at_bound
            .declare(&mut contract, "buffer_in_memory.at_bound");
        contract
            .oracle("word_index", &c.word_index)
            .oracle("a1_index", &c.a1_index);
        c.len_is_zero.declare(&mut contract, "len_is_zero");
        contract
            .selector("sends_words", &c.sends_words)
            .real_when(&[&c.is_real])
            .assume_range(&c.word_index, 16, Source::Lookup)
            .assume_range(&c.a1_index, 16, Source::Lookup)
            .guarantee("(clk, halt) received on `syscall`: $v0 at ts 4·clk holds a provable syscall's number, and halt = 1 exactly for HALT, whose exit code $a0 is public")
            .private_when(&c.v0_new, &c.flags[HINT_LEN], "HINT_LEN's answer: the length of the prover's next private input buffer, which the guest reads as a hint")
            .guarantee("$v0 is written back unchanged, except by HINT_LEN (a 16-bit-checked length)")
            .guarantee("COMMIT writes $a1 to digest word $a0 < 8; WRITE's and HINT_READ's buffers end within memory")
            .guarantee("(clk, key, len) sent on `hint` for HINT_READ with len > 0; the chain starts sent on `sha_extend`, `sha_compress`, `keccak` and `poseidon2` carry the word keys of the 4-aligned $a0 (and $a1)")
            .build("the executor's `Executor::syscall`")
    }
}

/// The row of `step`.
pub fn populate(step: &SyscallStep) -> SyscallCols<Val> {
    let flag = PROVABLE
        .iter()
        .position(|&c| c == step.call)
        .expect("only provable syscalls reach the chip");
    let ts = |slot: u32| 4 * step.clk + slot;
    let mut cols = SyscallCols {
        is_real: Val::ONE,
        clk: Val::from_u32(step.clk),
        v0: AccessCols::populate(step.v0.0, step.v0.1, ts(0)),
        v0_new: halves(step.v0_new),
        a0: AccessCols::populate(step.a0.0, step.a0.1, ts(1)),
        a1: AccessCols::populate(step.a1.0, step.a1.1, ts(2)),
        ..Default::default()
    };
    cols.flags[flag] = Val::ONE;
    if flag == COMMIT {
        cols.digest = AccessCols::populate(step.digest.0, step.digest.1, ts(3));
    }
    let buffer = match flag {
        WRITE => Some((step.a1.0, step.a2.0)),
        HINT_READ => Some((step.a0.0, step.a1.0)),
        _ => None,
    };
    if let Some((addr, len)) = buffer {
        cols.buffer = [halves(addr), halves(len)];
        cols.buffer_in_memory = populate_sum_at_most(addr, len, tessera_mips::MEMORY_LIMIT >> 16);
    }
    if flag == WRITE {
        cols.a2 = AccessCols::populate(step.a2.0, step.a2.1, ts(3));
    }
    let [lo, hi] = halves::<Val>(step.a1.0);
    cols.len_is_zero = IsZeroCols::populate(lo + hi);
    if flag == HINT_READ || flag >= SHA_EXTEND {
        cols.word_index = Val::from_u32((step.a0.0 & 0xFFFF) >> 2);
    }
    if flag == SHA_COMPRESS || flag == KECCAK {
        cols.a1_index = Val::from_u32((step.a1.0 & 0xFFFF) >> 2);
    }
    if flag == HINT_READ {
        cols.sends_words = Val::from_bool(step.a1.0 != 0);
    }
    cols
}

/// Records the byte-table lookups of `step`'s row.
pub(crate) fn record_lookups(step: &SyscallStep, record: &mut MachineRecord) {
    let lookups = &mut record.byte_lookups;
    let ts = |slot: u32| 4 * step.clk + slot;
    let mut diff = |prev_ts: u32, slot: u32| record_access(lookups, prev_ts, ts(slot));
    diff(step.v0.1, 0);
    diff(step.a0.1, 1);
    diff(step.a1.1, 2);
    match step.call {
        Syscall::Commit => {
            diff(step.digest.1, 3);
            lookups.record_u16((step.a0.0 * 8192) as u16);
        }
        Syscall::HintLen => {
            lookups.record_u16(step.v0_new as u16);
            lookups.record_u16((step.v0_new >> 16) as u16);
        }
        Syscall::ShaExtend | Syscall::Poseidon2Permute => {
            lookups.record_u16(((step.a0.0 & 0xFFFF) >> 2) as u16)
        }
        Syscall::ShaCompress | Syscall::KeccakSponge => {
            lookups.record_u16(((step.a0.0 & 0xFFFF) >> 2) as u16);
            lookups.record_u16(((step.a1.0 & 0xFFFF) >> 2) as u16);
        }
        Syscall::HintRead => {
            lookups.record_u16(((step.a0.0 & 0xFFFF) >> 2) as u16);
            record_sum_at_most(
                lookups,
                step.a0.0,
                step.a1.0,
                tessera_mips::MEMORY_LIMIT >> 16,
            );
        }
        Syscall::Write => {
            diff(step.a2.1, 3);
            record_sum_at_most(
                lookups,
                step.a1.0,
                step.a2.0,
                tessera_mips::MEMORY_LIMIT >> 16,
            );
        }
        _ => {}
    }
}

impl Chip<Val, MachineRecord> for SyscallChip {
    fn name(&self) -> &'static str {
        "Syscall"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = vec![Val::ZERO; record.syscall_steps.len() * NUM_SYSCALL_COLS];
        for (row, step) in values
            .chunks_mut(NUM_SYSCALL_COLS)
            .zip(&record.syscall_steps)
        {
            let cols: &mut SyscallCols<Val> = row.borrow_mut();
            *cols = populate(step);
        }
        pad_to_power_of_two(values, NUM_SYSCALL_COLS, 1)
    }

    fn public_values(&self, record: &MachineRecord) -> Vec<Val> {
        SyscallPublicValues {
            exit_code: halves::<Val>(record.exit_code.unwrap_or(0)),
        }
        .to_vec()
    }
}

//! KECCAK_SPONGE: absorbs `len` words at `$a0` (blocks of 36 words, 18 lanes) into a zero
//! Keccak-f\[1600\] state and writes lanes 0..8 (16 words) to `$a1`; `len` is the word at
//! `$a1 + 64`. Each block is one permutation of Plonky3's `KeccakAir` (24 rows, one per round,
//! embedded as the first columns) with columns of its own beside it.
//!
//! Per block, constant over its 24 rows: the call's clock and keys, the blocks left, the
//! previous block's output rate lanes (`prev_rate`) and this block's output lanes 0..8 (`out`,
//! equal to the last round's output). Row `r < 18` reads the block's words `2r, 2r + 1` and
//! proves `preimage[r] = prev_rate[r] ^ block[r]` by two `Xor` ALU requests; the capacity lanes
//! come straight from the previous block's last row (zero for the first block). Row 8 of the
//! first block reads `len` and checks `len = 36·blocks` (and `len < 2^30`, so over the
//! integers); rows `r < 8` of the last block write
//! `out[r]`.
//!
//! **Proves**: the blocks of a call are consecutive permutations, the first started by the
//! Syscall chip's `(clk, in_key, out_key)` and each next one linked from the last row of the one
//! before (same clock and output key, input key + 36, one block fewer) until the block with one
//! block left; so a call absorbs exactly `len / 36` blocks (`len = 0` cannot be proven). Every
//! block either starts a call or is linked (a continuing block is followed by a linked one, and
//! the trace's first block starts a call); the trace's last row is padding, so every real
//! block reaches its last round. Input words are read at `ts = 4·clk + 2`, `len` and the output
//! at `4·clk + 3` (the executor reads the whole input before it writes). Keys are range-checked
//! below the register keys (the higher of each row's two). **Range checks**: input words and
//! `len` come from the memory bus; Keccak's limbs are bit compositions (16-bit).
//! **Assumes**: the Syscall chip sends one start per KECCAK_SPONGE call.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_keccak_air::{generate_trace_rows, KeccakAir, KeccakCols, NUM_KECCAK_COLS, NUM_ROUNDS};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_executor::{SyscallEvent, KECCAK_BLOCK_WORDS};
use tessera_stark::{Chip, Contract, ContractBuilder, HasContract, Source, SubAirBuilder, Val};

use crate::bus::{alu_message, lookup_u16, memory_key, permutation, AluOp, KECCAK_BUS};
use crate::gadgets::is_zero::{eval_is_zero, IsZeroCols};
use crate::gadgets::memory::{
    eval_access, eval_memory_key, record_access, record_memory_key, AccessCols,
};
use crate::record::MachineRecord;
use crate::shard::{timestamp, value_ts, ShardMemory};

const RATE_LANES: usize = 18;
const OUT_LANES: usize = 8;
/// The first block's row that reads `len` (its key is `out_key + 2·8`).
pub const LEN_ROW: usize = 8;

#[repr(C)]
pub struct KeccakSpongeCols<T> {
    pub keccak: KeccakCols<T>,
    pub is_real: T,
    pub is_first: T,
    pub is_last: T,
    pub clk: T,
    pub in_key: T,
    pub out_key: T,
    pub blocks_left: T,
    pub one_left: IsZeroCols<T>,
    pub prev_rate: [[T; 4]; RATE_LANES],
    pub out: [[T; 4]; OUT_LANES],
    /// This row: starts the call, reads two input words, writes two output words, reads `len`.
    pub starts: T,
    pub reads: T,
    pub writes: T,
    pub len_read: T,
    /// Halves of `in_key + 2r + 1` and `out_key + 2r + writes` (range-checked).
    pub in_check: [T; 2],
    pub out_check: [T; 2],
    pub in_access: [AccessCols<T>; 2],
    pub out_access: [AccessCols<T>; 2],
    pub out_words: [[T; 2]; 2],
}

pub const NUM_KECCAK_SPONGE_COLS: usize = std::mem::size_of::<KeccakSpongeCols<u8>>();
crate::borrow_row!(KeccakSpongeCols);

/// One KECCAK_SPONGE call as the chip proves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeccakCall {
    pub clk: u32,
    pub in_key: u32,
    pub out_key: u32,
    pub input: Vec<u32>,
    /// Last timestamps of the input words, of `len`, and the output words' previous values and
    /// timestamps.
    pub input_prev_ts: Vec<u32>,
    pub len_prev_ts: u32,
    pub out_prev: [(u32, u32); 16],
}

/// A permutation's input and output state.
pub type Permutation = ([u64; 25], [u64; 25]);

/// The lane `i = x + 5y` of a Keccak state in `KeccakCols`' `[y][x]` order.
fn lane<T: Copy>(cols: &[[[T; 4]; 5]; 5], i: usize) -> [T; 4] {
    cols[i / 5][i % 5]
}

impl KeccakCall {
    pub fn blocks(&self) -> usize {
        self.input.len() / KECCAK_BLOCK_WORDS
    }

    /// Each block's permutation input and output.
    pub fn permutations(&self) -> Vec<Permutation> {
        let mut state = [0u64; 25];
        self.input
            .chunks_exact(KECCAK_BLOCK_WORDS)
            .map(|block| {
                for (lane, pair) in state.iter_mut().zip(block.chunks_exact(2)) {
                    *lane ^= pair[0] as u64 | (pair[1] as u64) << 32;
                }
                let input = state;
                keccak::f1600(&mut state);
                (input, state)
            })
            .collect()
    }

    /// The 16 words written.
    pub fn output(&self) -> [u32; 16] {
        output_words(&self.permutations())
    }
}

/// The 16 words written after `perms`: lanes 0..8 of the last state, low word first.
fn output_words(perms: &[Permutation]) -> [u32; 16] {
    let state = perms.last().map_or([0; 25], |p| p.1);
    std::array::from_fn(|i| (state[i / 2] >> (32 * (i % 2))) as u32)
}

/// Records a call's ALU requests and byte lookups, and the call; returns the words it writes.
fn record_call(record: &mut MachineRecord, call: KeccakCall) -> [u32; 16] {
    let perms = call.permutations();
    let out = output_words(&perms);
    let ts = 4 * call.clk;
    for (k, (input, _)) in perms.iter().enumerate() {
        let prev = if k == 0 { [0; 25] } else { perms[k - 1].1 };
        for r in 0..RATE_LANES {
            let base = k * KECCAK_BLOCK_WORDS + 2 * r;
            record_memory_key(&mut record.byte_lookups, call.in_key + base as u32 + 1);
            for j in 0..2 {
                record_access(
                    &mut record.byte_lookups,
                    call.input_prev_ts[base + j],
                    ts + 2,
                );
                let a = record.record_alu(
                    AluOp::Xor,
                    (prev[r] >> (32 * j)) as u32,
                    call.input[base + j],
                );
                debug_assert_eq!(a, (input[r] >> (32 * j)) as u32);
            }
        }
    }
    let lookups = &mut record.byte_lookups;
    record_memory_key(lookups, call.out_key + 2 * LEN_ROW as u32);
    record_access(lookups, call.len_prev_ts, ts + 3);
    lookups.record_u16((call.input.len() as u32 >> 16) as u16 * 4);
    for r in 0..OUT_LANES {
        record_memory_key(lookups, call.out_key + 2 * r as u32 + 1);
        for j in 0..2 {
            record_access(lookups, call.out_prev[2 * r + j].1, ts + 3);
        }
    }
    record.keccak_calls.push(call);
    out
}

#[derive(Clone, Debug, Default)]
pub struct KeccakSpongeChip;

impl<F> BaseAir<F> for KeccakSpongeChip {
    fn width(&self) -> usize {
        NUM_KECCAK_SPONGE_COLS
    }
}

/// `Σ_r flags[r] · values[r]` over the rows `r` that `values` covers.
fn select<AB: AirBuilder, const N: usize>(
    flags: &[AB::Var],
    values: &[[AB::Expr; N]],
) -> [AB::Expr; N] {
    std::array::from_fn(|l| {
        values
            .iter()
            .zip(flags)
            .map(|(v, &f)| v[l].clone() * f)
            .sum()
    })
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for KeccakSpongeChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        KeccakAir {}.eval(&mut SubAirBuilder::new(builder, 0..NUM_KECCAK_COLS));

        let main = builder.main();
        let local: &KeccakSpongeCols<AB::Var> = main.current_slice().borrow();
        let next: &KeccakSpongeCols<AB::Var> = main.next_slice().borrow();
        let c = AB::Expr::from_u32;
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let flags = &local.keccak.step_flags;
        let final_step = e(flags[NUM_ROUNDS - 1]);
        let row: AB::Expr = flags
            .iter()
            .enumerate()
            .map(|(r, &f)| e(f) * c(r as u32))
            .sum();
        let flag_sum = |n: usize| -> AB::Expr { flags[..n].iter().map(|&f| e(f)).sum() };
        let (is_real, is_first, is_last) = (e(local.is_real), e(local.is_first), e(local.is_last));

        // Block flags.
        builder.assert_bool(is_real.clone());
        builder.assert_bool(is_first.clone());
        builder.assert_zero(is_first.clone() * (AB::Expr::ONE - is_real.clone()));
        eval_is_zero(
            builder,
            e(local.blocks_left) - AB::Expr::ONE,
            local.one_left,
            is_real.clone(),
        );
        builder.assert_eq(is_last.clone(), is_real.clone() * e(local.one_left.result));
        builder
            .when_first_row()
            .assert_zero(is_real.clone() - is_first.clone());
        builder.when_last_row().assert_zero(is_real.clone());

        // Constant over a block.
        let block_columns = |cols: &KeccakSpongeCols<AB::Var>| -> Vec<AB::Var> {
            let mut v = vec![
                cols.is_real,
                cols.is_first,
                cols.clk,
                cols.in_key,
                cols.out_key,
                cols.blocks_left,
            ];
            v.extend(cols.prev_rate.iter().flatten());
            v.extend(cols.out.iter().flatten());
            v
        };
        {
            let mut within =
                builder.when(builder.is_transition() * (AB::Expr::ONE - final_step.clone()));
            for (l, n) in block_columns(local).into_iter().zip(block_columns(next)) {
                within.assert_eq(l, n);
            }
        }

        // From one block to the next: a continuing block is followed by a linked one.
        builder.assert_zero(
            final_step.clone()
                * (e(next.is_real) - e(next.is_first) - is_real.clone() + is_last.clone()),
        );
        let output = |i: usize, l: usize| -> AB::Expr {
            e(local.keccak.a_prime_prime_prime(i / 5, i % 5, l))
        };
        {
            let mut link = builder.when(final_step.clone() * (is_real.clone() - is_last.clone()));
            link.assert_eq(next.clk, local.clk);
            link.assert_eq(next.out_key, local.out_key);
            link.assert_eq(
                e(next.in_key),
                e(local.in_key) + c(KECCAK_BLOCK_WORDS as u32),
            );
            link.assert_eq(e(next.blocks_left), e(local.blocks_left) - AB::Expr::ONE);
            for i in 0..25 {
                for l in 0..4 {
                    let to = if i < RATE_LANES {
                        next.prev_rate[i][l]
                    } else {
                        lane(&next.keccak.preimage, i)[l]
                    };
                    link.assert_eq(to, output(i, l));
                }
            }
        }
        // The first block absorbs into a zero state.
        for i in 0..25 {
            let from = if i < RATE_LANES {
                local.prev_rate[i]
            } else {
                lane(&local.keccak.preimage, i)
            };
            for v in from {
                builder.assert_zero(is_first.clone() * v);
            }
        }
        // A real block's output is its last round's.
        {
            let mut last_round = builder.when(final_step * is_real.clone());
            for (i, out) in local.out.iter().enumerate() {
                for (l, &v) in out.iter().enumerate() {
                    last_round.assert_eq(v, output(i, l));
                }
            }
        }

        // What this row does.
        builder.assert_eq(local.starts, is_first.clone() * e(flags[0]));
        builder.assert_eq(local.reads, is_real.clone() * flag_sum(RATE_LANES));
        builder.assert_eq(local.writes, is_last * flag_sum(OUT_LANES));
        builder.assert_eq(local.len_read, is_first * e(flags[LEN_ROW]));
        let clk = e(local.clk);
        let (in_key, out_key) = (e(local.in_key), e(local.out_key));
        permutation(
            builder,
            KECCAK_BUS,
            [clk.clone(), in_key.clone(), out_key.clone()],
            e(local.starts),
            false,
        );

        // Absorbing: two input words read and XORed into the preimage.
        let reads = e(local.reads);
        let in_first = in_key + row.clone() * c(2);
        let checked = eval_memory_key(builder, local.in_check.map(e), reads.clone());
        builder.assert_zero(reads.clone() * (checked - in_first.clone() - AB::Expr::ONE));
        let halves = |limbs: [AB::Var; 4], j: usize| -> [AB::Expr; 2] {
            [e(limbs[2 * j]), e(limbs[2 * j + 1])]
        };
        for j in 0..2 {
            let access = local.in_access[j];
            let word = access.prev_value.map(e);
            eval_access(
                builder,
                in_first.clone() + c(j as u32),
                word.clone(),
                clk.clone() * c(4) + c(2),
                access,
                reads.clone(),
            );
            let preimage: Vec<[AB::Expr; 2]> = (0..RATE_LANES)
                .map(|i| halves(lane(&local.keccak.preimage, i), j))
                .collect();
            let prev: Vec<[AB::Expr; 2]> = local.prev_rate.iter().map(|&p| halves(p, j)).collect();
            alu_message(
                builder,
                c(AluOp::Xor as u32),
                [
                    select::<AB, 2>(flags, &preimage),
                    select::<AB, 2>(flags, &prev),
                    word,
                ],
                reads.clone(),
                false,
            );
        }

        // `len` (first block) and the output words (last block).
        let (writes, len_read) = (e(local.writes), e(local.len_read));
        let out_first = out_key + row * c(2);
        let out_count = writes.clone() + len_read.clone();
        let checked = eval_memory_key(builder, local.out_check.map(e), out_count.clone());
        builder.assert_zero(out_count.clone() * (checked - out_first.clone() - writes.clone()));
        let ts = clk * c(4) + c(3);
        let words: [[AB::Expr; 2]; 2] = local.out_words.map(|w| w.map(e));
        for (j, word) in words.iter().enumerate() {
            let out: Vec<[AB::Expr; 2]> = local.out.iter().map(|&o| halves(o, j)).collect();
            let expected = select::<AB, 2>(flags, &out);
            for (w, x) in word.iter().zip(expected) {
                builder.assert_zero(writes.clone() * (w.clone() - x));
            }
            eval_access(
                builder,
                out_first.clone() + c(j as u32),
                word.clone(),
                ts.clone(),
                local.out_access[j],
                if j == 0 {
                    out_count.clone()
                } else {
                    writes.clone()
                },
            );
        }
        let len_access = local.out_access[0];
        for (w, &p) in words[0].iter().zip(&len_access.prev_value) {
            builder.assert_zero(len_read.clone() * (w.clone() - e(p)));
        }
        builder.assert_zero(
            len_read.clone()
                * (words[0][0].clone() + words[0][1].clone() * c(1 << 16)
                    - e(local.blocks_left) * c(KECCAK_BLOCK_WORDS as u32)),
        );
        // `len < 2^30` (its high half is a canonical 16-bit value from the memory bus, so the
        // scaled check cannot wrap): the equation above then holds over the integers, not
        // only modulo p (the blocks a trace can hold are far below p / 36).
        // `words[0][1]` equals `len_access.prev_value[1]`, a canonical half from the memory
        // bus (below 2^16), so `4·len_hi` cannot wrap around p.
        lookup_u16(builder, words[0][1].clone() * c(4), len_read);
    }
}

impl HasContract for KeccakSpongeChip {
    /// The call's `(clk, in_key, out_key)` is received on its first row; the words from the
    /// memory bus. What runs through a block or from block to block is state: Keccak's round
    /// flags, preimage and round state, the block flags, the input key, the blocks left and the
    /// previous block's rate lanes. `out` and the words written are the outputs; the round
    /// intermediates, key halves and zero test are oracles; the per-row send flags are
    /// selectors forced by the round and block flags.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_KECCAK_SPONGE_COLS];
        let c: &KeccakSpongeCols<u8> = row[..].borrow();
        let k = &c.keccak;
        let mut contract = ContractBuilder::new(c);
        contract
            .state("keccak.step_flags", &k.step_flags)
            .oracle("keccak.export", &k.export)
            .state("keccak.preimage", &k.preimage)
            .state("keccak.a", &k.a)
            .oracle("keccak.c", &k.c)
            .oracle("keccak.c_prime", &k.c_prime)
            .oracle("keccak.a_prime", &k.a_prime)
            .oracle("keccak.a_prime_prime", &k.a_prime_prime)
            .oracle("keccak.a_prime_prime_0_0_bits", &k.a_prime_prime_0_0_bits)
            .oracle(
                "keccak.a_prime_prime_prime_0_0_limbs",
                &k.a_prime_prime_prime_0_0_limbs,
            )
            .selector("is_real", &c.is_real)
            .state("is_first", &c.is_first)
            .selector("is_last", &c.is_last)
            .input("clk", &c.clk)
            .state("in_key", &c.in_key)
            .input("out_key", &c.out_key)
            .state("blocks_left", &c.blocks_left);
        c.one_left.declare(&mut contract, "one_left");
        contract
            .state("prev_rate", &c.prev_rate)
            .output("out", &c.out)
            .selector("starts", &c.starts)
            .selector("reads", &c.reads)
            .selector("writes", &c.writes)
            .selector("len_read", &c.len_read)
            .oracle("in_check", &c.in_check)
            .oracle("out_check", &c.out_check);
        for (i, access) in c.in_access.iter().enumerate() {
            access.declare(&mut contract, &format!("in_access[{i}]"));
        }
        for (i, access) in c.out_access.iter().enumerate() {
            access.declare(&mut contract, &format!("out_access[{i}]"));
        }
        contract
            .output("out_words", &c.out_words)
            .real_when(&[&c.is_real])
            .assume_range(&c.in_check, 16, Source::Lookup)
            .assume_range(&c.out_check, 16, Source::Lookup)
            .guarantee("(clk, in_key, out_key) received on `keccak`: the 16 words at out_key become lanes 0..8 of the Keccak-f[1600] sponge absorbing the len words at in_key (len the word at out_key + 16, len = 36·blocks, blocks ≥ 1) into a zero state; input read at ts = 4·clk + 2, len and the output at 4·clk + 3")
            .build("`tessera_executor::keccak_sponge`")
    }
}

impl Chip<Val, MachineRecord> for KeccakSpongeChip {
    fn name(&self) -> &'static str {
        "KeccakSponge"
    }

    fn is_optional(&self) -> bool {
        true
    }

    fn is_used(&self, record: &MachineRecord) -> bool {
        !record.keccak_calls.is_empty()
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let calls: Vec<(&KeccakCall, Vec<Permutation>)> = record
            .keccak_calls
            .iter()
            .map(|call| (call, call.permutations()))
            .collect();
        let inputs: Vec<[u64; 25]> = calls
            .iter()
            .flat_map(|(_, perms)| perms.iter().map(|p| p.0))
            .collect();
        let keccak = generate_trace_rows::<Val>(inputs, 0);
        let height = keccak.values.len() / NUM_KECCAK_COLS;
        let mut values = vec![Val::ZERO; height * NUM_KECCAK_SPONGE_COLS];
        for (row, keccak_row) in values
            .chunks_mut(NUM_KECCAK_SPONGE_COLS)
            .zip(keccak.values.chunks(NUM_KECCAK_COLS))
        {
            row[..NUM_KECCAK_COLS].copy_from_slice(keccak_row);
        }
        let halves = |v: u32| [Val::from_u32(v & 0xFFFF), Val::from_u32(v >> 16)];
        let limbs = |v: u64| std::array::from_fn(|l| Val::from_u64((v >> (16 * l)) & 0xFFFF));
        let mut blocks = values.chunks_mut(NUM_ROUNDS * NUM_KECCAK_SPONGE_COLS);
        for (call, perms) in &calls {
            let out = output_words(perms);
            let ts = 4 * call.clk;
            for (k, (_, state)) in perms.iter().enumerate() {
                let block = blocks.next().expect("a block per permutation");
                let prev = if k == 0 { [0; 25] } else { perms[k - 1].1 };
                let left = perms.len() - k;
                for (r, row) in block.chunks_mut(NUM_KECCAK_SPONGE_COLS).enumerate() {
                    let cols: &mut KeccakSpongeCols<Val> = row.borrow_mut();
                    let (first, last) = (k == 0, left == 1);
                    cols.is_real = Val::ONE;
                    cols.is_first = Val::from_bool(first);
                    cols.is_last = Val::from_bool(last);
                    cols.clk = Val::from_u32(call.clk);
                    let in_key = call.in_key + (k * KECCAK_BLOCK_WORDS) as u32;
                    cols.in_key = Val::from_u32(in_key);
                    cols.out_key = Val::from_u32(call.out_key);
                    cols.blocks_left = Val::from_usize(left);
                    cols.one_left = IsZeroCols::populate(Val::from_usize(left) - Val::ONE);
                    cols.prev_rate = std::array::from_fn(|i| limbs(prev[i]));
                    cols.out = std::array::from_fn(|i| limbs(state[i]));
                    cols.starts = Val::from_bool(first && r == 0);
                    cols.len_read = Val::from_bool(first && r == LEN_ROW);
                    if r < RATE_LANES {
                        cols.reads = Val::ONE;
                        cols.in_check = halves(in_key + 2 * r as u32 + 1);
                        for j in 0..2 {
                            let w = k * KECCAK_BLOCK_WORDS + 2 * r + j;
                            cols.in_access[j] =
                                AccessCols::populate(call.input[w], call.input_prev_ts[w], ts + 2);
                        }
                    }
                    let out_key = call.out_key + 2 * r as u32;
                    if last && r < OUT_LANES {
                        cols.writes = Val::ONE;
                        cols.out_check = halves(out_key + 1);
                        for j in 0..2 {
                            let (prev_value, prev_ts) = call.out_prev[2 * r + j];
                            cols.out_access[j] = AccessCols::populate(prev_value, prev_ts, ts + 3);
                            cols.out_words[j] = halves(out[2 * r + j]);
                        }
                    }
                    if first && r == LEN_ROW {
                        cols.out_check = halves(out_key);
                        let len = call.input.len() as u32;
                        cols.out_access[0] = AccessCols::populate(len, call.len_prev_ts, ts + 3);
                        cols.out_words[0] = halves(len);
                    }
                }
            }
        }
        RowMajorMatrix::new(values, NUM_KECCAK_SPONGE_COLS)
    }
}

/// KECCAK_SPONGE: reads the input words at `in_addr`, then the length word, then writes
/// the 16 output words at `out_addr`; the chip's permutations must give the executor's
/// output.
pub(crate) fn replay(
    record: &mut MachineRecord,
    memory: &mut ShardMemory,
    clk: u32,
    call: &SyscallEvent,
) -> Result<(), String> {
    let [in_addr, out_addr, _] = call.args;
    let Some((len, rest)) = call.memory.split_first() else {
        return Err(format!(
            "KECCAK_SPONGE at cycle {}: no length read",
            call.clock
        ));
    };
    if len.value == 0 {
        return Err(format!(
            "KECCAK_SPONGE at cycle {} absorbs no block: an empty sponge cannot be \
             proven (the guest kit always pads to at least one block)",
            call.clock
        ));
    }
    let (input, output) = rest.split_at(rest.len().saturating_sub(16));
    if input.len() != len.value as usize || output.len() != 16 {
        return Err(format!(
            "KECCAK_SPONGE at cycle {}: {} memory accesses for {} words",
            call.clock,
            call.memory.len(),
            len.value
        ));
    }
    let mut keccak = KeccakCall {
        clk,
        in_key: memory_key(in_addr),
        out_key: memory_key(out_addr),
        input: Vec::with_capacity(input.len()),
        input_prev_ts: Vec::with_capacity(input.len()),
        len_prev_ts: 0,
        out_prev: [(0, 0); 16],
    };
    for access in input {
        let key = memory_key(access.addr);
        let prev = memory.access(key, access.prev_value, None, timestamp(clk, 2));
        keccak.input.push(prev.value);
        keccak.input_prev_ts.push(prev.ts);
    }
    let prev = memory.access(
        memory_key(len.addr),
        len.prev_value,
        None,
        timestamp(clk, 3),
    );
    keccak.len_prev_ts = prev.ts;
    for (i, access) in output.iter().enumerate() {
        let key = memory_key(access.addr);
        let prev = memory.access(
            key,
            access.prev_value,
            Some(access.value),
            timestamp(clk, 3),
        );
        keccak.out_prev[i] = value_ts(prev);
    }
    let written: Vec<u32> = output.iter().map(|a| a.value).collect();
    if record_call(record, keccak)[..] != written[..] {
        return Err(format!(
            "KECCAK_SPONGE at cycle {}: the chip's permutations disagree with the executor",
            call.clock
        ));
    }
    Ok(())
}

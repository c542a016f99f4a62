//! SHA_COMPRESS: one SHA-256 compression of the state at `$a1` (eight words, updated in place)
//! with the full message schedule at `$a0` (64 words). One row per round (`j < 64`), then four
//! state rows (`j = 64 + i`) that each read and rewrite state words `i` and `i + 4`.
//!
//! The working variables of round `j` are `a..d = A[j+3], A[j+2], A[j+1], A[j]` and
//! `e..h = E[j+3], .., E[j]`: each round computes only `A[j+4]` (new `a`) and `E[j+4]` (new `e`)
//! from 24 ALU requests (Rotr, Xor, And, Add on the `alu` bus) and `K[j]` from the
//! ShaRoundConstants table. The sequences travel through a lookup local to the chip,
//! `(clk, t, A[t], E[t])`: state row `i` provides `t = 3 − i` (the state as read) and takes
//! `t = 67 − i` (the last rounds' values), adding them into the state it writes.
//!
//! **Proves**: the 68 rows of a call form one chain started by the Syscall chip's
//! `(clk, w_key, state_key, 0)` and stepped `(w_key + 1, j + 1)` up to `j = 67` (`j < 64` and
//! `j < 67` come from the byte table's `Ltu`), so `(clk, t)` names exactly one providing row.
//! Round `j` reads `w[j]` at `ts = 4·clk + 2`; the state rows touch their two words at
//! `4·clk + 3`, so a state that overlaps the schedule reads the schedule first, as the executor
//! does. Every key is range-checked below the register keys. **Range checks**: words read are
//! canonical (memory bus), computed words are ALU answers, `K` is preprocessed.
//! **Assumes**: the Syscall chip sends one chain start per SHA_COMPRESS call.

pub mod constants;

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;
use tessera_executor::{SyscallEvent, SHA256_K};
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{
    alu_message, lookup_byte, memory_key, permutation, AluOp, ByteOp, SHA_COMPRESS_BUS,
};
use crate::gadgets::memory::{
    eval_access, eval_memory_key, record_access, record_memory_key, AccessCols,
};
use crate::record::MachineRecord;
use crate::shard::{timestamp, ShardMemory};
use constants::ROUND_CONSTANT_BUS;

/// The chip's own lookup of the working variables: `(clk, t, A[t], E[t])` as halves.
const VARIABLES_BUS: &str = "sha_variables";

pub const ROUNDS: usize = 64;
pub const ROWS_PER_CALL: usize = ROUNDS + 4;

/// Word slots of a row. Rounds: `a..d`, `e..h`, `w[j]`, `K[j]`, then one per request; the last
/// two are the new `e` and `a`. State row `i`: slot 0 and 4 hold `A[67−i]` and `E[67−i]`, slots
/// `W` and `K` the state words written, `NEW_A` and `NEW_E` the words read.
const E: usize = 4;
const W: usize = 8;
const K: usize = 9;
const NEW_E: usize = 32;
const NEW_A: usize = 33;
const NUM_WORDS: usize = 34;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operand {
    Value(usize),
    Const(u32),
}
use Operand::{Const, Value};

/// A round's ALU requests `(op, b, c)`; request `i` answers slot `10 + i`.
const REQUESTS: [(AluOp, usize, Operand); 24] = [
    (AluOp::Rotr, E, Const(6)),  // 10
    (AluOp::Rotr, E, Const(11)), // 11
    (AluOp::Rotr, E, Const(25)), // 12
    (AluOp::Xor, 10, Value(11)), // 13
    (AluOp::Xor, 13, Value(12)), // 14: Σ1(e)
    (AluOp::Xor, 5, Value(6)),   // 15: f ^ g
    (AluOp::And, E, Value(15)),  // 16
    (AluOp::Xor, 6, Value(16)),  // 17: ch(e, f, g) = g ^ (e & (f ^ g))
    (AluOp::Add, 7, Value(14)),  // 18
    (AluOp::Add, 18, Value(17)), // 19
    (AluOp::Add, 19, Value(K)),  // 20
    (AluOp::Add, 20, Value(W)),  // 21: temp1
    (AluOp::Rotr, 0, Const(2)),  // 22
    (AluOp::Rotr, 0, Const(13)), // 23
    (AluOp::Rotr, 0, Const(22)), // 24
    (AluOp::Xor, 22, Value(23)), // 25
    (AluOp::Xor, 25, Value(24)), // 26: Σ0(a)
    (AluOp::Xor, 0, Value(1)),   // 27: a ^ b
    (AluOp::And, 27, Value(2)),  // 28
    (AluOp::And, 0, Value(1)),   // 29
    (AluOp::Xor, 28, Value(29)), // 30: maj(a, b, c) = ((a ^ b) & c) ^ (a & b)
    (AluOp::Add, 26, Value(30)), // 31: temp2
    (AluOp::Add, 3, Value(21)),  // 32: new e = d + temp1
    (AluOp::Add, 21, Value(31)), // 33: new a = temp1 + temp2
];
const FIRST_ANSWER: usize = 10;

/// A state row's requests: the written words are the read ones plus the final variables.
const STATE_REQUESTS: [(usize, usize, usize); 2] = [(W, NEW_A, 0), (K, NEW_E, E)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct ShaCompressCols<T> {
    pub is_real: T,
    pub clk: T,
    pub j: T,
    /// `j < 64` (a round) and `j < 67` (the chain goes on).
    pub is_round: T,
    pub not_last: T,
    /// The chain's schedule key (`$a0`'s word `j`) and the state's first key.
    pub w_key: T,
    pub state_key: T,
    /// Rounds: `w[j]`'s key; state rows: state words `i` and `i + 4`.
    pub key_a: [T; 2],
    pub key_b: [T; 2],
    pub access_a: AccessCols<T>,
    pub access_b: AccessCols<T>,
    pub words: [[T; 2]; NUM_WORDS],
    /// The `t` this row provides on the variables lookup, and how many rows take it.
    pub provided: T,
    pub multiplicity: T,
}

pub const NUM_SHA_COMPRESS_COLS: usize = std::mem::size_of::<ShaCompressCols<u8>>();
crate::borrow_row!(ShaCompressCols);

/// One SHA_COMPRESS call as the chip proves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShaCompressCall {
    pub clk: u32,
    pub w_key: u32,
    pub state_key: u32,
    pub w: [u32; 64],
    pub state: [u32; 8],
    /// Last timestamps of the schedule words and of the state words before the call.
    pub w_prev_ts: [u32; 64],
    pub state_prev_ts: [u32; 8],
}

fn operand(v: &[u32; NUM_WORDS], c: Operand) -> u32 {
    match c {
        Value(k) => v[k],
        Const(x) => x,
    }
}

impl ShaCompressCall {
    /// Every row's word slots, rounds first.
    pub fn rows(&self) -> Vec<[u32; NUM_WORDS]> {
        let (mut a, mut e) = ([0u32; ROWS_PER_CALL], [0u32; ROWS_PER_CALL]);
        for i in 0..4 {
            a[3 - i] = self.state[i];
            e[3 - i] = self.state[4 + i];
        }
        let mut rows = Vec::with_capacity(ROWS_PER_CALL);
        for j in 0..ROUNDS {
            let mut v = [0u32; NUM_WORDS];
            for k in 0..4 {
                v[k] = a[j + 3 - k];
                v[E + k] = e[j + 3 - k];
            }
            v[W] = self.w[j];
            v[K] = SHA256_K[j];
            for (i, &(op, b, c)) in REQUESTS.iter().enumerate() {
                v[FIRST_ANSWER + i] = op.apply(v[b], operand(&v, c));
            }
            a[j + 4] = v[NEW_A];
            e[j + 4] = v[NEW_E];
            rows.push(v);
        }
        for i in 0..4 {
            let mut v = [0u32; NUM_WORDS];
            v[0] = a[67 - i];
            v[E] = e[67 - i];
            v[NEW_A] = self.state[i];
            v[NEW_E] = self.state[4 + i];
            for (out, read, fin) in STATE_REQUESTS {
                v[out] = v[read].wrapping_add(v[fin]);
            }
            rows.push(v);
        }
        rows
    }

    /// The state after the call.
    pub fn output(&self) -> [u32; 8] {
        output_of(&self.rows())
    }

    /// How many round or state rows take `t` from the variables lookup.
    fn uses(t: usize) -> u32 {
        let rounds = (t.saturating_sub(3)..=t.min(ROUNDS - 1)).count() as u32;
        rounds + u32::from(t >= ROUNDS)
    }
}

/// The state a call's `rows` write: state row `i % 4` writes word `i` in slot `W` or `K`.
fn output_of(rows: &[[u32; NUM_WORDS]]) -> [u32; 8] {
    std::array::from_fn(|i| rows[ROUNDS + i % 4][if i < 4 { W } else { K }])
}

/// Records a call's ALU requests and byte lookups, and the call; returns the state it writes.
fn record_call(record: &mut MachineRecord, call: ShaCompressCall) -> [u32; 8] {
    let rows = call.rows();
    for (j, v) in rows.iter().enumerate() {
        let lookups = &mut record.byte_lookups;
        lookups.record(ByteOp::Ltu, j as u8, ROUNDS as u8);
        lookups.record(ByteOp::Ltu, j as u8, (ROWS_PER_CALL - 1) as u8);
        let ts = 4 * call.clk;
        if j < ROUNDS {
            record_memory_key(lookups, call.w_key + j as u32);
            record_access(lookups, call.w_prev_ts[j], ts + 2);
            for (i, &(op, b, c)) in REQUESTS.iter().enumerate() {
                let a = record.record_alu(op, v[b], operand(v, c));
                debug_assert_eq!(a, v[FIRST_ANSWER + i]);
            }
        } else {
            let i = j - ROUNDS;
            for word in [i, i + 4] {
                record_memory_key(lookups, call.state_key + word as u32);
                record_access(lookups, call.state_prev_ts[word], ts + 3);
            }
            for (_, read, fin) in STATE_REQUESTS {
                record.record_alu(AluOp::Add, v[read], v[fin]);
            }
        }
    }
    record.sha_compress_calls.push(call);
    output_of(&rows)
}

#[derive(Clone, Debug, Default)]
pub struct ShaCompressChip;

impl<F> BaseAir<F> for ShaCompressChip {
    fn width(&self) -> usize {
        NUM_SHA_COMPRESS_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ShaCompressChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: ShaCompressCols<AB::Var> = *builder.main().current_slice().borrow();
        let c = AB::Expr::from_u32;
        let is_real: AB::Expr = local.is_real.into();
        let is_round: AB::Expr = local.is_round.into();
        let not_last: AB::Expr = local.not_last.into();
        let is_state = is_real.clone() - is_round.clone();
        builder.assert_bool(is_real.clone());
        builder.assert_zero(is_round.clone() * (AB::Expr::ONE - is_real.clone()));
        builder.assert_zero(not_last.clone() * (AB::Expr::ONE - is_real.clone()));
        let (clk, j): (AB::Expr, AB::Expr) = (local.clk.into(), local.j.into());
        lookup_byte(
            builder,
            ByteOp::Ltu,
            [is_round.clone(), j.clone(), c(ROUNDS as u32)],
            is_real.clone(),
        );
        lookup_byte(
            builder,
            ByteOp::Ltu,
            [not_last.clone(), j.clone(), c(ROWS_PER_CALL as u32 - 1)],
            is_real.clone(),
        );

        // The chain: started by the syscall at j = 0, stepped to j = 67.
        let (w_key, state_key): (AB::Expr, AB::Expr) = (local.w_key.into(), local.state_key.into());
        permutation(
            builder,
            SHA_COMPRESS_BUS,
            [clk.clone(), w_key.clone(), state_key.clone(), j.clone()],
            is_real.clone(),
            false,
        );
        permutation(
            builder,
            SHA_COMPRESS_BUS,
            [
                clk.clone(),
                w_key.clone() + AB::Expr::ONE,
                state_key.clone(),
                j.clone() + AB::Expr::ONE,
            ],
            not_last,
            true,
        );

        // Memory: rounds read w[j]; state rows rewrite state words i and i + 4.
        let key_a = eval_memory_key(builder, local.key_a.map(Into::into), is_real.clone());
        let key_b = eval_memory_key(builder, local.key_b.map(Into::into), is_state.clone());
        builder.assert_zero(is_round.clone() * (key_a.clone() - w_key));
        builder.assert_zero(
            is_state.clone() * (key_a.clone() - state_key - j.clone() + c(ROUNDS as u32)),
        );
        builder.assert_zero(is_state.clone() * (key_b.clone() - key_a.clone() - c(4)));
        let words: Vec<[AB::Expr; 2]> = local.words.iter().map(|v| v.map(Into::into)).collect();
        let ts = clk.clone() * c(4) + c(2);
        eval_access(
            builder,
            key_a,
            words[W].clone(),
            ts.clone() + is_state.clone(),
            local.access_a,
            is_real.clone(),
        );
        eval_access(
            builder,
            key_b,
            words[K].clone(),
            ts + AB::Expr::ONE,
            local.access_b,
            is_state.clone(),
        );
        let reads = local
            .access_a
            .prev_value
            .iter()
            .zip(local.access_b.prev_value);
        for (h, (&read_a, read_b)) in reads.enumerate() {
            let read_a: AB::Expr = read_a.into();
            builder.assert_zero(is_round.clone() * (words[W][h].clone() - read_a.clone()));
            builder.assert_zero(is_state.clone() * (words[NEW_A][h].clone() - read_a));
            builder.assert_zero(is_state.clone() * (words[NEW_E][h].clone() - read_b.into()));
        }

        // The working variables: provided once per (clk, t), taken by later rounds and rows.
        let variables = LookupBus::new(VARIABLES_BUS);
        let provided: AB::Expr = local.provided.into();
        let multiplicity: AB::Expr = local.multiplicity.into();
        builder.assert_zero(is_round.clone() * (provided.clone() - j.clone() - c(4)));
        builder.assert_zero(
            is_state.clone() * (provided.clone() - c(ROWS_PER_CALL as u32 - 1) + j.clone()),
        );
        builder.assert_zero(multiplicity.clone() * (AB::Expr::ONE - is_real.clone()));
        let [a_lo, a_hi] = words[NEW_A].clone();
        let [e_lo, e_hi] = words[NEW_E].clone();
        variables.table_entry(
            builder,
            [clk.clone(), provided, a_lo, a_hi, e_lo, e_hi],
            multiplicity,
        );
        for k in 0..4 {
            let [a_lo, a_hi] = words[k].clone();
            let [e_lo, e_hi] = words[E + k].clone();
            variables.lookup_key(
                builder,
                [
                    clk.clone(),
                    j.clone() + c(3 - k as u32),
                    a_lo,
                    a_hi,
                    e_lo,
                    e_hi,
                ],
                Count::bounded(is_round.clone(), 1),
            );
        }
        let [a_lo, a_hi] = words[0].clone();
        let [e_lo, e_hi] = words[E].clone();
        variables.lookup_key(
            builder,
            [
                clk,
                c(2 * ROWS_PER_CALL as u32 - 5) - j.clone(),
                a_lo,
                a_hi,
                e_lo,
                e_hi,
            ],
            Count::bounded(is_state.clone(), 1),
        );

        // The round: K[j], then the ALU requests.
        let [k_lo, k_hi] = words[K].clone();
        LookupBus::new(ROUND_CONSTANT_BUS).lookup_key(
            builder,
            [j, k_lo, k_hi],
            Count::bounded(is_round.clone(), 1),
        );
        for (i, &(op, b, operand)) in REQUESTS.iter().enumerate() {
            let c = match operand {
                Value(k) => words[k].clone(),
                Const(x) => [c(x), AB::Expr::ZERO],
            };
            alu_message(
                builder,
                AB::Expr::from_u8(op as u8),
                [words[FIRST_ANSWER + i].clone(), words[b].clone(), c],
                is_round.clone(),
                false,
            );
        }
        for (out, read, fin) in STATE_REQUESTS {
            alu_message(
                builder,
                AB::Expr::from_u8(AluOp::Add as u8),
                [words[out].clone(), words[read].clone(), words[fin].clone()],
                is_state.clone(),
                false,
            );
        }
    }
}

impl HasContract for ShaCompressChip {
    /// `(clk, w_key, state_key, j)` is received (from the Syscall chip or the row before), the
    /// words read from the memory bus; `is_round` and `not_last` are the byte table's answers
    /// for `j`. Of the word slots, `W` and `K` (a round's `w[j]` and `K[j]`, a state row's
    /// words written) and the new `e` and `a` (offered to later rows) are the row's outputs;
    /// the working variables come from the chip's own lookup, a function of `(clk, t)` through
    /// the chain (declared so), and the rest are ALU answers: oracles to the checker, which
    /// the lookups and ALU answers then force.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_SHA_COMPRESS_COLS];
        let c: &ShaCompressCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        contract
            .selector("is_real", &c.is_real)
            .input("clk", &c.clk)
            .input("j", &c.j)
            .selector("is_round", &c.is_round)
            .selector("not_last", &c.not_last)
            .input("w_key", &c.w_key)
            .input("state_key", &c.state_key)
            .oracle("key_a", &c.key_a)
            .oracle("key_b", &c.key_b);
        c.access_a.declare(&mut contract, "access_a");
        c.access_b.declare(&mut contract, "access_b");
        for (i, word) in c.words.iter().enumerate() {
            let name = format!("words[{i}]");
            if [W, K, NEW_E, NEW_A].contains(&i) {
                contract.output(&name, word);
            } else {
                contract.oracle(&name, word);
            }
        }
        contract
            .oracle("provided", &c.provided)
            .oracle("multiplicity", &c.multiplicity)
            .real_when(&[&c.is_real])
            .assume_range(&c.key_a, 16, Source::Lookup)
            .assume_range(&c.key_b, 16, Source::Lookup)
            .function(VARIABLES_BUS, 2, "the chain names one row per (clk, j), and row j alone provides t = j + 4 (a round) or t = 67 − j (a state row)")
            .function(ROUND_CONSTANT_BUS, 1, "ShaRoundConstants: a preprocessed table with one row per round j")
            .guarantee("(clk, w_key, state_key, 0) received on `sha_compress` starts a chain of 68 rows: the 8 words at state_key become the SHA-256 compression of them with the 64 words at w_key, read at ts = 4·clk + 2 and the state rewritten at 4·clk + 3")
            .guarantee("(clk, w_key + 1, state_key, j + 1) sent on `sha_compress` by rows j < 67")
            .build("`tessera_executor::sha256_compress`")
    }
}

impl Chip<Val, MachineRecord> for ShaCompressChip {
    fn name(&self) -> &'static str {
        "ShaCompress"
    }

    fn is_optional(&self) -> bool {
        true
    }

    fn is_used(&self, record: &MachineRecord) -> bool {
        !record.sha_compress_calls.is_empty()
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let rows = record.sha_compress_calls.len() * ROWS_PER_CALL;
        let mut values = vec![Val::ZERO; rows * NUM_SHA_COMPRESS_COLS];
        let halves = |v: u32| [Val::from_u32(v & 0xFFFF), Val::from_u32(v >> 16)];
        for (call, chunk) in record
            .sha_compress_calls
            .iter()
            .zip(values.chunks_mut(ROWS_PER_CALL * NUM_SHA_COMPRESS_COLS))
        {
            for (j, (v, row)) in call
                .rows()
                .iter()
                .zip(chunk.chunks_mut(NUM_SHA_COMPRESS_COLS))
                .enumerate()
            {
                let cols: &mut ShaCompressCols<Val> = row.borrow_mut();
                let ts = 4 * call.clk;
                cols.is_real = Val::ONE;
                cols.clk = Val::from_u32(call.clk);
                cols.j = Val::from_usize(j);
                cols.is_round = Val::from_bool(j < ROUNDS);
                cols.not_last = Val::from_bool(j < ROWS_PER_CALL - 1);
                cols.w_key = Val::from_u32(call.w_key + j as u32);
                cols.state_key = Val::from_u32(call.state_key);
                let provided = if j < ROUNDS {
                    cols.key_a = halves(call.w_key + j as u32);
                    cols.access_a = AccessCols::populate(v[W], call.w_prev_ts[j], ts + 2);
                    j + 4
                } else {
                    let i = j - ROUNDS;
                    cols.key_a = halves(call.state_key + i as u32);
                    cols.key_b = halves(call.state_key + i as u32 + 4);
                    cols.access_a = AccessCols::populate(v[NEW_A], call.state_prev_ts[i], ts + 3);
                    cols.access_b =
                        AccessCols::populate(v[NEW_E], call.state_prev_ts[i + 4], ts + 3);
                    ROWS_PER_CALL - 1 - j
                };
                cols.provided = Val::from_usize(provided);
                cols.multiplicity = Val::from_u32(ShaCompressCall::uses(provided));
                cols.words = v.map(halves);
            }
        }
        pad_to_power_of_two(values, NUM_SHA_COMPRESS_COLS, 1)
    }
}

/// SHA_COMPRESS: reads the 64 schedule words at `w_addr`, then rewrites the 8 state words
/// at `state_addr`; the chip's rounds must give the executor's new state.
pub(crate) fn replay(
    record: &mut MachineRecord,
    memory: &mut ShardMemory,
    clk: u32,
    call: &SyscallEvent,
) -> Result<(), String> {
    let [w_addr, state_addr, _] = call.args;
    if call.memory.len() != 80 {
        return Err(format!(
            "SHA_COMPRESS at cycle {}: {} memory accesses",
            call.clock,
            call.memory.len()
        ));
    }
    let (w, rest) = call.memory.split_at(64);
    let (state_read, state_written) = rest.split_at(8);
    let mut compress = ShaCompressCall {
        clk,
        w_key: memory_key(w_addr),
        state_key: memory_key(state_addr),
        w: [0; 64],
        state: [0; 8],
        w_prev_ts: [0; 64],
        state_prev_ts: [0; 8],
    };
    for (j, access) in w.iter().enumerate() {
        let key = memory_key(access.addr);
        let prev = memory.access(key, access.prev_value, None, timestamp(clk, 2));
        compress.w[j] = prev.value;
        compress.w_prev_ts[j] = prev.ts;
    }
    for (i, (read, written)) in state_read.iter().zip(state_written).enumerate() {
        let key = memory_key(read.addr);
        let prev = memory.access(key, read.prev_value, Some(written.value), timestamp(clk, 3));
        compress.state[i] = prev.value;
        compress.state_prev_ts[i] = prev.ts;
    }
    let written: Vec<u32> = state_written.iter().map(|a| a.value).collect();
    if record_call(record, compress)[..] != written[..] {
        return Err(format!(
            "SHA_COMPRESS at cycle {}: the chip's rounds disagree with the executor",
            call.clock
        ));
    }
    Ok(())
}

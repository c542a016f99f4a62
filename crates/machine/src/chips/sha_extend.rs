//! SHA_EXTEND: the SHA-256 message schedule, `w[16..64]` from `w[0..16]` at `$a0`. One row per
//! word: rows 0..15 read `w[j]` from memory, rows 16..63 compute
//! `w[j] = w[j−16] + σ0(w[j−15]) + w[j−7] + σ1(w[j−2])` from ALU requests (Rotr, Srl, Xor, Add
//! on the `alu` bus) and write it. Each row provides `(clk, j, w[j])` on a lookup local to the
//! chip, from which later rows of the same call take their inputs.
//!
//! **Proves**: the 64 rows of a call form one chain started by the Syscall chip's
//! `(clk, key)` and stepped `(clk, key + 1, j + 1)` up to `j = 63` (`j < 63` and `j < 16` come
//! from the byte table's `Ltu`), so `(clk, j)` names exactly one row and the local lookup returns
//! the value that row holds (padding rows provide nothing: their multiplicity is 0); every
//! word's key is below the register keys. Each word is touched
//! once, at `ts = 4·clk + 3`. **Range checks**: inputs are canonical (read from the memory bus),
//! outputs are Add answers (range-checked by AddSub); the ALU's operands are therefore canonical.
//! **Assumes**: the Syscall chip sends one chain start per SHA_EXTEND call.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;
use tessera_executor::SyscallEvent;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{
    alu_message, lookup_byte, memory_key, permutation, AluOp, ByteOp, SHA_EXTEND_BUS,
};
use crate::gadgets::memory::{
    eval_access, eval_memory_key, record_access, record_memory_key, AccessCols,
};
use crate::record::MachineRecord;
use crate::shard::{timestamp, ShardMemory};

/// The chip's own lookup of schedule words: `(clk, j, w_lo, w_hi)`.
const SCHEDULE_BUS: &str = "sha_schedule";

/// The ALU requests of one computed word, in order: `(op, b, c)` by names of earlier results.
/// Values: 0..4 the inputs `w[j−16], w[j−15], w[j−7], w[j−2]`, then one per request.
const REQUESTS: [(AluOp, usize, Operand); 13] = [
    (AluOp::Rotr, 1, Operand::Const(7)),  // 4
    (AluOp::Rotr, 1, Operand::Const(18)), // 5
    (AluOp::Srl, 1, Operand::Const(3)),   // 6
    (AluOp::Xor, 4, Operand::Value(5)),   // 7
    (AluOp::Xor, 7, Operand::Value(6)),   // 8: σ0
    (AluOp::Rotr, 3, Operand::Const(17)), // 9
    (AluOp::Rotr, 3, Operand::Const(19)), // 10
    (AluOp::Srl, 3, Operand::Const(10)),  // 11
    (AluOp::Xor, 9, Operand::Value(10)),  // 12
    (AluOp::Xor, 12, Operand::Value(11)), // 13: σ1
    (AluOp::Add, 0, Operand::Value(8)),   // 14
    (AluOp::Add, 14, Operand::Value(2)),  // 15
    (AluOp::Add, 15, Operand::Value(13)), // 16: w[j]
];
const OFFSETS: [usize; 4] = [16, 15, 7, 2];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operand {
    Value(usize),
    Const(u32),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ShaExtendCols<T> {
    pub is_real: T,
    pub clk: T,
    pub j: T,
    /// `j < 16`: an input word, read; and `j < 63`: the chain goes on.
    pub is_input: T,
    pub not_last: T,
    pub key: [T; 2],
    pub access: AccessCols<T>,
    /// `w[j]`, then (computed rows) the four inputs and the thirteen ALU answers.
    pub w: [T; 2],
    pub values: [[T; 2]; 17],
    /// How many later rows of the call take `w[j]`.
    pub multiplicity: T,
}

pub const NUM_SHA_EXTEND_COLS: usize = std::mem::size_of::<ShaExtendCols<u8>>();
crate::borrow_row!(ShaExtendCols);

/// One row: the call's clock, the word's index and key, its value, the memory word's previous
/// value and timestamp, and the call's 64 words (for the computed rows' inputs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShaExtendRow {
    pub clk: u32,
    pub j: u32,
    pub key: u32,
    pub prev_value: u32,
    pub prev_ts: u32,
}

/// The ALU values of computed row `j` of schedule `w` (all 17, inputs first).
pub fn row_values(w: &[u32; 64], j: usize) -> [u32; 17] {
    let mut v = [0u32; 17];
    for (k, offset) in OFFSETS.iter().enumerate() {
        v[k] = w[j - offset];
    }
    for (i, &(op, b, c)) in REQUESTS.iter().enumerate() {
        let c = match c {
            Operand::Value(k) => v[k],
            Operand::Const(x) => x,
        };
        v[4 + i] = op.apply(v[b], c);
    }
    v
}

/// Records the ALU requests and byte lookups of a call on schedule `w` (after extension).
fn record_call(record: &mut MachineRecord, w: &[u32; 64], rows: &[ShaExtendRow]) {
    for row in rows {
        let j = row.j as usize;
        if j >= 16 {
            let v = row_values(w, j);
            for (i, &(op, b, c)) in REQUESTS.iter().enumerate() {
                let c = match c {
                    Operand::Value(k) => v[k],
                    Operand::Const(x) => x,
                };
                let a = record.record_alu(op, v[b], c);
                debug_assert_eq!(a, v[4 + i]);
            }
        }
        let lookups = &mut record.byte_lookups;
        lookups.record(ByteOp::Ltu, j as u8, 16);
        lookups.record(ByteOp::Ltu, j as u8, 63);
        record_memory_key(lookups, row.key);
        record_access(lookups, row.prev_ts, 4 * row.clk + 3);
    }
    record.sha_extend_calls.push((*w, rows.to_vec()));
}

#[derive(Clone, Debug, Default)]
pub struct ShaExtendChip;

impl<F> BaseAir<F> for ShaExtendChip {
    fn width(&self) -> usize {
        NUM_SHA_EXTEND_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ShaExtendChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: ShaExtendCols<AB::Var> = *builder.main().current_slice().borrow();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let is_real: AB::Expr = local.is_real.into();
        let is_input: AB::Expr = local.is_input.into();
        let not_last: AB::Expr = local.not_last.into();
        let computes = is_real.clone() - is_input.clone();
        builder.assert_bool(is_real.clone());
        builder.assert_zero(is_input.clone() * (AB::Expr::ONE - is_real.clone()));
        builder.assert_zero(not_last.clone() * (AB::Expr::ONE - is_real.clone()));
        // A padding row serves no schedule word: its `(clk, j, w)` is bound to nothing.
        builder.assert_zero(e(local.multiplicity) * (AB::Expr::ONE - is_real.clone()));
        let (clk, j): (AB::Expr, AB::Expr) = (local.clk.into(), local.j.into());
        lookup_byte(
            builder,
            ByteOp::Ltu,
            [is_input.clone(), j.clone(), AB::Expr::from_u32(16)],
            is_real.clone(),
        );
        lookup_byte(
            builder,
            ByteOp::Ltu,
            [not_last.clone(), j.clone(), AB::Expr::from_u32(63)],
            is_real.clone(),
        );

        // The chain: started by the syscall at j = 0, stepped to j = 63.
        let key = eval_memory_key(builder, local.key.map(Into::into), is_real.clone());
        permutation(
            builder,
            SHA_EXTEND_BUS,
            [clk.clone(), key.clone(), j.clone()],
            is_real.clone(),
            false,
        );
        permutation(
            builder,
            SHA_EXTEND_BUS,
            [
                clk.clone(),
                key.clone() + AB::Expr::ONE,
                j.clone() + AB::Expr::ONE,
            ],
            not_last,
            true,
        );

        // The word: read (inputs) or written (computed), and offered to later rows.
        let w: [AB::Expr; 2] = local.w.map(Into::into);
        for (half, prev) in w.iter().zip(local.access.prev_value) {
            builder.assert_zero(is_input.clone() * (half.clone() - prev.into()));
        }
        eval_access(
            builder,
            key,
            w.clone(),
            clk.clone() * AB::Expr::from_u32(4) + AB::Expr::from_u32(3),
            local.access,
            is_real.clone(),
        );
        let schedule = LookupBus::new(SCHEDULE_BUS);
        schedule.table_entry(
            builder,
            [clk.clone(), j.clone(), w[0].clone(), w[1].clone()],
            local.multiplicity.into(),
        );

        // Computed rows: the inputs from earlier rows, the ALU requests, the result.
        let values: Vec<[AB::Expr; 2]> = local.values.iter().map(|v| v.map(Into::into)).collect();
        for (k, offset) in OFFSETS.iter().enumerate() {
            let [lo, hi] = values[k].clone();
            schedule.lookup_key(
                builder,
                [
                    clk.clone(),
                    j.clone() - AB::Expr::from_usize(*offset),
                    lo,
                    hi,
                ],
                Count::bounded(computes.clone(), 1),
            );
        }
        for (i, &(op, b, c)) in REQUESTS.iter().enumerate() {
            let c = match c {
                Operand::Value(k) => values[k].clone(),
                Operand::Const(x) => [AB::Expr::from_u32(x), AB::Expr::ZERO],
            };
            alu_message(
                builder,
                AB::Expr::from_u8(op as u8),
                [values[4 + i].clone(), values[b].clone(), c],
                computes.clone(),
                false,
            );
        }
        for i in 0..2 {
            builder.assert_zero(computes.clone() * (w[i].clone() - values[16][i].clone()));
        }
    }
}

impl HasContract for ShaExtendChip {
    /// `(clk, key, j)` is received (from the Syscall chip or the row before), the word read
    /// from the memory bus; `is_input` and `not_last` are the byte table's answers for `j`.
    /// `w` is the word the row leaves and offers. The inputs of a computed row come from the
    /// chip's own lookup and its intermediate words are ALU answers: oracles (the lookup is a
    /// function of `(clk, j)` only through the chain, across rows).
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_SHA_EXTEND_COLS];
        let c: &ShaExtendCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        contract
            .selector("is_real", &c.is_real)
            .input("clk", &c.clk)
            .input("j", &c.j)
            .selector("is_input", &c.is_input)
            .selector("not_last", &c.not_last)
            .input("key", &c.key);
        c.access.declare(&mut contract, "access");
        contract
            .output("w", &c.w)
            .oracle("values", &c.values)
            .oracle("multiplicity", &c.multiplicity)
            .real_when(&[&c.is_real])
            .assume_range(&c.key, 16, Source::Lookup)
            .function(SCHEDULE_BUS, 2, "the chain names one row per (clk, j), and only that row provides (clk, j)")
            .guarantee("(clk, key, 0) received on `sha_extend` starts a chain of 64 rows: words key..key + 64 hold the SHA-256 schedule w[0..64] of the w[0..16] read there, written at ts = 4·clk + 3")
            .guarantee("(clk, key + 1, j + 1) sent on `sha_extend` by rows j < 63")
            .build("`tessera_executor::sha256_extend`")
    }
}

impl Chip<Val, MachineRecord> for ShaExtendChip {
    fn name(&self) -> &'static str {
        "ShaExtend"
    }

    fn is_optional(&self) -> bool {
        true
    }

    fn is_used(&self, record: &MachineRecord) -> bool {
        !record.sha_extend_calls.is_empty()
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let rows: usize = record.sha_extend_calls.iter().map(|c| c.1.len()).sum();
        let mut values = vec![Val::ZERO; rows * NUM_SHA_EXTEND_COLS];
        let mut chunks = values.chunks_mut(NUM_SHA_EXTEND_COLS);
        let halves = |v: u32| [Val::from_u32(v & 0xFFFF), Val::from_u32(v >> 16)];
        for (w, call) in &record.sha_extend_calls {
            let mut uses = [0u32; 64];
            for j in 16..64 {
                for offset in OFFSETS {
                    uses[j - offset] += 1;
                }
            }
            for row in call {
                let j = row.j as usize;
                let cols: &mut ShaExtendCols<Val> =
                    chunks.next().expect("one row per word").borrow_mut();
                cols.is_real = Val::ONE;
                cols.clk = Val::from_u32(row.clk);
                cols.j = Val::from_u32(row.j);
                cols.is_input = Val::from_bool(j < 16);
                cols.not_last = Val::from_bool(j < 63);
                cols.key = halves(row.key);
                cols.access = AccessCols::populate(row.prev_value, row.prev_ts, 4 * row.clk + 3);
                cols.w = halves(w[j]);
                if j >= 16 {
                    cols.values = row_values(w, j).map(halves);
                }
                cols.multiplicity = Val::from_u32(uses[j]);
            }
        }
        pad_to_power_of_two(values, NUM_SHA_EXTEND_COLS, 1)
    }
}

/// SHA_EXTEND: the 64 words of the schedule, each written in place.
pub(crate) fn replay(
    record: &mut MachineRecord,
    memory: &mut ShardMemory,
    clk: u32,
    call: &SyscallEvent,
) -> Result<(), String> {
    let mut w = [0u32; 64];
    let mut rows = Vec::with_capacity(64);
    for (j, access) in call.memory.iter().enumerate() {
        let key = memory_key(access.addr);
        let prev = memory.access(
            key,
            access.prev_value,
            Some(access.value),
            timestamp(clk, 3),
        );
        w[j] = access.value;
        rows.push(ShaExtendRow {
            clk,
            j: j as u32,
            key,
            prev_value: prev.value,
            prev_ts: prev.ts,
        });
    }
    if rows.len() != 64 {
        return Err(format!(
            "SHA_EXTEND at cycle {}: {} words",
            call.clock,
            rows.len()
        ));
    }
    record_call(record, &w, &rows);
    Ok(())
}

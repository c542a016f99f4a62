//! HINT_READ's buffer: one row per memory word it writes. A call with `n > 0` bytes sends
//! `(clk, key, n)` for its first word; each row takes `(clk, key, left)`, writes its word at
//! `ts = 4·clk + 3`, and unless it is the last sends `(clk, key + 1, left − 4)`. The last row
//! has `left` in 1..=4 and keeps the old bytes from `left` on (a partial last word).
//!
//! **Proves**: exactly the words `key, key + 1, …` covering `n` bytes are written, the last one
//! only in its first `left` bytes; every key is below the register keys (`key_hi ≤ 0x1FBF`).
//! A chain cannot stop early (the last row needs `left ≤ 4`) nor run on past `left ≤ 4` (a
//! non-last row sends `left − 4`, which would have to come back down to 1..=4 from near `p`).
//! **Range checks**: new and old bytes (`U8Pair`), key halves. The bytes themselves are the
//! prover's private input: nothing else constrains them.

use std::borrow::{Borrow, BorrowMut};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_executor::SyscallEvent;
use tessera_stark::{
    pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Source, Val,
};

use crate::bus::{memory_key, permutation, HINT_BUS};
use crate::gadgets::memory::{
    eval_access, eval_memory_key, record_access, record_memory_key, AccessCols,
};
use crate::gadgets::word::{assert_halves_of_bytes, range_check_bytes, record_range_check_word};
use crate::record::{ByteLookups, MachineRecord};
use crate::shard::{timestamp, ShardMemory};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct HintCols<T> {
    pub is_real: T,
    pub clk: T,
    pub key: [T; 2],
    pub left: T,
    pub last: T,
    /// On the last row, `left = i + 1` for the set flag.
    pub tail: [T; 4],
    pub access: AccessCols<T>,
    pub old_bytes: [T; 4],
    pub new_bytes: [T; 4],
}

pub const NUM_HINT_COLS: usize = std::mem::size_of::<HintCols<u8>>();
crate::borrow_row!(HintCols);

/// One word HINT_READ writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HintWord {
    pub clk: u32,
    pub key: u32,
    /// Bytes left to write from this word on.
    pub left: u32,
    pub prev_value: u32,
    pub prev_ts: u32,
    pub value: u32,
}

#[derive(Clone, Debug, Default)]
pub struct HintChip;

impl<F> BaseAir<F> for HintChip {
    fn width(&self) -> usize {
        NUM_HINT_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for HintChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let local: HintCols<AB::Var> = *builder.main().current_slice().borrow();
        let is_real: AB::Expr = local.is_real.into();
        let last: AB::Expr = local.last.into();
        builder.assert_bool(is_real.clone());
        builder.assert_bool(last.clone());
        builder.assert_zero(last.clone() * (AB::Expr::ONE - is_real.clone()));
        let clk: AB::Expr = local.clk.into();
        let key = eval_memory_key(builder, local.key.map(Into::into), is_real.clone());
        let left: AB::Expr = local.left.into();
        permutation(
            builder,
            HINT_BUS,
            [clk.clone(), key.clone(), left.clone()],
            is_real.clone(),
            false,
        );
        permutation(
            builder,
            HINT_BUS,
            [
                clk.clone(),
                key.clone() + AB::Expr::ONE,
                left.clone() - AB::Expr::from_u32(4),
            ],
            is_real.clone() - last.clone(),
            true,
        );

        let mut tail_sum = AB::Expr::ZERO;
        let mut tail_left = AB::Expr::ZERO;
        for (i, &t) in local.tail.iter().enumerate() {
            builder.assert_bool(t);
            tail_sum += t.into();
            tail_left += t.into() * AB::Expr::from_usize(i + 1);
        }
        builder.assert_eq(tail_sum, last.clone());
        builder.assert_zero(last * (left - tail_left));

        let old: [AB::Expr; 4] = local.old_bytes.map(Into::into);
        let new: [AB::Expr; 4] = local.new_bytes.map(Into::into);
        let prev: [AB::Expr; 2] = local.access.prev_value.map(Into::into);
        assert_halves_of_bytes(builder, &old, prev, is_real.clone());
        range_check_bytes(builder, &old, is_real.clone());
        range_check_bytes(builder, &new, is_real.clone());
        // Byte j is kept when the last word has fewer than j + 1 bytes left.
        for j in 1..4 {
            let kept = (0..j).fold(AB::Expr::ZERO, |acc, i| acc + local.tail[i].into());
            builder.assert_zero(kept * (new[j].clone() - old[j].clone()));
        }
        let byte = AB::Expr::from_u32(256);
        let value = [
            new[0].clone() + new[1].clone() * byte.clone(),
            new[2].clone() + new[3].clone() * byte,
        ];
        eval_access(
            builder,
            key,
            value,
            clk * AB::Expr::from_u32(4) + AB::Expr::from_u32(3),
            local.access,
            is_real,
        );
    }
}

impl HasContract for HintChip {
    /// `(clk, key, left)` is received (from the Syscall chip or the row before). The new bytes
    /// are the prover's private input: oracles, only range-checked. `last` and the one-hot
    /// `tail` are oracles too: a row with `left ≤ 4` that does not end the chain passes on its
    /// own, and only the chain (its next message would need `p − 4 < left' ≤ p`, with no way
    /// back to `1..=4` within a trace) rules it out.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_HINT_COLS];
        let c: &HintCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        contract
            .selector("is_real", &c.is_real)
            .input("clk", &c.clk)
            .input("key", &c.key)
            .input("left", &c.left)
            .oracle("last", &c.last)
            .oracle("tail", &c.tail);
        c.access.declare(&mut contract, "access");
        contract
            .oracle("old_bytes", &c.old_bytes)
            .oracle("new_bytes", &c.new_bytes)
            .real_when(&[&c.is_real])
            .assume_range(&c.key, 16, Source::Lookup)
            .assume_range(&c.old_bytes, 8, Source::Lookup)
            .assume_range(&c.new_bytes, 8, Source::Lookup)
            .guarantee("(clk, key, left) received on `hint`: words key, key + 1, … covering left bytes are written at ts = 4·clk + 3 as range-checked bytes, the last word only in its first bytes; every key below the register keys")
            .guarantee("(clk, key + 1, left − 4) sent on `hint` by every row but a chain's last")
            .build("the executor's HINT_READ (`Executor::syscall`): the input buffer's bytes written at $a0")
    }
}

pub fn populate(word: &HintWord) -> HintCols<Val> {
    let mut cols = HintCols {
        is_real: Val::ONE,
        clk: Val::from_u32(word.clk),
        key: [
            Val::from_u32(word.key & 0xFFFF),
            Val::from_u32(word.key >> 16),
        ],
        left: Val::from_u32(word.left),
        last: Val::from_bool(word.left <= 4),
        access: AccessCols::populate(word.prev_value, word.prev_ts, 4 * word.clk + 3),
        old_bytes: word.prev_value.to_le_bytes().map(Val::from_u8),
        new_bytes: word.value.to_le_bytes().map(Val::from_u8),
        ..Default::default()
    };
    if word.left <= 4 {
        cols.tail[word.left as usize - 1] = Val::ONE;
    }
    cols
}

fn record_lookups(word: &HintWord, lookups: &mut ByteLookups) {
    record_memory_key(lookups, word.key);
    record_range_check_word(lookups, word.prev_value);
    record_range_check_word(lookups, word.value);
    record_access(lookups, word.prev_ts, 4 * word.clk + 3);
}

impl Chip<Val, MachineRecord> for HintChip {
    fn name(&self) -> &'static str {
        "Hint"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let mut values = vec![Val::ZERO; record.hint_words.len() * NUM_HINT_COLS];
        for (row, word) in values.chunks_mut(NUM_HINT_COLS).zip(&record.hint_words) {
            let cols: &mut HintCols<Val> = row.borrow_mut();
            *cols = populate(word);
        }
        pad_to_power_of_two(values, NUM_HINT_COLS, 1)
    }
}

/// HINT_READ: the words it writes, with `left` the bytes still to write from each.
pub(crate) fn replay(
    record: &mut MachineRecord,
    memory: &mut ShardMemory,
    clk: u32,
    call: &SyscallEvent,
) {
    let len = call.args[1];
    for (j, access) in call.memory.iter().enumerate() {
        let key = memory_key(access.addr);
        let prev = memory.access(
            key,
            access.prev_value,
            Some(access.value),
            timestamp(clk, 3),
        );
        let word = HintWord {
            clk,
            key,
            left: len - 4 * j as u32,
            prev_value: prev.value,
            prev_ts: prev.ts,
            value: access.value,
        };
        record_lookups(&word, &mut record.byte_lookups);
        record.hint_words.push(word);
    }
}

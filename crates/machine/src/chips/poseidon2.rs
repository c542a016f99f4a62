//! POSEIDON2_PERMUTE: Tessera's own width-16 Poseidon2 over KoalaBear (Plonky3's
//! `default_koalabear_poseidon2_16`) on the 16 words at `$a0`, in place. One row per call:
//! Plonky3's `Poseidon2Air` with the same constants and linear layers, embedded as the first
//! columns, beside one memory access per word that reads the input and writes the output.
//!
//! **Proves**: the permutation's inputs are the words read and its outputs the words written,
//! each word canonical (`lo + 2^16·hi ≤ p − 1 = 0x7F00_0000`: `hi ≤ 0x7F00` by a 16-bit check of
//! `0x7F00 − hi`, and `lo = 0` where `hi = 0x7F00`), so a word equals its field element and a
//! run with a non-canonical input (which the executor refuses) has no proof. The 16 keys follow
//! the Syscall chip's `(clk, key)`; the last is range-checked below the register keys. Words are
//! touched once, at `ts = 4·clk + 3`. **Range checks**: inputs come from the memory bus; the
//! output halves are checked here. **Assumes**: the Syscall chip sends one start per call.
//! Padding rows hold the permutation of zero (the Poseidon2 constraints hold on every row).

use std::borrow::{Borrow, BorrowMut};
use std::sync::OnceLock;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_koala_bear::{
    GenericPoseidon2LinearLayersKoalaBear, KOALABEAR_POSEIDON2_HALF_FULL_ROUNDS,
    KOALABEAR_POSEIDON2_PARTIAL_ROUNDS_16, KOALABEAR_POSEIDON2_RC_16_EXTERNAL_FINAL,
    KOALABEAR_POSEIDON2_RC_16_EXTERNAL_INITIAL, KOALABEAR_POSEIDON2_RC_16_INTERNAL,
    KOALABEAR_S_BOX_DEGREE,
};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use p3_poseidon2_air::{
    generate_trace_rows, num_cols, Poseidon2Air, Poseidon2Cols, RoundConstants,
};
use tessera_executor::{poseidon2_permute, SyscallEvent};
use tessera_stark::{Chip, Contract, ContractBuilder, HasContract, Source, SubAirBuilder, Val};

use crate::bus::{lookup_u16, memory_key, permutation, POSEIDON2_BUS};
use crate::gadgets::bound::{eval_at_most, populate_at_most, record_at_most};
use crate::gadgets::is_zero::IsZeroCols;
use crate::gadgets::memory::{
    eval_access, eval_memory_key, record_access, record_memory_key, AccessCols,
};
use crate::record::MachineRecord;
use crate::shard::{timestamp, ShardMemory};

pub const WIDTH: usize = 16;
const HALF_FULL_ROUNDS: usize = KOALABEAR_POSEIDON2_HALF_FULL_ROUNDS;
const PARTIAL_ROUNDS: usize = KOALABEAR_POSEIDON2_PARTIAL_ROUNDS_16;
const SBOX_DEGREE: u64 = KOALABEAR_S_BOX_DEGREE;
const SBOX_REGISTERS: usize = 0;
pub(crate) const PERM_COLS: usize =
    num_cols::<WIDTH, SBOX_DEGREE, SBOX_REGISTERS, HALF_FULL_ROUNDS, PARTIAL_ROUNDS>();
/// The high half of `p − 1`.
const MAX_HI: u32 = 0x7F00;

pub(crate) type PermCols<T> =
    Poseidon2Cols<T, WIDTH, SBOX_DEGREE, SBOX_REGISTERS, HALF_FULL_ROUNDS, PARTIAL_ROUNDS>;
type PermAir = Poseidon2Air<
    Val,
    GenericPoseidon2LinearLayersKoalaBear,
    WIDTH,
    SBOX_DEGREE,
    SBOX_REGISTERS,
    HALF_FULL_ROUNDS,
    PARTIAL_ROUNDS,
>;

fn constants() -> RoundConstants<Val, WIDTH, HALF_FULL_ROUNDS, PARTIAL_ROUNDS> {
    RoundConstants::new(
        KOALABEAR_POSEIDON2_RC_16_EXTERNAL_INITIAL,
        KOALABEAR_POSEIDON2_RC_16_INTERNAL,
        KOALABEAR_POSEIDON2_RC_16_EXTERNAL_FINAL,
    )
}

pub(crate) fn air() -> &'static PermAir {
    static AIR: OnceLock<PermAir> = OnceLock::new();
    AIR.get_or_init(|| PermAir::new(constants()))
}

/// The Poseidon2 AIR's rows for `inputs` (a power-of-two count).
pub(crate) fn permutation_rows(inputs: Vec<[Val; WIDTH]>) -> RowMajorMatrix<Val> {
    generate_trace_rows::<
        Val,
        GenericPoseidon2LinearLayersKoalaBear,
        WIDTH,
        SBOX_DEGREE,
        SBOX_REGISTERS,
        HALF_FULL_ROUNDS,
        PARTIAL_ROUNDS,
    >(inputs, &constants(), 0)
}

/// The permutation's output columns.
pub(crate) fn outputs<T: Copy>(perm: &PermCols<T>) -> [T; WIDTH] {
    perm.ending_full_rounds[HALF_FULL_ROUNDS - 1].post
}

/// Declares the permutation's round columns in a contract: oracles, each forced by the
/// permutation's input through the rounds (the last full round's `post` is the output).
pub(crate) fn declare_rounds<S>(perm: &PermCols<u8>, contract: &mut ContractBuilder<'_, S>) {
    contract
        .oracle("perm.beginning_full_rounds", &perm.beginning_full_rounds)
        .oracle("perm.partial_rounds", &perm.partial_rounds)
        .oracle("perm.ending_full_rounds", &perm.ending_full_rounds);
}

#[repr(C)]
pub struct Poseidon2PermuteCols<T> {
    pub perm: PermCols<T>,
    pub is_real: T,
    pub clk: T,
    pub key: T,
    /// Halves of `key + 15`.
    pub last_key: [T; 2],
    pub access: [AccessCols<T>; WIDTH],
    pub output: [[T; 2]; WIDTH],
    /// Whether each input's and output's high half is `0x7F00`.
    pub input_at_max: [IsZeroCols<T>; WIDTH],
    pub output_at_max: [IsZeroCols<T>; WIDTH],
}

pub const NUM_POSEIDON2_COLS: usize = std::mem::size_of::<Poseidon2PermuteCols<u8>>();
crate::borrow_row!(Poseidon2PermuteCols);

/// One POSEIDON2_PERMUTE call: the words' previous timestamps and values before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poseidon2Call {
    pub clk: u32,
    pub key: u32,
    pub input: [u32; WIDTH],
    pub output: [u32; WIDTH],
    pub prev_ts: [u32; WIDTH],
}

/// Records a call's byte lookups, and the call.
fn record_call(record: &mut MachineRecord, call: Poseidon2Call) {
    let lookups = &mut record.byte_lookups;
    record_memory_key(lookups, call.key + WIDTH as u32 - 1);
    for i in 0..WIDTH {
        record_access(lookups, call.prev_ts[i], 4 * call.clk + 3);
        record_at_most(lookups, call.input[i], MAX_HI);
        let out = call.output[i];
        lookups.record_u16(out as u16);
        lookups.record_u16((out >> 16) as u16);
        record_at_most(lookups, out, MAX_HI);
    }
    record.poseidon2_calls.push(call);
}

#[derive(Clone, Debug, Default)]
pub struct Poseidon2Chip;

impl BaseAir<Val> for Poseidon2Chip {
    fn width(&self) -> usize {
        NUM_POSEIDON2_COLS
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = Val> + InteractionBuilder> Air<AB> for Poseidon2Chip {
    fn eval(&self, builder: &mut AB) {
        air().eval(&mut SubAirBuilder::new(builder, 0..PERM_COLS));
        let main = builder.main();
        let local: &Poseidon2PermuteCols<AB::Var> = main.current_slice().borrow();
        let c = AB::Expr::from_u32;
        let is_real: AB::Expr = local.is_real.into();
        builder.assert_bool(is_real.clone());
        let (clk, key): (AB::Expr, AB::Expr) = (local.clk.into(), local.key.into());
        permutation(
            builder,
            POSEIDON2_BUS,
            [clk.clone(), key.clone()],
            is_real.clone(),
            false,
        );
        let last = eval_memory_key(builder, local.last_key.map(Into::into), is_real.clone());
        builder.assert_zero(is_real.clone() * (last - key.clone() - c(WIDTH as u32 - 1)));

        let outputs = outputs(&local.perm);
        for (i, (&permuted, access)) in outputs.iter().zip(local.access).enumerate() {
            let input: [AB::Expr; 2] = access.prev_value.map(Into::into);
            let output: [AB::Expr; 2] = local.output[i].map(Into::into);
            for (half, value) in [(&input, local.perm.inputs[i]), (&output, permuted)] {
                let word = half[0].clone() + half[1].clone() * c(1 << 16);
                builder.assert_zero(is_real.clone() * (word - value.into()));
            }
            eval_at_most(
                builder,
                input.clone(),
                MAX_HI,
                local.input_at_max[i],
                is_real.clone(),
            );
            for h in &output {
                lookup_u16(builder, h.clone(), is_real.clone());
            }
            eval_at_most(
                builder,
                output.clone(),
                MAX_HI,
                local.output_at_max[i],
                is_real.clone(),
            );
            eval_access(
                builder,
                key.clone() + c(i as u32),
                output,
                clk.clone() * c(4) + c(3),
                access,
                is_real.clone(),
            );
        }
    }
}

impl HasContract for Poseidon2Chip {
    /// The call's `(clk, key)` come from the Syscall chip and the input words from the memory
    /// bus; the permutation's input cells equal the words read, so they and the rounds are
    /// oracles forced through the constraints; the output halves are what the chip writes.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_POSEIDON2_COLS];
        let c: &Poseidon2PermuteCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        contract.oracle("perm.inputs", &c.perm.inputs);
        declare_rounds(&c.perm, &mut contract);
        contract
            .selector("is_real", &c.is_real)
            .input("clk", &c.clk)
            .input("key", &c.key)
            .oracle("last_key", &c.last_key)
            .assume_range(&c.last_key, 16, Source::Lookup);
        for (i, access) in c.access.iter().enumerate() {
            access.declare(&mut contract, &format!("access[{i}]"));
        }
        contract
            .output("output", &c.output)
            .assume_range(&c.output, 16, Source::Lookup);
        for (i, at_max) in c.input_at_max.iter().enumerate() {
            at_max.declare(&mut contract, &format!("input_at_max[{i}]"));
        }
        for (i, at_max) in c.output_at_max.iter().enumerate() {
            at_max.declare(&mut contract, &format!("output_at_max[{i}]"));
        }
        contract
            .real_when(&[&c.is_real])
            .guarantee("(clk, key) received on `poseidon2`: the 16 words at key.. are replaced by their Poseidon2 permutation at ts = 4·clk + 3, every word read and written canonical (at most p − 1)")
            .build("`tessera_executor::poseidon2_permute`")
    }
}

impl Chip<Val, MachineRecord> for Poseidon2Chip {
    fn name(&self) -> &'static str {
        "Poseidon2"
    }

    fn is_optional(&self) -> bool {
        true
    }

    fn is_used(&self, record: &MachineRecord) -> bool {
        !record.poseidon2_calls.is_empty()
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let calls = &record.poseidon2_calls;
        let height = calls.len().max(1).next_power_of_two();
        let mut inputs = vec![[Val::ZERO; WIDTH]; height];
        for (input, call) in inputs.iter_mut().zip(calls) {
            *input = call.input.map(Val::from_u32);
        }
        let perms = permutation_rows(inputs);
        let mut values = vec![Val::ZERO; height * NUM_POSEIDON2_COLS];
        let halves = |v: u32| [Val::from_u32(v & 0xFFFF), Val::from_u32(v >> 16)];
        let at_max = |v: u32| populate_at_most(v, MAX_HI);
        for (r, (row, perm)) in values
            .chunks_mut(NUM_POSEIDON2_COLS)
            .zip(perms.values.chunks(PERM_COLS))
            .enumerate()
        {
            row[..PERM_COLS].copy_from_slice(perm);
            let Some(call) = calls.get(r) else { continue };
            let cols: &mut Poseidon2PermuteCols<Val> = row.borrow_mut();
            debug_assert_eq!(
                cols.perm.ending_full_rounds[HALF_FULL_ROUNDS - 1]
                    .post
                    .map(|x| x.as_canonical_u32()),
                call.output
            );
            cols.is_real = Val::ONE;
            cols.clk = Val::from_u32(call.clk);
            cols.key = Val::from_u32(call.key);
            cols.last_key = halves(call.key + WIDTH as u32 - 1);
            for i in 0..WIDTH {
                cols.access[i] =
                    AccessCols::populate(call.input[i], call.prev_ts[i], 4 * call.clk + 3);
                cols.output[i] = halves(call.output[i]);
                cols.input_at_max[i] = at_max(call.input[i]);
                cols.output_at_max[i] = at_max(call.output[i]);
            }
        }
        RowMajorMatrix::new(values, NUM_POSEIDON2_COLS)
    }
}

/// POSEIDON2_PERMUTE: rewrites the state at `addr` in place; the output must be the
/// permutation of the input.
pub(crate) fn replay(
    record: &mut MachineRecord,
    memory: &mut ShardMemory,
    clk: u32,
    call: &SyscallEvent,
) -> Result<(), String> {
    let addr = call.args[0];
    if call.memory.len() != 2 * WIDTH {
        return Err(format!(
            "POSEIDON2_PERMUTE at cycle {}: {} memory accesses",
            call.clock,
            call.memory.len()
        ));
    }
    let (read, written) = call.memory.split_at(WIDTH);
    let mut poseidon2 = Poseidon2Call {
        clk,
        key: memory_key(addr),
        input: [0; WIDTH],
        output: [0; WIDTH],
        prev_ts: [0; WIDTH],
    };
    for (i, (r, w)) in read.iter().zip(written).enumerate() {
        let key = memory_key(r.addr);
        let prev = memory.access(key, r.prev_value, Some(w.value), timestamp(clk, 3));
        poseidon2.input[i] = prev.value;
        poseidon2.output[i] = w.value;
        poseidon2.prev_ts[i] = prev.ts;
    }
    if poseidon2_permute(&poseidon2.input) != Some(poseidon2.output) {
        return Err(format!(
            "POSEIDON2_PERMUTE at cycle {}: the output disagrees with the permutation",
            call.clock
        ));
    }
    record_call(record, poseidon2);
    Ok(())
}

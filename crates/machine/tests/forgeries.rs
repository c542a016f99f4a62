//! Forged witnesses for the holes a review found (issue 12), each proven as a cheating prover
//! would (no debug checks, the byte table's multiplicities made to fit whatever the forged rows
//! ask) and shown to the verifier, which must reject it:
//! - boundary keys that wrap around p, so that one key has two chains (a run that exits 1
//!   proven as exiting 0);
//! - SHA_EXTEND padding rows that serve schedule words (a forged `w[63]`);
//! - a boundary key with a high half `v·4⁻¹` (a COMMIT hidden from the public digest);
//! - a memory key with a field-negative high half (a register key passed off as memory);
//! - KECCAK_SPONGE's length checked only modulo p;
//! - runs the executor rejects: WRITE out of memory, HINT_READ of nothing at an address past
//!   memory, a jump in a branch's delay slot, and a shard that ends between a branch and its
//!   delay slot.

use std::sync::Arc;

use crate::asm::{i, li, CODE, DATA, HALT, NOP, SYSCALL};
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use tessera_executor::{reexecute_shard, Checkpoint, CpuEvent, Executor, ExecutorConfig, Shard};
use tessera_machine::bridge::RunBridge;
use tessera_machine::bus::{
    global_memory_fields, memory_key, register_key, AluOp, ByteOp, BYTE_BUS, DIGEST_KEY_BASE,
};
use tessera_machine::chips::global_sum::record_messages;
use tessera_machine::chips::keccak_sponge::KeccakSpongeCols;
use tessera_machine::chips::memory::{
    GlobalBoundaryRow, MemoryGlobalCols, MemoryShardCols, ShardBoundaryRow,
};
use tessera_machine::chips::sha_extend::{row_values, ShaExtendCols, NUM_SHA_EXTEND_COLS};
use tessera_machine::core_proof::{CoreProof, CoreVerifyError, PublicOutput};
use tessera_machine::gadgets::memory::eval_memory_key;
use tessera_machine::program::ProgramProver;
use tessera_machine::record::AluEvent;
use tessera_machine::{ByteChip, MachineRecord};
use tessera_mips::Program;
use tessera_stark::{pad_to_power_of_two, Chip, ConfigId, Machine, MachineAir, Val};

const P: u32 = 0x7F00_0001;

fn prover(program: &Arc<Program>) -> ProgramProver {
    ProgramProver::new(program.clone(), ConfigId::InsecureTesting)
}

/// The run of `program` on `inputs` as the executor cuts it (one shard for these programs).
fn shards(program: &Program, inputs: Vec<Vec<u8>>) -> Vec<Shard> {
    let mut shards = Vec::new();
    Executor::new(program, inputs, ExecutorConfig::default())
        .run_traced(|s| shards.push(s.clone()))
        .expect("the honest run executes");
    shards
}

/// The records of `shards` as runs of `program`, bridged in order.
fn records(program: &Arc<Program>, shards: &[Shard]) -> Vec<MachineRecord> {
    let mut bridge = RunBridge::new(program.clone());
    shards
        .iter()
        .map(|s| bridge.record(s).expect("the bridge records the shard"))
        .collect()
}

/// The executor's verdict on `program`: true if it runs to a successful halt.
fn executes(program: &Program, inputs: Vec<Vec<u8>>) -> bool {
    let mut executor = Executor::new(program, inputs, ExecutorConfig::default());
    matches!(executor.run_fast(), Ok(outcome) if outcome.exit_code == 0)
}

/// Recomputes a (single-shard, last) record's global messages from its boundary rows.
fn rebuild_globals(record: &mut MachineRecord) {
    record.global_messages.clear();
    let index = record.shard_index;
    let mut messages = Vec::new();
    for row in &record.memory_boundary {
        messages.push((
            false,
            global_memory_fields(row.key, row.initial, row.prev_tag),
        ));
        messages.push((true, global_memory_fields(row.key, row.value, index + 1)));
    }
    for row in &record.memory_global {
        if row.starts_at_zero {
            messages.push((true, global_memory_fields(row.key, 0, 0)));
        }
        messages.push((false, global_memory_fields(row.key, row.value, row.tag)));
    }
    record_messages(record, &messages);
}

/// Sets the byte table's multiplicities to what the other chips' rows ask for (as a cheating
/// prover would); `bytes` is the byte table's position.
fn rebalance_bytes<A>(
    chips: &[A],
    bytes: usize,
    traces: &mut [RowMajorMatrix<Val>],
    pvs: &[Vec<Val>],
) where
    A: MachineAir<MachineRecord>,
{
    traces[bytes].values.iter_mut().for_each(|v| *v = Val::ZERO);
    let named: Vec<(&str, &A)> = chips.iter().map(|c| (c.name(), c)).collect();
    let counts = tessera_stark::debug::bus_counts(&named, traces, pvs, BYTE_BUS);
    let width = traces[bytes].width();
    for (tuple, count) in counts {
        let (op, a, b, c) = (tuple[0], tuple[1], tuple[2], tuple[3]);
        let row = if op == ByteOp::U16 as u32 {
            a
        } else {
            b + 256 * c
        };
        // A lookup no row of the table answers stays unbalanced: no prover can serve it.
        if row < 1 << 16 && b < 256 && c < 256 {
            traces[bytes].values[row as usize * width + op as usize] = count;
        }
    }
}

fn position(prover: &ProgramProver, name: &str) -> usize {
    prover
        .machine
        .chips()
        .iter()
        .position(|c| c.name() == name)
        .unwrap()
}

/// Proves `records` as one run with their traces changed by `tamper` (shard index, traces), no
/// debug checks, and returns the verifier's verdict.
fn prove_forged(
    prover: &ProgramProver,
    records: &[MachineRecord],
    mut tamper: impl FnMut(usize, &mut [RowMajorMatrix<Val>]),
) -> Result<PublicOutput, CoreVerifyError> {
    let chips = prover.machine.chips();
    let bytes = position(prover, "Bytes");
    let shards = records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let mut traces: Vec<_> = chips.iter().map(|c| c.generate_trace(record)).collect();
            let pvs: Vec<Vec<Val>> = chips.iter().map(|c| c.public_values(record)).collect();
            tamper(index, &mut traces);
            rebalance_bytes(chips, bytes, &mut traces, &pvs);
            prover
                .machine
                .prove_traces_of_unchecked(&prover.pk, record, traces, pvs)
                .expect("the forged traces have the right shapes")
        })
        .collect();
    prover.verifier().verify(&CoreProof { shards })
}

fn halves(v: u32) -> [Val; 2] {
    [Val::from_u32(v & 0xFFFF), Val::from_u32(v >> 16)]
}

fn rows_mut<C>(trace: &mut RowMajorMatrix<Val>) -> Vec<&mut C>
where
    [Val]: std::borrow::BorrowMut<C>,
{
    use std::borrow::BorrowMut;
    let width = trace.width();
    trace
        .values
        .chunks_mut(width)
        .map(|row| row.borrow_mut())
        .collect()
}

#[test]
fn the_harness_reproduces_honest_multiplicities_and_proofs() {
    let mut code = li(4, 0).to_vec();
    code.extend(HALT);
    let program = Arc::new(crate::asm::program(&code, &[]));
    let prover = prover(&program);
    let records = records(&program, &shards(&program, vec![]));
    let chips = prover.machine.chips();
    let bytes = position(&prover, "Bytes");
    let mut traces: Vec<_> = chips
        .iter()
        .map(|c| c.generate_trace(&records[0]))
        .collect();
    let pvs: Vec<Vec<Val>> = chips.iter().map(|c| c.public_values(&records[0])).collect();
    let honest = traces[bytes].clone();
    rebalance_bytes(chips, bytes, &mut traces, &pvs);
    assert!(
        honest.values == traces[bytes].values,
        "the rebalanced table differs"
    );
    assert!(prove_forged(&prover, &records, |_, _| {}).is_ok());
}

/// Hole 1: MemoryShard and MemoryGlobal keys chained `key + 1 + diff` could pass p (key
/// `0x3FFF_FFFF`, diff `0x3F00_0001`), so a key could be listed twice, with two chains; the
/// HALT then reads `$a0 = 0` from the second and the run that exits 1 proves exit code 0.
#[test]
fn boundary_keys_cannot_wrap_around_p() {
    let mut code = li(4, 1).to_vec();
    code.extend(HALT);
    let program = Arc::new(crate::asm::program(&code, &[]));
    assert!(!executes(&program, vec![]), "the run exits 1");
    let prover = prover(&program);
    let mut record = records(&program, &shards(&program, vec![])).remove(0);
    assert_eq!(record.exit_code, Some(1));
    let a0 = register_key(4);
    let halt = record.syscall_steps.last_mut().unwrap();
    let read_ts = 4 * halt.clk + 1;
    halt.a0 = (0, 0);
    record.exit_code = Some(0);
    let write_ts = record
        .cpu_steps
        .iter()
        .rev()
        .find(|s| s.control.rd == 4)
        .map(|s| 4 * s.clk + 3)
        .unwrap();
    record
        .memory_boundary
        .iter_mut()
        .find(|r| r.key == a0)
        .unwrap()
        .ts = write_ts;
    let fake = |key, ts| ShardBoundaryRow {
        key,
        initial: 0,
        prev_tag: 0,
        value: 0,
        ts,
    };
    record
        .memory_boundary
        .extend([fake(0x3FFF_FFFF, 0), fake(0, 0), fake(a0, read_ts)]);
    let global = |key| GlobalBoundaryRow {
        key,
        value: 0,
        tag: 1,
        starts_at_zero: true,
    };
    record
        .memory_global
        .extend([global(0x3FFF_FFFF), global(0), global(a0)]);
    rebuild_globals(&mut record);
    let verdict = prove_forged(&prover, &[record], |_, _| {});
    assert!(
        verdict.is_err(),
        "a run that exits 1 was proven to exit 0: {verdict:?}"
    );
}

/// Hole 2: a ShaExtend padding row served `(clk, 47, X)` to row 63, whose `w[63]` then went
/// to memory computed from X instead of `w[47]`.
#[test]
fn sha_extend_padding_serves_no_schedule_word() {
    let data: Vec<(u32, u32)> = (0..16)
        .map(|k| (DATA + 4 * k, 0x6162_6364u32.wrapping_mul(k + 1) ^ (k << 24)))
        .collect();
    let mut code = Vec::new();
    code.extend(li(4, DATA));
    code.extend(li(2, 0x3001_0005));
    code.push(SYSCALL);
    code.extend(li(4, 0));
    code.extend(HALT);
    let program = Arc::new(crate::asm::program(&code, &data));
    let prover = prover(&program);
    let mut record = records(&program, &shards(&program, vec![])).remove(0);
    let (w, rows) = record.sha_extend_calls[0].clone();
    let clk = rows[0].clk;
    let v = row_values(&w, 63);
    let x = v[0] ^ 0x8000_0001;
    let (s14, s15) = (
        x.wrapping_add(v[8]),
        x.wrapping_add(v[8]).wrapping_add(v[2]),
    );
    let forged = s15.wrapping_add(v[13]);
    assert_ne!(forged, w[63]);
    let unrecord = |record: &mut MachineRecord, a, b, c| {
        let at = record
            .add_sub_events
            .iter()
            .position(|e| {
                *e == AluEvent {
                    op: AluOp::Add,
                    a,
                    b,
                    c,
                }
            })
            .expect("the honest request");
        record.add_sub_events.remove(at);
    };
    unrecord(&mut record, v[14], v[0], v[8]);
    unrecord(&mut record, v[15], v[14], v[2]);
    unrecord(&mut record, v[16], v[15], v[13]);
    record.record_alu(AluOp::Add, x, v[8]);
    record.record_alu(AluOp::Add, s14, v[2]);
    record.record_alu(AluOp::Add, s15, v[13]);
    let key = memory_key(DATA) + 63;
    record
        .memory_boundary
        .iter_mut()
        .find(|r| r.key == key)
        .unwrap()
        .value = forged;
    record
        .memory_global
        .iter_mut()
        .find(|r| r.key == key)
        .unwrap()
        .value = forged;
    rebuild_globals(&mut record);
    let sha = position(&prover, "ShaExtend");
    let verdict = prove_forged(&prover, &[record], |_, traces| {
        let t = &mut traces[sha];
        // One padding row after the call's 64.
        t.values.resize(128 * NUM_SHA_EXTEND_COLS, Val::ZERO);
        let mut rows: Vec<&mut ShaExtendCols<Val>> = rows_mut(t);
        rows[63].values[0] = halves(x);
        rows[63].values[14] = halves(s14);
        rows[63].values[15] = halves(s15);
        rows[63].values[16] = halves(forged);
        rows[63].w = halves(forged);
        rows[47].multiplicity -= Val::ONE;
        rows[64].clk = Val::from_u32(clk);
        rows[64].j = Val::from_u32(47);
        rows[64].w = halves(x);
        rows[64].multiplicity = Val::ONE;
    });
    assert!(
        verdict.is_err(),
        "a forged SHA-256 schedule word was accepted: {verdict:?}"
    );
}

/// Hole 3: `lookup_u16(4·hi)` passes for `hi = 65535·4⁻¹`, so a boundary row could name the
/// digest key `2^30` (as `2^14 + 2^16·hi`) and close the chain a COMMIT wrote, leaving the
/// public digest at zero.
#[test]
fn a_boundary_row_cannot_name_a_digest_key() {
    let mut code = Vec::new();
    code.extend(li(4, 0));
    code.extend(li(5, 0x1234));
    code.extend(li(2, 0x10));
    code.push(SYSCALL);
    code.extend(li(4, 0));
    code.extend(HALT);
    let program = Arc::new(crate::asm::program(&code, &[]));
    let prover = prover(&program);
    let mut record = records(&program, &shards(&program, vec![])).remove(0);
    assert_eq!(record.digest[0].0, 0x1234);
    let commit_ts = record.digest[0].1;
    record.digest[0] = (0, 0);
    record.memory_boundary.push(ShardBoundaryRow {
        key: DIGEST_KEY_BASE,
        initial: 0,
        prev_tag: 0,
        value: 0x1234,
        ts: commit_ts,
    });
    record.memory_global.push(GlobalBoundaryRow {
        key: DIGEST_KEY_BASE,
        value: 0x1234,
        tag: 1,
        starts_at_zero: true,
    });
    let (shard_rows, global_rows) = (record.memory_boundary.len(), record.memory_global.len());
    rebuild_globals(&mut record);
    let (shard, global) = (
        position(&prover, "MemoryShard"),
        position(&prover, "MemoryGlobal"),
    );
    // 2^30 = 2^14 + 2^16·hi with 4·hi = 65535 (mod p).
    let hi = Val::from_u32(65535) * Val::from_u32(4).inverse();
    let key = [Val::from_u32(1 << 14), hi];
    let verdict = prove_forged(&prover, &[record], |_, traces| {
        rows_mut::<MemoryShardCols<Val>>(&mut traces[shard])[shard_rows - 1]
            .sorted
            .key = key;
        rows_mut::<MemoryGlobalCols<Val>>(&mut traces[global])[global_rows - 1]
            .sorted
            .key = key;
    });
    assert!(
        verdict.is_err(),
        "a COMMIT was hidden from the public digest: {verdict:?}"
    );
}

/// Hole 7: `len_lo + 2^16·len_hi = 36·blocks` held for a length word `36 + p`, which the
/// executor rejects; the chip proved one block for it.
#[test]
fn a_keccak_length_past_p_is_rejected() {
    let out = DATA + 288;
    let mut data: Vec<(u32, u32)> = (0..36)
        .map(|k| (DATA + 4 * k, 0x7f4a_7c15u32.wrapping_mul(k + 3)))
        .collect();
    data.push((out + 64, 36));
    let mut code = Vec::new();
    code.extend(li(4, DATA));
    code.extend(li(5, out));
    code.extend(li(2, 0x0101_0009));
    code.push(SYSCALL);
    code.extend(li(4, 0));
    code.extend(HALT);
    let honest = Arc::new(crate::asm::program(&code, &data));
    data.last_mut().unwrap().1 = 36 + P;
    let forged = Arc::new(crate::asm::program(&code, &data));
    assert!(
        !executes(&forged, vec![]),
        "the executor rejects the length"
    );
    let prover = prover(&forged);
    let mut record = records(&honest, &shards(&honest, vec![])).remove(0);
    let key = memory_key(out + 64);
    let row = record
        .memory_boundary
        .iter_mut()
        .find(|r| r.key == key)
        .unwrap();
    (row.initial, row.value) = (36 + P, 36 + P);
    record
        .memory_global
        .iter_mut()
        .find(|r| r.key == key)
        .unwrap()
        .value = 36 + P;
    rebuild_globals(&mut record);
    let keccak = position(&prover, "KeccakSponge");
    let verdict = prove_forged(&prover, &[record], |_, traces| {
        for row in rows_mut::<KeccakSpongeCols<Val>>(&mut traces[keccak]) {
            if row.len_read == Val::ONE {
                row.out_words[0] = halves(36 + P);
                row.out_access[0].prev_value = halves(36 + P);
            }
        }
    });
    assert!(
        verdict.is_err(),
        "a sponge of length 36 + p was accepted: {verdict:?}"
    );
}

/// The run of `honest` with the `li` of `reg` made to load `value` instead, as a run of
/// `forged` (the same code but that `li`): the executor's events patched, the rest recorded by
/// the bridge from them.
fn patched_li_records(
    honest: &Arc<Program>,
    forged: &Arc<Program>,
    inputs: Vec<Vec<u8>>,
    (reg, honest_value, value): (u8, u32, u32),
) -> Vec<MachineRecord> {
    let mut shards = shards(honest, inputs);
    let [lui, ori] = li(reg, value);
    let mut after_lui = false;
    for event in &mut shards[0].cpu_events {
        let word = forged.instruction(event.pc).unwrap().word;
        if word == lui {
            event.result = value & 0xFFFF_0000;
        } else if word == ori && after_lui {
            event.result = value;
        }
        after_lui = word == lui;
    }
    let arg = (reg - 4) as usize;
    for call in &mut shards[0].syscall_events {
        if call.args[arg] == honest_value {
            call.args[arg] = value;
            // The executor's reads of the honest buffer are not part of the forged run.
            call.memory.clear();
        }
    }
    records(forged, &shards)
}

/// Hole 8: WRITE's buffer must lie in memory (the executor checks `a1 + a2 ≤ 0x7F00_0000`).
#[test]
fn a_write_past_memory_is_rejected() {
    let code = |buffer: u32| {
        let mut code = Vec::new();
        code.extend(li(4, 1));
        code.extend(li(5, buffer));
        code.extend(li(6, 16));
        code.extend(li(2, 2));
        code.push(SYSCALL);
        code.extend(li(4, 0));
        code.extend(HALT);
        Arc::new(crate::asm::program(&code, &[]))
    };
    let (honest, forged) = (code(DATA), code(0x7F00_0000));
    assert!(
        !executes(&forged, vec![]),
        "the executor rejects the buffer"
    );
    let records = patched_li_records(&honest, &forged, vec![], (5, DATA, 0x7F00_0000));
    assert_eq!(records[0].syscall_steps[0].a1.0, 0x7F00_0000);
    let verdict = prove_forged(&prover(&forged), &records, |_, _| {});
    assert!(
        verdict.is_err(),
        "a WRITE past memory was accepted: {verdict:?}"
    );
}

/// Hole 8: HINT_READ of nothing still needs `$a0` within memory.
#[test]
fn an_empty_hint_read_past_memory_is_rejected() {
    let code = |buffer: u32| {
        let mut code = Vec::new();
        code.extend(li(4, buffer));
        code.extend(li(5, 0));
        code.extend(li(2, 0xF1));
        code.push(SYSCALL);
        code.extend(li(4, 0));
        code.extend(HALT);
        Arc::new(crate::asm::program(&code, &[]))
    };
    let (honest, forged) = (code(DATA), code(0x8000_0000));
    assert!(
        !executes(&forged, vec![vec![]]),
        "the executor rejects the address"
    );
    let records = patched_li_records(&honest, &forged, vec![vec![]], (4, DATA, 0x8000_0000));
    let verdict = prove_forged(&prover(&forged), &records, |_, _| {});
    assert!(
        verdict.is_err(),
        "an empty HINT_READ past memory was accepted: {verdict:?}"
    );
}

/// `beq $0, $0` (taken, to `CODE + 12`) with `j CODE + 20` in its delay slot; `CODE + 20` halts.
fn delay_slot_program() -> Arc<Program> {
    let j = (2 << 26) | (((CODE + 20) >> 2) & 0x03FF_FFFF);
    let code = [i(0x04, 0, 0, 2), j, NOP, NOP, NOP, HALT[0], HALT[1]];
    Arc::new(crate::asm::program(&code, &[]))
}

/// The run the CPU's constraints alone would allow: the branch, then the jump in its delay
/// slot executed from a checkpoint (the executor refuses it in a delay slot).
fn delay_slot_shards(split: bool) -> Vec<Shard> {
    let program = delay_slot_program();
    let after_branch = Checkpoint {
        clock: 1,
        pc: CODE + 4,
        next_pc: CODE + 12,
        ..Checkpoint::default()
    };
    let mut rest = reexecute_shard(&program, usize::from(split), &after_branch, 100).unwrap();
    let branch = CpuEvent {
        clock: 1,
        pc: CODE,
        next_pc: CODE + 4,
        next_next_pc: CODE + 12,
        word: program.instruction(CODE).unwrap().word,
        rs_value: 0,
        rt_value: 0,
        result: 0,
        hi: 0,
        lo: 0,
        memory: None,
    };
    let start = Checkpoint {
        clock: 0,
        pc: CODE,
        next_pc: CODE + 4,
        ..Checkpoint::default()
    };
    if split {
        let first = Shard {
            index: 0,
            start,
            cpu_events: vec![branch],
            syscall_events: vec![],
            end_pc: CODE + 4,
            end_next_pc: CODE + 12,
            end_registers: [0; 32],
            end_hi: 0,
            end_lo: 0,
            halted: false,
        };
        vec![first, rest]
    } else {
        rest.start = start;
        rest.cpu_events.insert(0, branch);
        vec![rest]
    }
}

/// Hole 8: a branch or jump in a delay slot (the executor stops with `BranchInDelaySlot`).
#[test]
fn a_jump_in_a_delay_slot_is_rejected() {
    let program = delay_slot_program();
    assert!(!executes(&program, vec![]));
    let records = records(&program, &delay_slot_shards(false));
    let verdict = prove_forged(&prover(&program), &records, |_, _| {});
    assert!(
        verdict.is_err(),
        "a jump in a delay slot was accepted: {verdict:?}"
    );
}

/// Hole 8: a shard that ends on a branch leaves its delay slot to the next shard, which could
/// then start with a jump.
#[test]
fn a_shard_cannot_end_before_a_delay_slot() {
    let program = delay_slot_program();
    let records = records(&program, &delay_slot_shards(true));
    assert_eq!(records.len(), 2);
    let verdict = prove_forged(&prover(&program), &records, |_, _| {});
    assert!(
        verdict.is_err(),
        "a delay slot in the next shard was accepted: {verdict:?}"
    );
}

/// Names a memory key with `eval_memory_key` and makes it public.
#[derive(Clone, Debug)]
struct KeyChip;

impl<F> BaseAir<F> for KeyChip {
    fn width(&self) -> usize {
        3
    }
    fn num_public_values(&self) -> usize {
        1
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for KeyChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let row = builder.main().current_slice().to_vec();
        let public: AB::Expr = builder.public_values()[0].into();
        let is_real: AB::Expr = row[2].into();
        builder.assert_bool(is_real.clone());
        let key = eval_memory_key(builder, [row[0].into(), row[1].into()], is_real.clone());
        builder.assert_zero(is_real * (key - public));
    }
}

impl Chip<Val, MachineRecord> for KeyChip {
    fn name(&self) -> &'static str {
        "Key"
    }
    fn generate_trace(&self, _: &MachineRecord) -> RowMajorMatrix<Val> {
        pad_to_power_of_two(vec![Val::ZERO; 3], 3, 1)
    }
}

tessera_stark::machine_chips! {
    enum KeyMachine<MachineRecord> {
        Bytes(ByteChip),
        Key(KeyChip),
    }
}

/// Hole 4: `lookup_u16(C − hi)` passes for `hi = p − m`: with `lo = 1, hi = p − 0x5F40` the
/// key is `0x1FC0_0002` (`$v0`), a register key that should be out of a memory key's range.
#[test]
fn a_memory_key_cannot_have_a_negative_high_half() {
    let machine = Machine::new(
        vec![KeyMachine::Bytes(ByteChip), KeyMachine::Key(KeyChip)],
        ConfigId::InsecureTesting,
    );
    let (pk, vk) = machine.setup::<MachineRecord>();
    let record = MachineRecord::new(Arc::new(Program::from_code(CODE, &[0], vec![])));
    let register = register_key(2);
    let mut traces: Vec<_> = machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(&record))
        .collect();
    traces[1].values = vec![Val::ONE, Val::from_u32(P - 0x5F40), Val::ONE];
    let pvs = vec![vec![], vec![Val::from_u32(register)]];
    rebalance_bytes(machine.chips(), 0, &mut traces, &pvs);
    let proof = machine
        .prove_traces_unchecked::<MachineRecord>(&pk, traces, pvs)
        .unwrap();
    let verdict = machine.verify::<MachineRecord>(&vk, &proof);
    assert!(
        verdict.is_err(),
        "a register key passed as a memory key: {verdict:?}"
    );
}

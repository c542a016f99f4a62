//! Completeness on real runs: a program is executed and cut into shards as `tessera prove` cuts
//! it, each shard's record is built by the same bridge, and every chip's trace (main,
//! preprocessed and public values, from the real trace generators) is checked row by row
//! against the chip's constraints and its receivers' answers. Within a shard, every bus but the
//! cross-shard one must balance over all the chips' traces; the cross-shard messages go to the
//! global sum, whose own constraints are checked like any other chip's.

use std::collections::BTreeMap;
use std::sync::Arc;

use p3_air::BaseAir;
use tessera_executor::{Executor, ExecutorConfig};
use tessera_machine::bridge::RunBridge;
use tessera_machine::bus::GLOBAL_BUS;
use tessera_machine::chips::contract;
use tessera_machine::MachineRecord;
use tessera_mips::{Program, Segment};
use tessera_stark::{Chip, ConfigId, Val};

use crate::complete::{check_trace, Ledger, Trace};
use crate::extract::{anonymous_contract, extract};
use crate::machine::{name, Completeness};

/// One run to check: a program, its input, and the shard size.
pub struct Run<'a> {
    pub label: &'a str,
    pub program: Arc<Program>,
    pub inputs: Vec<Vec<u8>>,
    pub shard_size: u64,
}

/// Rows checked per chip over every shard of every run, or each chip's first failure (a run
/// the executor rejects, or a bus that does not balance, fails every chip).
pub fn run_completeness(runs: &[Run]) -> Vec<(&'static str, Completeness)> {
    let mut rows: BTreeMap<&'static str, Result<usize, String>> = BTreeMap::new();
    let mut order = Vec::new();
    let mut shards = 0;
    for run in runs {
        let machine =
            tessera_machine::program::machine(run.program.clone(), ConfigId::InsecureTesting);
        let chips = machine.chips().to_vec();
        let extracted: Vec<_> = chips
            .iter()
            .map(|chip| {
                let width = BaseAir::<Val>::width(chip);
                let contract = contract(chip).unwrap_or_else(|| anonymous_contract(width));
                extract(name(chip), chip, contract).map_err(|e| e.to_string())
            })
            .collect();
        for chip in &chips {
            if !order.contains(&name(chip)) {
                order.push(name(chip));
                rows.insert(name(chip), Ok(0));
            }
        }
        let records = match records(run) {
            Ok(r) => r,
            Err(why) => {
                for r in rows.values_mut() {
                    *r = Err(format!("{}: {why}", run.label));
                }
                continue;
            }
        };
        for (index, record) in records.iter().enumerate() {
            shards += 1;
            let mut ledger = Ledger::default();
            for (chip, ir) in chips.iter().zip(&extracted) {
                let slot = rows.get_mut(name(chip)).expect("every chip has a slot");
                let Ok(done) = slot else { continue };
                let checked = ir.as_ref().map_err(Clone::clone).and_then(|ir| {
                    let main = Chip::<Val, MachineRecord>::generate_trace(chip, record);
                    let preprocessed = BaseAir::<Val>::preprocessed_trace(chip);
                    let public = Chip::<Val, MachineRecord>::public_values(chip, record);
                    let trace = Trace {
                        main: &main,
                        preprocessed: preprocessed.as_ref(),
                        public: &public,
                    };
                    check_trace(ir, &trace, &mut ledger)
                });
                *slot = match checked {
                    Ok(n) => Ok(*done + n),
                    Err(why) => Err(format!("{}, shard {index}: {why}", run.label)),
                };
            }
            if let Some(why) = unbalanced(&ledger) {
                for r in rows.values_mut().filter(|r| r.is_ok()) {
                    *r = Err(format!("{}, shard {index}: {why}", run.label));
                }
            }
        }
    }
    let labels: Vec<&str> = runs.iter().map(|r| r.label).collect();
    let what = format!(
        "{shards} shards of real runs ({}) through the trace generators",
        labels.join(", ")
    );
    order
        .into_iter()
        .map(|n| {
            let result = rows.remove(n).expect("a slot per chip");
            (
                n,
                Completeness {
                    what: what.clone(),
                    result,
                },
            )
        })
        .collect()
}

/// The records of `run`'s shards, built as the prover builds them.
fn records(run: &Run) -> Result<Vec<MachineRecord>, String> {
    let config = ExecutorConfig {
        shard_size: run.shard_size,
        ..ExecutorConfig::default()
    };
    let mut bridge = RunBridge::new(run.program.clone());
    let mut records = Vec::new();
    Executor::new(&run.program, run.inputs.clone(), config)
        .run_traced(|shard| records.push(bridge.record(shard)))
        .map_err(|e| format!("the executor rejects the run: {e}"))?;
    records.into_iter().collect()
}

/// The first bus of the shard's ledger whose messages do not cancel (the cross-shard bus
/// excepted: its balance is the global sum's, over all shards).
fn unbalanced(ledger: &Ledger) -> Option<String> {
    ledger
        .counts
        .iter()
        .find(|((bus, _), _)| bus != GLOBAL_BUS)
        .map(|((bus, message), n)| {
            format!("the {bus} bus does not balance: message {message:?} is counted {n}")
        })
}

/// The bundled example guests (in `guest/`) with their inputs, cut into shards of
/// `shard_size` cycles; a missing or malformed file is an error.
pub fn guest_runs(
    guest_dir: &std::path::Path,
    shard_size: u64,
) -> Result<Vec<Run<'static>>, String> {
    const GUESTS: [(&str, &str); 6] = [
        ("fibonacci", "fibonacci.bin"),
        ("sort", "sort.bin"),
        ("io", "name.txt"),
        ("sha256", "message.txt"),
        ("keccak", "message.txt"),
        ("precompiles", "message.txt"),
    ];
    GUESTS
        .iter()
        .map(|&(label, input)| {
            let read = |path: std::path::PathBuf| {
                std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
            };
            let elf = read(guest_dir.join("bin").join(format!("{label}.elf")))?;
            let program = Program::from_elf(&elf).map_err(|e| format!("{label}.elf: {e}"))?;
            Ok(Run {
                label,
                program: Arc::new(program),
                inputs: vec![read(guest_dir.join("inputs").join(input))?],
                shard_size,
            })
        })
        .collect()
}

/// A program that runs every MIPS instruction that writes a register twice, into `$t0` and
/// into `$zero` (whose write the machine drops but whose result it must still prove: a link, a
/// load or an SC into `$zero` is a form compilers rarely emit and examples never reach), with
/// stores, HI/LO and a `jalr` between; cut into small shards so the forms meet shard
/// boundaries too.
pub fn instruction_forms_run() -> Run<'static> {
    let code = instruction_forms();
    let data = Segment {
        vaddr: FORMS_DATA,
        mem_size: 64,
        data: vec![0; 64],
        executable: false,
        writable: true,
    };
    Run {
        label: "instruction forms",
        program: Arc::new(Program::from_code(FORMS_CODE, &code, vec![data])),
        inputs: vec![],
        shard_size: 32,
    }
}

const FORMS_CODE: u32 = 0x0040_0000;
const FORMS_DATA: u32 = 0x1000_0000;

/// The words of [`instruction_forms_run`]'s program.
pub fn instruction_forms() -> Vec<u32> {
    let r = |rs: u8, rt: u8, rd: u8, shamt: u32, funct: u32| {
        (u32::from(rs) << 21) | (u32::from(rt) << 16) | (u32::from(rd) << 11) | (shamt << 6) | funct
    };
    let i = |op: u32, rs: u8, rt: u8, imm: u16| {
        (op << 26) | (u32::from(rs) << 21) | (u32::from(rt) << 16) | u32::from(imm)
    };
    let (t1, t2, t3, s0) = (9u8, 10u8, 11u8, 16u8);
    let li = |reg: u8, value: u32| {
        [
            i(0x0F, 0, reg, (value >> 16) as u16),
            i(0x0D, reg, reg, value as u16),
        ]
    };
    let mut code = Vec::new();
    code.extend(li(t1, 0x8765_4321));
    code.extend(li(t2, 0x0000_0013));
    code.extend(li(s0, FORMS_DATA));
    code.push(i(0x2B, s0, t1, 0)); // sw t1, 0(s0)
    code.push(i(0x2B, s0, t2, 4)); // sw t2, 4(s0)
    for dest in [8u8, 0] {
        for funct in [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B] {
            // add, addu, sub, subu, and, or, xor, nor, slt, sltu (add and sub on t2: no
            // overflow).
            let b = if funct < 0x24 { t2 } else { t1 };
            code.push(r(b, t2, dest, 0, funct));
        }
        code.push(r(t2, t1, dest, 0, 0x04)); // sllv
        code.push(r(t2, t1, dest, 0, 0x06)); // srlv
        code.push(r(t2, t1, dest, 1, 0x06)); // rotrv
        code.push(r(t2, t1, dest, 0, 0x07)); // srav
        code.push(r(0, t1, dest, 5, 0x00)); // sll
        code.push(r(0, t1, dest, 5, 0x02)); // srl
        code.push(r(1, t1, dest, 5, 0x02)); // rotr
        code.push(r(0, t1, dest, 5, 0x03)); // sra
        code.push(r(t1, 0, dest, 0, 0x0A)); // movz (moves)
        code.push(r(t1, t2, dest, 0, 0x0A)); // movz (does not)
        code.push(r(t1, t2, dest, 0, 0x0B)); // movn (moves)
        code.push((0x1C << 26) | r(t1, t2, dest, 0, 0x02)); // mul
        code.push((0x1C << 26) | r(t1, dest, dest, 0, 0x20)); // clz
        code.push((0x1C << 26) | r(t1, dest, dest, 0, 0x21)); // clo
        code.push((0x1F << 26) | r(0, t1, dest, 0x10, 0x20)); // seb
        code.push((0x1F << 26) | r(0, t1, dest, 0x18, 0x20)); // seh
        code.push((0x1F << 26) | r(0, t1, dest, 0x02, 0x20)); // wsbh
        code.push((0x1F << 26) | r(t1, dest, 7, 4, 0x00)); // ext dest, t1, 4, 8
        code.push((0x1F << 26) | r(t1, dest, 11, 4, 0x04)); // ins dest, t1, 4, 8
        for funct in [0x18, 0x19, 0x1A, 0x1B] {
            // mult, multu, div, divu, each read back through mfhi and mflo.
            code.push(r(t1, t2, 0, 0, funct));
            code.push(r(0, 0, dest, 0, 0x10));
            code.push(r(0, 0, dest, 0, 0x12));
        }
        for funct in [0x00, 0x01, 0x04, 0x05] {
            code.push((0x1C << 26) | r(t1, t2, 0, 0, funct)); // madd, maddu, msub, msubu
        }
        code.push(r(t2, 0, 0, 0, 0x11)); // mthi
        code.push(r(t1, 0, 0, 0, 0x13)); // mtlo
        code.push(r(0, 0, dest, 0, 0x10)); // mfhi
        code.push(r(0, 0, dest, 0, 0x12)); // mflo
        for op in [0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E] {
            // addi, addiu, slti, sltiu, andi, ori, xori
            code.push(i(op, t2, dest, 0x0123));
        }
        code.push(i(0x0F, 0, dest, 0xBEEF)); // lui
        for (op, offset) in [
            (0x20, 1), // lb
            (0x24, 3), // lbu
            (0x21, 2), // lh
            (0x25, 2), // lhu
            (0x23, 0), // lw
            (0x22, 5), // lwl
            (0x26, 6), // lwr
        ] {
            code.push(i(op, s0, dest, offset));
        }
        code.push(i(0x30, s0, dest, 0)); // ll
        code.push(i(0x38, s0, dest, 8)); // sc
        for (op, offset) in [(0x28, 13), (0x29, 14), (0x2A, 17), (0x2E, 22), (0x2B, 24)] {
            code.push(i(op, s0, t1, offset)); // sb, sh, swl, swr, sw
        }
        // jalr dest, t3 to the word after its delay slot.
        let target = FORMS_CODE + 4 * (code.len() as u32 + 4);
        code.extend(li(t3, target));
        code.push(r(t3, 0, dest, 0, 0x09));
        code.push(0); // delay slot
    }
    // Branches and jumps to the word after their delay slot (taken or not, the run goes on),
    // the links to `$ra` among them; traps that do not fire; SYNC and PREF.
    for (op, rs, rt) in [
        (0x04, 0, 0),     // beq
        (0x05, t1, t2),   // bne
        (0x06, t1, 0),    // blez
        (0x07, t2, 0),    // bgtz
        (0x01, t1, 0),    // bltz
        (0x01, t2, 1),    // bgez
        (0x01, t2, 0x10), // bltzal
        (0x01, t2, 0x11), // bgezal
    ] {
        code.push(i(op, rs, rt, 1));
        code.push(0);
    }
    let next = |code: &Vec<u32>| FORMS_CODE + 4 * (code.len() as u32 + 2);
    code.push((0x02 << 26) | ((next(&code) >> 2) & 0x03FF_FFFF)); // j
    code.push(0);
    code.push((0x03 << 26) | ((next(&code) >> 2) & 0x03FF_FFFF)); // jal
    code.push(0);
    let target = FORMS_CODE + 4 * (code.len() as u32 + 4);
    code.extend(li(t3, target));
    code.push(r(t3, 0, 0, 0, 0x08)); // jr
    code.push(0);
    // tge, tgeu, tlt, tltu, teq, tne on operands that do not trap (t1 is negative and, as a
    // word, above t2).
    for (funct, a, b) in [
        (0x30, t1, t2),
        (0x31, t2, t1),
        (0x32, t2, t1),
        (0x33, t1, t2),
        (0x34, t1, t2),
        (0x36, t1, t1),
    ] {
        code.push(r(a, b, 0, 0, funct));
    }
    // tgei, tgeiu, tlti, tltiu, teqi, tnei of t2 = 0x13 that do not trap.
    for (rt, imm) in [
        (0x08, 0x100),
        (0x09, 0x100),
        (0x0A, 1),
        (0x0B, 1),
        (0x0C, 0x14),
        (0x0E, 0x13),
    ] {
        code.push(i(0x01, t2, rt, imm));
    }
    code.push(0x0000_000F); // sync
    code.push(i(0x33, s0, 0, 0)); // pref
                                  // Halt with exit code 0: v0 = 0, a0 = 0, syscall.
    code.push(i(0x09, 0, 2, 0));
    code.push(i(0x09, 0, 4, 0));
    code.push(0x0000_000C);
    code
}

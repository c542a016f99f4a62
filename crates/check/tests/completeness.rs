//! Completeness on concrete traces: the real trace generators' rows for edge and random values
//! satisfy every constraint and answer every message as the reference does; a tampered trace
//! or a missing request is caught.

use std::sync::Arc;

use p3_air::BaseAir;
use p3_field::PrimeCharacteristicRing;
use proptest::prelude::*;
use tessera_check::complete::{check_trace, Ledger, Trace};
use tessera_check::machine::{alu_completeness, extract_mips, few_edge_values, mips_chips, name};
use tessera_machine::bus::{AluOp, ALU_BUS};
use tessera_machine::chips::MipsChip;
use tessera_machine::MachineRecord;
use tessera_mips::Program;
use tessera_stark::{Chip, Val};

fn chip(wanted: &str) -> MipsChip {
    mips_chips()
        .into_iter()
        .find(|c| name(c) == wanted)
        .unwrap()
}

#[test]
fn the_alu_chips_and_the_byte_table_are_complete_on_edge_values() {
    let results = alu_completeness(&few_edge_values());
    assert_eq!(results.len(), 9, "the byte table and eight ALU chips");
    for (name, c) in results {
        let rows = c.result.unwrap_or_else(|why| panic!("{name}: {why}"));
        assert!(rows > 0, "{name}: no rows checked");
    }
}

/// The AddSub chip's trace for a few requests, and its IR.
fn add_sub_trace() -> (tessera_check::ChipIr, p3_matrix::dense::RowMajorMatrix<Val>) {
    let mut record = MachineRecord::new(Arc::new(Program::default()));
    for (b, c) in [(1, 2), (u32::MAX, 1), (0x8000_0000, 0x8000_0000)] {
        record.record_alu(AluOp::Add, b, c);
        record.record_alu(AluOp::Sub, b, c);
    }
    let chip = chip("AddSub");
    let ir = extract_mips(&chip).unwrap().unwrap();
    let trace = Chip::<Val, MachineRecord>::generate_trace(&chip, &record);
    (ir, trace)
}

fn main_only(main: &p3_matrix::dense::RowMajorMatrix<Val>) -> Trace<'_> {
    Trace {
        main,
        preprocessed: None,
        public: &[],
    }
}

#[test]
fn a_tampered_cell_is_caught() {
    let (ir, honest) = add_sub_trace();
    assert!(check_trace(&ir, &main_only(&honest), &mut Ledger::default()).is_ok());
    // Every cell of the first row, changed in turn: each change breaks a constraint, a byte
    // row or the ALU's answer.
    for col in 0..ir.width {
        let mut tampered = honest.clone();
        tampered.values[col] += Val::ONE;
        let caught = check_trace(&ir, &main_only(&tampered), &mut Ledger::default());
        assert!(
            caught.is_err(),
            "column {} changed, still accepted",
            ir.contract.columns[col].name
        );
    }
}

#[test]
fn the_ledger_leaves_exactly_the_requests() {
    let (ir, honest) = add_sub_trace();
    let mut ledger = Ledger::default();
    check_trace(&ir, &main_only(&honest), &mut ledger).unwrap();
    let left = ledger.unbalanced(ALU_BUS);
    assert_eq!(left.len(), 6, "six distinct requests received");
    assert!(left.iter().all(|&(m, n)| n == -1 && m.len() == 7));
}

fn alu_op() -> impl Strategy<Value = AluOp> {
    (0..AluOp::ALL.len()).prop_map(|i| AluOp::ALL[i])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Random requests through the real trace generators: every row of every ALU chip
    /// satisfies its constraints, and every message is answered as the reference answers it.
    #[test]
    fn random_requests_give_accepted_traces(
        requests in prop::collection::vec((alu_op(), any::<u32>(), any::<u32>()), 1..40)
    ) {
        let mut record = MachineRecord::new(Arc::new(Program::default()));
        for (op, b, mut c) in requests {
            let division = matches!(op, AluOp::DivQ | AluOp::DivR | AluOp::DivQU | AluOp::DivRU);
            if division && c == 0 {
                c = 1;
            }
            let unary = matches!(op, AluOp::Clz | AluOp::Clo | AluOp::Seb | AluOp::Seh | AluOp::Wsbh);
            record.record_alu(op, b, if unary { 0 } else { c });
        }
        let mut ledger = Ledger::default();
        for chip in mips_chips() {
            let Some(ir) = extract_mips(&chip) else { continue };
            let ir = ir.unwrap();
            // The ALU chips: the others' traces need a run (see below).
            let alu = matches!(
                chip,
                MipsChip::AddSub(_) | MipsChip::Bitwise(_) | MipsChip::Lt(_) | MipsChip::Mul(_)
                    | MipsChip::Div(_) | MipsChip::Shift(_) | MipsChip::Bits(_)
                    | MipsChip::BitField(_)
            );
            if !alu {
                continue;
            }
            let main = Chip::<Val, MachineRecord>::generate_trace(&chip, &record);
            let preprocessed = BaseAir::<Val>::preprocessed_trace(&chip);
            let trace = Trace { main: &main, preprocessed: preprocessed.as_ref(), public: &[] };
            let rows = check_trace(&ir, &trace, &mut ledger);
            prop_assert!(rows.is_ok(), "{}: {:?}", ir.name, rows);
        }
    }
}

#[test]
fn every_chip_is_complete_on_the_example_guests() {
    let guests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest");
    let mut runs = tessera_check::runs::guest_runs(&guests, 1 << 12).unwrap();
    // Between them, these reach every chip; the whole set is `tessera check`'s.
    runs.retain(|r| ["fibonacci", "io", "precompiles"].contains(&r.label));
    let started = std::time::Instant::now();
    let results = tessera_check::runs::run_completeness(&runs);
    assert_eq!(results.len(), mips_chips().len());
    for (name, c) in &results {
        let rows = c
            .result
            .as_ref()
            .unwrap_or_else(|why| panic!("{name}: {why}"));
        assert!(*rows > 0, "{name}: no rows checked ({})", c.what);
    }
    eprintln!(
        "{} ({:.1} s)",
        results[0].1.what,
        started.elapsed().as_secs_f32()
    );
}

#[test]
fn every_chip_is_complete_on_every_instruction_form() {
    // The program writes with every instruction that has a destination, once into `$zero`.
    let words = tessera_check::runs::instruction_forms();
    let decoded: Vec<tessera_mips::Instruction> = words
        .iter()
        .map(|&w| tessera_mips::Instruction::decode(w))
        .collect();
    let mut forms = 0;
    for opcode in tessera_mips::Opcode::ALL {
        let bare = tessera_mips::Instruction {
            opcode,
            rs: 0,
            rt: 0,
            rd: 0,
            imm: 0,
            word: 0,
        };
        // Every opcode runs; those with a destination field write `$zero` once too.
        assert!(
            decoded.iter().any(|e| e.opcode == opcode)
                || matches!(
                    opcode,
                    tessera_mips::Opcode::Syscall
                        | tessera_mips::Opcode::Break
                        | tessera_mips::Opcode::Invalid
                ),
            "{opcode:?} never runs"
        );
        if bare.destination() != Some(0) {
            continue;
        }
        for zero in [true, false] {
            assert!(
                decoded
                    .iter()
                    .any(|e| e.opcode == opcode && (e.destination() == Some(0)) == zero),
                "{opcode:?} never writes {}",
                if zero { "$zero" } else { "a register" }
            );
        }
        forms += 1;
    }
    assert!(forms >= 40, "{forms} forms");
    let results =
        tessera_check::runs::run_completeness(&[tessera_check::runs::instruction_forms_run()]);
    for (name, c) in &results {
        assert!(c.result.is_ok(), "{name}: {:?}", c.result);
    }
    let cpu = results.iter().find(|(n, _)| *n == "Cpu").unwrap();
    assert!(*cpu.1.result.as_ref().unwrap() > 100, "{}", cpu.1.what);
}

#[test]
fn the_instruction_forms_prove_and_verify() {
    use tessera_machine::program::{ProgramProver, ProveOptions};
    // What completeness says, end to end: every form (into `$zero` too) proves and verifies.
    let run = tessera_check::runs::instruction_forms_run();
    let prover = ProgramProver::new(
        run.program.clone(),
        tessera_stark::ConfigId::InsecureTesting,
    );
    let options = ProveOptions {
        shard_size: 128,
        shards_in_flight: 2,
    };
    let (proof, report) = prover
        .prove_with(run.inputs.clone(), options, &|_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.shards >= 2, "{} shards", report.shards);
    let out = prover
        .verifier()
        .verify(&proof)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.cycles, report.cycles);
}

//! The byte table and the program ROM answer exactly the lookups they should: honest clients
//! prove and verify; a wrong result, an out-of-range operand, a forged multiplicity, a wrong or
//! missing instruction, or a read of a padding row leaves a bus unbalanced.

use std::sync::Arc;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_machine::bus::{lookup_byte, lookup_instruction, lookup_u16, ByteOp};
use tessera_machine::chips::cpu::control::{Control, KIND_BITS};
use tessera_machine::{ByteChip, MachineRecord, ProgramChip};
use tessera_mips::Program;
use tessera_stark::{pad_to_power_of_two, Chip, ConfigId, Machine, ProveError, Val, VerifyError};

/// Asks the byte table `b & c`, `b ^ c`, `b < c` and range-checks `b + 256·c` per row:
/// columns `and, xor, ltu, b, c, is_real`.
#[derive(Clone, Debug)]
struct ByteClient {
    pairs: Vec<(u8, u8)>,
}

impl<F> BaseAir<F> for ByteClient {
    fn width(&self) -> usize {
        6
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ByteClient {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder
            .main()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        let [and, xor, ltu, b, c, is_real] = <[AB::Expr; 6]>::try_from(row).unwrap();
        lookup_byte(
            builder,
            ByteOp::And,
            [and, b.clone(), c.clone()],
            is_real.clone(),
        );
        lookup_byte(
            builder,
            ByteOp::Xor,
            [xor, b.clone(), c.clone()],
            is_real.clone(),
        );
        lookup_byte(
            builder,
            ByteOp::Ltu,
            [ltu, b.clone(), c.clone()],
            is_real.clone(),
        );
        lookup_u16(builder, b + c * AB::Expr::from_u32(256), is_real);
    }
}

impl Chip<Val, MachineRecord> for ByteClient {
    fn name(&self) -> &'static str {
        "ByteClient"
    }
    fn generate_trace(&self, _: &MachineRecord) -> RowMajorMatrix<Val> {
        let values = self
            .pairs
            .iter()
            .flat_map(|&(b, c)| [b & c, b ^ c, (b < c) as u8, b, c, 1].map(Val::from_u8))
            .collect();
        pad_to_power_of_two(values, 6, 1)
    }
}

/// Fetches instructions as the CPU does: columns `pc, control (without the REAL bit), alu_op,
/// rs, rt, rd, imm_lo, imm_hi, is_real`; the REAL bit is sent as `is_real`.
#[derive(Clone, Debug)]
struct Fetcher {
    pcs: Vec<u32>,
    program: Arc<Program>,
}

impl<F> BaseAir<F> for Fetcher {
    fn width(&self) -> usize {
        9
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for Fetcher {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder
            .main()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        let [pc, control, alu_op, rs, rt, rd, lo, hi, is_real] =
            <[AB::Expr; 9]>::try_from(row).unwrap();
        let control = control + is_real.clone() * AB::Expr::from_u32(1 << KIND_BITS);
        lookup_instruction(builder, pc, [control, alu_op, rs, rt, rd, lo, hi], is_real);
    }
}

impl Chip<Val, MachineRecord> for Fetcher {
    fn name(&self) -> &'static str {
        "Fetcher"
    }
    fn generate_trace(&self, _: &MachineRecord) -> RowMajorMatrix<Val> {
        let values = self
            .pcs
            .iter()
            .flat_map(|&pc| {
                let i = self.program.instruction(pc).expect("pc in code");
                let c = Control::of(i, pc);
                [
                    pc,
                    c.packed() - (1 << KIND_BITS),
                    c.alu_op,
                    c.rs,
                    c.rt,
                    c.rd,
                    c.imm & 0xFFFF,
                    c.imm >> 16,
                    1,
                ]
                .map(Val::from_u32)
            })
            .collect();
        pad_to_power_of_two(values, 9, 1)
    }
}

tessera_stark::machine_chips! {
    enum TestChip<MachineRecord> {
        Bytes(ByteChip),
        Program(ProgramChip),
        ByteClient(ByteClient),
        Fetcher(Fetcher),
    }
}

const BYTES: usize = 0;
const CLIENT: usize = 2;
const FETCHER: usize = 3;

fn program(words: &[u32]) -> Arc<Program> {
    Arc::new(Program::from_code(0x40_0000, words, vec![]))
}

/// addiu $t0, $zero, 5; addu $t1, $t0, $t0; lw $t2, -4($sp); syscall
const CODE: [u32; 4] = [0x2408_0005, 0x0108_4821, 0x8FAA_FFFC, 0x0000_000C];

struct Setup {
    machine: Machine<TestChip>,
    record: MachineRecord,
}

fn setup(pairs: Vec<(u8, u8)>, pcs: Vec<u32>, words: &[u32]) -> Setup {
    let program = program(words);
    let mut record = MachineRecord::new(program.clone());
    for &(b, c) in &pairs {
        record.byte_lookups.record(ByteOp::And, b, c);
        record.byte_lookups.record(ByteOp::Xor, b, c);
        record.byte_lookups.record(ByteOp::Ltu, b, c);
        record.byte_lookups.record_u16(b as u16 | (c as u16) << 8);
    }
    for &pc in &pcs {
        record.record_fetch(pc);
    }
    let machine = Machine::new(
        vec![
            TestChip::Bytes(ByteChip),
            TestChip::Program(ProgramChip::new(program.clone())),
            TestChip::ByteClient(ByteClient { pairs }),
            TestChip::Fetcher(Fetcher { pcs, program }),
        ],
        ConfigId::InsecureTesting,
    );
    Setup { machine, record }
}

fn honest() -> Setup {
    let pairs = vec![
        (0, 0),
        (255, 255),
        (3, 5),
        (200, 7),
        (7, 200),
        (128, 1),
        (3, 5),
    ];
    let pcs = vec![0x40_0000, 0x40_0004, 0x40_0008, 0x40_000C, 0x40_0004];
    setup(pairs, pcs, &CODE)
}

fn traces(s: &Setup) -> Vec<RowMajorMatrix<Val>> {
    s.machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(&s.record))
        .collect()
}

fn no_public_values() -> Vec<Vec<Val>> {
    vec![vec![]; 4]
}

/// Checked proving must report a bus imbalance, and the proof a cheater makes anyway must fail.
fn assert_unbalanced(s: &Setup, traces: Vec<RowMajorMatrix<Val>>, bus: &str) {
    let (pk, vk) = s.machine.setup::<MachineRecord>();
    match s
        .machine
        .prove_traces::<MachineRecord>(&pk, traces.clone(), no_public_values())
    {
        // Debug builds check the traces before proving and name the bus; release builds
        // skip that check, and the prover's own verification refuses the proof.
        Err(ProveError::BusImbalance { bus: b, .. }) if cfg!(debug_assertions) => {
            assert_eq!(b, bus)
        }
        Err(ProveError::Unverified(VerifyError::BusImbalance)) if !cfg!(debug_assertions) => {}
        other => panic!("expected an imbalance on {bus}, got {other:?}"),
    }
    let proof = s
        .machine
        .prove_traces_unchecked::<MachineRecord>(&pk, traces, no_public_values())
        .unwrap();
    assert_eq!(
        s.machine.verify::<MachineRecord>(&vk, &proof),
        Err(VerifyError::BusImbalance)
    );
}

fn set(trace: &mut RowMajorMatrix<Val>, row: usize, col: usize, value: u32) {
    let width = trace.width;
    trace.values[row * width + col] = Val::from_u32(value);
}

#[test]
fn honest_lookups_prove_and_verify() {
    let s = honest();
    let (pk, vk) = s.machine.setup::<MachineRecord>();
    let proof = s.machine.prove(&pk, &s.record).unwrap();
    assert_eq!(proof.batch.degree_bits[BYTES], 16);
    s.machine.verify::<MachineRecord>(&vk, &proof).unwrap();
}

#[test]
fn a_wrong_byte_result_is_rejected() {
    let s = honest();
    let mut t = traces(&s);
    set(&mut t[CLIENT], 2, 0, (3 & 5) + 1); // and(3, 5) claimed wrong
    assert_unbalanced(&s, t, "byte");
}

#[test]
fn operands_that_are_not_bytes_are_rejected() {
    // (256, 0): no table row has b = 256, whatever the claimed results.
    let s = honest();
    let mut t = traces(&s);
    set(&mut t[CLIENT], 0, 3, 256);
    set(&mut t[CLIENT], 0, 0, 0);
    set(&mut t[CLIENT], 0, 1, 256);
    set(&mut t[CLIENT], 0, 2, 0);
    assert_unbalanced(&s, t, "byte");
}

#[test]
fn a_forged_multiplicity_is_rejected() {
    let s = honest();
    let mut t = traces(&s);
    let row = 3 | 5 << 8;
    let and = t[BYTES].values[row * ByteOp::ALL.len() + ByteOp::And as usize];
    t[BYTES].values[row * ByteOp::ALL.len() + ByteOp::And as usize] = and + Val::ONE;
    assert_unbalanced(&s, t, "byte");
}

#[test]
fn a_wrong_or_missing_instruction_is_rejected() {
    let s = honest();
    let mut t = traces(&s);
    set(&mut t[FETCHER], 1, 2, 1); // addu claimed as subu
    assert_unbalanced(&s, t, "program");

    let mut t = traces(&s);
    set(&mut t[FETCHER], 0, 0, 0x40_0010); // a pc past the code
    assert_unbalanced(&s, t, "program");

    let mut t = traces(&s);
    set(&mut t[FETCHER], 0, 6, 7); // the immediate of addiu
    assert_unbalanced(&s, t, "program");
}

#[test]
fn padding_rows_of_the_rom_cannot_be_read() {
    // Three instructions pad the ROM to four rows; the padding row is all zeros, and a
    // reader always sends the REAL bit of the control field.
    let s = setup(vec![], vec![0x40_0000], &CODE[..3]);
    let mut t = traces(&s);
    for col in 0..8 {
        set(&mut t[FETCHER], 0, col, 0);
    }
    // Move the fetch's multiplicity onto the padding row.
    set(&mut t[1], 0, 0, 0);
    set(&mut t[1], 3, 0, 1);
    assert_unbalanced(&s, t, "program");
}

#[test]
fn a_changed_instruction_changes_the_verifying_key() {
    let a = honest();
    let mut words = CODE;
    words[1] = 0x0108_4823; // subu instead of addu
    let b = setup(vec![(1, 2)], vec![0x40_0000], &words);
    let (pk, vk_a) = a.machine.setup::<MachineRecord>();
    let (_, vk_b) = b.machine.setup::<MachineRecord>();
    assert_ne!(vk_a.digest(), vk_b.digest());
    let proof = a.machine.prove(&pk, &a.record).unwrap();
    assert_eq!(
        b.machine.verify::<MachineRecord>(&vk_b, &proof),
        Err(VerifyError::WrongVerifyingKey)
    );
}

#[test]
fn byte_op_reference_semantics_are_exhaustively_right() {
    for b in 0..=255u8 {
        for c in 0..=255u8 {
            assert_eq!(ByteOp::And.apply(b, c), (b & c) as u32);
            assert_eq!(ByteOp::Or.apply(b, c), (b | c) as u32);
            assert_eq!(ByteOp::Xor.apply(b, c), (b ^ c) as u32);
            assert_eq!(ByteOp::Ltu.apply(b, c), (b < c) as u32);
            assert_eq!(ByteOp::U16.apply(b, c), b as u32 + 256 * c as u32);
        }
    }
}

//! The GlobalSum chip on its own, fed by a test chip that sends the record's global messages:
//! honest sums prove with the public point `D + Σ ±h(m)` (`D` when every message is both sent
//! and received), and a changed point, direction, sum or public value is rejected.

use std::sync::Arc;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_machine::bus::{permutation, GLOBAL_BUS};
use tessera_machine::chips::bytes::ByteChip;
use tessera_machine::chips::global_sum::{
    public_sum, record_messages, start_point, GlobalMessage, GlobalSumChip, GlobalSumCols,
    NUM_GLOBAL_SUM_COLS,
};
use tessera_machine::MachineRecord;
use tessera_stark::septic::Point;
use tessera_stark::{pad_to_power_of_two, Chip, ConfigId, Machine, Val};

/// Sends each of the record's global messages once: `(is_real, is_send, m_0..m_8)`.
#[derive(Clone, Debug, Default)]
struct SenderChip;

impl<F> BaseAir<F> for SenderChip {
    fn width(&self) -> usize {
        10
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for SenderChip {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder
            .main()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        let fields: [AB::Expr; 9] = std::array::from_fn(|i| row[i + 1].clone());
        permutation(builder, GLOBAL_BUS, fields, row[0].clone(), true);
    }
}

impl Chip<Val, MachineRecord> for SenderChip {
    fn name(&self) -> &'static str {
        "Sender"
    }
    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let values = record
            .global_messages
            .iter()
            .flat_map(|row| {
                let (send, m) = row.message;
                [1, send as u32]
                    .into_iter()
                    .chain(m)
                    .map(Val::from_u32)
                    .collect::<Vec<_>>()
            })
            .collect();
        pad_to_power_of_two(values, 10, 1)
    }
}

tessera_stark::machine_chips! {
    enum TestChips<MachineRecord> {
        Bytes(ByteChip),
        Global(GlobalSumChip),
        Sender(SenderChip),
    }
}

const GLOBAL: usize = 1;

fn machine() -> Machine<TestChips> {
    let chips = vec![
        TestChips::Bytes(ByteChip),
        TestChips::Global(GlobalSumChip),
        TestChips::Sender(SenderChip),
    ];
    Machine::new(chips, ConfigId::InsecureTesting)
}

fn record(messages: &[GlobalMessage]) -> MachineRecord {
    let program = Arc::new(crate::asm::program(&crate::asm::HALT, &[]));
    let mut record = MachineRecord::new(program);
    record_messages(&mut record, messages);
    record
}

fn message(k: u32) -> [u32; 8] {
    std::array::from_fn(|i| k * 1000 + i as u32)
}

/// Three messages, each sent once and received once (in another order).
fn balanced() -> Vec<GlobalMessage> {
    let mut m: Vec<GlobalMessage> = (1..4).map(|k| (true, message(k))).collect();
    m.extend([3, 1, 2].map(|k| (false, message(k))));
    m
}

fn public_point(pvs: &[u32]) -> Point {
    let s = |k: usize| {
        tessera_stark::septic::Septic(std::array::from_fn(|i| Val::from_u32(pvs[7 * k + i])))
    };
    Point::Affine { x: s(0), y: s(1) }
}

#[test]
fn a_balanced_multiset_sums_to_the_start_point() {
    let machine = machine();
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record(&balanced())).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    let (x, y) = start_point();
    assert_eq!(
        public_point(&proof.public_values[GLOBAL]),
        Point::Affine { x, y }
    );
}

#[test]
fn an_unbalanced_multiset_proves_its_own_sum() {
    let messages: Vec<GlobalMessage> =
        vec![(true, message(1)), (true, message(2)), (false, message(1))];
    let machine = machine();
    let (pk, vk) = machine.setup::<MachineRecord>();
    let proof = machine.prove(&pk, &record(&messages)).unwrap();
    machine.verify::<MachineRecord>(&vk, &proof).unwrap();
    let sum = public_point(&proof.public_values[GLOBAL]);
    assert_eq!(sum, public_sum(&[(true, message(2))]));
    let (x, y) = start_point();
    assert_ne!(sum, Point::Affine { x, y });
}

#[test]
fn changed_points_directions_and_sums_are_rejected() {
    let record = record(&balanced());
    let machine = machine();
    let (pk, vk) = machine.setup::<MachineRecord>();
    let c: &GlobalSumCols<usize> = {
        let indices: &'static [usize] = Vec::leak((0..NUM_GLOBAL_SUM_COLS).collect());
        std::borrow::Borrow::borrow(indices)
    };
    let cases: [&[(usize, usize)]; 6] = [
        &[(1, c.y[2])],
        &[(2, c.x_sq[0])],
        &[(0, c.is_send)],
        &[(2, c.slope[4])],
        &[(3, c.sum[1][6])],
        &[(4, c.acc[0][0])],
    ];
    for cells in cases {
        let mut traces: Vec<_> = machine
            .chips()
            .iter()
            .map(|c| c.generate_trace(&record))
            .collect();
        for &(row, col) in cells {
            traces[GLOBAL].values[row * NUM_GLOBAL_SUM_COLS + col] += Val::ONE;
        }
        let pvs: Vec<_> = machine
            .chips()
            .iter()
            .map(|c| c.public_values(&record))
            .collect();
        let proof = machine
            .prove_traces_unchecked::<MachineRecord>(&pk, traces, pvs)
            .unwrap();
        assert!(
            machine.verify::<MachineRecord>(&vk, &proof).is_err(),
            "{cells:?}"
        );
    }
    // A public sum that is not the rows' sum.
    let mut proof = machine.prove(&pk, &record).unwrap();
    proof.public_values[GLOBAL][3] ^= 1;
    assert!(machine.verify::<MachineRecord>(&vk, &proof).is_err());
}

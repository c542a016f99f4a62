//! Every instruction of every example guest that an execution chip computes gives, by the
//! machine's reference semantics, exactly what the executor computed; and the resulting records
//! satisfy every execution chip's constraints.

use std::path::Path;
use std::sync::Arc;

use tessera_executor::{Executor, ExecutorConfig};
use tessera_machine::{
    AddSubChip, BitFieldChip, BitsChip, BitwiseChip, DivChip, LtChip, MachineRecord, MulChip,
    ShiftChip,
};
use tessera_mips::Program;
use tessera_stark::Chip;

fn check_chip<C>(chip: &C, record: &MachineRecord)
where
    C: Chip<tessera_stark::Val, MachineRecord>
        + for<'a> p3_air::Air<p3_air::DebugConstraintBuilder<'a, tessera_stark::Val>>,
{
    let trace = chip.generate_trace(record);
    let report = p3_air::check_all_constraints(chip, &trace, &[], Some(1));
    assert!(report.is_ok(), "{}: {:?}", chip.name(), report.failures);
}

#[test]
fn example_guests_agree_with_the_executor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest");
    let guests = [
        ("fibonacci", "fibonacci.bin"),
        ("sha256", "message.txt"),
        ("keccak", "message.txt"),
        ("sort", "sort.bin"),
        ("io", "name.txt"),
    ];
    for (name, input) in guests {
        let elf = std::fs::read(root.join(format!("bin/{name}.elf"))).unwrap();
        let program = Arc::new(Program::from_elf(&elf).unwrap());
        let input = std::fs::read(root.join(format!("inputs/{input}"))).unwrap();
        let config = ExecutorConfig {
            shard_size: 1 << 16,
            ..ExecutorConfig::default()
        };
        let mut executor = Executor::new(&program, vec![input], config);
        let mut bridge = tessera_machine::bridge::RunBridge::new(program.clone());
        let mut records = Vec::new();
        executor
            .run_traced(|shard| records.push(bridge.record(shard)))
            .unwrap();
        let records: Vec<MachineRecord> = records
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let alu_events: usize = records
            .iter()
            .map(|r| {
                r.add_sub_events.len()
                    + r.bitwise_events.len()
                    + r.lt_events.len()
                    + r.shift_events.len()
            })
            .sum();
        assert!(alu_events > 0, "{name}");
        // The first shard's records satisfy every execution chip's constraints.
        let first = &records[0];
        check_chip(&AddSubChip, first);
        check_chip(&BitwiseChip, first);
        check_chip(&LtChip, first);
        check_chip(&MulChip, first);
        check_chip(&DivChip, first);
        check_chip(&ShiftChip, first);
        check_chip(&BitsChip, first);
        check_chip(&BitFieldChip, first);
    }
}

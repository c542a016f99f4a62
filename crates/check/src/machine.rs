//! The MIPS machine's chips as the checker sees them.

use std::sync::Arc;

use p3_field::PrimeField32;

use tessera_machine::chips::{contract, MipsChip};
use tessera_machine::MachineRecord;
use tessera_mips::Program;
use tessera_stark::{Chip, ConfigId, Val};

use crate::extract::{extract, ChipIr, ExtractError};

/// Every chip of the MIPS machine, in the machine's order. The ROM's table depends on the
/// program but its constraints do not, so the empty program stands for every program.
pub fn mips_chips() -> Vec<MipsChip> {
    let machine =
        tessera_machine::program::machine(Arc::new(Program::default()), ConfigId::InsecureTesting);
    machine.chips().to_vec()
}

/// The name of a MIPS chip.
pub fn name(chip: &MipsChip) -> &'static str {
    Chip::<Val, tessera_machine::MachineRecord>::name(chip)
}

/// `chip` extracted under its contract; `None` if it has not declared one yet.
pub fn extract_mips(chip: &MipsChip) -> Option<Result<ChipIr, ExtractError>> {
    contract(chip).map(|c| extract(name(chip), chip, c))
}

/// Edge values of a 32-bit word: 0, 1, `2^k` and `2^k ± 1`, `2^31 − 1`, `2^31`, `2^32 − 1`,
/// values around p and `2^24`, and alternating bit patterns.
pub fn edge_values() -> Vec<u32> {
    let p = tessera_stark::Val::ORDER_U32;
    let mut values = vec![0, 1, 0x5555_5555, 0xAAAA_AAAA, 0x1234_5678, 0xFEDC_BA98];
    for k in 1..32 {
        let x = 1u32 << k;
        values.extend([x - 1, x, x + 1, x.wrapping_neg()]);
    }
    values.extend([p - 2, p - 1, p, p + 1, p + 2, u32::MAX - 1, u32::MAX]);
    values.extend([
        (1 << 24) - 1,
        1 << 24,
        (1 << 24) + 1,
        0x00FF_FFFF,
        0x8000_0001,
    ]);
    values.sort();
    values.dedup();
    values
}

/// A handful of [`edge_values`], for quick runs and tests.
pub fn few_edge_values() -> Vec<u32> {
    let p = tessera_stark::Val::ORDER_U32;
    vec![
        0,
        1,
        2,
        0x7F,
        0x80,
        0xFF,
        0x100,
        0xFFFF,
        0x1_0000,
        0x7FFF_FFFF,
        0x8000_0000,
        0xFFFF_FFFF,
        p - 1,
        p,
        1 << 24,
        0x1234_5678,
    ]
}

/// Every ALU request the CPU could make on `values`: every operation on every pair (divisions
/// by zero left out: the CPU never asks for one), and EXT and INS on every valid field for the
/// first few values. Returns the record the chips' trace generators read and the requests, as
/// the CPU sends them on the ALU bus.
pub fn alu_record(values: &[u32]) -> (MachineRecord, Vec<[u32; 7]>) {
    use tessera_machine::bus::{ext_op, ins_op, AluOp};
    let mut record = MachineRecord::new(Arc::new(Program::default()));
    let mut requests = Vec::new();
    let halves = |x: u32| [x & 0xFFFF, x >> 16];
    let mut request = |op: u32, a: u32, b: u32, c: u32| {
        let [a0, a1] = halves(a);
        let [b0, b1] = halves(b);
        let [c0, c1] = halves(c);
        requests.push([op, a0, a1, b0, b1, c0, c1]);
    };
    for op in AluOp::ALL {
        let division = matches!(op, AluOp::DivQ | AluOp::DivR | AluOp::DivQU | AluOp::DivRU);
        let unary = matches!(
            op,
            AluOp::Clz | AluOp::Clo | AluOp::Seb | AluOp::Seh | AluOp::Wsbh
        );
        for &b in values {
            for &c in values {
                if (division && c == 0) || (unary && c != 0) {
                    continue;
                }
                let a = record.record_alu(op, b, c);
                request(op as u32, a, b, c);
            }
            if unary {
                let a = record.record_alu(op, b, 0);
                request(op as u32, a, b, 0);
            }
        }
    }
    for &b in values.iter().take(4) {
        let c = values[values.len() - 1 - (b as usize % values.len())];
        for pos in 0..32 {
            for size in 1..=32 - pos {
                for insert in [false, true] {
                    let c = if insert { c } else { 0 };
                    let a = tessera_machine::chips::bit_field::record(
                        &mut record,
                        insert,
                        pos,
                        size,
                        b,
                        c,
                    );
                    let op = if insert {
                        ins_op(pos, size)
                    } else {
                        ext_op(pos, size)
                    };
                    request(op, a, b, c);
                }
            }
        }
    }
    (record, requests)
}

/// One chip's completeness, as checked on concrete traces.
#[derive(Clone, Debug)]
pub struct Completeness {
    /// What was checked, in words.
    pub what: String,
    pub result: Result<usize, String>,
}

impl Completeness {
    /// Both checks: the rows of each, or the first failure.
    pub fn and(self, other: Completeness) -> Completeness {
        Completeness {
            what: format!("{}; {}", self.what, other.what),
            result: match (self.result, other.result) {
                (Ok(a), Ok(b)) => Ok(a + b),
                (Err(e), _) | (_, Err(e)) => Err(e),
            },
        }
    }
}

/// The completeness of every ALU chip and of the byte table: the traces the real trace
/// generators produce for [`alu_record`] satisfy every constraint, every message is answered as
/// the reference answers it, the byte bus balances against the byte table's multiplicities and
/// the ALU bus leaves exactly the CPU's requests to receive. The byte table is also checked
/// exhaustively: its 2^16 rows offer every row of every operation, and nothing else.
pub fn alu_completeness(values: &[u32]) -> Vec<(&'static str, Completeness)> {
    use crate::complete::{check_trace, Ledger, Trace};
    use p3_air::BaseAir;
    use tessera_machine::bus::{ALU_BUS, BYTE_BUS};

    let (record, requests) = alu_record(values);
    let what = format!(
        "{} requests on {} edge values through the trace generator",
        requests.len(),
        values.len()
    );
    let mut ledger = Ledger::default();
    let mut results = Vec::new();
    let mut failed = false;
    for chip in mips_chips() {
        let exercised = matches!(
            chip,
            MipsChip::Bytes(_)
                | MipsChip::AddSub(_)
                | MipsChip::Bitwise(_)
                | MipsChip::Lt(_)
                | MipsChip::Mul(_)
                | MipsChip::Div(_)
                | MipsChip::Shift(_)
                | MipsChip::Bits(_)
                | MipsChip::BitField(_)
        );
        if !exercised {
            continue;
        }
        let width = BaseAir::<Val>::width(&chip);
        let contract = contract(&chip).unwrap_or_else(|| crate::extract::anonymous_contract(width));
        let result = extract(name(&chip), &chip, contract)
            .map_err(|e| e.to_string())
            .and_then(|ir| {
                let main = Chip::<Val, MachineRecord>::generate_trace(&chip, &record);
                let preprocessed = BaseAir::<Val>::preprocessed_trace(&chip);
                let public = Chip::<Val, MachineRecord>::public_values(&chip, &record);
                let trace = Trace {
                    main: &main,
                    preprocessed: preprocessed.as_ref(),
                    public: &public,
                };
                let rows = check_trace(&ir, &trace, &mut ledger)?;
                if matches!(chip, MipsChip::Bytes(_)) {
                    byte_table_exhaustive(&ir, preprocessed.as_ref())?;
                }
                Ok(rows)
            });
        failed |= result.is_err();
        let what = if matches!(chip, MipsChip::Bytes(_)) {
            "every row of every operation (exhaustive), and the lookups of the ALU chips".into()
        } else {
            what.clone()
        };
        results.push((name(&chip), Completeness { what, result }));
    }
    if !failed {
        let bus = bus_balance(&ledger, BYTE_BUS, &[])
            .and_then(|()| bus_balance(&ledger, ALU_BUS, &requests));
        if let Err(why) = bus {
            for (_, c) in &mut results {
                c.result = Err(why.clone());
            }
        }
    }
    results
}

/// Whether `bus` balances in `ledger` but for `pending`, each received once per occurrence.
fn bus_balance(
    ledger: &crate::complete::Ledger,
    bus: &str,
    pending: &[[u32; 7]],
) -> Result<(), String> {
    let mut expected: std::collections::BTreeMap<Vec<u32>, i64> = Default::default();
    for r in pending {
        *expected.entry(r.to_vec()).or_default() -= 1;
    }
    let left: std::collections::BTreeMap<Vec<u32>, i64> = ledger
        .unbalanced(bus)
        .into_iter()
        .map(|(m, n)| (m.to_vec(), n))
        .collect();
    if left == expected {
        return Ok(());
    }
    let (m, n) = left
        .iter()
        .find(|(m, n)| expected.get(*m) != Some(n))
        .map(|(m, n)| (m.clone(), *n))
        .or_else(|| {
            expected
                .iter()
                .find(|(m, _)| !left.contains_key(*m))
                .map(|(m, _)| (m.clone(), 0))
        })
        .unwrap_or_default();
    Err(format!(
        "the {bus} bus does not balance: message {m:?} is counted {n}, expected {}",
        expected.get(&m).copied().unwrap_or(0)
    ))
}

/// The byte table offers, for each operation, 2^16 distinct messages, each a row of the
/// operation's table; so it offers exactly the operation's table.
fn byte_table_exhaustive(
    ir: &ChipIr,
    preprocessed: Option<&p3_matrix::dense::RowMajorMatrix<Val>>,
) -> Result<(), String> {
    use crate::complete::{check_trace, Ledger, Trace};
    use p3_field::PrimeCharacteristicRing;
    use tessera_machine::bus::{ByteOp, BYTE_BUS};
    let height = preprocessed.map_or(0, p3_matrix::Matrix::height);
    let ones = p3_matrix::dense::RowMajorMatrix::new(vec![Val::ONE; height * ir.width], ir.width);
    let mut ledger = Ledger::default();
    check_trace(
        ir,
        &Trace {
            main: &ones,
            preprocessed,
            public: &[],
        },
        &mut ledger,
    )?;
    for op in ByteOp::ALL {
        let offered: Vec<i64> = ledger
            .unbalanced(BYTE_BUS)
            .into_iter()
            .filter(|(m, _)| m[0] == op as u32)
            .map(|(_, n)| n)
            .collect();
        if offered.len() != 1 << 16 || offered.iter().any(|&n| n != -1) {
            return Err(format!(
                "the byte table offers {} distinct {op:?} rows (2^16 expected, each once)",
                offered.len()
            ));
        }
    }
    Ok(())
}

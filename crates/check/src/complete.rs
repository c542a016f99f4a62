//! Completeness on concrete traces: every constraint vanishes on every row of a trace (the
//! next row read cyclically, with Plonky3's first/last/transition selectors), every message a
//! row sends or receives is answered as its receiver answers it ([`crate::reference`]), and a
//! chip's local lookups balance. A [`Ledger`] adds up the global buses over the traces of
//! several chips, so a test can ask that they balance (or that only the expected requests are
//! left over).

use std::collections::BTreeMap;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use tessera_stark::Val;

use crate::extract::{ChipIr, Scope};
use crate::ir::{Leaf, Row, Selector, Var};
use crate::reference::answered;
use crate::specialize::signed;

/// One chip's trace, as the prover commits it.
pub struct Trace<'a> {
    pub main: &'a RowMajorMatrix<Val>,
    pub preprocessed: Option<&'a RowMajorMatrix<Val>>,
    pub public: &'a [Val],
}

/// The net count of every message on every global bus, over the traces added so far.
#[derive(Default, Debug)]
pub struct Ledger {
    pub counts: BTreeMap<(String, Vec<u32>), i64>,
}

impl Ledger {
    fn add(&mut self, bus: &str, message: Vec<u32>, count: i64) {
        let key = (bus.to_string(), message);
        let entry = self.counts.entry(key.clone()).or_default();
        *entry += count;
        if *entry == 0 {
            self.counts.remove(&key);
        }
    }

    /// The messages whose sends and receives do not cancel, on `bus`.
    pub fn unbalanced(&self, bus: &str) -> Vec<(&[u32], i64)> {
        self.counts
            .iter()
            .filter(|((b, _), &n)| b == bus && n != 0)
            .map(|((_, m), &n)| (m.as_slice(), n))
            .collect()
    }
}

/// Checks every row of `trace` against `chip` and adds its global messages to `ledger`.
/// Returns the number of rows, or the first failure, by row.
pub fn check_trace(chip: &ChipIr, trace: &Trace, ledger: &mut Ledger) -> Result<usize, String> {
    let height = trace.main.height();
    if trace.main.width() != chip.width {
        return Err(format!(
            "the trace is {} columns wide, the chip {}",
            trace.main.width(),
            chip.width
        ));
    }
    if let Some(p) = trace.preprocessed {
        if p.height() != height {
            return Err(format!(
                "the preprocessed trace has {} rows, the main {height}",
                p.height()
            ));
        }
    }
    let mut local: BTreeMap<(usize, Vec<u32>), i64> = BTreeMap::new();
    for r in 0..height {
        let next = (r + 1) % height;
        let cell = |m: &RowMajorMatrix<Val>, row: Row, c: u32| {
            let i = if row == Row::Local { r } else { next };
            m.values[i * m.width() + c as usize]
        };
        let values = chip.ir.eval_all(|leaf| match leaf {
            Leaf::Var(Var::Main(row, c)) => cell(trace.main, row, c),
            Leaf::Var(Var::Preprocessed(row, c)) => {
                trace.preprocessed.map_or(Val::ZERO, |p| cell(p, row, c))
            }
            Leaf::Var(Var::Public(k)) => trace.public.get(k as usize).copied().unwrap_or_default(),
            Leaf::Selector(s) => Val::from_bool(match s {
                Selector::IsFirstRow => r == 0,
                Selector::IsLastRow => r == height - 1,
                Selector::IsTransition => r != height - 1,
            }),
        });
        let v = |id: u32| values[id as usize].as_canonical_u32();
        if let Some(n) = chip.constraints.iter().position(|&c| v(c) != 0) {
            return Err(format!("row {r}: constraint c{n} fails"));
        }
        for (k, i) in chip.interactions.iter().enumerate() {
            let count = signed(v(i.count));
            if count == 0 {
                continue;
            }
            let message: Vec<u32> = i.fields.iter().map(|&f| v(f)).collect();
            match i.scope {
                Scope::Global => {
                    answered(&i.bus, &message)
                        .map_err(|why| format!("row {r}: interaction {k} on {}: {why}", i.bus))?;
                    ledger.add(&i.bus, message, count);
                }
                Scope::Local(n) => *local.entry((n, message)).or_default() += count,
            }
        }
    }
    if let Some(((n, m), c)) = local.iter().find(|(_, &c)| c != 0) {
        return Err(format!(
            "local lookup {n} does not balance: {m:?} counted {c}"
        ));
    }
    Ok(height)
}

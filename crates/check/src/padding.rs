//! A concrete padding row for each interaction the lints find live on padding: a row with the
//! real flags summing to 0 that satisfies every constraint (with the next row free, for a chip
//! with transitions) and sends or serves the message anyway. The row is re-checked by the
//! concrete evaluator before it is shown.

use std::fmt::Write;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::Val;

use crate::extract::ChipIr;
use crate::ir::{Leaf, Row, Var};
use crate::query::{is_row_independent, specialize_with};
use crate::smt::{violation_query, Theory};
use crate::solve::{Answer, Solvers};
use crate::unroll::{unroll, Window};

/// A padding row of `chip` (for a chip with transitions, the first of two rows of any trace,
/// as the flat row of their window) on which interaction `k` is live, printed column by
/// column; or why none was found.
pub fn live_padding_row(chip: &ChipIr, k: usize, solvers: &Solvers) -> Result<String, String> {
    let flat;
    let chip = if is_row_independent(chip) {
        chip
    } else {
        // The window's first row comes first: its interactions keep their indices.
        flat = unroll(chip, &Window::any_two(), &[]).chip;
        &flat
    };
    let count = chip.interactions[k].count;
    let (mut system, extra) =
        specialize_with(chip, &[], Some(false), &[count]).ok_or("no padding row exists")?;
    system.forced.clear();
    for exact in [false, true] {
        let queries: Vec<(Theory, String)> = [Theory::Integer, Theory::FiniteField]
            .into_iter()
            .filter(|&t| !exact || t == Theory::Integer)
            .map(|t| (t, violation_query(&system, extra[0], t, exact).0))
            .collect();
        match solvers.solve(&queries) {
            Answer::Sat(model) => {
                let row: Vec<u32> = (0..chip.width)
                    .map(|c| model.get(&format!("x{c}_0")).copied().unwrap_or(0))
                    .collect();
                if confirm(chip, &row, count).is_ok() {
                    return Ok(show(chip, &row));
                }
            }
            Answer::Unsat => {
                return Err("no padding row satisfies the constraints and sends".into())
            }
            Answer::Unknown(why) => {
                if exact {
                    return Err(why);
                }
            }
        }
    }
    Err("no model survived the concrete check".into())
}

/// Whether `row` is padding, satisfies every constraint and has `count` nonzero.
fn confirm(chip: &ChipIr, row: &[u32], count: u32) -> Result<(), String> {
    let values = chip.ir.eval_all(|leaf| match leaf {
        Leaf::Var(Var::Main(Row::Local, c)) => Val::from_u32(row[c as usize]),
        _ => Val::ZERO,
    });
    let v = |id: u32| values[id as usize];
    if chip.constraints.iter().any(|&c| v(c) != Val::ZERO) {
        return Err("a constraint fails".into());
    }
    let real: Val = chip
        .contract
        .real_flags
        .iter()
        .map(|&f| Val::from_u32(row[f]))
        .sum();
    if real != Val::ZERO || v(count) == Val::ZERO {
        return Err("not a live padding row".into());
    }
    Ok(())
}

fn show(chip: &ChipIr, row: &[u32]) -> String {
    let mut out = String::new();
    for (col, value) in chip.contract.columns.iter().zip(row) {
        if *value != 0 {
            let _ = write!(
                out,
                "{} = {}, ",
                col.name,
                Val::from_u32(*value).as_canonical_u32()
            );
        }
    }
    if out.is_empty() {
        "every column 0".into()
    } else {
        out.trim_end_matches(", ").to_string()
    }
}

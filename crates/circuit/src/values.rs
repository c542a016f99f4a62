//! The values a circuit's inputs take for a verified proof: its openings and challenges
//! ([`tessera_stark::ood::OodValues`]) and the selectors the verifier computes from `ζ`.

use p3_field::{Field, PrimeCharacteristicRing, TwoAdicField};
use tessera_stark::ood::{ChipOpenings, OodValues};
use tessera_stark::{Challenge, Val};

use crate::layout::{InputKey, Row, Selector};
use crate::lower::EXT_DEGREE;

/// The value of `key` for the proof `values` came from; `None` for a key the proof does not
/// determine (γ, scalar corrections: the caller's) or one out of its range.
pub fn input_value(values: &OodValues, key: &InputKey) -> Option<Challenge> {
    let chip = |c: &u16| -> Option<&ChipOpenings> { values.chips.get(*c as usize)?.as_ref() };
    let pick = |row: &Row, local: &[Challenge], next: &[Challenge], i: usize| match row {
        Row::Local => local.get(i).copied(),
        Row::Next => next.get(i).copied(),
    };
    match key {
        InputKey::Public { chip: c, index } => chip(c)?
            .public_values
            .get(*index as usize)
            .map(|&v| Challenge::from(v)),
        InputKey::Main {
            chip: c,
            row,
            column,
        } => {
            let o = chip(c)?;
            pick(row, &o.main_local, &o.main_next, *column as usize)
        }
        InputKey::Preprocessed {
            chip: c,
            row,
            column,
        } => {
            let o = chip(c)?;
            pick(
                row,
                &o.preprocessed_local,
                &o.preprocessed_next,
                *column as usize,
            )
        }
        InputKey::Permutation {
            chip: c,
            row,
            column,
            coordinate,
        } => {
            let o = chip(c)?;
            let i = *column as usize * EXT_DEGREE + *coordinate as usize;
            pick(row, &o.permutation_local, &o.permutation_next, i)
        }
        InputKey::QuotientChunk {
            chip: c,
            chunk,
            coordinate,
        } => chip(c)?
            .quotient_chunks
            .get(*chunk as usize)?
            .get(*coordinate as usize)
            .copied(),
        InputKey::Zeta => Some(values.zeta),
        InputKey::Alpha => Some(values.alpha),
        InputKey::LookupChallenge { chip: c, index } => {
            chip(c)?.lookup_challenges.get(*index as usize).copied()
        }
        InputKey::Terminal { chip: c, index } => chip(c)?.terminals.get(*index as usize).copied(),
        InputKey::Selector { chip: c, selector } => {
            let log_height = chip(c)?.shape.log_height;
            let zeta = values.zeta;
            let z_h = zeta.exp_power_of_2(log_height) - Challenge::ONE;
            let last = zeta - Challenge::from(Val::two_adic_generator(log_height).inverse());
            Some(match selector {
                Selector::IsFirstRow => z_h * (zeta - Challenge::ONE).inverse(),
                Selector::IsLastRow => z_h * last.inverse(),
                Selector::IsTransition => last,
            })
        }
        InputKey::Gamma | InputKey::ScalarCorrection { .. } => None,
    }
}

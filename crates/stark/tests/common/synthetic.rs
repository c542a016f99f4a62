//! A synthetic three-chip machine for the backend's tests and benchmarks:
//!
//! - `Requests` holds the additions asked for, two per row, and receives each result on the
//!   `add` bus (permutation check); its first `a` is its public value.
//! - `Adder` computes `a + b = low + 256·carry` and sends `(a, b, low)` on `add`; it looks up
//!   `a`, `b` and `low` on the `byte` bus.
//! - `Bytes` is a preprocessed table of 0..=255 with a multiplicity column: the `byte` bus's
//!   provider.
//!
//! With n additions the heights differ: 256 (Bytes), n (Adder), n/2 (Requests), padded.
#![allow(dead_code)]

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder, LookupBus, PermutationCheckBus};
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{pad_to_power_of_two, Chip, Val};

pub const BYTE_BUS: &str = "byte";
pub const ADD_BUS: &str = "add";

/// The execution record: the additions to prove.
#[derive(Clone, Debug)]
pub struct Additions {
    pub pairs: Vec<(u8, u8)>,
}

impl Additions {
    /// `n` deterministic pseudo-random additions.
    pub fn random(n: usize, seed: u32) -> Self {
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        };
        Additions {
            pairs: (0..n).map(|_| (next(), next())).collect(),
        }
    }
}

fn f(v: u32) -> Val {
    Val::from_u32(v)
}

// ---- Requests: (a, b, low, is_real) × 2 lanes ------------------------------------------------

#[derive(Clone, Debug, Default)]
pub struct Requests;

const LANE: usize = 4;

impl<F> BaseAir<F> for Requests {
    fn width(&self) -> usize {
        2 * LANE
    }
    fn num_public_values(&self) -> usize {
        1
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for Requests {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.current_slice().to_vec();
        let first_a = builder.public_values()[0];
        builder.when_first_row().assert_eq(row[0], first_a);
        for lane in row.chunks_exact(LANE) {
            let (a, b, low, is_real) = (lane[0], lane[1], lane[2], lane[3]);
            builder.assert_bool(is_real);
            PermutationCheckBus::new(ADD_BUS).receive(
                builder,
                [a, b, low],
                Count::bounded(is_real.into(), 1),
            );
        }
    }
}

impl Chip<Val, Additions> for Requests {
    fn name(&self) -> &'static str {
        "Requests"
    }
    fn generate_trace(&self, record: &Additions) -> RowMajorMatrix<Val> {
        let values = record
            .pairs
            .iter()
            .flat_map(|&(a, b)| {
                let low = a.wrapping_add(b);
                [f(a as u32), f(b as u32), f(low as u32), Val::ONE]
            })
            .collect::<Vec<_>>();
        let mut values = values;
        if record.pairs.len() % 2 == 1 {
            values.extend([Val::ZERO; LANE]);
        }
        pad_to_power_of_two(values, 2 * LANE, 1)
    }
    fn public_values(&self, record: &Additions) -> Vec<Val> {
        vec![f(record.pairs.first().map_or(0, |p| p.0 as u32))]
    }
}

// ---- Adder: a + b = low + 256 carry ------------------------------------------------------------

#[derive(Clone, Debug, Default)]
pub struct Adder;

impl<F> BaseAir<F> for Adder {
    fn width(&self) -> usize {
        5 // a, b, low, carry, is_real
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for Adder {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.current_slice().to_vec();
        let (a, b, low, carry, is_real) = (row[0], row[1], row[2], row[3], row[4]);
        builder.assert_bool(is_real);
        builder.assert_bool(carry);
        builder.assert_eq(
            a.into() + b.into(),
            low.into() + carry.into() * AB::Expr::from_u32(256),
        );
        let byte = LookupBus::new(BYTE_BUS);
        for v in [a, b, low] {
            byte.lookup_key(builder, [v], Count::bounded(is_real.into(), 1));
        }
        PermutationCheckBus::new(ADD_BUS).send(
            builder,
            [a, b, low],
            Count::bounded(is_real.into(), 1),
        );
    }
}

impl Chip<Val, Additions> for Adder {
    fn name(&self) -> &'static str {
        "Adder"
    }
    fn generate_trace(&self, record: &Additions) -> RowMajorMatrix<Val> {
        let values = record
            .pairs
            .iter()
            .flat_map(|&(a, b)| {
                let sum = a as u32 + b as u32;
                [
                    f(a as u32),
                    f(b as u32),
                    f(sum & 0xFF),
                    f(sum >> 8),
                    Val::ONE,
                ]
            })
            .collect();
        pad_to_power_of_two(values, 5, 1)
    }
}

// ---- Bytes: preprocessed 0..=255, multiplicities ------------------------------------------------

#[derive(Clone, Debug, Default)]
pub struct Bytes;

impl<F: Field> BaseAir<F> for Bytes {
    fn width(&self) -> usize {
        1
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        Some(RowMajorMatrix::new((0..256).map(F::from_u32).collect(), 1))
    }
    fn preprocessed_width(&self) -> usize {
        1
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for Bytes
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let value = builder.preprocessed().current_slice()[0];
        let mult = builder.main().current_slice()[0];
        LookupBus::new(BYTE_BUS).table_entry(builder, [value], mult);
    }
}

impl Chip<Val, Additions> for Bytes {
    fn name(&self) -> &'static str {
        "Bytes"
    }
    fn generate_trace(&self, record: &Additions) -> RowMajorMatrix<Val> {
        let mut counts = vec![0u32; 256];
        for &(a, b) in &record.pairs {
            counts[a as usize] += 1;
            counts[b as usize] += 1;
            counts[a.wrapping_add(b) as usize] += 1;
        }
        RowMajorMatrix::new(counts.into_iter().map(f).collect(), 1)
    }
}

tessera_stark::machine_chips! {
    /// The synthetic machine's chips.
    pub enum SyntheticChip<Additions> {
        Requests(Requests),
        Adder(Adder),
        Bytes(Bytes),
    }
}

pub fn chips() -> Vec<SyntheticChip> {
    vec![
        SyntheticChip::Requests(Requests),
        SyntheticChip::Adder(Adder),
        SyntheticChip::Bytes(Bytes),
    ]
}

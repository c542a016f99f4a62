//! The global sum: one row per message that crosses shards, each mapped to a curve point
//! (`tessera_stark::septic::hash_to_curve`: Poseidon2 of the message, its length and a counter,
//! proven by the embedded `Poseidon2Air`; `y^2 = x^3 + 32x + 5z`; `y`'s top coefficient in
//! `1..=(p−1)/2`), added to a running sum for a message sent and subtracted for one received.
//! The sum starts at a fixed point `D` (so it is never the identity, which affine coordinates
//! cannot hold) and its last value is public: the shard's contribution is `sum − D`, and the
//! contributions of all shards must add up to the identity (`docs/multiset-hash.md`).
//!
//! **Proves**: each row's point is the hash of the `(is_send, message)` it receives on the
//! `global` bus, with the sign its direction gives; the public point is `D` plus the points of
//! all real rows (chord additions, each with the inverse of its `x` difference as a witness,
//! so the slope and the sum are unique: a sum equal to `±` a row's point cannot be proven,
//! which an honest prover meets with probability about `n / 2^217`). The last row is padding. **Range checks**:
//! the counter is a byte, `y`'s top coefficient is decomposed into checked 16-bit halves.
//! **Assumes**: the senders range-check their messages' elements as they need.

use std::borrow::{Borrow, BorrowMut};
use std::sync::OnceLock;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::septic::air::{chord_slope, eval_incomplete_add, eval_on_curve};
use tessera_stark::septic::{hash_to_curve, Point, Septic};
use tessera_stark::{Chip, Contract, ContractBuilder, HasContract, Source, SubAirBuilder, Val};

use crate::bus::{lookup_byte, lookup_u16, permutation, ByteOp, GLOBAL_BUS};
use crate::chips::poseidon2::{
    air, declare_rounds, outputs, permutation_rows, PermCols, PERM_COLS, WIDTH,
};
use crate::gadgets::bound::{eval_at_most, populate_at_most, record_at_most};
use crate::gadgets::is_zero::IsZeroCols;
use crate::record::MachineRecord;

/// Elements of a global message.
pub const MESSAGE_LEN: usize = 8;
/// The high half of `(p − 1) / 2`: `y`'s top coefficient is at most `0x3F80 · 2^16`.
const HALF_HI: u32 = 0x3F80;
/// GlobalSum's public value: `D` plus the points of the shard's messages, affine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct GlobalSumPublicValues<T> {
    pub sum: [[T; 7]; 2],
}

crate::public_values!(GlobalSumPublicValues);

#[repr(C)]
pub struct GlobalSumCols<T> {
    pub perm: PermCols<T>,
    pub is_real: T,
    pub is_send: T,
    pub y: [T; 7],
    pub x_sq: [T; 7],
    pub y_top: [T; 2],
    pub y_top_at_bound: IsZeroCols<T>,
    pub y_top_inverse: T,
    pub acc: [[T; 7]; 2],
    pub slope: [T; 7],
    /// The inverse of `x − acc.x`: the chord exists.
    pub run_inverse: [T; 7],
    pub sum: [[T; 7]; 2],
}

pub const NUM_GLOBAL_SUM_COLS: usize = std::mem::size_of::<GlobalSumCols<u8>>();
crate::borrow_row!(GlobalSumCols);

/// A message crossing shards: sent (`true`) or received.
pub type GlobalMessage = (bool, [u32; MESSAGE_LEN]);

/// A message as the chip proves it, hashed once when recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalRow {
    pub message: GlobalMessage,
    pub x: Septic,
    /// The low root, and the root added (the low one for a message sent, its negation for one
    /// received).
    pub y: Septic,
    pub signed_y: Septic,
    pub counter: u32,
}

impl GlobalRow {
    fn new(message: GlobalMessage) -> Self {
        // Each counter gives an `x` whose curve value is a square with probability 1/2, under
        // Poseidon2 as a random oracle: 256 failures in a row (2^-256) cannot be aimed at by
        // choosing the message.
        let (point, counter) =
            hash_to_curve(&message_vals(&message.1)).expect("a point within 256 tries");
        let Point::Affine { x, y } = point else {
            unreachable!("hashed points are affine")
        };
        let signed_y = if message.0 { y } else { -y };
        GlobalRow {
            message,
            x,
            y,
            signed_y,
            counter,
        }
    }

    fn point(&self) -> Point {
        Point::Affine {
            x: self.x,
            y: self.signed_y,
        }
    }
}

/// The point the sum starts from.
pub fn start_point() -> (Septic, Septic) {
    static START: OnceLock<(Septic, Septic)> = OnceLock::new();
    *START.get_or_init(|| {
        // "tess" as a field element: any message no chip sends.
        match hash_to_curve(&[Val::from_u32(0x7465_7373)]) {
            Some((Point::Affine { x, y }, _)) => (x, y),
            _ => unreachable!("the start message hashes to a point"),
        }
    })
}

fn message_vals(message: &[u32; MESSAGE_LEN]) -> [Val; MESSAGE_LEN] {
    message.map(Val::from_u32)
}

/// Hashes `messages` and records them with their byte lookups.
pub fn record_messages(record: &mut MachineRecord, messages: &[GlobalMessage]) {
    use rayon::prelude::*;
    let rows: Vec<GlobalRow> = messages.par_iter().map(|&m| GlobalRow::new(m)).collect();
    for row in rows {
        let top = row.y.0[6].as_canonical_u32();
        let lookups = &mut record.byte_lookups;
        lookups.record(ByteOp::U8Pair, row.counter as u8, 0);
        lookups.record_u16(top as u16);
        lookups.record_u16((top >> 16) as u16);
        record_at_most(lookups, top, HALF_HI);
        record.global_messages.push(row);
    }
}

/// The point a message adds to the multiset: its hash, negated for a message received.
pub(crate) fn message_point(message: GlobalMessage) -> Point {
    GlobalRow::new(message).point()
}

/// A shard's contribution to the run's multiset sum, from its GlobalSum public values (`D`
/// plus its messages' points): `None` if they are not a point of the curve.
pub(crate) fn contribution(public_values: &GlobalSumPublicValues<u32>) -> Option<Point> {
    let [x, y] = public_values.sum.map(|c| Septic(c.map(Val::from_u32)));
    let sum = Point::affine(x, y)?;
    let (x, y) = start_point();
    Some(sum + -Point::Affine { x, y })
}

/// `D` plus the points of `rows`: the chip's public value.
fn sum_of(rows: &[GlobalRow]) -> Point {
    let (x, y) = start_point();
    rows.iter()
        .fold(Point::Affine { x, y }, |acc, row| acc + row.point())
}

/// The public value for `messages`: `D` plus their signed points.
pub fn public_sum(messages: &[GlobalMessage]) -> Point {
    let rows: Vec<GlobalRow> = messages.iter().map(|&m| GlobalRow::new(m)).collect();
    sum_of(&rows)
}

#[derive(Clone, Debug, Default)]
pub struct GlobalSumChip;

impl BaseAir<Val> for GlobalSumChip {
    fn width(&self) -> usize {
        NUM_GLOBAL_SUM_COLS
    }
    fn num_public_values(&self) -> usize {
        GlobalSumPublicValues::<u8>::COUNT
    }
}

impl<AB: AirBuilder<F = Val> + InteractionBuilder> Air<AB> for GlobalSumChip {
    fn eval(&self, builder: &mut AB) {
        air().eval(&mut SubAirBuilder::new(builder, 0..PERM_COLS));
        let main = builder.main();
        let local: &GlobalSumCols<AB::Var> = main.current_slice().borrow();
        let next: &GlobalSumCols<AB::Var> = main.next_slice().borrow();
        let pv: GlobalSumPublicValues<AB::PublicVar> = *builder.public_values().borrow();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let c = AB::Expr::from_u32;
        let (is_real, is_send) = (e(local.is_real), e(local.is_send));
        builder.assert_bool(is_real.clone());
        builder.assert_bool(is_send.clone());
        builder.assert_zero(is_send.clone() * (AB::Expr::ONE - is_real.clone()));

        // The message, its length and the counter are the permutation's input.
        let inputs = local.perm.inputs.map(e);
        let fields: [AB::Expr; MESSAGE_LEN + 1] = std::array::from_fn(|i| match i {
            0 => is_send.clone(),
            i => inputs[i - 1].clone(),
        });
        permutation(builder, GLOBAL_BUS, fields, is_real.clone(), false);
        for input in &inputs[MESSAGE_LEN..WIDTH - 2] {
            builder.assert_zero(is_real.clone() * input.clone());
        }
        builder.assert_zero(is_real.clone() * (inputs[WIDTH - 2].clone() - c(MESSAGE_LEN as u32)));
        lookup_byte(
            builder,
            ByteOp::U8Pair,
            [AB::Expr::ZERO, inputs[WIDTH - 1].clone(), AB::Expr::ZERO],
            is_real.clone(),
        );

        // The point: on the curve, `y` the low root, signed by direction.
        let out = outputs(&local.perm).map(e);
        let x: [AB::Expr; 7] = std::array::from_fn(|i| out[i].clone());
        let y = local.y.map(e);
        eval_on_curve(builder, &x, &y, &local.x_sq.map(e), is_real.clone());
        let top = local.y_top.map(e);
        for half in &top {
            lookup_u16(builder, half.clone(), is_real.clone());
        }
        builder.assert_zero(
            is_real.clone() * (top[0].clone() + top[1].clone() * c(1 << 16) - y[6].clone()),
        );
        eval_at_most(builder, top, HALF_HI, local.y_top_at_bound, is_real.clone());
        builder
            .assert_zero(is_real.clone() * (y[6].clone() * e(local.y_top_inverse) - AB::Expr::ONE));
        let sign = is_send * c(2) - AB::Expr::ONE;
        let signed: [AB::Expr; 7] = y.map(|v| v * sign.clone());

        // The running sum.
        let [acc_x, acc_y] = local.acc.map(|a| a.map(e));
        let [sum_x, sum_y] = local.sum.map(|a| a.map(e));
        eval_incomplete_add(
            builder,
            [(&acc_x, &acc_y), (&x, &signed), (&sum_x, &sum_y)],
            &local.slope.map(e),
            &local.run_inverse.map(e),
            is_real.clone(),
        );
        let (start_x, start_y) = start_point();
        for k in 0..2 {
            for i in 0..7 {
                let acc = e(local.acc[k][i]);
                let carried = acc.clone() + is_real.clone() * (e(local.sum[k][i]) - acc.clone());
                builder
                    .when_transition()
                    .assert_eq(e(next.acc[k][i]), carried);
                let start = if k == 0 { start_x.0[i] } else { start_y.0[i] };
                builder
                    .when_first_row()
                    .assert_eq(acc.clone(), AB::Expr::from(start));
                builder.when_last_row().assert_eq(acc, pv.sum[k][i]);
            }
        }
        builder.when_last_row().assert_zero(is_real);
    }
}

impl HasContract for GlobalSumChip {
    /// The message and its direction are received on `global`. The hash's other inputs are
    /// oracles: zeros and the length (forced on real rows) and the counter, which is the
    /// prover's private choice: any of the (about 128) bytes that give a point on the curve
    /// passes, so a row's point, and with it the running sum, is not a function of the message
    /// alone (the multiset argument needs none: each counter's point is a random-oracle
    /// output). Determinism is asked given the counter. The rest are the curve arithmetic's
    /// witnesses; `acc` (the sum before the row) and `sum` (after it) are the running state,
    /// first `D` and last public.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_GLOBAL_SUM_COLS];
        let c: &GlobalSumCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        for (i, input) in c.perm.inputs.iter().enumerate() {
            let name = format!("perm.inputs[{i}]");
            if i < MESSAGE_LEN {
                contract.input(&name, input);
            } else {
                contract.oracle(&name, input);
            }
        }
        declare_rounds(&c.perm, &mut contract);
        contract
            .selector("is_real", &c.is_real)
            .input("is_send", &c.is_send)
            .oracle("y", &c.y)
            .oracle("x_sq", &c.x_sq)
            .oracle("y_top", &c.y_top);
        c.y_top_at_bound.declare(&mut contract, "y_top_at_bound");
        contract
            .oracle("y_top_inverse", &c.y_top_inverse)
            .state("acc", &c.acc)
            .oracle("slope", &c.slope)
            .oracle("run_inverse", &c.run_inverse)
            .state("sum", &c.sum)
            .real_when(&[&c.is_real])
            .private_when(
                &c.perm.inputs[WIDTH - 1],
                &c.is_real,
                "the hash-to-curve counter: any byte whose hash is a curve point's x",
            )
            .assume_range(&c.perm.inputs[WIDTH - 1], 8, Source::Lookup)
            .assume_range(&c.y_top, 16, Source::Lookup)
            .guarantee("(is_send, message) received on `global` adds the message's hash point to the public sum, negated when is_send = 0")
            .guarantee("the public sum is D plus the points of the real rows")
            .build("`global_sum::public_sum`: D plus the signed hash points (`septic::hash_to_curve`) of the shard's messages")
    }
}

impl Chip<Val, MachineRecord> for GlobalSumChip {
    fn name(&self) -> &'static str {
        "GlobalSum"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let rows = &record.global_messages;
        let height = (rows.len() + 1).next_power_of_two();
        let mut inputs = vec![[Val::ZERO; WIDTH]; height];
        for (input, row) in inputs.iter_mut().zip(rows) {
            input[..MESSAGE_LEN].copy_from_slice(&message_vals(&row.message.1));
            input[WIDTH - 2] = Val::from_usize(MESSAGE_LEN);
            input[WIDTH - 1] = Val::from_u32(row.counter);
        }
        let perms = permutation_rows(inputs);
        let mut values = vec![Val::ZERO; height * NUM_GLOBAL_SUM_COLS];
        let mut acc = start_point();
        for (r, (row, perm)) in values
            .chunks_mut(NUM_GLOBAL_SUM_COLS)
            .zip(perms.values.chunks(PERM_COLS))
            .enumerate()
        {
            row[..PERM_COLS].copy_from_slice(perm);
            let cols: &mut GlobalSumCols<Val> = row.borrow_mut();
            cols.acc = [acc.0 .0, acc.1 .0];
            let Some(&GlobalRow {
                message: (send, _),
                x,
                y,
                signed_y,
                ..
            }) = rows.get(r)
            else {
                continue;
            };
            debug_assert_eq!(outputs(&cols.perm)[..7], x.0[..]);
            let top = y.0[6].as_canonical_u32();
            cols.is_real = Val::ONE;
            cols.is_send = Val::from_bool(send);
            cols.y = y.0;
            cols.x_sq = x.square().0;
            cols.y_top = [Val::from_u32(top & 0xFFFF), Val::from_u32(top >> 16)];
            cols.y_top_at_bound = populate_at_most(top, HALF_HI);
            cols.y_top_inverse = y.0[6].inverse();
            // A sum equal to ± a message's point is a discrete-log relation among hashed points
            // (see the module's doc and docs/multiset-hash.md), not something input can cause.
            let (slope, run_inverse) =
                chord_slope(acc, (x, signed_y)).expect("the sum is not ± a message's point");
            let sum = Point::Affine { x: acc.0, y: acc.1 } + Point::Affine { x, y: signed_y };
            let Point::Affine { x: sx, y: sy } = sum else {
                unreachable!("a chord sum is affine")
            };
            cols.slope = slope.0;
            cols.run_inverse = run_inverse.0;
            cols.sum = [sx.0, sy.0];
            acc = (sx, sy);
        }
        RowMajorMatrix::new(values, NUM_GLOBAL_SUM_COLS)
    }

    fn public_values(&self, record: &MachineRecord) -> Vec<Val> {
        match sum_of(&record.global_messages) {
            Point::Affine { x, y } => GlobalSumPublicValues { sum: [x.0, y.0] }.to_vec(),
            Point::Identity => unreachable!("the sum starts off the identity"),
        }
    }
}

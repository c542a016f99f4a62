//! The curve `y^2 = x^3 + A·x + B·z` over [`Septic`], of prime order [`CURVE_ORDER`] (found by
//! `tools/find-septic-curve.gp`: the first such `(A, B)` in its search order), and the map of a
//! message to a point.

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_symmetric::Permutation;
use serde::{Deserialize, Serialize};

use super::field::Septic;
use crate::Val;

pub const CURVE_A: u32 = 32;
/// The curve's `b` is `CURVE_B · z`: a `b` in `F_p` would make the curve defined over `F_p`
/// and its order over `F_{p^7}` a multiple of its order over `F_p`, never prime.
pub const CURVE_B: u32 = 5;
/// The number of points, prime (217 bits; PARI's `ellcard`):
/// 199372529839252601278447397890876790807417893403964371715463660831, as little-endian 64-bit
/// limbs.
pub const CURVE_ORDER: [u64; 4] = [
    0xff14_af4d_6b31_451f,
    0x89b4_643a_7e22_83c7,
    0x7579_fd9a_cc91_0bb6,
    0x01e4_a5d4,
];

/// A point of the curve, or the identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Point {
    Identity,
    Affine { x: Septic, y: Septic },
}

fn a() -> Septic {
    Septic::from_base(Val::from_u32(CURVE_A))
}

fn b() -> Septic {
    Septic::z() * Val::from_u32(CURVE_B)
}

/// `x^3 + A·x + B·z`.
pub fn curve_rhs(x: Septic) -> Septic {
    x.square() * x + a() * x + b()
}

impl Point {
    /// The affine point `(x, y)`, if it is on the curve.
    pub fn affine(x: Septic, y: Septic) -> Option<Self> {
        let point = Point::Affine { x, y };
        point.is_on_curve().then_some(point)
    }

    pub fn is_on_curve(&self) -> bool {
        match *self {
            Point::Identity => true,
            Point::Affine { x, y } => y.square() == curve_rhs(x),
        }
    }
}

impl core::ops::Neg for Point {
    type Output = Self;
    fn neg(self) -> Self {
        match self {
            Point::Identity => Point::Identity,
            Point::Affine { x, y } => Point::Affine { x, y: -y },
        }
    }
}

impl core::ops::Add for Point {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        let (Point::Affine { x: x1, y: y1 }, Point::Affine { x: x2, y: y2 }) = (self, other) else {
            return if self == Point::Identity { other } else { self };
        };
        let slope = if x1 == x2 {
            if (y1 + y2).is_zero() {
                return Point::Identity;
            }
            // Doubling: (3x^2 + a) / 2y.
            let three = Val::from_u32(3);
            (x1.square() * three + a()) * (y1 + y1).inverse().expect("y ≠ 0")
        } else {
            (y2 - y1) * (x2 - x1).inverse().expect("x1 ≠ x2")
        };
        let x3 = slope.square() - x1 - x2;
        let y3 = slope * (x1 - x3) - y1;
        Point::Affine { x: x3, y: y3 }
    }
}

impl Point {
    /// `k · self`, `k` as little-endian 64-bit limbs.
    pub fn scalar_mul(self, k: &[u64]) -> Self {
        let mut acc = Point::Identity;
        for limb in k.iter().rev() {
            for bit in (0..64).rev() {
                acc = acc + acc;
                if limb >> bit & 1 == 1 {
                    acc = acc + self;
                }
            }
        }
        acc
    }
}

/// The most elements a message may have: with a counter, one Poseidon2-16 input.
pub const MAX_MESSAGE_LEN: usize = 14;
/// Counters tried before a message is given up on (each try succeeds with probability about
/// one half, so `2^-256` for a real message).
pub const MAX_COUNTER: u32 = 256;

/// The point of a message sent on the global multiset (its negation is the point of the message
/// received) and the counter that found it: `x` is the first seven elements of
/// `Poseidon2(message, len, counter, 0..)` for the first counter whose `x^3 + A·x + B·z` is a
/// square with a root whose top coefficient is nonzero; `y` is that root with top coefficient in
/// `1..=(p−1)/2`.
pub fn hash_to_curve(message: &[Val]) -> Option<(Point, u32)> {
    assert!(message.len() <= MAX_MESSAGE_LEN, "message too long");
    let perm = p3_koala_bear::default_koalabear_poseidon2_16();
    let half = Val::from_u32((Val::ORDER_U32 - 1) / 2);
    (0..MAX_COUNTER).find_map(|counter| {
        let mut state = [Val::ZERO; 16];
        state[..message.len()].copy_from_slice(message);
        state[14] = Val::from_usize(message.len());
        state[15] = Val::from_u32(counter);
        perm.permute_mut(&mut state);
        let x = Septic(core::array::from_fn(|i| state[i]));
        let y = curve_rhs(x).sqrt()?;
        let top = y.0[6];
        if top == Val::ZERO {
            return None;
        }
        let y = if top.as_canonical_u32() <= half.as_canonical_u32() {
            y
        } else {
            -y
        };
        Some((Point::Affine { x, y }, counter))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ops::{Add, Neg};

    fn point(seed: u32) -> Point {
        hash_to_curve(&[Val::from_u32(seed), Val::from_u32(7)])
            .unwrap()
            .0
    }

    #[test]
    fn hashed_points_lie_on_the_curve_with_the_low_root() {
        for seed in 0..20 {
            let (p, counter) = hash_to_curve(&[Val::from_u32(seed)]).unwrap();
            assert!(p.is_on_curve());
            assert!(counter < 32, "seed {seed}: counter {counter}");
            let Point::Affine { y, .. } = p else {
                panic!("identity")
            };
            let top = y.0[6].as_canonical_u32();
            assert!((1..=(Val::ORDER_U32 - 1) / 2).contains(&top));
        }
        // Length is part of the message.
        assert_ne!(
            hash_to_curve(&[Val::ONE]).unwrap().0,
            hash_to_curve(&[Val::ONE, Val::ZERO]).unwrap().0
        );
    }

    #[test]
    fn the_group_law_holds() {
        let (p, q, r) = (point(1), point(2), point(3));
        assert_eq!(p.add(q), q.add(p));
        assert_eq!(p.add(q).add(r), p.add(q.add(r)));
        assert_eq!(p.add(p.neg()), Point::Identity);
        assert_eq!(p.add(Point::Identity), p);
        assert_eq!(p.add(p), p.scalar_mul(&[2]));
        assert!(p.add(q).is_on_curve() && p.add(p).is_on_curve());
    }

    #[test]
    fn every_point_has_the_prime_order() {
        for seed in 0..3 {
            let p = point(seed);
            assert_eq!(p.scalar_mul(&CURVE_ORDER), Point::Identity);
            // A prime order: no proper divisor kills a point that is not the identity.
            assert_ne!(
                p.scalar_mul(&[
                    CURVE_ORDER[0] - 1,
                    CURVE_ORDER[1],
                    CURVE_ORDER[2],
                    CURVE_ORDER[3]
                ]),
                Point::Identity
            );
        }
    }

    #[test]
    fn a_multiset_sums_to_the_same_point_in_any_order() {
        let sum = |seeds: &[u32]| {
            seeds
                .iter()
                .fold(Point::Identity, |acc, &s| acc.add(point(s)))
        };
        assert_eq!(sum(&[1, 2, 3, 2]), sum(&[2, 3, 2, 1]));
        assert_ne!(sum(&[1, 2, 3, 2]), sum(&[1, 2, 3, 3]));
        // Sent and received once each: the identity.
        let sent = sum(&[4, 5, 6]);
        let received = [6, 4, 5]
            .iter()
            .fold(Point::Identity, |acc, &s| acc.add(point(s).neg()));
        assert_eq!(sent.add(received), Point::Identity);
    }
}

//! `F_{p^7} = F_p[z] / (z^7 − z − 7)` over KoalaBear: the field of the multiset hash's curve.
//! `z^7 − z − 7` is irreducible over KoalaBear (checked by `tools/find-septic-curve.gp` and by a
//! test here); 7 does not divide `p − 1`, so no binomial `z^7 − c` is.

use core::ops::{Add, Mul, Neg, Sub};

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use serde::{Deserialize, Serialize};

use crate::Val;

/// `z^7 = z + SEPTIC_C`.
pub const SEPTIC_C: u32 = 7;

/// An element `Σ c_i z^i` of `F_{p^7}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Septic(pub [Val; 7]);

/// `p^7 − 1 = 2^24 · ODD`: the 2-adicity of the multiplicative group and its odd part, as
/// little-endian 64-bit limbs (`p^7 < 2^217`).
const TWO_ADICITY: usize = 24;

/// `p^7` as four little-endian 64-bit limbs.
fn order() -> [u64; 4] {
    let p = Val::ORDER_U32 as u64;
    let mut n = [1u64, 0, 0, 0];
    for _ in 0..7 {
        let mut carry = 0u128;
        for limb in &mut n {
            let v = *limb as u128 * p as u128 + carry;
            *limb = v as u64;
            carry = v >> 64;
        }
        debug_assert_eq!(carry, 0);
    }
    n
}

fn sub_one(mut n: [u64; 4]) -> [u64; 4] {
    for limb in &mut n {
        let (v, borrow) = limb.overflowing_sub(1);
        *limb = v;
        if !borrow {
            break;
        }
    }
    n
}

fn add_one(mut n: [u64; 4]) -> [u64; 4] {
    for limb in &mut n {
        let (v, carry) = limb.overflowing_add(1);
        *limb = v;
        if !carry {
            break;
        }
    }
    n
}

fn shift_right(n: [u64; 4], k: usize) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (i, o) in out.iter_mut().enumerate() {
        let lo = n[i] >> k;
        let hi = if i + 1 < 4 && k > 0 {
            n[i + 1] << (64 - k)
        } else {
            0
        };
        *o = lo | hi;
    }
    out
}

impl Septic {
    pub const ZERO: Septic = Septic([Val::ZERO; 7]);
    pub const ONE: Septic = Septic([
        Val::ONE,
        Val::ZERO,
        Val::ZERO,
        Val::ZERO,
        Val::ZERO,
        Val::ZERO,
        Val::ZERO,
    ]);

    pub fn from_base(c: Val) -> Self {
        let mut v = Self::ZERO;
        v.0[0] = c;
        v
    }

    /// `z`, the generator of the extension.
    pub fn z() -> Self {
        let mut v = Self::ZERO;
        v.0[1] = Val::ONE;
        v
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }

    pub fn square(&self) -> Self {
        *self * *self
    }

    /// `self^e`, `e` as little-endian 64-bit limbs.
    pub fn pow(&self, e: &[u64]) -> Self {
        let mut acc = Self::ONE;
        for limb in e.iter().rev() {
            for bit in (0..64).rev() {
                acc = acc.square();
                if limb >> bit & 1 == 1 {
                    acc = acc * *self;
                }
            }
        }
        acc
    }

    /// The inverse (`self^(p^7 − 2)`); zero has none.
    pub fn inverse(&self) -> Option<Self> {
        if self.is_zero() {
            return None;
        }
        Some(self.pow(&sub_one(sub_one(order()))))
    }

    /// Whether `self` is a square (zero is).
    pub fn is_square(&self) -> bool {
        self.is_zero() || self.pow(&shift_right(sub_one(order()), 1)) == Self::ONE
    }

    /// A square root, if `self` is a square (Tonelli–Shanks; which of the two roots is
    /// unspecified).
    pub fn sqrt(&self) -> Option<Self> {
        if self.is_zero() {
            return Some(Self::ZERO);
        }
        if !self.is_square() {
            return None;
        }
        let odd = shift_right(sub_one(order()), TWO_ADICITY);
        // KoalaBear's generator 3 is not a square in F_p, hence in the odd-degree extension.
        let mut c = Self::from_base(Val::from_u32(3)).pow(&odd);
        let mut t = self.pow(&odd);
        let mut r = self.pow(&shift_right(add_one(odd), 1));
        let mut m = TWO_ADICITY;
        while t != Self::ONE {
            let mut i = 0;
            let mut t2 = t;
            while t2 != Self::ONE {
                t2 = t2.square();
                i += 1;
            }
            let mut b = c;
            for _ in 0..m - i - 1 {
                b = b.square();
            }
            m = i;
            c = b.square();
            t = t * c;
            r = r * b;
        }
        Some(r)
    }
}

impl Add for Septic {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        Septic(core::array::from_fn(|i| self.0[i] + rhs.0[i]))
    }
}

impl Sub for Septic {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        Septic(core::array::from_fn(|i| self.0[i] - rhs.0[i]))
    }
}

impl Neg for Septic {
    type Output = Self;
    fn neg(self) -> Self {
        Septic(self.0.map(|c| -c))
    }
}

impl Mul for Septic {
    type Output = Self;
    fn mul(self, rhs: Self) -> Self {
        let mut wide = [Val::ZERO; 13];
        for (i, &a) in self.0.iter().enumerate() {
            for (j, &b) in rhs.0.iter().enumerate() {
                wide[i + j] += a * b;
            }
        }
        // z^k = z^(k−6) + 7·z^(k−7), from the top down.
        let c = Val::from_u32(SEPTIC_C);
        for k in (7..13).rev() {
            let v = wide[k];
            wide[k - 6] += v;
            wide[k - 7] += v * c;
        }
        Septic(core::array::from_fn(|i| wide[i]))
    }
}

impl Mul<Val> for Septic {
    type Output = Self;
    fn mul(self, rhs: Val) -> Self {
        Septic(self.0.map(|c| c * rhs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seed: u32) -> Septic {
        Septic(core::array::from_fn(|i| {
            Val::from_u32(seed.wrapping_mul(0x9E37_79B9).rotate_left(i as u32 * 5) % 0x7F00_0000)
        }))
    }

    #[test]
    fn z_to_the_seventh_is_z_plus_seven() {
        let z = Septic::z();
        let z7 = (0..6).fold(z, |acc, _| acc * z);
        assert_eq!(z7, z + Septic::from_base(Val::from_u32(7)));
    }

    #[test]
    fn multiplication_is_a_field_multiplication() {
        for s in 1..20 {
            let (a, b, c) = (sample(s), sample(s + 100), sample(s + 200));
            assert_eq!(a * b, b * a);
            assert_eq!((a * b) * c, a * (b * c));
            assert_eq!(a * (b + c), a * b + a * c);
            assert_eq!(a * a.inverse().unwrap(), Septic::ONE);
        }
        assert_eq!(Septic::ZERO.inverse(), None);
    }

    #[test]
    fn the_frobenius_has_order_seven() {
        // x^(p^7) = x for every x, and z^p ≠ z: the quotient is a field of degree 7, so
        // z^7 − z − 7 is irreducible.
        let p = [Val::ORDER_U32 as u64];
        let z = Septic::z();
        let mut x = z;
        for k in 1..=7 {
            x = x.pow(&p);
            assert_eq!(x == z, k == 7, "z^(p^{k})");
        }
    }

    #[test]
    fn square_roots() {
        let mut squares = 0;
        for s in 1..40 {
            let a = sample(s);
            let root = a.square().sqrt().unwrap();
            assert!(root == a || root == -a);
            if let Some(r) = a.sqrt() {
                assert_eq!(r.square(), a);
                squares += 1;
            } else {
                assert!(!a.is_square());
            }
        }
        assert!(squares > 5 && squares < 35, "{squares} of 39 are squares");
    }
}

//! `x + y = z (mod 2^32)` over byte limbs with one boolean carry per byte.
//!
//! Per byte: `x_i + y_i + carry_{i-1} = z_i + 256·carry_i`, every carry boolean. With all limbs
//! range-checked bytes, each side is below 512, so the equation holds over the integers and the
//! carries and `z` are determined by `x` and `y` (the top carry is the discarded 2^32 bit).

use p3_air::AirBuilder;
use p3_field::{Field, PrimeCharacteristicRing};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct AddCols<T> {
    pub carry: [T; 4],
}

impl<F: Field> AddCols<F> {
    /// The honest carries of `x + y`; returns them with the sum.
    pub fn populate(x: u32, y: u32) -> (u32, Self) {
        let (xb, yb) = (x.to_le_bytes(), y.to_le_bytes());
        let mut carry = [F::ZERO; 4];
        let mut c = 0u32;
        for i in 0..4 {
            let s = xb[i] as u32 + yb[i] as u32 + c;
            c = s >> 8;
            carry[i] = F::from_u32(c);
        }
        (x.wrapping_add(y), AddCols { carry })
    }
}

/// Constrains `z = x + y (mod 2^32)` limb by limb (the caller range-checks the limbs).
pub fn eval_add<AB: AirBuilder>(
    builder: &mut AB,
    x: [AB::Expr; 4],
    y: [AB::Expr; 4],
    z: [AB::Expr; 4],
    cols: AddCols<AB::Var>,
) {
    let base = AB::Expr::from_u32(256);
    let mut carry_in = AB::Expr::ZERO;
    for i in 0..4 {
        let carry: AB::Expr = cols.carry[i].into();
        builder.assert_bool(carry.clone());
        builder.assert_eq(
            x[i].clone() + y[i].clone() + carry_in,
            z[i].clone() + carry.clone() * base.clone(),
        );
        carry_in = carry;
    }
}

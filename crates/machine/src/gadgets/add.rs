//! `x + y = z (mod 2^(16·N))` over 16-bit halves with one boolean carry per half.
//!
//! Per half: `x_i + y_i + carry_{i-1} = z_i + 2^16·carry_i`, every carry boolean. With all halves
//! canonical (below 2^16), each side is below 2^17 + 1, so the equation holds over the integers
//! and the carries and `z` are determined by `x` and `y` (the top carry is the discarded bit).

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;

/// The honest carries of `x + y` over `N` halves (little-endian).
pub fn carries<const N: usize>(x: [u32; N], y: [u32; N]) -> [u32; N] {
    let mut carry = 0;
    std::array::from_fn(|i| {
        carry = (x[i] + y[i] + carry) >> 16;
        carry
    })
}

/// Constrains `z = x + y` half by half with `carries` (the caller range-checks the halves).
pub(crate) fn eval_add<AB: AirBuilder, const N: usize>(
    builder: &mut AB,
    x: [AB::Expr; N],
    y: [AB::Expr; N],
    z: [AB::Expr; N],
    carries: [AB::Var; N],
) {
    let mut carry_in = AB::Expr::ZERO;
    for i in 0..N {
        let carry: AB::Expr = carries[i].into();
        builder.assert_bool(carry.clone());
        builder.assert_eq(
            x[i].clone() + y[i].clone() + carry_in,
            z[i].clone() + carry.clone() * AB::Expr::from_u32(1 << 16),
        );
        carry_in = carry;
    }
}

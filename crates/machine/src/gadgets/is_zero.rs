//! `is_zero(x)`: a result bit forced to `x == 0`, with the prover's inverse of `x` as an oracle.
//!
//! Constraints: `x · inverse = 1 − result` and `x · result = 0`. If `x ≠ 0` the second forces
//! `result = 0` and the first then needs `inverse = 1/x`; if `x = 0` the first forces
//! `result = 1`. So `result` is determined; `inverse` is an oracle (free when `x = 0`).

use p3_air::AirBuilder;
use p3_field::{Field, PrimeCharacteristicRing};
use tessera_stark::ContractBuilder;

/// Columns of the gadget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct IsZeroCols<T> {
    pub inverse: T,
    pub result: T,
}

impl<F: Field> IsZeroCols<F> {
    /// The honest witness for `x`.
    pub fn populate(x: F) -> Self {
        IsZeroCols {
            inverse: x.try_inverse().unwrap_or(F::ZERO),
            result: F::from_bool(x.is_zero()),
        }
    }
}

impl IsZeroCols<u8> {
    /// Declares the gadget's columns (named `name.inverse`, `name.result`) in a chip's contract:
    /// both oracles (the result is forced by `x`, the inverse is free when `x = 0`).
    pub fn declare<S>(&self, contract: &mut ContractBuilder<'_, S>, name: &str) {
        contract
            .oracle(&format!("{name}.inverse"), &self.inverse)
            .oracle(&format!("{name}.result"), &self.result);
    }
}

/// Constrains `cols.result = (x == 0)` on rows where `when` is nonzero.
pub(crate) fn eval_is_zero<AB: AirBuilder>(
    builder: &mut AB,
    x: AB::Expr,
    cols: IsZeroCols<AB::Var>,
    when: AB::Expr,
) {
    let result: AB::Expr = cols.result.into();
    let mut b = builder.when(when);
    b.assert_eq(
        x.clone() * cols.inverse.into(),
        AB::Expr::ONE - result.clone(),
    );
    b.assert_zero(x * result);
}

#[cfg(test)]
mod tests {
    use super::*;
    use p3_air::{check_all_constraints, Air, BaseAir, WindowAccess};
    use p3_matrix::dense::RowMajorMatrix;
    use tessera_stark::Val;

    /// Columns: x, inverse, result.
    struct IsZeroAir;

    impl<F> BaseAir<F> for IsZeroAir {
        fn width(&self) -> usize {
            3
        }
    }

    impl<AB: AirBuilder> Air<AB> for IsZeroAir {
        fn eval(&self, builder: &mut AB) {
            let row = builder.main().current_slice().to_vec();
            let cols = IsZeroCols {
                inverse: row[1],
                result: row[2],
            };
            eval_is_zero(builder, row[0].into(), cols, AB::Expr::ONE);
        }
    }

    fn holds(rows: &[[Val; 3]]) -> bool {
        let mut values: Vec<Val> = rows.iter().flatten().copied().collect();
        let height = rows.len().next_power_of_two();
        while values.len() < 3 * height {
            values.extend(rows[0]);
        }
        check_all_constraints(&IsZeroAir, &RowMajorMatrix::new(values, 3), &[], None).is_ok()
    }

    fn honest(x: Val) -> [Val; 3] {
        let c = IsZeroCols::populate(x);
        [x, c.inverse, c.result]
    }

    const EDGES: [u32; 8] = [0, 1, 2, 255, 1 << 24, 0x7F00_0000, 0x7F00_0000 - 1, 12345];

    #[test]
    fn the_honest_witness_satisfies_it_at_edge_values() {
        let rows: Vec<[Val; 3]> = EDGES.iter().map(|&x| honest(Val::from_u32(x))).collect();
        assert!(holds(&rows));
    }

    #[test]
    fn the_result_is_forced() {
        for &x in &EDGES {
            let x = Val::from_u32(x);
            let [_, inverse, result] = honest(x);
            // The flipped result fails with the honest inverse and with any other we try.
            for other_inverse in [inverse, Val::ZERO, Val::ONE, Val::from_u32(7)] {
                assert!(!holds(&[[x, other_inverse, Val::ONE - result]]), "x = {x}");
            }
            // A non-boolean result fails too.
            assert!(!holds(&[[x, inverse, Val::TWO]]), "x = {x}");
        }
    }
}

//! Constraints over [`Septic`] values held as seven columns: the product, the
//! curve equation and the incomplete addition the global-sum chips accumulate points with. Each
//! is of degree 2 in its columns (a squared `x` is a column of its own), so a selector keeps it
//! within Tessera's degree 3.

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;

use super::curve::{CURVE_A, CURVE_B};
use super::field::{Septic, SEPTIC_C};
use crate::Val;

/// `a · b` in `F_p[z]/(z^7 − z − 7)`, coefficient by coefficient.
pub fn septic_mul<E: PrimeCharacteristicRing + Clone>(a: &[E; 7], b: &[E; 7]) -> [E; 7] {
    let mut wide: [E; 13] = core::array::from_fn(|_| E::ZERO);
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            wide[i + j] += x.clone() * y.clone();
        }
    }
    for k in (7..13).rev() {
        let v = wide[k].clone();
        wide[k - 6] += v.clone();
        wide[k - 7] += v * E::from_u32(SEPTIC_C);
    }
    core::array::from_fn(|i| wide[i].clone())
}

fn sub<E: PrimeCharacteristicRing + Clone>(a: &[E; 7], b: &[E; 7]) -> [E; 7] {
    core::array::from_fn(|i| a[i].clone() - b[i].clone())
}

/// `x^3 + A·x + B·z` given `x` and `x_sq = x^2`.
fn curve_rhs<E: PrimeCharacteristicRing + Clone>(x: &[E; 7], x_sq: &[E; 7]) -> [E; 7] {
    let mut rhs = septic_mul(x_sq, x);
    for (r, xi) in rhs.iter_mut().zip(x) {
        *r += xi.clone() * E::from_u32(CURVE_A);
    }
    rhs[1] += E::from_u32(CURVE_B);
    rhs
}

/// Asserts, where `when` is 1, that `x_sq = x^2` and that `(x, y)` is on the curve.
pub fn eval_on_curve<AB: AirBuilder>(
    builder: &mut AB,
    x: &[AB::Expr; 7],
    y: &[AB::Expr; 7],
    x_sq: &[AB::Expr; 7],
    when: AB::Expr,
) {
    let mut b = builder.when(when);
    for (c, s) in septic_mul(x, x).into_iter().zip(x_sq) {
        b.assert_eq(c, s.clone());
    }
    for (l, r) in septic_mul(y, y).into_iter().zip(curve_rhs(x, x_sq)) {
        b.assert_eq(l, r);
    }
}

/// An affine point's coordinates as expressions.
pub type PointExpr<'a, E> = (&'a [E; 7], &'a [E; 7]);

/// Asserts, where `when` is 1, that `r = p + q` by the chord through `p` and `q`: `x_q − x_p`
/// has the inverse `run_inverse` (so the chord exists and the slope is unique: where `p = q`
/// any slope would pass), `slope·(x_q − x_p) = y_q − y_p`, `x_r = slope^2 − x_p − x_q`,
/// `y_r = slope·(x_p − x_r) − y_p`.
pub fn eval_incomplete_add<AB: AirBuilder>(
    builder: &mut AB,
    [p, q, r]: [PointExpr<'_, AB::Expr>; 3],
    slope: &[AB::Expr; 7],
    run_inverse: &[AB::Expr; 7],
    when: AB::Expr,
) {
    let mut b = builder.when(when);
    let run = sub(q.0, p.0);
    for (i, v) in septic_mul(run_inverse, &run).into_iter().enumerate() {
        b.assert_eq(
            v,
            if i == 0 {
                AB::Expr::ONE
            } else {
                AB::Expr::ZERO
            },
        );
    }
    let rise = septic_mul(slope, &run);
    for (l, r) in rise.into_iter().zip(sub(q.1, p.1)) {
        b.assert_eq(l, r);
    }
    let x_r = sub(&sub(&septic_mul(slope, slope), p.0), q.0);
    for (l, r) in x_r.into_iter().zip(r.0) {
        b.assert_eq(l, r.clone());
    }
    let y_r = sub(&septic_mul(slope, &sub(p.0, r.0)), p.1);
    for (l, r) in y_r.into_iter().zip(r.1) {
        b.assert_eq(l, r.clone());
    }
}

/// The slope of the chord through two points with different `x` and the inverse of their
/// `x` difference, for trace generation.
pub fn chord_slope(p: (Septic, Septic), q: (Septic, Septic)) -> Option<(Septic, Septic)> {
    let run_inverse = (q.0 - p.0).inverse()?;
    Some(((q.1 - p.1) * run_inverse, run_inverse))
}

/// `Val` coefficients as expressions.
pub fn septic_expr<E: From<Val>>(s: Septic) -> [E; 7] {
    s.0.map(E::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::debug::check_constraints;
    use crate::septic::{hash_to_curve, Point};
    use p3_air::{Air, BaseAir, WindowAccess};
    use p3_matrix::dense::RowMajorMatrix;

    /// Columns, seven each: p's x, y, x^2; q's x, y, x^2; the slope; r's x, y; the run's
    /// inverse.
    const WIDTH: usize = 70;
    struct AddAir;

    impl<F> BaseAir<F> for AddAir {
        fn width(&self) -> usize {
            WIDTH
        }
    }

    impl<AB: AirBuilder> Air<AB> for AddAir {
        fn eval(&self, builder: &mut AB) {
            let row: Vec<AB::Expr> = builder
                .main()
                .current_slice()
                .iter()
                .map(|&v| v.into())
                .collect();
            let s =
                |k: usize| -> [AB::Expr; 7] { core::array::from_fn(|i| row[7 * k + i].clone()) };
            let [px, py, pxx, qx, qy, qxx, slope, rx, ry, run_inverse] = core::array::from_fn(s);
            eval_on_curve(builder, &px, &py, &pxx, AB::Expr::ONE);
            eval_on_curve(builder, &qx, &qy, &qxx, AB::Expr::ONE);
            eval_incomplete_add(
                builder,
                [(&px, &py), (&qx, &qy), (&rx, &ry)],
                &slope,
                &run_inverse,
                AB::Expr::ONE,
            );
        }
    }

    fn affine(seed: u32) -> (Septic, Septic) {
        match hash_to_curve(&[Val::from_u32(seed)]).unwrap().0 {
            Point::Affine { x, y } => (x, y),
            Point::Identity => unreachable!(),
        }
    }

    /// One row per pair: p, q and their sum.
    fn trace(pairs: &[(u32, u32)]) -> RowMajorMatrix<Val> {
        let mut values = Vec::new();
        for &(a, b) in pairs {
            let (p, q) = (affine(a), affine(b));
            let sum = Point::Affine { x: p.0, y: p.1 } + Point::Affine { x: q.0, y: q.1 };
            let Point::Affine { x, y } = sum else {
                unreachable!()
            };
            let (slope, run_inverse) = chord_slope(p, q).unwrap();
            for v in [
                p.0,
                p.1,
                p.0.square(),
                q.0,
                q.1,
                q.0.square(),
                slope,
                x,
                y,
                run_inverse,
            ] {
                values.extend(v.0);
            }
        }
        let height = pairs.len().next_power_of_two();
        let rows = values.len() / WIDTH;
        for r in rows..height {
            let copy = values[(r % rows) * WIDTH..(r % rows + 1) * WIDTH].to_vec();
            values.extend(copy);
        }
        RowMajorMatrix::new(values, WIDTH)
    }

    #[test]
    fn honest_additions_satisfy_the_constraints() {
        let t = trace(&[(1, 2), (3, 4), (5, 6), (7, 8)]);
        check_constraints("add", &AddAir, &t, &[]).unwrap();
    }

    #[test]
    fn a_changed_coefficient_is_caught() {
        // Each of the ten values, one coefficient each.
        for value in 0..10 {
            let mut t = trace(&[(1, 2), (3, 4)]);
            t.values[WIDTH + 7 * value + value % 7] += Val::ONE;
            assert!(
                check_constraints("add", &AddAir, &t, &[]).is_err(),
                "value {value}"
            );
        }
    }

    #[test]
    fn the_product_matches_the_field() {
        let (a, b) = (affine(9).0, affine(10).1);
        assert_eq!(Septic(septic_mul(&a.0, &b.0)), a * b);
        let e: [Val; 7] = septic_expr(a);
        assert_eq!(e, a.0);
    }
}

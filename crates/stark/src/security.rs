//! Security of a configuration for a proof shape, computed with Plonky3's own calculator
//! (`p3-security`): every term (ALI, DEEP, FRI commit and query phases, the opening-batching
//! round, the LogUp fingerprint, hash collisions), each boosted by its grinding. Two figures for
//! the same parameters: the conjectured one the configuration is sized by, and the provable ones
//! (unique decoding, list decoding to the Johnson bound) it actually has a proof for.

use p3_field::Field;
use p3_security::fri::FriRegime;
use p3_security::grinding::GrindingSites;
use p3_security::logup::{self, LogUpAir};
use p3_security::shape::{InstanceShape, StarkAirParams};
use p3_security::stark::{conjectured_security_report, proven_security_report};
use p3_security::{Regime, SecurityReport, SecurityTerm};
use p3_uni_stark::OpeningShape;

use crate::config::{Challenge, ConfigId};

/// The parts of a batch proof that its soundness depends on.
#[derive(Clone, Copy, Debug)]
pub struct ProofShape {
    /// log2 of the tallest trace.
    pub log_trace_length: usize,
    /// Constraints of the widest chip (the composition polynomial's fan-in).
    pub num_constraints: usize,
    pub max_constraint_degree: usize,
    pub num_quotient_chunks: usize,
    /// Committed columns over all chips (main and preprocessed).
    pub main_width: usize,
    pub preprocessed_width: usize,
    /// Bus interactions per row over all chips, and the widest tuple.
    pub num_interactions: usize,
    pub max_message_width: usize,
}

impl ProofShape {
    /// The largest shard shape Tessera allows: every chip at the maximal height, with a budget
    /// of columns and bus interactions that machines must stay within. The LogUp fingerprint
    /// binds the conjectured figure here (124 − log2(rows · interactions) − log2(width + 2), plus 8 bits of grinding):
    /// each doubling of rows or interactions costs a bit, so these are limits, not estimates.
    pub const LARGEST_SHARD: ProofShape = ProofShape {
        log_trace_length: crate::MAX_LOG_HEIGHT,
        num_constraints: 600,
        max_constraint_degree: 3,
        num_quotient_chunks: 2,
        main_width: 1200,
        preprocessed_width: 32,
        num_interactions: 64,
        max_message_width: 8,
    };
}

/// What the calculator needs besides the low-degree test, for a configuration and a shape. Both
/// figures are computed from this one assembly, so they can differ only by regime.
struct Inputs {
    air: StarkAirParams,
    instance: InstanceShape,
    grinding: GrindingSites,
    extras: Vec<SecurityTerm>,
}

impl Inputs {
    fn new(config: ConfigId, shape: &ProofShape) -> Self {
        let params = config.params();
        let air = StarkAirParams {
            num_constraints: shape.num_constraints,
            max_constraint_degree: shape.max_constraint_degree,
            num_quotient_chunks: shape.num_quotient_chunks,
            max_combo: 2,
        };
        let num_batched_functions = p3_batch_stark::num_batched_openings(
            shape.main_width,
            true,
            shape.preprocessed_width,
            true,
            shape.num_quotient_chunks,
            shape.num_interactions,
            4,
            OpeningShape::new(),
        );
        let instance = InstanceShape {
            log_trace_length: shape.log_trace_length,
            modulus_bits: <Challenge as Field>::bits(),
            // Eight 31-bit elements per digest.
            collision_resistance: 124,
            num_batched_functions,
        };
        let grinding = GrindingSites {
            out_of_domain: params.ood_pow_bits,
            batch_combination: params.batch_pow_bits,
            lookup_challenge: params.lookup_pow_bits,
        };
        let lookups = LogUpAir {
            num_interactions: shape.num_interactions,
            max_message_width: shape.max_message_width,
        };
        let extras = logup::security_term(&lookups, &instance, &grinding)
            .into_iter()
            .collect();
        Inputs {
            air,
            instance,
            grinding,
            extras,
        }
    }

    /// The provable report for `fri`, which the tests vary to see what a target would cost.
    fn proven(&self, fri: &FriRegime) -> SecurityReport {
        proven_security_report(fri, &self.air, &self.instance, &self.extras, &self.grinding)
    }
}

/// A configuration's conjectured security, in bits, for proofs of `shape`; the label names the
/// term that binds. The regime (random words, ePrint 2025/2010) assumes that a cheating prover's
/// committed words behave like random ones and that correlated agreement holds up to capacity,
/// so every decoding list has one codeword: no theorem backs it, which is why
/// [`provable_bits`] is reported beside it.
pub fn conjectured_bits(config: ConfigId, shape: &ProofShape) -> (f64, String) {
    let fri = config.fri_parameters(()).security_regime();
    let inputs = Inputs::new(config, shape);
    let report = conjectured_security_report(
        &fri,
        &inputs.air,
        &inputs.instance,
        &inputs.extras,
        &inputs.grinding,
    );
    (report.security_bits(), report.binding().label.to_string())
}

/// Security in one provable regime.
#[derive(Clone, Copy, Debug)]
pub struct RegimeBits {
    /// [`Regime::UniqueDecoding`], or [`Regime::ListDecoding`] to the Johnson bound at the
    /// proximity parameter `m` the calculator found best for this instance.
    pub regime: Regime,
    pub bits: f64,
    /// The term that binds.
    pub binding: &'static str,
}

/// A configuration's provable security for proofs of `shape`, per regime: unique decoding first
/// (the most conservative), then the Johnson bound where the instance admits one. Same
/// parameters and terms as [`conjectured_bits`], only without its conjecture: a proof sound in
/// either regime is sound, so the provable figure is the larger of the two.
pub fn provable_bits(config: ConfigId, shape: &ProofShape) -> Vec<RegimeBits> {
    let fri = config.fri_parameters(()).security_regime();
    let report = Inputs::new(config, shape).proven(&fri);
    std::iter::once(report.udr)
        .chain(report.ldr)
        .map(|r| RegimeBits {
            regime: r.regime,
            bits: r.security_bits(),
            binding: r.binding().label,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use p3_security::proximity::list_size_ldr_m;
    use p3_security::{fri, CandidateSet};

    use super::*;

    #[test]
    fn production_reaches_100_bits_at_the_largest_shard_shape() {
        let (bits, binding) = conjectured_bits(ConfigId::Production, &ProofShape::LARGEST_SHARD);
        eprintln!("production, largest shard: {bits:.1} conjectured bits (bound by {binding})");
        assert!(bits >= 100.0, "{bits:.1} bits, bound by {binding}");
    }

    #[test]
    fn the_test_configuration_is_insecure() {
        let (bits, _) = conjectured_bits(ConfigId::InsecureTesting, &ProofShape::LARGEST_SHARD);
        assert!(bits < 20.0, "{bits}");
        for r in provable_bits(ConfigId::InsecureTesting, &ProofShape::LARGEST_SHARD) {
            eprintln!(
                "insecure testing: {:?} {:.1} bits ({})",
                r.regime, r.bits, r.binding
            );
            assert!(r.bits < 20.0, "{r:?}");
        }
    }

    /// Both provable regimes are reported, finite and positive, and below the conjectured
    /// figure; the query phase of FRI binds in both, since the conjecture's gain is exactly the
    /// larger proximity radius each query tests.
    #[test]
    fn production_provable_bits_sit_below_the_conjectured_figure() {
        let shape = ProofShape::LARGEST_SHARD;
        let (conjectured, _) = conjectured_bits(ConfigId::Production, &shape);
        let provable = provable_bits(ConfigId::Production, &shape);
        for r in &provable {
            eprintln!(
                "production, largest shard: {:?} {:.1} provable bits (bound by {})",
                r.regime, r.bits, r.binding
            );
            assert!(r.bits.is_finite() && r.bits > 0.0, "{r:?}");
            assert!(
                r.bits < conjectured,
                "{r:?} against {conjectured:.1} conjectured"
            );
            assert_eq!(r.binding, p3_security::report::LDT_LABEL, "{r:?}");
        }
        assert!(matches!(provable[0].regime, Regime::UniqueDecoding));
        assert!(
            matches!(
                provable.get(1).map(|r| r.regime),
                Some(Regime::ListDecoding { .. })
            ),
            "the largest shard admits a Johnson-bound regime: {provable:?}"
        );
        // The Johnson bound decodes further than unique decoding, so it proves more.
        assert!(provable[1].bits > provable[0].bits, "{provable:?}");
        // Of the low-degree test's two phases it is the query phase that binds: the commit
        // phase's error sits above the figure in both regimes.
        let fri = ConfigId::Production.fri_parameters(()).security_regime();
        let instance = Inputs::new(ConfigId::Production, &shape).instance;
        let Regime::ListDecoding { m } = provable[1].regime else {
            unreachable!()
        };
        let commit_udr = fri::commit_phase_error_udr(&fri, &instance).unwrap().bits();
        let commit_ldr = fri::commit_phase_error_ldr_m(&fri, &instance, m)
            .unwrap()
            .bits();
        eprintln!("commit phase: {commit_udr:.1} bits (unique), {commit_ldr:.1} (Johnson)");
        assert!(commit_udr > provable[0].bits);
        assert!(commit_ldr > provable[1].bits);
    }

    /// The LogUp term enters the Johnson-bound regime at its list-size-one strength, as the
    /// calculator takes it; charged over the whole decoding list instead (its challenges are
    /// drawn after the main commitment, like ALI's), it still sits above the binding term, so
    /// the provable figure does not depend on that choice.
    #[test]
    fn charging_logup_over_the_johnson_list_leaves_the_provable_figure_unchanged() {
        let config = ConfigId::Production;
        let inputs = Inputs::new(config, &ProofShape::LARGEST_SHARD);
        let fri = config.fri_parameters(()).security_regime();
        let ldr = inputs.proven(&fri).ldr.expect("a Johnson-bound regime");
        let Regime::ListDecoding { m } = ldr.regime else {
            panic!("{:?}", ldr.regime)
        };
        let list = CandidateSet::from_log2(list_size_ldr_m(fri.log_blowup, m).log2()).unwrap();
        let logup = inputs.extras[0];
        assert_eq!(logup.label, logup::LOGUP_LABEL);
        let charged = logup.over_candidates(list).bits.bits();
        eprintln!(
            "Johnson bound m = {m}: LogUp {:.1} bits, {charged:.1} over the list, binding {:.1}",
            logup.bits.bits(),
            ldr.security_bits()
        );
        assert!(charged < logup.bits.bits());
        assert!(charged > ldr.security_bits(), "{charged} against {ldr:?}");
    }

    /// What 100 provable bits would cost at the largest shard shape: the fewest queries that
    /// reach them, per blowup, all else as in Production. Blowup 8 gets there at no query count:
    /// the opening-batching round's error grows with the evaluation domain and caps it below 100.
    #[test]
    fn queries_for_100_provable_bits() {
        let config = ConfigId::Production;
        let inputs = Inputs::new(config, &ProofShape::LARGEST_SHARD);
        let production = config.fri_parameters(()).security_regime();
        let provable = |fri: &FriRegime| inputs.proven(fri).security_bits();
        for log_blowup in 1..=2 {
            let at = |num_queries| FriRegime {
                log_blowup,
                num_queries,
                ..production
            };
            let needed = (1..=1000)
                .find(|&q| provable(&at(q)) >= 100.0)
                .expect("1000 queries reach 100 provable bits");
            let (regime, binding) = inputs.proven(&at(needed)).binding();
            eprintln!(
                "blowup 2^{log_blowup}: {needed} queries for {:.1} provable bits ({regime:?}, bound by {})",
                provable(&at(needed)),
                binding.label
            );
            assert!(provable(&at(needed - 1)) < 100.0);
            if log_blowup == production.log_blowup {
                assert!(needed > production.num_queries, "{needed}");
            }
        }
        let eight = inputs.proven(&FriRegime {
            log_blowup: 3,
            num_queries: 1000,
            ..production
        });
        let (regime, binding) = eight.binding();
        eprintln!(
            "blowup 2^3, 1000 queries: {:.1} provable bits ({regime:?}, bound by {})",
            eight.security_bits(),
            binding.label
        );
        assert!(eight.security_bits() < 100.0);
        assert_eq!(binding.label, p3_security::report::BATCH_LABEL);
    }
}

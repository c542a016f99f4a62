//! Conjectured security of a configuration for a proof shape, computed with Plonky3's own
//! calculator (`p3-security`): every term (ALI, DEEP, FRI commit and query phases, the
//! opening-batching round, the LogUp fingerprint, hash collisions), each boosted by its grinding.

use p3_field::Field;
use p3_security::grinding::GrindingSites;
use p3_security::logup::{self, LogUpAir};
use p3_security::shape::{InstanceShape, StarkAirParams};
use p3_security::stark::conjectured_security_report;
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
    /// binds here (124 − log2(rows · interactions) − log2(width + 2), plus 8 bits of grinding):
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

/// A configuration's conjectured security, in bits, for proofs of `shape`; the label names the
/// term that binds.
pub fn conjectured_bits(config: ConfigId, shape: &ProofShape) -> (f64, String) {
    let params = config.params();
    let regime = config.fri_parameters(()).security_regime();
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
    let extras: Vec<_> = logup::security_term(&lookups, &instance, &grinding)
        .into_iter()
        .collect();
    let report = conjectured_security_report(&regime, &air, &instance, &extras, &grinding);
    (report.security_bits(), report.binding().label.to_string())
}

#[cfg(test)]
mod tests {
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
    }
}

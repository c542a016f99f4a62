//! Typed errors of proving and verification. A cause is part of its error's one-line message and
//! never also its `source()`, so that a chain printed with `{:#}` shows each cause once.

use thiserror::Error;

/// Why a proof was rejected. Every check of the verifier has its own variant, and the chip is
/// named where it is known.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    #[error("not a Tessera proof (bad magic)")]
    NotAProof,
    #[error("proof format version {0} is not supported (this build reads version {current})", current = crate::proof::FORMAT_VERSION)]
    UnsupportedVersion(u32),
    #[error("malformed proof: {0}")]
    Malformed(String),
    #[error("proof was made with configuration {got:?}, the verifying key requires {expected:?}")]
    ConfigMismatch {
        expected: crate::ConfigId,
        got: crate::ConfigId,
    },
    #[error("proof was made for another program or machine (verifying-key digest differs)")]
    WrongVerifyingKey,
    #[error("the verifying key does not describe this machine: {0}")]
    KeyMismatch(String),
    #[error("proof has {got} chip instances, the machine has {expected}")]
    ChipCount { expected: usize, got: usize },
    #[error("chip {chip}: trace height 2^{log_height} is not allowed: {reason}")]
    BadHeight {
        chip: String,
        log_height: usize,
        reason: String,
    },
    #[error("chip {chip}: bad public values: {reason}")]
    BadPublicValues { chip: String, reason: String },
    #[error("chip {chip}: constraints do not hold at the out-of-domain point")]
    ConstraintsFailed { chip: String },
    #[error("constraints do not hold at the out-of-domain point")]
    ConstraintsFailedUnknownChip,
    #[error("the buses do not balance (LogUp terminal sum is nonzero)")]
    BusImbalance,
    #[error("lookup argument rejected: {0}")]
    Lookup(String),
    #[error("proof shape rejected: {0}")]
    Shape(String),
    #[error("opening proof (FRI / Merkle) rejected: {0}")]
    Opening(String),
    #[error("transcript check rejected: {0}")]
    Transcript(String),
    #[error("the STARK verifier failed on this input: {0}")]
    VerifierPanicked(String),
}

/// Why proving failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProveError {
    #[error("chip {chip}: trace is {width} columns wide, the chip declares {expected}")]
    TraceWidth {
        chip: String,
        width: usize,
        expected: usize,
    },
    #[error("chip {chip}: trace height {height} is not a power of two")]
    TraceHeight { chip: String, height: usize },
    #[error("chip {chip}: trace height {height} differs from its preprocessed height {expected}")]
    PreprocessedHeight {
        chip: String,
        height: usize,
        expected: usize,
    },
    #[error("chip {chip}, row {row}: constraint {constraint} fails{}", label.as_ref().map(|l| format!(" ({l})")).unwrap_or_default())]
    Constraint {
        chip: String,
        row: usize,
        constraint: usize,
        label: Option<String>,
    },
    #[error("bus {bus}: tuple {tuple:?} has net count {count} (sent or received at {rows:?})")]
    BusImbalance {
        bus: String,
        tuple: Vec<u32>,
        count: String,
        /// (chip, row) of every interaction carrying the tuple.
        rows: Vec<(String, usize)>,
    },
    /// The prover verifies every proof it makes: a proof of traces that break a constraint
    /// (which release builds do not check before proving) fails here, never reaches a user.
    #[error("the proof made does not verify: {0}")]
    Unverified(VerifyError),
    #[error("the STARK prover failed: {0}")]
    Backend(String),
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::*;

    #[test]
    fn a_cause_prints_once() {
        let e = ProveError::Unverified(VerifyError::BusImbalance);
        assert!(e.source().is_none());
        assert_eq!(
            e.to_string(),
            "the proof made does not verify: the buses do not balance (LogUp terminal sum is nonzero)"
        );
    }
}

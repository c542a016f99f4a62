//! The verifier: checks a proof's configuration, key digest and shape against the machine and
//! its key, then runs `p3-batch-stark`'s verifier and names what it rejects. Never panics.

use std::panic::{catch_unwind, AssertUnwindSafe};

use p3_batch_stark::{BatchVerificationError, CommonData, VerificationError};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_lookup::LookupError;

use crate::config::{StarkConfig, Val};
use crate::error::VerifyError;
use crate::keys::{constraints_digest, ChipShape, VerifyingKey};
use crate::lookups::derive_lookups;
use crate::machine::{Machine, MachineAir, MAX_LOG_HEIGHT};
use crate::proof::Proof;

impl<A> Machine<A> {
    /// Verifies `proof` against `vk` for this machine's chips. Never panics.
    pub fn verify<R>(&self, vk: &VerifyingKey, proof: &Proof) -> Result<(), VerifyError>
    where
        A: MachineAir<R>,
    {
        if proof.config_id != vk.config_id {
            return Err(VerifyError::ConfigMismatch {
                expected: vk.config_id,
                got: proof.config_id,
            });
        }
        if vk.config_id != self.config_id || vk.config_params != self.config_id.params() {
            return Err(VerifyError::KeyMismatch(
                "configuration differs from the machine's".into(),
            ));
        }
        if proof.vk_digest != vk.digest() {
            return Err(VerifyError::WrongVerifyingKey);
        }
        self.check_key(vk)?;
        let n = self.chips.len();
        if proof.present.len() != n || proof.public_values.len() != n {
            return Err(VerifyError::ChipCount {
                expected: n,
                got: proof.present.len().min(proof.public_values.len()),
            });
        }
        for ((chip, &present), pvs) in self
            .chips
            .iter()
            .zip(&proof.present)
            .zip(&proof.public_values)
        {
            if !present && (!chip.is_optional() || !pvs.is_empty()) {
                return Err(VerifyError::Shape(format!(
                    "chip {} is left out of the proof, but it may not be",
                    chip.name()
                )));
            }
        }
        let chips = self.present_chips(&proof.present);
        let present = |i: &usize| proof.present[*i];
        let shapes: Vec<&ChipShape> = (0..n).filter(present).map(|i| &vk.chips[i]).collect();
        let proof_values: Vec<&Vec<u32>> = (0..n)
            .filter(present)
            .map(|i| &proof.public_values[i])
            .collect();
        let degree_bits = &proof.batch.degree_bits;
        if degree_bits.len() != chips.len() {
            return Err(VerifyError::ChipCount {
                expected: chips.len(),
                got: degree_bits.len(),
            });
        }
        let mut public_values = Vec::with_capacity(chips.len());
        for ((chip, shape), (&log_height, pvs)) in chips
            .iter()
            .zip(shapes)
            .zip(degree_bits.iter().zip(proof_values))
        {
            let bad_height = |reason: &str| VerifyError::BadHeight {
                chip: shape.name.clone(),
                log_height,
                reason: reason.into(),
            };
            if log_height > MAX_LOG_HEIGHT {
                return Err(bad_height("above the largest supported height"));
            }
            if shape
                .preprocessed_log_height
                .is_some_and(|h| h != log_height)
            {
                return Err(bad_height("differs from the chip's preprocessed height"));
            }
            if pvs.len() != chip.num_public_values() {
                return Err(VerifyError::BadPublicValues {
                    chip: shape.name.clone(),
                    reason: format!(
                        "{} values, expected {}",
                        pvs.len(),
                        chip.num_public_values()
                    ),
                });
            }
            if let Some(v) = pvs.iter().find(|&&v| v >= Val::ORDER_U32) {
                return Err(VerifyError::BadPublicValues {
                    chip: shape.name.clone(),
                    reason: format!("{v} is not a canonical field element"),
                });
            }
            public_values.push(pvs.iter().map(|&v| Val::from_u32(v)).collect::<Vec<_>>());
        }

        let config = self.config_id.build(&vk.transcript_seed());
        let run = || {
            let common = CommonData {
                preprocessed: vk.global_preprocessed(&proof.present),
                lookups: derive_lookups(&config, &chips, degree_bits),
            };
            p3_batch_stark::verify_batch(&config, &chips, &proof.batch, &public_values, &common)
        };
        match catch_unwind(AssertUnwindSafe(run)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Self::map_error::<R>(&chips, e)),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                Err(VerifyError::VerifierPanicked(message))
            }
        }
    }

    /// Decodes and verifies a proof's bytes.
    pub fn verify_bytes<R>(&self, vk: &VerifyingKey, bytes: &[u8]) -> Result<Proof, VerifyError>
    where
        A: MachineAir<R>,
    {
        let proof = Proof::from_bytes(bytes)?;
        self.verify::<R>(vk, &proof)?;
        Ok(proof)
    }

    /// Checks that `vk` describes these chips.
    fn check_key<R>(&self, vk: &VerifyingKey) -> Result<(), VerifyError>
    where
        A: MachineAir<R>,
    {
        if vk.chips.len() != self.chips.len() {
            return Err(VerifyError::KeyMismatch(format!(
                "{} chips in the key, {} in the machine",
                vk.chips.len(),
                self.chips.len()
            )));
        }
        for (chip, shape) in self.chips.iter().zip(&vk.chips) {
            let preprocessed_width = chip.preprocessed_width();
            let same = shape.name == chip.name()
                && shape.width == chip.width()
                && shape.preprocessed_width == preprocessed_width
                && shape.preprocessed_log_height.is_some() == (preprocessed_width > 0)
                && shape.num_public_values == chip.num_public_values()
                && shape.constraints_digest == constraints_digest(chip)
                && shape.optional == chip.is_optional();
            if !same {
                return Err(VerifyError::KeyMismatch(format!(
                    "chip {} differs from the key's {}",
                    chip.name(),
                    shape.name
                )));
            }
        }
        if vk.preprocessed_commitment.is_some()
            != vk.chips.iter().any(|c| c.preprocessed_log_height.is_some())
        {
            return Err(VerifyError::KeyMismatch(
                "preprocessed commitment presence".into(),
            ));
        }
        Ok(())
    }

    /// The error of Plonky3's `e` for the batch of `chips`.
    fn map_error<R>(
        chips: &[A],
        e: BatchVerificationError<p3_batch_stark::PcsError<StarkConfig>>,
    ) -> VerifyError
    where
        A: MachineAir<R>,
    {
        match e {
            BatchVerificationError::Verification(VerificationError::OodEvaluationMismatch {
                index: Some(i),
            }) => match chips.get(i) {
                Some(chip) => VerifyError::ConstraintsFailed {
                    chip: chip.name().to_string(),
                },
                None => VerifyError::ConstraintsFailedUnknownChip,
            },
            BatchVerificationError::Verification(VerificationError::OodEvaluationMismatch {
                index: None,
            }) => VerifyError::ConstraintsFailedUnknownChip,
            BatchVerificationError::Verification(VerificationError::InvalidOpeningArgument(e)) => {
                VerifyError::Opening(format!("{e:?}"))
            }
            BatchVerificationError::Verification(VerificationError::InvalidOodPowWitness) => {
                VerifyError::Transcript("invalid out-of-domain proof-of-work witness".into())
            }
            BatchVerificationError::Verification(other) => VerifyError::Shape(other.to_string()),
            BatchVerificationError::Lookup(LookupError::TerminalSumNonZero) => {
                VerifyError::BusImbalance
            }
            BatchVerificationError::Lookup(other) => VerifyError::Lookup(other.to_string()),
            BatchVerificationError::Transcript(t) => VerifyError::Transcript(t.to_string()),
        }
    }
}

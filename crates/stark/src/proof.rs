//! The proof format: a fixed header (magic, format version) followed by a bincode body that names
//! the configuration and the verifying key it was made for.

use p3_batch_stark::BatchProof;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigId, StarkConfig};
use crate::error::VerifyError;

pub const MAGIC: [u8; 8] = *b"TESSERA\x01";
/// Bumped whenever the body's layout changes; older readers refuse newer proofs by name.
pub const FORMAT_VERSION: u32 = 2;
/// Proofs larger than this are refused before decoding (a production shard proof is ~1 MB).
pub const MAX_PROOF_BYTES: usize = 256 << 20;

/// A proof of one batch of chip instances.
#[derive(Serialize, Deserialize)]
pub struct Proof {
    pub config_id: ConfigId,
    /// SHA-256 of the verifying key the proof was made under.
    pub vk_digest: [u8; 32],
    /// Which of the machine's chips the batch proves: only optional chips may be absent.
    pub present: Vec<bool>,
    /// Each chip's public values, as canonical field elements (none for an absent chip).
    pub public_values: Vec<Vec<u32>>,
    pub batch: BatchProof<StarkConfig>,
}

impl std::fmt::Debug for Proof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proof")
            .field("config_id", &self.config_id)
            .field("vk_digest", &self.vk_digest)
            .field("present", &self.present)
            .field("public_values", &self.public_values)
            .field("degree_bits", &self.batch.degree_bits)
            .finish_non_exhaustive()
    }
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_PROOF_BYTES>()
}

/// A proof file's header: 8 magic bytes and a little-endian format version.
pub fn header(magic: [u8; 8], version: u32) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out
}

/// Checks `bytes`' size limit and header; returns the body behind the header.
pub fn strip_header(
    bytes: &[u8],
    magic: [u8; 8],
    version: u32,
    max_bytes: usize,
) -> Result<&[u8], VerifyError> {
    if bytes.len() > max_bytes {
        return Err(VerifyError::Malformed(format!(
            "{} bytes, more than the {max_bytes}-byte limit",
            bytes.len()
        )));
    }
    if bytes.len() < 12 || bytes[..8] != magic {
        return Err(VerifyError::NotAProof);
    }
    let found = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if found != version {
        return Err(VerifyError::UnsupportedVersion(found));
    }
    Ok(&bytes[12..])
}

impl Proof {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = header(MAGIC, FORMAT_VERSION);
        let body = bincode::serde::encode_to_vec(self, bincode_config())
            .expect("a proof always serializes");
        out.extend_from_slice(&body);
        out
    }

    /// Decodes a proof. Never panics: any byte string either decodes or is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let body = strip_header(bytes, MAGIC, FORMAT_VERSION, MAX_PROOF_BYTES)?;
        let (proof, used) = bincode::serde::decode_from_slice(body, bincode_config())
            .map_err(|e| VerifyError::Malformed(e.to_string()))?;
        if used != body.len() {
            return Err(VerifyError::Malformed(format!(
                "{} trailing bytes after the proof",
                body.len() - used
            )));
        }
        Ok(proof)
    }
}

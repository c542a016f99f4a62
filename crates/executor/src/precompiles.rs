//! The precompiles' reference semantics, as plain functions on words. The executor calls them for
//! the precompile syscalls; the precompile chips will be checked against them.

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_koala_bear::{default_koalabear_poseidon2_16, KoalaBear};
use p3_symmetric::Permutation;
use std::sync::OnceLock;

/// SHA-256 message schedule: fills `w[16..64]` from `w[0..16]`.
pub fn sha256_extend(w: &mut [u32; 64]) {
    for i in 16..64 {
        let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
        let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16]
            .wrapping_add(s0)
            .wrapping_add(w[i - 7])
            .wrapping_add(s1);
    }
}

/// SHA-256's round constants.
pub const SHA256_K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 compression of one block given its full message schedule `w`, added into `state`.
pub fn sha256_compress(w: &[u32; 64], state: &mut [u32; 8]) {
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for i in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(SHA256_K[i])
            .wrapping_add(w[i]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// Words per sponge block: 18 lanes of 64 bits.
pub const KECCAK_BLOCK_WORDS: usize = 36;

/// The KECCAK_SPONGE precompile: absorb `input` (a multiple of 36 words, low word of each lane
/// first) into a zero state, one Keccak-f\[1600\] per block, and return lanes 0..8 as 16 words.
pub fn keccak_sponge(input: &[u32]) -> [u32; 16] {
    debug_assert_eq!(input.len() % KECCAK_BLOCK_WORDS, 0);
    let mut state = [0u64; 25];
    for block in input.chunks_exact(KECCAK_BLOCK_WORDS) {
        for (lane, pair) in state.iter_mut().zip(block.chunks_exact(2)) {
            *lane ^= pair[0] as u64 | (pair[1] as u64) << 32;
        }
        keccak::f1600(&mut state);
    }
    let mut out = [0u32; 16];
    for (i, lane) in state[..8].iter().enumerate() {
        out[2 * i] = *lane as u32;
        out[2 * i + 1] = (*lane >> 32) as u32;
    }
    out
}

/// The POSEIDON2_PERMUTE precompile: Tessera's own width-16 Poseidon2 over KoalaBear, in place.
/// Returns `None` when a word is not a canonical field element.
pub fn poseidon2_permute(words: &[u32; 16]) -> Option<[u32; 16]> {
    static PERM: OnceLock<p3_koala_bear::Poseidon2KoalaBear<16>> = OnceLock::new();
    let perm = PERM.get_or_init(default_koalabear_poseidon2_16);
    if words.iter().any(|&w| w >= KoalaBear::ORDER_U32) {
        return None;
    }
    let mut state = words.map(KoalaBear::from_u32);
    perm.permute_mut(&mut state);
    Some(state.map(|x| x.as_canonical_u32()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn sha256_precompiles_match_the_sha2_crate() {
        // "abc", padded to one block.
        let mut block = [0u8; 64];
        block[..3].copy_from_slice(b"abc");
        block[3] = 0x80;
        block[63] = 24;
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes(block[4 * i..4 * i + 4].try_into().unwrap());
        }
        sha256_extend(&mut w);
        let mut state = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        sha256_compress(&w, &mut state);
        let expected = Sha256::digest(b"abc");
        let got: Vec<u8> = state.iter().flat_map(|w| w.to_be_bytes()).collect();
        assert_eq!(got, expected.as_slice());
    }

    #[test]
    fn keccak_sponge_matches_keccak256_of_empty_input() {
        // Keccak-256 padding of the empty message in a 136-byte block, zero-extended to 144.
        let mut bytes = [0u8; 144];
        bytes[0] = 0x01;
        bytes[135] |= 0x80;
        let words: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let out = keccak_sponge(&words);
        let digest: Vec<u8> = out[..8].iter().flat_map(|w| w.to_le_bytes()).collect();
        let expected = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }

    #[test]
    fn poseidon2_rejects_non_canonical_words_and_permutes() {
        let mut words = [0u32; 16];
        assert!(poseidon2_permute(&words).is_some_and(|out| out != words));
        words[3] = KoalaBear::ORDER_U32;
        assert_eq!(poseidon2_permute(&words), None);
    }
}

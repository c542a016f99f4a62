//! Byte lanes of loads and stores: which byte of the old memory word, of `rt`, or of the sign
//! fills each byte of the loaded value or of the stored word, for each byte offset `k` of the
//! address. The CPU constrains these merges and its trace generator computes them from the same
//! table, and both are checked against the executor.

use super::control::Kind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Old(usize),
    Rt(usize),
    /// `0xFF` when the loaded value is negative, else `0`.
    Sign,
    Zero,
}

/// Byte `j` of the value a load of `kind` at offset `k` writes to `rt`.
pub(crate) fn load_source(kind: Kind, k: usize, j: usize) -> Source {
    use Source::*;
    match kind {
        Kind::Lb | Kind::Lbu => match j {
            0 => Old(k),
            _ if kind == Kind::Lb => Sign,
            _ => Zero,
        },
        Kind::Lh | Kind::Lhu if k.is_multiple_of(2) => match j {
            0 | 1 => Old(k + j),
            _ if kind == Kind::Lh => Sign,
            _ => Zero,
        },
        Kind::Lw if k == 0 => Old(j),
        Kind::Lwl if j + k >= 3 => Old(j + k - 3),
        Kind::Lwr if j + k <= 3 => Old(j + k),
        Kind::Lwl | Kind::Lwr => Rt(j),
        _ => Zero,
    }
}

/// Byte `j` of the word a store of `kind` at offset `k` leaves in memory.
pub(crate) fn store_source(kind: Kind, k: usize, j: usize) -> Source {
    use Source::*;
    match kind {
        Kind::Sb if j == k => Rt(0),
        Kind::Sh if k.is_multiple_of(2) && (j == k || j == k + 1) => Rt(j - k),
        Kind::Sh if !k.is_multiple_of(2) => Zero,
        Kind::Sw | Kind::Sc if k == 0 => Rt(j),
        Kind::Sw | Kind::Sc => Zero,
        Kind::Swl if j <= k => Rt(j + 3 - k),
        Kind::Swr if j >= k => Rt(j - k),
        _ => Old(j),
    }
}

/// The byte `source` names, given the old word's and `rt`'s bytes and the sign.
pub(crate) fn byte_of(source: Source, old: [u8; 4], rt: [u8; 4], sign: bool) -> u8 {
    match source {
        Source::Old(i) => old[i],
        Source::Rt(i) => rt[i],
        Source::Sign => 0xFF * sign as u8,
        Source::Zero => 0,
    }
}

/// The loaded value or stored word for offset `k`.
pub(crate) fn merge(kind: Kind, k: usize, old: u32, rt: u32, sign: bool) -> u32 {
    let (old, rt) = (old.to_le_bytes(), rt.to_le_bytes());
    let source = |j| {
        if kind.is_load() {
            load_source(kind, k, j)
        } else {
            store_source(kind, k, j)
        }
    };
    u32::from_le_bytes(std::array::from_fn(|j| byte_of(source(j), old, rt, sign)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table agrees with the MIPS definitions of every load and store, at every offset
    /// the instruction allows.
    #[test]
    fn merges_match_the_isa() {
        let (old, rt) = (0x8899_AABB_u32, 0x1122_3344_u32);
        for k in 0..4u32 {
            let byte = (old >> (8 * k)) as u8;
            assert_eq!(merge(Kind::Lbu, k as usize, old, rt, false), byte as u32);
            assert_eq!(
                merge(Kind::Lb, k as usize, old, rt, byte >= 0x80),
                byte as i8 as i32 as u32
            );
            let lwl = (old << (8 * (3 - k))) | (rt & (((1u64 << (8 * (3 - k))) - 1) as u32));
            assert_eq!(merge(Kind::Lwl, k as usize, old, rt, false), lwl);
            let lwr = (old >> (8 * k)) | (rt & !(u32::MAX >> (8 * k)));
            assert_eq!(merge(Kind::Lwr, k as usize, old, rt, false), lwr);
            let sb = (old & !(0xFF << (8 * k))) | ((rt & 0xFF) << (8 * k));
            assert_eq!(merge(Kind::Sb, k as usize, old, rt, false), sb);
            let swl = (old & !(u32::MAX >> (8 * (3 - k)))) | (rt >> (8 * (3 - k)));
            assert_eq!(merge(Kind::Swl, k as usize, old, rt, false), swl);
            let swr = (old & (((1u64 << (8 * k)) - 1) as u32)) | (rt << (8 * k));
            assert_eq!(merge(Kind::Swr, k as usize, old, rt, false), swr);
        }
        for k in [0u32, 2] {
            let half = (old >> (8 * k)) as u16;
            assert_eq!(merge(Kind::Lhu, k as usize, old, rt, false), half as u32);
            assert_eq!(
                merge(Kind::Lh, k as usize, old, rt, half >= 0x8000),
                half as i16 as i32 as u32
            );
            let sh = (old & !(0xFFFF << (8 * k))) | ((rt & 0xFFFF) << (8 * k));
            assert_eq!(merge(Kind::Sh, k as usize, old, rt, false), sh);
        }
        assert_eq!(merge(Kind::Lw, 0, old, rt, false), old);
        assert_eq!(merge(Kind::Sw, 0, old, rt, false), rt);
    }
}

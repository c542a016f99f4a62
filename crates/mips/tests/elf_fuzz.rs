//! The ELF loader never panics: random bytes, truncations and bit flips of real guests either
//! load or return an error.

use proptest::prelude::*;
use tessera_mips::Program;

fn guests() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest/bin");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("guest/bin")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "elf"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    out.sort();
    assert!(out.len() >= 5, "the example guests are committed");
    out
}

/// Loads and, when it loads, checks the invariants the executor relies on.
fn load(bytes: &[u8]) {
    if let Ok(p) = Program::from_elf(bytes) {
        assert_eq!(p.entry % 4, 0);
        assert!(p.instruction(p.entry).is_some());
        for s in &p.segments {
            assert!(s.vaddr as u64 + s.mem_size as u64 <= tessera_mips::MEMORY_LIMIT as u64);
            assert!(s.data.len() <= s.mem_size as usize);
        }
        assert!(p
            .initial_words()
            .all(|(a, _)| a < tessera_mips::MEMORY_LIMIT));
    }
}

#[test]
fn every_example_guest_loads() {
    for g in guests() {
        Program::from_elf(&g).unwrap();
    }
}

#[test]
fn every_truncation_is_rejected_without_panicking() {
    for g in guests() {
        for len in 0..g.len() {
            load(&g[..len]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        load(&bytes);
    }

    #[test]
    fn random_bytes_behind_a_valid_ident_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..512)
    ) {
        let mut bytes = b"\x7fELF\x01\x01\x01\x00".to_vec();
        bytes.extend(tail);
        load(&bytes);
    }

    #[test]
    fn bit_flips_never_panic(
        which in 0usize..16,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..8)
    ) {
        let gs = guests();
        let mut g = gs[which % gs.len()].clone();
        for (index, bit) in flips {
            // Half the flips land in the headers, where they change structure.
            let span = if index.index(2) == 0 { 256.min(g.len()) } else { g.len() };
            let at = index.index(span);
            g[at] ^= 1 << bit;
        }
        load(&g);
    }

    #[test]
    fn header_fields_set_to_extremes_never_panic(
        field in 16usize..84,
        value in prop_oneof![Just(0u32), Just(u32::MAX), Just(0x8000_0000), any::<u32>()]
    ) {
        let gs = guests();
        let mut g = gs[0].clone();
        let end = (field + 4).min(g.len());
        g[field..end].copy_from_slice(&value.to_le_bytes()[..end - field]);
        load(&g);
    }
}

//! The core verifier never panics on a byte string: random bytes, random bytes behind a valid
//! header, and shard lengths that lie are all clear errors.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use tessera_machine::core_proof::{CoreVerifier, CORE_FORMAT_VERSION, CORE_MAGIC};
use tessera_mips::Program;
use tessera_stark::ConfigId;

/// One verifier for every case (its keys take a moment to build).
fn verifier() -> &'static CoreVerifier {
    static VERIFIER: OnceLock<CoreVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let elf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest/bin/fibonacci.elf");
        let program = Arc::new(Program::from_elf(&std::fs::read(elf).unwrap()).unwrap());
        CoreVerifier::new(program, ConfigId::InsecureTesting)
    })
}

fn header() -> Vec<u8> {
    let mut bytes = CORE_MAGIC.to_vec();
    bytes.extend_from_slice(&CORE_FORMAT_VERSION.to_le_bytes());
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_bytes_are_an_error_not_a_panic(
        body in prop::collection::vec(any::<u8>(), 0..512),
        with_header in any::<bool>(),
        claimed in any::<u64>(),
    ) {
        let verifier = verifier();
        let mut bytes = if with_header { header() } else { Vec::new() };
        bytes.extend_from_slice(&body);
        prop_assert!(verifier.verify_bytes(&bytes).is_err());
        // A shard length that claims more (or anything) than is there.
        let mut lying = header();
        lying.extend_from_slice(&claimed.to_le_bytes());
        lying.extend_from_slice(&body);
        prop_assert!(verifier.verify_bytes(&lying).is_err());
    }
}

#[test]
fn a_header_alone_holds_no_shard() {
    let err = verifier().verify_bytes(&header()).unwrap_err();
    assert!(err.to_string().contains("no shard"), "{err}");
}

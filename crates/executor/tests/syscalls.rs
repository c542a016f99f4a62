//! The guest ABI's syscalls: effects, results and every error they can raise.

use crate::common::*;
use tessera_executor::{
    keccak_sponge, poseidon2_permute, sha256_compress, sha256_extend, ExecErrorKind, Executor,
    ExecutorConfig,
};

fn sys(number: u32, a0: u32, a1: u32, a2: u32) -> Vec<u32> {
    let mut code = Vec::new();
    code.extend(li(4, a0));
    code.extend(li(5, a1));
    code.extend(li(6, a2));
    code.extend(li(2, number));
    code.push(SYSCALL);
    code
}

fn with_data(code: &[u32], data: &[(u32, u32)], inputs: Vec<Vec<u8>>, read: &[u32]) -> Run {
    run_with(
        code,
        Setup {
            data,
            inputs,
            read,
            ..Setup::default()
        },
    )
}

#[test]
fn halt_reports_the_exit_code() {
    let run = run(&sys(0, 3, 0, 0), &[]);
    assert_eq!(run.ok().result.as_ref().unwrap().exit_code, 3);
    // HALT stops at once: the trailing HALT never runs, so the cycle count is exact.
    assert_eq!(run.result.as_ref().unwrap().cycles, 9);
}

#[test]
fn write_routes_each_fd_and_is_binary_safe() {
    let data = [(DATA, 0xFF00_6968), (DATA + 4, 0x0000_0A21)]; // "hi\0\xff!\n"
    let mut code = sys(2, 1, DATA, 6);
    code.extend(sys(2, 2, DATA + 1, 3));
    code.extend(sys(2, 13, DATA, 2));
    code.extend(sys(2, 3, DATA + 4, 1));
    code.extend(sys(2, 14, DATA, 2));
    code.extend(sys(2, 7, DATA, 4)); // unknown fd: ignored
    code.extend(sys(2, 1, DATA, 0)); // empty write
    let run = with_data(&code, &data, vec![], &[]);
    run.ok();
    assert_eq!(run.stdout, b"hi\0\xff!\n");
    assert_eq!(run.stderr, b"i\0\xff");
    assert_eq!(run.public_values, b"hi!");
    assert_eq!(run.inputs_after, vec![b"hi".to_vec()]);
}

#[test]
fn write_out_of_range_fails() {
    let run = run(&sys(2, 1, 0x7EFF_FFFE, 4), &[]);
    assert_eq!(
        run.err().kind,
        ExecErrorKind::OutOfRange {
            addr: 0x7EFF_FFFE,
            len: 4
        }
    );
    assert!(run.err().to_string().contains("syscall"), "{}", run.err());
}

#[test]
fn input_is_read_in_order_and_checked() {
    // len -> t0, read into DATA; len -> t1, read into DATA + 16.
    let mut code = Vec::new();
    code.extend(li(2, 0xF0));
    code.push(SYSCALL);
    code.push(r(0, 2, 8, 0, 0x21)); // move t0, v0
    code.extend(sys(0xF1, DATA, 5, 0));
    code.extend(li(2, 0xF0));
    code.push(SYSCALL);
    code.push(r(0, 2, 9, 0, 0x21));
    code.extend(sys(0xF1, DATA + 16, 0, 0));
    let run = with_data(
        &code,
        &[(DATA, 0xEEEE_EEEE), (DATA + 4, 0xEEEE_EEEE)],
        vec![b"hello".to_vec(), vec![]],
        &[DATA, DATA + 4],
    );
    run.ok();
    assert_eq!((run.regs[8], run.regs[9]), (5, 0));
    // Bytes past the buffer's end keep their value.
    assert_eq!(run.words, vec![0x6C6C_6568, 0xEEEE_EE6F]);

    let no_input = run_with(&sys(0xF0, 0, 0, 0), Setup::default());
    assert_eq!(no_input.err().kind, ExecErrorKind::NotEnoughInput(0));
    assert!(no_input.err().to_string().contains("not enough input"));
    let too_far = with_data(
        &[sys(0xF1, DATA, 1, 0), sys(0xF1, DATA, 1, 0)].concat(),
        &[],
        vec![b"x".to_vec()],
        &[],
    );
    assert_eq!(too_far.err().kind, ExecErrorKind::NotEnoughInput(1));
    let wrong_len = with_data(&sys(0xF1, DATA, 4, 0), &[], vec![b"hello".to_vec()], &[]);
    assert_eq!(
        wrong_len.err().kind,
        ExecErrorKind::HintLengthMismatch {
            expected: 5,
            got: 4
        }
    );
    let unaligned = with_data(
        &sys(0xF1, DATA + 2, 5, 0),
        &[],
        vec![b"hello".to_vec()],
        &[],
    );
    assert_eq!(
        unaligned.err().kind,
        ExecErrorKind::Unaligned {
            addr: DATA + 2,
            size: 4
        }
    );
}

#[test]
fn commit_and_deferred_proofs() {
    let program = program(
        &[
            sys(0x10, 0, 0xAAAA, 0),
            sys(0x10, 7, 0xBBBB, 0),
            sys(0x1A, 3, 0xCCCC, 0),
            sys(0x1B, DATA, DATA + 32, 0),
            sys(0, 0, 0, 0),
        ]
        .concat(),
        &[(DATA, 1), (DATA + 28, 8), (DATA + 32, 0x0403_0201)],
    );
    let mut ex = Executor::new(&program, vec![], ExecutorConfig::default());
    ex.run_fast().unwrap();
    let io = ex.io();
    assert_eq!(io.committed_digest, [0xAAAA, 0, 0, 0, 0, 0, 0, 0xBBBB]);
    assert_eq!(io.deferred_proofs_digest[3], 0xCCCC);
    let (vk, digest) = io.verified_proofs[0];
    assert_eq!((vk[0], vk[7]), (1, 8));
    assert_eq!(digest[..4], [1, 2, 3, 4]);

    let bad = run(&sys(0x10, 8, 0, 0), &[]);
    assert!(matches!(
        bad.err().kind,
        ExecErrorKind::BadSyscallArgument(_)
    ));
}

#[test]
fn sha_precompiles_match_their_reference() {
    let block: Vec<u32> = (0..16u32).map(|i| i.wrapping_mul(0x9E37_79B9)).collect();
    let data: Vec<(u32, u32)> = block
        .iter()
        .enumerate()
        .map(|(i, &w)| (DATA + 4 * i as u32, w))
        .collect();
    let iv = [1u32, 2, 3, 4, 5, 6, 7, 8];
    // The state lives outside the data segment, in zeroed memory the code fills first.
    let state_addr = 0x2000_0000;
    let mut code = sys(0x3001_0005, DATA, 0, 0);
    code.extend(li(9, state_addr));
    for (k, &v) in iv.iter().enumerate() {
        code.extend(li(8, v));
        code.push(i(0x2B, 9, 8, 4 * k as i32));
    }
    code.extend(sys(0x0101_0006, DATA, state_addr, 0));
    let mut read: Vec<u32> = (0..64).map(|k| DATA + 4 * k).collect();
    read.extend((0..8).map(|k| state_addr + 4 * k));
    let sha = with_data(&code, &data, vec![], &read);
    sha.ok();
    let mut w = [0u32; 64];
    w[..16].copy_from_slice(&block);
    sha256_extend(&mut w);
    let mut state = iv;
    sha256_compress(&w, &mut state);
    assert_eq!(sha.words[..64], w);
    assert_eq!(sha.words[64..], state);

    let unaligned = run(&sys(0x3001_0005, DATA + 2, 0, 0), &[]);
    assert!(matches!(
        unaligned.err().kind,
        ExecErrorKind::Unaligned { .. }
    ));
}

#[test]
fn keccak_sponge_reads_its_length_and_rejects_partial_blocks() {
    // Empty message, Keccak-256 padded to 36 words at DATA; result at DATA + 144, length at +64.
    let result = DATA + 144;
    let mut data = vec![(DATA, 0x01), (DATA + 132, 0x8000_0000), (result + 64, 36)];
    data.sort();
    let read: Vec<u32> = (0..16).map(|k| result + 4 * k).collect();
    let run = with_data(&sys(0x0101_0009, DATA, result, 0), &data, vec![], &read);
    run.ok();
    let mut input = [0u32; 36];
    input[0] = 1;
    input[33] = 0x8000_0000;
    assert_eq!(run.words, keccak_sponge(&input).to_vec());
    assert_eq!(
        run.words[0], 0x0146_D2C5,
        "Keccak-256 of the empty string starts c5d24601"
    );

    let partial = with_data(
        &sys(0x0101_0009, DATA, result, 0),
        &[(result + 64, 35)],
        vec![],
        &[],
    );
    assert!(matches!(
        partial.err().kind,
        ExecErrorKind::BadSyscallArgument(_)
    ));
}

#[test]
fn poseidon2_permutes_in_place_and_checks_its_input() {
    let data: Vec<(u32, u32)> = (0..16).map(|k| (DATA + 4 * k, k)).collect();
    let read: Vec<u32> = (0..16).map(|k| DATA + 4 * k).collect();
    let permuted = with_data(&sys(0x0001_0030, DATA, 0, 0), &data, vec![], &read);
    permuted.ok();
    let input: [u32; 16] = std::array::from_fn(|k| k as u32);
    assert_eq!(permuted.words, poseidon2_permute(&input).unwrap().to_vec());

    let p = 0x7F00_0001;
    let bad = with_data(&sys(0x0001_0030, DATA, 0, 0), &[(DATA + 8, p)], vec![], &[]);
    assert!(matches!(
        bad.err().kind,
        ExecErrorKind::BadSyscallArgument(_)
    ));
    let bad_a1 = run(&sys(0x0001_0030, DATA, 1, 0), &[]);
    assert!(matches!(
        bad_a1.err().kind,
        ExecErrorKind::BadSyscallArgument(_)
    ));
}

#[test]
fn unknown_syscalls_fail_with_their_number() {
    for number in [0x01, 4001, 0xFFFF_FFFF] {
        let run = run(&sys(number, 0, 0, 0), &[]);
        assert_eq!(run.err().kind, ExecErrorKind::UnknownSyscall(number));
        assert!(run.err().to_string().contains(&format!("{number:#x}")));
    }
}

//! The MIPS machine: the chips that prove a shard of a Tessera run, each one module with its
//! columns, constraints, recording and trace generation (the chips' tests are in
//! `crates/machine/tests/`), tied together by the buses declared in [`bus`].
//!
//! [`shard`] turns a traced shard into the [`MachineRecord`] the chips' trace generators read,
//! [`bridge`] links a run's shards, and [`program`] proves and verifies whole runs as one core
//! proof of many shards. See `docs/machine.md` and `docs/shards.md`.

/// Lets a `#[repr(C)]` columns struct made only of `T`s be borrowed from a row slice.
#[macro_export]
macro_rules! borrow_row {
    ($cols:ident) => {
        impl<T> ::std::borrow::Borrow<$cols<T>> for [T] {
            fn borrow(&self) -> &$cols<T> {
                // SAFETY: the struct is `repr(C)` and made only of `T`s, so it has `T`'s
                // alignment and the layout of `[T; size_of::<$cols<u8>>()]`; the length is
                // checked.
                let (prefix, cols, suffix) = unsafe { self.align_to::<$cols<T>>() };
                assert!(prefix.is_empty() && suffix.is_empty() && cols.len() == 1);
                &cols[0]
            }
        }
        impl<T> ::std::borrow::BorrowMut<$cols<T>> for [T] {
            fn borrow_mut(&mut self) -> &mut $cols<T> {
                // SAFETY: as for `borrow`.
                let (prefix, cols, suffix) = unsafe { self.align_to_mut::<$cols<T>>() };
                assert!(prefix.is_empty() && suffix.is_empty() && cols.len() == 1);
                &mut cols[0]
            }
        }
    };
}

/// Declares a chip's public values: a `#[repr(C)]` struct made only of `T`s, borrowed from the
/// instance's public-values slice by the chip's AIR and by the verifier, and laid out as that
/// slice by the prover ([`to_vec`](#method.to_vec)).
#[macro_export]
macro_rules! public_values {
    ($values:ident) => {
        $crate::borrow_row!($values);
        impl<T: Copy> $values<T> {
            /// How many public values the struct holds.
            pub const COUNT: usize = ::std::mem::size_of::<$values<u8>>();

            /// The values in their order in the proof.
            pub fn to_vec(&self) -> Vec<T> {
                // SAFETY: the struct is `repr(C)` and made only of `COUNT` `T`s.
                unsafe {
                    ::std::slice::from_raw_parts(self as *const Self as *const T, Self::COUNT)
                }
                .to_vec()
            }
        }
    };
}

pub mod bridge;
pub mod bus;
pub mod chips;
pub mod core_proof;
pub mod gadgets;
pub mod program;
pub mod record;
pub mod shard;

pub use chips::{
    add_sub::AddSubChip,
    bit_field::BitFieldChip,
    bits::BitsChip,
    bitwise::BitwiseChip,
    bytes::ByteChip,
    cpu::CpuChip,
    div::DivChip,
    lt::LtChip,
    memory::{MemoryGlobalChip, MemoryShardChip},
    mul::MulChip,
    program::ProgramChip,
    shift::ShiftChip,
    MipsChip,
};
pub use record::MachineRecord;

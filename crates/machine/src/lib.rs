//! The MIPS machine: the chips that prove a shard of a Tessera run, each one module with its
//! columns, constraints, trace generation and tests, tied together by the buses declared in
//! [`bus`].
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

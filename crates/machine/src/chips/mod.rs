//! The machine's chips, one module each.

pub mod add_sub;
pub mod bit_field;
pub mod bits;
pub mod bitwise;
pub mod bytes;
pub mod cpu;
pub mod digest;
pub mod div;
pub mod global_sum;
pub mod hint;
pub mod image;
pub mod keccak_sponge;
pub mod lt;
pub mod memory;
pub mod mul;
pub mod poseidon2;
pub mod program;
pub mod sha_compress;
pub mod sha_extend;
pub mod shift;
pub mod syscall;

use crate::record::MachineRecord;

tessera_stark::machine_chips! {
    /// Every chip of the MIPS machine.
    pub enum MipsChip<MachineRecord> {
        Bytes(bytes::ByteChip),
        AddSub(add_sub::AddSubChip),
        Bitwise(bitwise::BitwiseChip),
        Lt(lt::LtChip),
        Mul(mul::MulChip),
        Div(div::DivChip),
        Shift(shift::ShiftChip),
        Bits(bits::BitsChip),
        BitField(bit_field::BitFieldChip),
        MemoryShard(memory::MemoryShardChip),
        MemoryGlobal(memory::MemoryGlobalChip),
        GlobalSum(global_sum::GlobalSumChip),
        Program(program::ProgramChip),
        Cpu(cpu::CpuChip),
        Syscall(syscall::SyscallChip),
        Hint(hint::HintChip),
        Digest(digest::DigestChip),
        ShaExtend(sha_extend::ShaExtendChip),
        ShaCompress(sha_compress::ShaCompressChip),
        ShaRoundConstants(sha_compress::constants::ShaRoundConstantsChip),
        KeccakSponge(keccak_sponge::KeccakSpongeChip),
        Poseidon2(poseidon2::Poseidon2Chip),
    }
}

/// The contract of `chip`, for the chip checker (`tessera-check`); every chip declares one.
pub fn contract(chip: &MipsChip) -> Option<tessera_stark::Contract> {
    use tessera_stark::HasContract;
    match chip {
        MipsChip::Bytes(c) => Some(c.contract()),
        MipsChip::AddSub(c) => Some(c.contract()),
        MipsChip::Bitwise(c) => Some(c.contract()),
        MipsChip::Lt(c) => Some(c.contract()),
        MipsChip::Mul(c) => Some(c.contract()),
        MipsChip::Div(c) => Some(c.contract()),
        MipsChip::Shift(c) => Some(c.contract()),
        MipsChip::Bits(c) => Some(c.contract()),
        MipsChip::BitField(c) => Some(c.contract()),
        MipsChip::MemoryShard(c) => Some(c.contract()),
        MipsChip::MemoryGlobal(c) => Some(c.contract()),
        MipsChip::GlobalSum(c) => Some(c.contract()),
        MipsChip::Program(c) => Some(c.contract()),
        MipsChip::Cpu(c) => Some(c.contract()),
        MipsChip::Syscall(c) => Some(c.contract()),
        MipsChip::Hint(c) => Some(c.contract()),
        MipsChip::Digest(c) => Some(c.contract()),
        MipsChip::ShaExtend(c) => Some(c.contract()),
        MipsChip::ShaCompress(c) => Some(c.contract()),
        MipsChip::ShaRoundConstants(c) => Some(c.contract()),
        MipsChip::KeccakSponge(c) => Some(c.contract()),
        MipsChip::Poseidon2(c) => Some(c.contract()),
    }
}

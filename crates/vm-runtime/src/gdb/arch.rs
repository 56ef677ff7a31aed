//! The RV64GC register file as GDB sees it: x0–x31, pc, f0–f31, fflags, frm and fcsr.
//!
//! `gdbstub_arch::riscv::Riscv64` describes only the integer registers, so this arch adds the
//! FP feature (`org.gnu.gdb.riscv.fpu`, GDB's own register numbers: f0 = 33, the FP CSRs at
//! 65 + CSR number) and reuses its register ids for single-register access.

use gdbstub::arch::{Arch, Registers};
use gdbstub_arch::riscv::reg::id::RiscvRegId;

/// RV64GC for gdbstub.
pub enum Rv64gc {}

/// The registers in the order of the `g` packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rv64Regs {
    /// x0–x31.
    pub x: [u64; 32],
    /// Program counter.
    pub pc: u64,
    /// f0–f31, raw (single-precision values NaN-boxed).
    pub f: [u64; 32],
    /// `fcsr` (fflags and frm are its fields).
    pub fcsr: u32,
}

impl Registers for Rv64Regs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.pc
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        let mut put = |bytes: &[u8]| bytes.iter().for_each(|&b| write_byte(Some(b)));
        for r in &self.x {
            put(&r.to_le_bytes());
        }
        put(&self.pc.to_le_bytes());
        for r in &self.f {
            put(&r.to_le_bytes());
        }
        put(&(self.fcsr & 0x1f).to_le_bytes()); // fflags
        put(&((self.fcsr >> 5) & 7).to_le_bytes()); // frm
        put(&self.fcsr.to_le_bytes());
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        // x, pc and f are required; the FP CSRs may be left out.
        if bytes.len() < 65 * 8 {
            return Err(());
        }
        let word = |i: usize| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        for (i, r) in self.x.iter_mut().enumerate() {
            *r = word(i);
        }
        self.pc = word(32);
        for (i, r) in self.f.iter_mut().enumerate() {
            *r = word(33 + i);
        }
        if let Some(fcsr) = bytes.get(65 * 8 + 8..65 * 8 + 12) {
            self.fcsr = u32::from_le_bytes(fcsr.try_into().expect("4 bytes"));
        }
        Ok(())
    }
}

impl Arch for Rv64gc {
    type Usize = u64;
    type Registers = Rv64Regs;
    type BreakpointKind = usize;
    type RegId = RiscvRegId<u64>;

    fn target_description_xml() -> Option<&'static str> {
        Some(include_str!("rv64gc.xml"))
    }
}

//! Machine-mode CSRs of an M-only RV64GC hart, trap entry and `mret`.

use vm_core::CpuState;
use vm_interp::{csr::apply, csr::user_csr, Exception};
use vm_ir::CsrOp;

/// CSR numbers of machine mode.
pub mod num {
    #![allow(missing_docs)]
    pub const MVENDORID: u16 = 0xf11;
    pub const MARCHID: u16 = 0xf12;
    pub const MIMPID: u16 = 0xf13;
    pub const MHARTID: u16 = 0xf14;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const MCYCLE: u16 = 0xb00;
    pub const MINSTRET: u16 = 0xb02;
}

const MSTATUS_MIE: u64 = 1 << 3;
const MSTATUS_MPIE: u64 = 1 << 7;
const MSTATUS_MPP: u64 = 3 << 11;
const MSTATUS_FS: u64 = 3 << 13;
const MSTATUS_SD: u64 = 1 << 63;
/// UXL = SXL = 2 (64-bit), read-only.
const MSTATUS_XL: u64 = (2 << 32) | (2 << 34);
/// Writable mstatus bits on this M-only hart (MPP is fixed to M).
const MSTATUS_WMASK: u64 = MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_FS;

/// `misa`: MXL = 64, extensions I M A F D C.
pub const MISA_VALUE: u64 = (2 << 62)
    | (1 << 0)   // A
    | (1 << 2)   // C
    | (1 << 3)   // D
    | (1 << 5)   // F
    | (1 << 8)   // I
    | (1 << 12); // M

/// Machine-mode CSR state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineCsrs {
    mstatus: u64,
    /// Trap vector (`mtvec`).
    pub mtvec: u64,
    /// Exception pc (`mepc`).
    pub mepc: u64,
    /// Trap cause (`mcause`).
    pub mcause: u64,
    /// Trap value (`mtval`).
    pub mtval: u64,
    mscratch: u64,
    mie: u64,
    mip: u64,
    medeleg: u64,
    mideleg: u64,
    /// `mcycle - instret`: lets software write mcycle.
    cycle_offset: u64,
    /// `minstret - instret`: lets software write minstret.
    instret_offset: u64,
}

impl Default for MachineCsrs {
    fn default() -> Self {
        MachineCsrs {
            mstatus: MSTATUS_MPP,
            mtvec: 0,
            mepc: 0,
            mcause: 0,
            mtval: 0,
            mscratch: 0,
            mie: 0,
            mip: 0,
            medeleg: 0,
            mideleg: 0,
            cycle_offset: 0,
            instret_offset: 0,
        }
    }
}

impl MachineCsrs {
    /// The full `mstatus` value (with the SD summary bit and read-only fields).
    pub fn mstatus(&self, cpu: &CpuState) -> u64 {
        let fs = (cpu.fs as u64 & 3) << 13;
        let sd = if fs == MSTATUS_FS { MSTATUS_SD } else { 0 };
        self.mstatus | fs | MSTATUS_MPP | MSTATUS_XL | sd
    }

    /// Perform a CSR access. `instret` is the number of instructions retired before this one.
    #[allow(clippy::too_many_arguments)]
    pub fn access(
        &mut self,
        cpu: &mut CpuState,
        instret: u64,
        csr: u16,
        op: CsrOp,
        src: u64,
        write: bool,
    ) -> Result<u64, Exception> {
        // Writes to read-only CSRs (number bits 11:10 == 0b11) are illegal.
        if write && csr >> 10 == 3 {
            return Err(Exception::illegal(0));
        }
        if matches!(csr, 0xc00..=0xc02) {
            // cycle/time/instret shadows: read-only views of the machine counters.
            return Ok(match csr {
                0xc00 => instret.wrapping_add(self.cycle_offset),
                0xc01 => instret,
                _ => instret.wrapping_add(self.instret_offset),
            });
        }
        if let Some(r) = user_csr(cpu, instret, csr, op, src, write) {
            return r;
        }
        use num::*;
        let old = match csr {
            MVENDORID | MARCHID | MIMPID | MHARTID => 0,
            MSTATUS => self.mstatus(cpu),
            MISA => MISA_VALUE,
            MEDELEG => self.medeleg,
            MIDELEG => self.mideleg,
            MIE => self.mie,
            MTVEC => self.mtvec,
            MSCRATCH => self.mscratch,
            MEPC => self.mepc,
            MCAUSE => self.mcause,
            MTVAL => self.mtval,
            MIP => self.mip,
            MCYCLE => instret.wrapping_add(self.cycle_offset),
            MINSTRET => instret.wrapping_add(self.instret_offset),
            _ => return Err(Exception::illegal(0)),
        };
        if write {
            let new = apply(op, old, src);
            match csr {
                MSTATUS => {
                    self.mstatus = new & MSTATUS_WMASK & !MSTATUS_FS;
                    cpu.fs = ((new & MSTATUS_FS) >> 13) as u8;
                }
                MISA => {} // WARL: extensions cannot be turned off.
                MEDELEG => self.medeleg = new & 0xb3ff,
                MIDELEG => self.mideleg = new & 0x222,
                MIE => self.mie = new & 0xaaa,
                MTVEC => self.mtvec = new & !2, // modes 0 (direct) and 1 (vectored)
                MSCRATCH => self.mscratch = new,
                MEPC => self.mepc = new & !1,
                MCAUSE => self.mcause = new,
                MTVAL => self.mtval = new,
                MIP => self.mip = (self.mip & !0x222) | (new & 0x222),
                // A write of the counter takes effect after this instruction retires.
                MCYCLE => self.cycle_offset = new.wrapping_sub(instret + 1),
                MINSTRET => self.instret_offset = new.wrapping_sub(instret + 1),
                _ => {}
            }
        }
        Ok(old)
    }

    /// Take an exception at `pc`: save state and return the handler's pc, or `None` when
    /// nothing is installed there (`mtvec` is zero).
    pub fn trap(&mut self, cause: u64, tval: u64, pc: u64) -> Option<u64> {
        if self.mtvec & !3 == 0 {
            return None;
        }
        self.mepc = pc;
        self.mcause = cause;
        self.mtval = tval;
        let mie = self.mstatus & MSTATUS_MIE != 0;
        self.mstatus &= !(MSTATUS_MIE | MSTATUS_MPIE);
        if mie {
            self.mstatus |= MSTATUS_MPIE;
        }
        // Exceptions always go to the base address, also in vectored mode.
        Some(self.mtvec & !3)
    }

    /// `mret`: restore the interrupt enable and return the pc to resume at.
    pub fn mret(&mut self) -> u64 {
        let mpie = self.mstatus & MSTATUS_MPIE != 0;
        self.mstatus &= !MSTATUS_MIE;
        if mpie {
            self.mstatus |= MSTATUS_MIE;
        }
        self.mstatus |= MSTATUS_MPIE;
        self.mepc
    }
}

/// Human name of a RISC-V exception cause.
pub fn cause_name(cause: u64) -> &'static str {
    match cause {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store/AMO address misaligned",
        7 => "store/AMO access fault",
        8 => "environment call from U-mode",
        9 => "environment call from S-mode",
        11 => "environment call from M-mode",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store/AMO page fault",
        _ => "exception",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_and_mret_move_interrupt_enable() {
        let mut c = MachineCsrs::default();
        let mut cpu = CpuState::default();
        assert_eq!(c.trap(2, 0, 0x8000_0000), None, "no handler installed");
        c.access(&mut cpu, 0, num::MTVEC, CsrOp::Rw, 0x8000_0100, true).unwrap();
        c.access(&mut cpu, 0, num::MSTATUS, CsrOp::Rs, MSTATUS_MIE, true).unwrap();
        assert_eq!(c.trap(11, 0, 0x8000_0040), Some(0x8000_0100));
        assert_eq!((c.mepc, c.mcause), (0x8000_0040, 11));
        assert_eq!(c.mstatus(&cpu) & (MSTATUS_MIE | MSTATUS_MPIE), MSTATUS_MPIE);
        assert_eq!(c.mret(), 0x8000_0040);
        assert_eq!(c.mstatus(&cpu) & (MSTATUS_MIE | MSTATUS_MPIE), MSTATUS_MIE | MSTATUS_MPIE);
    }

    #[test]
    fn read_only_and_unknown_csrs_are_illegal() {
        let mut c = MachineCsrs::default();
        let mut cpu = CpuState::default();
        assert!(c.access(&mut cpu, 0, num::MHARTID, CsrOp::Rw, 1, true).is_err());
        assert_eq!(c.access(&mut cpu, 0, num::MHARTID, CsrOp::Rs, 0, false), Ok(0));
        assert!(c.access(&mut cpu, 0, 0x7c0, CsrOp::Rs, 0, false).is_err());
        assert_eq!(c.access(&mut cpu, 0, num::MISA, CsrOp::Rs, 0, false), Ok(MISA_VALUE));
    }

    #[test]
    fn counters_follow_instret_and_accept_writes() {
        let mut c = MachineCsrs::default();
        let mut cpu = CpuState::default();
        assert_eq!(c.access(&mut cpu, 10, num::MINSTRET, CsrOp::Rs, 0, false), Ok(10));
        c.access(&mut cpu, 10, num::MINSTRET, CsrOp::Rw, 100, true).unwrap();
        assert_eq!(c.access(&mut cpu, 11, num::MINSTRET, CsrOp::Rs, 0, false), Ok(100));
        assert_eq!(c.access(&mut cpu, 11, 0xc02, CsrOp::Rs, 0, false), Ok(100));
    }
}

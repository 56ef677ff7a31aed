//! CSR access from IR: the [`CsrHandler`] trait and the user-level handler [`UserCsrs`].

use vm_core::CpuState;
use vm_ir::CsrOp;

use crate::exec::Exception;

/// RISC-V CSR numbers used by more than one crate.
pub mod num {
    /// Accrued FP exception flags.
    pub const FFLAGS: u16 = 0x001;
    /// FP dynamic rounding mode.
    pub const FRM: u16 = 0x002;
    /// FP control and status (frm + fflags).
    pub const FCSR: u16 = 0x003;
    /// Cycle counter (read-only shadow).
    pub const CYCLE: u16 = 0xc00;
    /// Timer (read-only shadow).
    pub const TIME: u16 = 0xc01;
    /// Instructions-retired counter (read-only shadow).
    pub const INSTRET: u16 = 0xc02;
}

/// Performs CSR accesses for the interpreter.
///
/// The FP CSRs (`fflags`, `frm`, `fcsr`) are hart state with fixed rules ([`user_csr`]): a
/// handler must give them those rules (the JIT compiles their accesses inline and does not
/// call the handler for them).
pub trait CsrHandler {
    /// Access CSR `csr` for the op at `op_index` of the running block: return the old value
    /// (only meaningful when `read`), and, when `write`, store the new value computed from
    /// `op` and `src`. An inaccessible CSR is an illegal-instruction [`Exception`].
    #[allow(clippy::too_many_arguments)]
    fn csr(
        &mut self,
        cpu: &mut CpuState,
        op_index: usize,
        csr: u16,
        op: CsrOp,
        src: u64,
        read: bool,
        write: bool,
    ) -> Result<u64, Exception>;
}

/// New CSR value for a read-modify-write.
pub fn apply(op: CsrOp, old: u64, src: u64) -> u64 {
    match op {
        CsrOp::Rw => src,
        CsrOp::Rs => old | src,
        CsrOp::Rc => old & !src,
    }
}

/// Accesses to the CSRs every privilege level has: `fflags`, `frm`, `fcsr` and the read-only
/// counters, which read `instret` (the instructions retired before the accessing one). Returns
/// `None` for any other CSR so a machine can layer its own on top.
pub fn user_csr(
    cpu: &mut CpuState,
    instret: u64,
    csr: u16,
    op: CsrOp,
    src: u64,
    write: bool,
) -> Option<Result<u64, Exception>> {
    if matches!(csr, num::FFLAGS | num::FRM | num::FCSR) {
        if cpu.fs == 0 {
            return Some(Err(Exception::illegal(0)));
        }
        if write {
            cpu.fs = 3;
        }
    }
    let old = match csr {
        num::FFLAGS => cpu.fflags as u64,
        num::FRM => cpu.frm as u64,
        num::FCSR => cpu.fcsr(),
        num::CYCLE | num::TIME | num::INSTRET => {
            if write {
                return Some(Err(Exception::illegal(0)));
            }
            instret
        }
        _ => return None,
    };
    if write {
        let new = apply(op, old, src);
        match csr {
            num::FFLAGS => cpu.fflags = (new & 0x1f) as u8,
            num::FRM => cpu.frm = (new & 7) as u8,
            _ => cpu.set_fcsr(new),
        }
    }
    Some(Ok(old))
}

/// A CSR handler with only the user-level CSRs ([`user_csr`]); everything else is illegal.
#[derive(Default, Debug, Clone, Copy)]
pub struct UserCsrs;

impl CsrHandler for UserCsrs {
    fn csr(
        &mut self,
        cpu: &mut CpuState,
        _op_index: usize,
        csr: u16,
        op: CsrOp,
        src: u64,
        _read: bool,
        write: bool,
    ) -> Result<u64, Exception> {
        user_csr(cpu, cpu.instret, csr, op, src, write).unwrap_or(Err(Exception::illegal(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcsr_views_share_state() {
        let mut cpu = CpuState::default();
        let mut h = UserCsrs;
        h.csr(&mut cpu, 0, num::FCSR, CsrOp::Rw, 0xe5, false, true).unwrap();
        assert_eq!(h.csr(&mut cpu, 0, num::FRM, CsrOp::Rs, 0, true, false).unwrap(), 7);
        assert_eq!(h.csr(&mut cpu, 0, num::FFLAGS, CsrOp::Rc, 1, true, true).unwrap(), 5);
        assert_eq!(cpu.fcsr(), 0xe4);
        assert!(h.csr(&mut cpu, 0, num::INSTRET, CsrOp::Rw, 1, true, true).is_err());
        assert!(h.csr(&mut cpu, 0, 0x300, CsrOp::Rs, 0, true, false).is_err());
    }
}

//! Floating-point ops: operand plumbing around `vm-fpu`, which holds the arithmetic.

use vm_core::CpuState;
use vm_fpu::FpResult;
use vm_ir::{IROp, Rm};

use crate::exec::Exception;

/// Resolve a rounding mode; `dyn` reads `frm`, whose reserved values are illegal.
#[inline]
fn rm(cpu: &CpuState, rm: Rm) -> Result<u8, Exception> {
    match rm {
        Rm::Dyn if cpu.frm <= 4 => Ok(cpu.frm),
        Rm::Dyn => Err(Exception::illegal(0)),
        r => Ok(r as u8),
    }
}

/// FP instructions and CSRs are illegal while `mstatus.FS` is off.
#[inline(always)]
pub(crate) fn enabled(cpu: &CpuState) -> Result<(), Exception> {
    if cpu.fs == 0 {
        Err(Exception::illegal(0))
    } else {
        Ok(())
    }
}

/// Write an FP result and accrue its flags.
#[inline]
fn set(cpu: &mut CpuState, fd: u8, r: FpResult) {
    cpu.f[fd as usize] = r.value;
    cpu.fflags |= r.flags;
}

/// Execute one FP op (every op `exec` does not handle itself).
pub(crate) fn step(cpu: &mut CpuState, op: &IROp) -> Result<(), Exception> {
    use IROp::*;
    enabled(cpu)?;
    // Every FP op but the ones that only read FP state marks the unit dirty (as QEMU does).
    if !matches!(op, FMvToInt { .. } | FClass { .. }) {
        cpu.fs = 3;
    }
    macro_rules! f {
        ($r:expr) => {
            cpu.f[$r.0 as usize]
        };
    }
    match op {
        FAdd { fmt, fd, a, b, rm: m } => {
            let r = vm_fpu::add(*fmt, f!(a), f!(b), rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FSub { fmt, fd, a, b, rm: m } => {
            let r = vm_fpu::sub(*fmt, f!(a), f!(b), rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FMul { fmt, fd, a, b, rm: m } => {
            let r = vm_fpu::mul(*fmt, f!(a), f!(b), rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FDiv { fmt, fd, a, b, rm: m } => {
            let r = vm_fpu::div(*fmt, f!(a), f!(b), rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FSqrt { fmt, fd, a, rm: m } => {
            let r = vm_fpu::sqrt(*fmt, f!(a), rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FMin { fmt, fd, a, b } => {
            let r = vm_fpu::min(*fmt, f!(a), f!(b));
            set(cpu, fd.0, r)
        }
        FMax { fmt, fd, a, b } => {
            let r = vm_fpu::max(*fmt, f!(a), f!(b));
            set(cpu, fd.0, r)
        }
        FSgnj { fmt, fd, a, b } => f!(fd) = vm_fpu::sgnj(*fmt, f!(a), f!(b)),
        FSgnjn { fmt, fd, a, b } => f!(fd) = vm_fpu::sgnjn(*fmt, f!(a), f!(b)),
        FSgnjx { fmt, fd, a, b } => f!(fd) = vm_fpu::sgnjx(*fmt, f!(a), f!(b)),
        FMadd { fmt, fd, a, b, c, rm: m } => {
            let r = vm_fpu::fma(*fmt, f!(a), f!(b), f!(c), false, false, rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FMsub { fmt, fd, a, b, c, rm: m } => {
            let r = vm_fpu::fma(*fmt, f!(a), f!(b), f!(c), false, true, rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FNmsub { fmt, fd, a, b, c, rm: m } => {
            let r = vm_fpu::fma(*fmt, f!(a), f!(b), f!(c), true, false, rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FNmadd { fmt, fd, a, b, c, rm: m } => {
            let r = vm_fpu::fma(*fmt, f!(a), f!(b), f!(c), true, true, rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FEq { fmt, rd, a, b } => {
            let (v, fl) = vm_fpu::eq(*fmt, f!(a), f!(b));
            cpu.x[rd.0 as usize] = v as u64;
            cpu.fflags |= fl;
        }
        FLt { fmt, rd, a, b } => {
            let (v, fl) = vm_fpu::lt(*fmt, f!(a), f!(b));
            cpu.x[rd.0 as usize] = v as u64;
            cpu.fflags |= fl;
        }
        FLe { fmt, rd, a, b } => {
            let (v, fl) = vm_fpu::le(*fmt, f!(a), f!(b));
            cpu.x[rd.0 as usize] = v as u64;
            cpu.fflags |= fl;
        }
        FClass { fmt, rd, a } => cpu.x[rd.0 as usize] = vm_fpu::classify(*fmt, f!(a)),
        FCvtToInt { fmt, kind, rd, a, rm: m } => {
            let r = vm_fpu::to_int(*fmt, *kind, f!(a), rm(cpu, *m)?);
            cpu.x[rd.0 as usize] = r.value;
            cpu.fflags |= r.flags;
        }
        FCvtFromInt { fmt, kind, fd, rs, rm: m } => {
            let r = vm_fpu::from_int(*fmt, *kind, cpu.x[rs.0 as usize], rm(cpu, *m)?);
            set(cpu, fd.0, r)
        }
        FCvtFF { to, fd, a, rm: m } => {
            let mode = rm(cpu, *m)?;
            let r = match to {
                vm_ir::Fmt::S => vm_fpu::cvt_s_d(f!(a), mode),
                vm_ir::Fmt::D => vm_fpu::cvt_d_s(f!(a), mode),
            };
            set(cpu, fd.0, r)
        }
        FMvToInt { fmt, rd, a } => cpu.x[rd.0 as usize] = vm_fpu::mv_to_int(*fmt, f!(a)),
        FMvFromInt { fmt, fd, rs } => f!(fd) = vm_fpu::mv_from_int(*fmt, cpu.x[rs.0 as usize]),
        // Integer, memory and CSR ops are handled in `exec`; reaching here is a bug there.
        other => unreachable!("integer op {other} routed to the FP unit"),
    }
    Ok(())
}

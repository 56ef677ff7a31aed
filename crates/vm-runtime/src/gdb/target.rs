//! The gdbstub [`Target`] over a machine: registers, memory, resume and step, breakpoints and
//! watchpoints, mapped onto [`crate::debug`].

use gdbstub::common::Signal;
use gdbstub::target::ext::auxv::{Auxv, AuxvOps};
use gdbstub::target::ext::base::single_register_access::{SingleRegisterAccess, SingleRegisterAccessOps};
use gdbstub::target::ext::base::singlethread::{
    SingleThreadBase, SingleThreadResume, SingleThreadResumeOps, SingleThreadSingleStep,
    SingleThreadSingleStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps, SwBreakpoint,
    SwBreakpointOps, WatchKind as GdbWatch,
};
use gdbstub::target::{Target, TargetError, TargetResult};
use gdbstub_arch::riscv::reg::id::RiscvRegId;
use vm_core::VmError;

use super::arch::{Rv64Regs, Rv64gc};
use super::Debuggable;
use crate::debug::{self, Watch, WatchKind};

/// What the debugger asked the guest to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Continue,
    Step,
}

/// A machine being debugged, and the debugger's view of it.
pub(crate) struct GdbTarget<'a, M: Debuggable> {
    pub m: &'a mut M,
    pub watches: Vec<Watch>,
    pub action: Action,
    /// The next resume starts at the pc the guest stopped at (run it even if it is a
    /// breakpoint); cleared once the guest has moved.
    pub fresh_resume: bool,
    /// How the machine ended, once it has.
    pub outcome: Option<M::Outcome>,
    /// On the next resume, deliver (true) or drop (false) a fault held for gdb.
    pub pending_signal: Option<bool>,
    /// The auxiliary vector at attach time.
    auxv: Option<Vec<u8>>,
    /// The host process that talks to gdb; a guest fork makes a child process that must not.
    pub pid: u32,
    /// Set in a forked child: it leaves the session without a word to gdb.
    pub forked: bool,
}

impl<'a, M: Debuggable> GdbTarget<'a, M> {
    pub fn new(m: &'a mut M, watches: Vec<Watch>) -> Self {
        let auxv = m.auxv();
        GdbTarget {
            m,
            watches,
            action: Action::Continue,
            fresh_resume: false,
            outcome: None,
            pending_signal: None,
            auxv,
            pid: std::process::id(),
            forked: false,
        }
    }
}

impl<M: Debuggable> GdbTarget<'_, M> {
    /// gdb resumes with `signal` (it passes back a fault's signal unless told `signal 0`):
    /// a held fault is delivered if it is the one passed, dropped otherwise. Other signals
    /// cannot be injected.
    fn note_signal(&mut self, signal: Option<Signal>) {
        if let Some(held) = self.m.held_signal() {
            self.pending_signal = Some(signal == Some(Signal(held)));
        } else if let Some(s) = signal {
            tracing::debug!("gdb resumes with signal {s}: not delivered (no fault is held)");
        }
    }
}

impl<M: Debuggable> Target for GdbTarget<'_, M> {
    type Arch = Rv64gc;
    type Error = VmError;

    #[inline(always)]
    fn base_ops(&mut self) -> BaseOps<'_, Rv64gc, VmError> {
        BaseOps::SingleThread(self)
    }

    #[inline(always)]
    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_auxv(&mut self) -> Option<AuxvOps<'_, Self>> {
        Some(self)
    }
}

impl<M: Debuggable> Auxv for GdbTarget<'_, M> {
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let data = self.auxv.as_deref().unwrap_or(&[]);
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(data.len());
        let n = length.min(buf.len()).min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }
}

impl<M: Debuggable> SingleThreadBase for GdbTarget<'_, M> {
    fn read_registers(&mut self, regs: &mut Rv64Regs) -> TargetResult<(), Self> {
        let cpu = &*self.m.parts().cpu;
        regs.x.copy_from_slice(&cpu.x[..32]);
        regs.pc = cpu.pc;
        regs.f = cpu.f;
        regs.fcsr = cpu.fcsr() as u32;
        Ok(())
    }

    fn write_registers(&mut self, regs: &Rv64Regs) -> TargetResult<(), Self> {
        let cpu = &mut *self.m.parts().cpu;
        cpu.x[1..32].copy_from_slice(&regs.x[1..]);
        cpu.pc = regs.pc;
        cpu.f = regs.f;
        cpu.set_fcsr(u64::from(regs.fcsr));
        Ok(())
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8]) -> TargetResult<usize, Self> {
        Ok(self.m.read_mem(start, data))
    }

    fn write_addrs(&mut self, start: u64, data: &[u8]) -> TargetResult<(), Self> {
        if self.m.write_mem(start, data) {
            Ok(())
        } else {
            Err(TargetError::Errno(14)) // EFAULT
        }
    }

    #[inline(always)]
    fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, (), Self>> {
        Some(self)
    }
}

impl<M: Debuggable> SingleRegisterAccess<()> for GdbTarget<'_, M> {
    fn read_register(&mut self, _tid: (), reg: RiscvRegId<u64>, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let cpu = &*self.m.parts().cpu;
        let (value, size) = match reg {
            RiscvRegId::Gpr(i) => (cpu.x[usize::from(i)], 8),
            RiscvRegId::Pc => (cpu.pc, 8),
            RiscvRegId::Fpr(i) => (cpu.f[usize::from(i)], 8),
            RiscvRegId::Csr(1) => (u64::from(cpu.fflags), 4),
            RiscvRegId::Csr(2) => (u64::from(cpu.frm), 4),
            RiscvRegId::Csr(3) => (cpu.fcsr(), 4),
            _ => return Err(TargetError::Errno(2)), // not a register this VM shows
        };
        let n = size.min(buf.len());
        buf[..n].copy_from_slice(&value.to_le_bytes()[..n]);
        Ok(n)
    }

    fn write_register(&mut self, _tid: (), reg: RiscvRegId<u64>, val: &[u8]) -> TargetResult<(), Self> {
        let mut bytes = [0u8; 8];
        let n = val.len().min(8);
        bytes[..n].copy_from_slice(&val[..n]);
        let v = u64::from_le_bytes(bytes);
        let cpu = &mut *self.m.parts().cpu;
        match reg {
            RiscvRegId::Gpr(0) => {} // x0 stays zero
            RiscvRegId::Gpr(i) if i < 32 => cpu.x[usize::from(i)] = v,
            RiscvRegId::Pc => cpu.pc = v,
            RiscvRegId::Fpr(i) if i < 32 => cpu.f[usize::from(i)] = v,
            RiscvRegId::Csr(1) => cpu.fflags = (v & 0x1f) as u8,
            RiscvRegId::Csr(2) => cpu.frm = (v & 7) as u8,
            RiscvRegId::Csr(3) => cpu.set_fcsr(v),
            _ => return Err(TargetError::Errno(2)),
        }
        Ok(())
    }
}

impl<M: Debuggable> SingleThreadResume for GdbTarget<'_, M> {
    fn resume(&mut self, signal: Option<Signal>) -> Result<(), VmError> {
        self.note_signal(signal);
        self.action = Action::Continue;
        self.fresh_resume = true;
        Ok(())
    }

    #[inline(always)]
    fn support_single_step(&mut self) -> Option<SingleThreadSingleStepOps<'_, Self>> {
        Some(self)
    }
}

impl<M: Debuggable> SingleThreadSingleStep for GdbTarget<'_, M> {
    fn step(&mut self, signal: Option<Signal>) -> Result<(), VmError> {
        self.note_signal(signal);
        self.action = Action::Step;
        self.fresh_resume = true;
        Ok(())
    }
}

impl<M: Debuggable> Breakpoints for GdbTarget<'_, M> {
    #[inline(always)]
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

// Software and hardware breakpoints are the same thing here: the VM stops in front of the
// address without touching guest memory.
impl<M: Debuggable> SwBreakpoint for GdbTarget<'_, M> {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        debug::set_breakpoint(self.m, addr, true);
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(debug::set_breakpoint(self.m, addr, false))
    }
}

impl<M: Debuggable> HwBreakpoint for GdbTarget<'_, M> {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        debug::set_breakpoint(self.m, addr, true);
        Ok(true)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(debug::set_breakpoint(self.m, addr, false))
    }
}

fn watch_kind(kind: GdbWatch) -> WatchKind {
    match kind {
        GdbWatch::Write => WatchKind::Write,
        GdbWatch::Read => WatchKind::Read,
        GdbWatch::ReadWrite => WatchKind::Access,
    }
}

impl<M: Debuggable> HwWatchpoint for GdbTarget<'_, M> {
    fn add_hw_watchpoint(&mut self, addr: u64, len: u64, kind: GdbWatch) -> TargetResult<bool, Self> {
        if len == 0 {
            return Ok(false);
        }
        self.watches.push(Watch { addr, len, kind: watch_kind(kind) });
        Ok(true)
    }

    fn remove_hw_watchpoint(&mut self, addr: u64, len: u64, kind: GdbWatch) -> TargetResult<bool, Self> {
        let w = Watch { addr, len, kind: watch_kind(kind) };
        match self.watches.iter().position(|x| *x == w) {
            Some(i) => {
                self.watches.remove(i);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

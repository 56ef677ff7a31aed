//! Linux user mode: a RISC-V 64 Linux process on the shared run loop. What `vm run` runs, and
//! what `qemu-riscv64` is the oracle for.
//!
//! Block exits map to the kernel's work: `ecall` → [`vm_linux::syscall::dispatch`]; memory
//! faults, illegal instructions and `ebreak` → SIGSEGV/SIGBUS/SIGILL/SIGTRAP through
//! [`vm_linux::signal`]; `fence.i`, `execve` and unmapping code drop translations.

use std::path::{Path, PathBuf};
use std::time::Instant;

use vm_core::{CpuState, GetStats, VmConfig, VmError, VmStats};
use vm_frontend::riscv64::lift::InsnMark;
use vm_interp::{csr::user_csr, Exception, Exit};
use vm_ir::{CsrOp, Terminator};
use vm_linux::{signal, syscall, Process, SyscallAction};
use vm_mem::AddressSpace;

use crate::cache::BlockCache;
use crate::engine::{self, insn_of_op, Csrs, Machine, Parts};
use crate::profile::Profiler;
use crate::tier::{engine_name, Tiering};
use crate::trace::Tracer;

/// How a guest process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessExit {
    /// exit/exit_group with this status.
    Exited(i32),
    /// Killed by this signal (its default action).
    Killed(i32),
}

impl ProcessExit {
    /// The status a shell reports: the exit status, or 128 + signal.
    pub fn shell_status(self) -> i32 {
        match self {
            ProcessExit::Exited(c) => c & 0xff,
            ProcessExit::Killed(s) => 128 + s,
        }
    }
}

/// User-level counters: `cycle`, `time`, `instret` (read-only) and the FP CSRs.
#[derive(Default)]
pub struct UserCounters;

impl Csrs for UserCounters {
    fn access(
        &mut self,
        cpu: &mut CpuState,
        instret: u64,
        csr: u16,
        op: CsrOp,
        src: u64,
        write: bool,
    ) -> Result<u64, Exception> {
        user_csr(cpu, instret, csr, op, src, write).unwrap_or(Err(Exception::illegal(0)))
    }
}

/// System calls after which translated code may be stale: munmap, mremap, mprotect.
const CODE_CHANGING_SYSCALLS: [u64; 3] = [215, 216, 226];
/// riscv_flush_icache: what glibc's `__builtin___clear_cache` calls; acts as `fence.i`.
const RISCV_FLUSH_ICACHE: u64 = 259;
/// mmap, which can replace existing pages (and so code) only with MAP_FIXED.
const MMAP: u64 = 222;
const MAP_FIXED: u64 = 0x10;
/// clone and clone3, which may fork the host process.
const CLONE: u64 = 220;
const CLONE3: u64 = 435;

/// A guest process and its engine.
pub struct UserMode {
    /// The process (registers, memory, signals).
    pub process: Process,
    counters: UserCounters,
    cache: BlockCache,
    max_insns: Option<u64>,
    tracer: Option<Tracer>,
    stats: VmStats,
    tier: Option<Tiering>,
    /// Under a debugger: synchronous faults stop the guest before delivery, as under ptrace.
    stop_on_faults: bool,
    /// A fault held for the debugger: (signal, si_code, si_addr).
    held_fault: Option<(i32, i32, u64)>,
    /// The auxiliary vector, read from the initial stack when a debugger attaches.
    auxv: Option<Vec<u8>>,
    profiler: Option<Profiler>,
}

impl UserMode {
    /// A process with nothing loaded, for `config` (engine, limits, trace) and an optional
    /// guest root for the ELF interpreter and absolute paths (`-L`).
    pub fn new(config: &VmConfig, sysroot: Option<PathBuf>) -> Result<Self, VmError> {
        if config.guest_arch != vm_core::GuestArch::Riscv64 {
            return Err(VmError::Unsupported(
                "x86-64 guests run only in accelerated mode (vm_accel::x86::run_program, `vm run --arch x86_64 --mode accel`)".into(),
            ));
        }
        Ok(UserMode {
            process: Process::new(sysroot)?,
            counters: UserCounters,
            cache: BlockCache::with_dump(crate::dump::Dumper::open(&config.dump)?),
            max_insns: config.max_insns,
            tracer: if config.trace { Some(Tracer::new(Box::new(std::io::stderr()))) } else { None },
            stats: VmStats { engine: engine_name(config.exec_mode).into(), ..Default::default() },
            tier: Tiering::for_config(config)?,
            stop_on_faults: false,
            held_fault: None,
            auxv: None,
            profiler: None,
        })
    }

    /// Load the program at host path `path` with `argv` (argv[0] included) and `envp`.
    pub fn load(&mut self, path: &Path, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<(), VmError> {
        vm_linux::loader::exec(&mut self.process, path, argv, envp)?;
        self.loaded();
        engine::flush_all(&mut self.cache, self.tier.as_mut())
    }

    /// [`UserMode::load`] from an image already in memory (`path` names it in errors and
    /// becomes the executable's path).
    pub fn load_bytes(
        &mut self,
        path: &Path,
        bytes: &[u8],
        argv: &[Vec<u8>],
        envp: &[Vec<u8>],
    ) -> Result<(), VmError> {
        vm_linux::loader::load_image(&mut self.process, path, bytes, argv, envp)?;
        self.loaded();
        engine::flush_all(&mut self.cache, self.tier.as_mut())
    }

    /// Profile the process from now on: a sample every `interval` retired instructions (see
    /// [`crate::profile`]); [`UserMode::profiler`] has the samples.
    pub fn enable_profiling(&mut self, interval: u64) {
        let mut p = Profiler::new(interval);
        p.set_process(&self.process);
        self.profiler = Some(p);
    }

    /// The profiler, if [`UserMode::enable_profiling`] was called.
    pub fn profiler(&self) -> Option<&Profiler> {
        self.profiler.as_ref()
    }

    /// A new program image is in place (load or execve): the profiler names its functions.
    fn loaded(&mut self) {
        if let Some(p) = self.profiler.as_mut() {
            p.set_process(&self.process);
        }
    }

    /// Run the process until it exits, is killed, or the VM stops on an error.
    pub fn run(&mut self) -> Result<ProcessExit, VmError> {
        signal::install_host_handlers();
        let start = Instant::now();
        let r = engine::run(self, self.max_insns);
        self.cache.flush_dump();
        self.stats.wall_time += start.elapsed();
        r
    }

    /// Wait for gdb on `listener` (see [`crate::gdb::listen`]) before the first instruction,
    /// then run the process under it until it exits or is killed; if gdb detaches or goes
    /// away, the process runs on to its end.
    pub fn run_gdb(&mut self, listener: std::net::TcpListener) -> Result<ProcessExit, VmError> {
        let start = Instant::now();
        let r = crate::gdb::serve(self, listener);
        self.stats.wall_time += start.elapsed();
        r
    }

    /// Deliver a synchronous fault as `sig`; `None` = the guest handles it and continues.
    fn fault(&mut self, sig: i32, code: i32, addr: u64, pc: u64) -> Option<ProcessExit> {
        self.stats.traps += 1;
        self.process.cpu.pc = pc;
        self.process.cpu.reservation = None;
        if self.stop_on_faults {
            // The debugger sees the faulting instruction first; it delivers or drops the signal.
            self.held_fault = Some((sig, code, addr));
            return None;
        }
        self.deliver_fault(sig, code, addr)
    }

    /// Raise a synchronous fault as `sig` in the guest.
    fn deliver_fault(&mut self, sig: i32, code: i32, addr: u64) -> Option<ProcessExit> {
        match signal::raise_fault(&mut self.process, sig, code, addr) {
            Some(SyscallAction::Killed(s)) => Some(ProcessExit::Killed(s)),
            Some(SyscallAction::Exit(c)) => Some(ProcessExit::Exited(c)),
            _ => None,
        }
    }

    /// SIGSEGV code for an access to `addr`: mapped but not permitted, or not mapped.
    fn segv_code(mem: &AddressSpace, addr: u64) -> i32 {
        if mem.prot_of(addr).is_some() {
            2 // SEGV_ACCERR
        } else {
            1 // SEGV_MAPERR
        }
    }

    fn syscall(&mut self, pc: u64) -> Result<Option<ProcessExit>, VmError> {
        let nr = self.process.cpu.x[17];
        // Decided before the call (which overwrites a0); a non-fixed mmap only fills free
        // ranges, so malloc's large allocations do not throw translations away. The range is
        // [a0, a0 + a1) for all of them (mremap: the old range; its new one was free or is
        // covered by the result check below).
        let may_change_code =
            CODE_CHANGING_SYSCALLS.contains(&nr) || (nr == MMAP && self.process.cpu.x[13] & MAP_FIXED != 0);
        let (a0, a1, a2) = (self.process.cpu.x[10], self.process.cpu.x[11], self.process.cpu.x[12]);
        self.process.cpu.pc = pc;
        if nr == CLONE || nr == CLONE3 {
            // A forked child must not write the parent's buffered dump lines again, nor find
            // a compiler thread it does not have.
            self.cache.flush_dump();
            if let Some(t) = self.tier.as_mut() {
                t.stop_compiler(&mut self.cache);
            }
        }
        let action = syscall::dispatch(&mut self.process);
        // The ecall retired (execve starts a new count only in the guest's eyes).
        self.process.cpu.instret += 1;
        if nr == RISCV_FLUSH_ICACHE {
            engine::fence_i(&mut self.process.mem, &mut self.cache, self.tier.as_mut())?;
        }
        if may_change_code {
            let page_up = |len: u64| len.saturating_add(4095) & !4095;
            let ranges =
                [(a0, page_up(a1)), (self.process.cpu.x[10], if nr == 216 { page_up(a2) } else { 0 })];
            for (lo, len) in ranges {
                if len > 0 {
                    engine::invalidate(&mut self.cache, self.tier.as_mut(), lo, lo.saturating_add(len));
                }
            }
        }
        Ok(match action {
            SyscallAction::Continue => None,
            SyscallAction::Exit(c) => Some(ProcessExit::Exited(c)),
            SyscallAction::Killed(s) => Some(ProcessExit::Killed(s)),
            SyscallAction::Exec => {
                self.loaded();
                engine::flush_all(&mut self.cache, self.tier.as_mut())?;
                None
            }
        })
    }
}

impl Machine for UserMode {
    type Mem = AddressSpace;
    type Csrs = UserCounters;
    type Outcome = ProcessExit;

    fn parts(&mut self) -> Parts<'_, AddressSpace, UserCounters> {
        Parts {
            cpu: &mut self.process.cpu,
            mem: &mut self.process.mem,
            csrs: &mut self.counters,
            cache: &mut self.cache,
            stats: &mut self.stats,
            tracer: self.tracer.as_mut(),
            tier: self.tier.as_mut(),
        }
    }

    #[inline(always)]
    fn wants_attention(_mem: &AddressSpace) -> bool {
        signal::host_signal_pending()
    }

    fn stop_word(_mem: &mut AddressSpace, stop_at: u64) -> *const u64 {
        signal::JIT_STOP.store(stop_at, std::sync::atomic::Ordering::Release);
        signal::JIT_STOP.as_ptr()
    }

    fn held_signal(&self) -> Option<u8> {
        self.held_fault.map(|(sig, _, _)| sig as u8)
    }

    fn profile(&mut self) -> Option<u64> {
        let p = self.profiler.as_mut()?;
        Some(p.sample(&self.process.cpu, &self.process.mem))
    }

    fn attend(&mut self) -> Result<Option<ProcessExit>, VmError> {
        Ok(match signal::deliver_pending(&mut self.process) {
            Some(SyscallAction::Killed(s)) => Some(ProcessExit::Killed(s)),
            Some(SyscallAction::Exit(c)) => Some(ProcessExit::Exited(c)),
            _ => None,
        })
    }

    fn finish(
        &mut self,
        exit: Exit,
        start_pc: u64,
        marks: &[InsnMark],
    ) -> Result<Option<ProcessExit>, VmError> {
        let n = marks.len() as u64;
        Ok(match exit {
            Exit::Next(pc) => {
                self.process.cpu.instret += n;
                self.process.cpu.pc = pc;
                None
            }
            Exit::Fault { op_index, exc } => {
                let k = insn_of_op(marks, op_index);
                self.process.cpu.instret += k as u64;
                let pc = marks.get(k).map_or(start_pc, |m| m.pc);
                match exc.cause {
                    2 => self.fault(4, 1, pc, pc),           // SIGILL, ILL_ILLOPC
                    4 | 6 => self.fault(7, 1, exc.tval, pc), // SIGBUS, BUS_ADRALN
                    _ => {
                        let code = Self::segv_code(&self.process.mem, exc.tval);
                        self.fault(11, code, exc.tval, pc) // SIGSEGV
                    }
                }
            }
            Exit::Term(t) => {
                self.process.cpu.instret += n.saturating_sub(1);
                match t {
                    Terminator::Ecall { pc } => return self.syscall(pc),
                    Terminator::Ebreak { pc } => self.fault(5, 1, pc, pc), // SIGTRAP, TRAP_BRKPT
                    Terminator::Trap { cause: 1, tval, pc } => {
                        let code = Self::segv_code(&self.process.mem, tval);
                        self.fault(11, code, tval, pc)
                    }
                    Terminator::Trap { pc, .. } => self.fault(4, 1, pc, pc),
                    // Privileged instructions are illegal in user mode.
                    Terminator::Mret { pc } | Terminator::Wfi { pc, .. } => self.fault(4, 2, pc, pc),
                    Terminator::FenceI { next } => {
                        self.process.cpu.instret += 1;
                        self.process.cpu.pc = next;
                        engine::fence_i(&mut self.process.mem, &mut self.cache, self.tier.as_mut())?;
                        None
                    }
                    Terminator::Ret => {
                        self.process.cpu.instret += 1;
                        Some(ProcessExit::Exited(0))
                    }
                    Terminator::Jump { .. } | Terminator::Branch { .. } | Terminator::JumpInd { .. } => None,
                }
            }
        })
    }
}

impl GetStats for UserMode {
    fn get_stats(&self) -> VmStats {
        let p = &self.process;
        let syscalls =
            p.syscall_counts.iter().map(|(&nr, &n)| (syscall::names::name_or_number(nr), n)).collect();
        let mapped_bytes = p.mem.mapped_bytes();
        VmStats {
            syscalls,
            mapped_bytes,
            peak_mapped_bytes: p.peak_mapped.max(mapped_bytes),
            guest_insns: self.process.cpu.instret,
            blocks_translated: self.cache.translated(),
            cache_hits: self.stats.blocks_executed.saturating_sub(self.cache.misses),
            cache_misses: self.cache.misses,
            cache_flushes: self.cache.flushes,
            ..crate::tier::add_stats(self.tier.as_ref(), self.stats.clone())
        }
    }
}

impl crate::gdb::Debuggable for UserMode {
    fn read_mem(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        let mem = &self.process.mem;
        crate::gdb::read_prefix(buf, |a, b| mem.read(a, b).is_ok(), addr)
    }

    fn write_mem(&mut self, addr: u64, data: &[u8]) -> bool {
        let ok = self.process.mem.write_force(addr, data).is_ok();
        crate::debug::memory_written(self, addr, addr.saturating_add(data.len() as u64));
        ok
    }

    fn max_insns(&self) -> Option<u64> {
        self.max_insns
    }

    fn gdb_exit(outcome: &ProcessExit) -> crate::gdb::GdbExit {
        match *outcome {
            ProcessExit::Exited(c) => crate::gdb::GdbExit::Status((c & 0xff) as u8),
            ProcessExit::Killed(s) => crate::gdb::GdbExit::Signal(s as u8),
        }
    }

    fn killed() -> ProcessExit {
        ProcessExit::Killed(9)
    }

    fn attached(&mut self) {
        signal::install_host_handlers();
        self.stop_on_faults = true;
        // Before the first instruction, sp points at argc, argv, envp, auxv.
        let sp = self.process.cpu.x[2];
        if let Ok(st) = vm_linux::stack::read_initial_stack(&self.process.mem, sp) {
            let pairs = st.auxv.iter().chain(&[(0, 0)]);
            self.auxv =
                Some(pairs.flat_map(|&(k, v)| [k.to_le_bytes(), v.to_le_bytes()]).flatten().collect());
        }
    }

    fn auxv(&self) -> Option<Vec<u8>> {
        self.auxv.clone()
    }

    fn release_signal(&mut self, deliver: bool) -> Option<ProcessExit> {
        let (sig, code, addr) = self.held_fault.take()?;
        // Not delivered (gdb's `signal 0`): the instruction runs again, as under ptrace.
        if deliver {
            self.deliver_fault(sig, code, addr)
        } else {
            None
        }
    }

    fn run_free(&mut self) -> Result<ProcessExit, VmError> {
        self.stop_on_faults = false;
        if let Some(o) = self.release_signal(true) {
            return Ok(o);
        }
        engine::run(self, self.max_insns)
    }
}

//! A bare-metal RV64GC machine: RAM at 0x8000_0000, one M-mode hart, HTIF. What
//! `vm boot --kernel FILE` runs, and what `qemu-system-riscv64 -M spike -bios none` is the
//! oracle for.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use vm_core::{CpuState, ExecMode, GetStats, Mmu, VmConfig, VmError, VmStats};
use vm_frontend::riscv64::lift::{lift_block, InsnMark};
use vm_interp::{run_block, CsrHandler, Exception, Exit};
use vm_ir::{CsrOp, IRBlock, Terminator};
use vm_mem::PhysMem;
use vm_system::csr::cause_name;
use vm_system::{load_elf, Htif, HtifEvent, LoadedImage, MachineCsrs};

use crate::cache::BlockCache;
use crate::trace::Tracer;

/// Where RISC-V machines (QEMU virt and spike, Spike) put RAM.
pub const RAM_BASE: u64 = 0x8000_0000;

/// How a run ended without error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// The guest exited through HTIF with this status.
    Exited(u64),
    /// A hand-built block returned (`Terminator::Ret`).
    Returned,
}

/// Gives the interpreter's CSR ops the machine CSRs and the exact instret at each op.
struct CsrCtx<'a> {
    csrs: &'a mut MachineCsrs,
    marks: &'a [InsnMark],
    instret: u64,
}

/// Index of the instruction that op `op_index` belongs to.
fn insn_of_op(marks: &[InsnMark], op_index: usize) -> usize {
    marks.partition_point(|m| m.first_op as usize <= op_index).saturating_sub(1)
}

impl CsrHandler for CsrCtx<'_> {
    fn csr(
        &mut self,
        cpu: &mut CpuState,
        op_index: usize,
        csr: u16,
        op: CsrOp,
        src: u64,
        _read: bool,
        write: bool,
    ) -> Result<u64, Exception> {
        let now = self.instret + insn_of_op(self.marks, op_index) as u64;
        self.csrs.access(cpu, now, csr, op, src, write)
    }
}

/// The machine.
pub struct BareMetal {
    /// The hart's registers.
    pub cpu: CpuState,
    /// Physical memory.
    pub mem: PhysMem,
    /// Machine-mode CSRs.
    pub csrs: MachineCsrs,
    htif: Option<Htif>,
    cache: BlockCache,
    image: Option<LoadedImage>,
    max_insns: Option<u64>,
    tracer: Option<Tracer>,
    stats: VmStats,
}

impl BareMetal {
    /// An empty machine for `config` (RAM size, limits, trace). Only the interpreter runs
    /// bare-metal guests so far.
    pub fn new(config: &VmConfig) -> Result<Self, VmError> {
        if config.exec_mode != ExecMode::Interpreter {
            return Err(VmError::Unsupported(format!(
                "execution mode {:?} is not available yet; use --mode interp",
                config.exec_mode
            )));
        }
        if config.guest_arch != vm_core::GuestArch::Riscv64 {
            return Err(VmError::Unsupported("bare-metal machines run RISC-V guests only".into()));
        }
        Ok(BareMetal {
            // The FP unit is off at reset, as on QEMU and Spike: software enables mstatus.FS.
            cpu: CpuState { fs: 0, ..CpuState::new(RAM_BASE) },
            mem: PhysMem::new(RAM_BASE, config.memory_size)?,
            csrs: MachineCsrs::default(),
            htif: None,
            cache: BlockCache::default(),
            image: None,
            max_insns: config.max_insns,
            tracer: if config.trace { Some(Tracer::new(Box::new(std::io::stderr()))) } else { None },
            stats: VmStats { engine: "interpreter".into(), ..Default::default() },
        })
    }

    /// Load a bare-metal ELF from `path`, set the pc to its entry and attach HTIF (console to
    /// `console`) if it defines `tohost`.
    pub fn load_kernel(&mut self, path: &Path, console: Box<dyn Write + Send>) -> Result<(), VmError> {
        let io = |source| VmError::Io { path: path.into(), source };
        // Only files and pipes end: reading /dev/zero or a terminal would never finish.
        let kind = std::fs::metadata(path).map_err(io)?.file_type();
        if let Some(what) = unreadable_kind(kind) {
            let reason = format!("is a {what}, not an ELF file");
            return Err(VmError::BadElf { path: path.into(), reason });
        }
        let data = std::fs::read(path).map_err(io)?;
        self.load_kernel_bytes(path, &data, console)
    }

    /// [`BareMetal::load_kernel`] from bytes already in memory (`path` names them in errors).
    pub fn load_kernel_bytes(
        &mut self,
        path: &Path,
        data: &[u8],
        console: Box<dyn Write + Send>,
    ) -> Result<(), VmError> {
        let image = load_elf(path, data, &mut self.mem)?;
        self.cpu.pc = image.entry;
        if let Some(tohost) = image.tohost {
            self.mem.set_watch(tohost, 8);
            self.htif = Some(Htif::new(tohost, image.fromhost, console));
        } else {
            tracing::warn!("{} has no `tohost` symbol: the guest cannot exit through HTIF", path.display());
        }
        tracing::info!(
            entry = format_args!("{:#x}", image.entry),
            segments = image.segments.len(),
            "kernel loaded"
        );
        self.image = Some(image);
        Ok(())
    }

    /// The function symbol containing `pc`, as `name+0xoff`.
    pub fn symbolize(&self, pc: u64) -> Option<String> {
        let syms = &self.image.as_ref()?.symbols;
        let i = syms.partition_point(|s| s.0 <= pc).checked_sub(1)?;
        let (addr, size, name) = &syms[i];
        (pc < addr + (*size).max(1) || *size == 0).then(|| format!("{name}+{:#x}", pc - addr))
    }

    /// Run until the guest exits, an error stops it, or the instruction limit is reached.
    pub fn run(&mut self) -> Result<RunOutcome, VmError> {
        let start = Instant::now();
        let r = self.run_loop();
        self.stats.wall_time += start.elapsed();
        self.stats.guest_insns = self.cpu.instret;
        r
    }

    fn run_loop(&mut self) -> Result<RunOutcome, VmError> {
        loop {
            let budget = match self.max_insns {
                Some(limit) if self.cpu.instret >= limit => {
                    return Err(VmError::InsnLimit { limit, pc: self.cpu.pc });
                }
                Some(limit) => limit - self.cpu.instret,
                None => u64::MAX,
            };
            let pc = self.cpu.pc;
            let outcome = if self.tracer.is_some() || budget < crate::cache::MAX_BLOCK_INSNS as u64 {
                // Uncached short blocks: one instruction when tracing, at most the budget otherwise.
                let n = if self.tracer.is_some() { 1 } else { budget as usize };
                let mem = &mut self.mem;
                let lifted = lift_block(|a| mem.fetch16(a), pc, n);
                let before = self.tracer.as_ref().map(|_| self.cpu.clone());
                let r = self.exec(&lifted.block, &lifted.insns)?;
                if let (Some(t), Some(b), Some(m)) = (self.tracer.as_mut(), before, lifted.insns.first()) {
                    t.emit(m.pc, m.raw, &b, &self.cpu);
                }
                r
            } else {
                // Stop the hot loop early enough that the last blocks run under the budget path.
                let stop_at = self.cpu.instret.saturating_add(budget - crate::cache::MAX_BLOCK_INSNS as u64);
                match self.run_hot(stop_at) {
                    Some((exit, start, marks)) => self.finish(exit, start, &marks)?,
                    None => None,
                }
            };
            if let Some(o) = outcome {
                return Ok(o);
            }
            if self.mem.take_watch_hit() {
                if let Some(h) = self.htif.as_mut() {
                    if let HtifEvent::Exit(code) = h.poll(&mut self.mem) {
                        return Ok(RunOutcome::Exited(code));
                    }
                }
            }
        }
    }

    /// The hot path: run cached blocks back to back until one ends in something other than a
    /// next pc (returned with what `finish` needs), the guest stores to the HTIF mailbox, or
    /// `instret` reaches `stop_at` (both returned as `None`).
    #[inline(never)]
    fn run_hot(&mut self, stop_at: u64) -> Option<(Exit, u64, Vec<InsnMark>)> {
        let BareMetal { cpu, mem, csrs, cache, stats, .. } = self;
        let mut executed = 0u64;
        let result = loop {
            let idx = cache.lookup(cpu.pc, mem);
            let b = cache.get(idx);
            executed += 1;
            let mut ctx = CsrCtx { csrs, marks: &b.lifted.insns, instret: cpu.instret };
            match run_block(cpu, mem, &mut ctx, &b.lifted.block) {
                Exit::Next(next) => {
                    cpu.pc = next;
                    cpu.instret += b.n_insns;
                    if cpu.instret >= stop_at || mem.watch_pending() {
                        break None;
                    }
                }
                // Rare path (trap, ecall, mret, fence.i): copy what `finish` needs.
                other => break Some((other, b.lifted.block.start_pc, b.lifted.insns.clone())),
            }
        };
        stats.blocks_executed += executed;
        result
    }

    /// Execute an uncached block (tracing or near the instruction limit).
    fn exec(&mut self, block: &IRBlock, marks: &[InsnMark]) -> Result<Option<RunOutcome>, VmError> {
        self.stats.blocks_executed += 1;
        let mut ctx = CsrCtx { csrs: &mut self.csrs, marks, instret: self.cpu.instret };
        let exit = run_block(&mut self.cpu, &mut self.mem, &mut ctx, block);
        self.finish(exit, block.start_pc, marks)
    }

    /// Act on a block exit other than a plain next pc.
    fn finish(
        &mut self,
        exit: Exit,
        start_pc: u64,
        marks: &[InsnMark],
    ) -> Result<Option<RunOutcome>, VmError> {
        let n = marks.len() as u64;
        match exit {
            Exit::Next(pc) => {
                self.cpu.pc = pc;
                self.cpu.instret += n;
            }
            Exit::Fault { op_index, exc } => {
                let k = insn_of_op(marks, op_index);
                let m =
                    marks.get(k).copied().unwrap_or(InsnMark { pc: start_pc, first_op: 0, len: 0, raw: 0 });
                self.cpu.instret += k as u64;
                // Illegal instructions report their bits, as QEMU and Spike do.
                let tval = if exc.cause == 2 { m.raw as u64 } else { exc.tval };
                self.take_trap(exc.cause, tval, m.pc)?;
            }
            Exit::Term(t) => match t {
                Terminator::Ecall { pc } => {
                    self.cpu.instret += n - 1;
                    self.take_trap(11, 0, pc)?;
                }
                Terminator::Ebreak { pc } => {
                    self.cpu.instret += n - 1;
                    self.take_trap(3, 0, pc)?; // QEMU reports mtval = 0 for ebreak
                }
                Terminator::Trap { cause, tval, pc } => {
                    self.cpu.instret += n.saturating_sub(1);
                    self.take_trap(cause, tval, pc)?;
                }
                Terminator::Mret { .. } => {
                    self.cpu.instret += n;
                    self.cpu.pc = self.csrs.mret();
                }
                Terminator::Wfi { next, .. } => {
                    // No interrupt sources exist yet: wfi is a legal no-op (as in Spike).
                    self.cpu.instret += n;
                    self.cpu.pc = next;
                }
                Terminator::FenceI { next } => {
                    self.cpu.instret += n;
                    self.cpu.pc = next;
                    self.cache.flush();
                }
                Terminator::Ret => {
                    self.cpu.instret += n;
                    return Ok(Some(RunOutcome::Returned));
                }
                // Control flow is resolved by the interpreter and never reaches here.
                Terminator::Jump { .. } | Terminator::Branch { .. } | Terminator::JumpInd { .. } => {}
            },
        }
        Ok(None)
    }

    fn take_trap(&mut self, cause: u64, tval: u64, pc: u64) -> Result<(), VmError> {
        self.stats.traps += 1;
        self.cpu.reservation = None;
        let handler = self.csrs.trap(cause, tval, pc).filter(|&h| self.mem.slice(h, 4).is_some());
        let what = || match self.symbolize(pc) {
            Some(s) => format!("{} <{s}>", cause_name(cause)),
            None => cause_name(cause).to_string(),
        };
        match handler {
            // A trap at the handler's own entry re-enters it with the same state: a loop that
            // retires nothing, so even --max-insns would never end it.
            Some(h) if h == pc => Err(VmError::TrapLoop { what: what(), pc, cause, tval }),
            Some(h) => {
                tracing::debug!(cause, tval, pc = format_args!("{pc:#x}"), "trap");
                self.cpu.pc = h;
                Ok(())
            }
            None => Err(VmError::UnhandledTrap { what: what(), pc, cause, tval }),
        }
    }
}

/// What kind of non-file `kind` is, if reading it as a kernel image makes no sense.
fn unreadable_kind(kind: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() {
            return Some("character device");
        }
        if kind.is_block_device() {
            return Some("block device");
        }
        if kind.is_socket() {
            return Some("socket");
        }
    }
    kind.is_dir().then_some("directory")
}

impl GetStats for BareMetal {
    fn get_stats(&self) -> VmStats {
        VmStats {
            guest_insns: self.cpu.instret,
            blocks_translated: self.cache.translated(),
            cache_hits: self.stats.blocks_executed.saturating_sub(self.cache.misses),
            cache_misses: self.cache.misses,
            cache_flushes: self.cache.flushes,
            ..self.stats.clone()
        }
    }
}

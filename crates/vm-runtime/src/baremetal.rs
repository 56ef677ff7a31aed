//! A bare-metal RV64GC machine: RAM at 0x8000_0000, one M-mode hart, HTIF. What
//! `vm boot --kernel FILE` runs, and what `qemu-system-riscv64 -M spike -bios none` is the
//! oracle for.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use vm_core::{CpuState, GetStats, VmConfig, VmError, VmStats};
use vm_frontend::riscv64::lift::InsnMark;
use vm_interp::{Exception, Exit};
use vm_ir::{CsrOp, Terminator};
use vm_mem::PhysMem;
use vm_system::csr::cause_name;
use vm_system::{load_elf, Htif, HtifEvent, LoadedImage, MachineCsrs};

use crate::cache::BlockCache;
use crate::engine::{self, insn_of_op, Csrs, Machine, Parts};
use crate::tier::{engine_name, Tiering};
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

impl Csrs for MachineCsrs {
    fn access(
        &mut self,
        cpu: &mut CpuState,
        instret: u64,
        csr: u16,
        op: CsrOp,
        src: u64,
        write: bool,
    ) -> Result<u64, Exception> {
        MachineCsrs::access(self, cpu, instret, csr, op, src, write)
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
    tier: Option<Tiering>,
}

impl BareMetal {
    /// An empty machine for `config` (RAM size, limits, trace). Only the interpreter runs
    /// bare-metal guests so far.
    pub fn new(config: &VmConfig) -> Result<Self, VmError> {
        if config.guest_arch != vm_core::GuestArch::Riscv64 {
            return Err(VmError::Unsupported("bare-metal machines run RISC-V guests only".into()));
        }
        Ok(BareMetal {
            // The FP unit is off at reset, as on QEMU and Spike: software enables mstatus.FS.
            cpu: CpuState { fs: 0, ..CpuState::new(RAM_BASE) },
            mem: PhysMem::new(RAM_BASE, config.memory_size)?,
            csrs: MachineCsrs::default(),
            htif: None,
            cache: BlockCache::with_dump(crate::dump::Dumper::open(&config.dump)?),
            image: None,
            max_insns: config.max_insns,
            tracer: if config.trace { Some(Tracer::new(Box::new(std::io::stderr()))) } else { None },
            stats: VmStats { engine: engine_name(config.exec_mode).into(), ..Default::default() },
            tier: Tiering::for_config(config)?,
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

    /// Wait for gdb on `listener` (see [`crate::gdb::listen`]) before the first instruction,
    /// then run under it; if gdb detaches or goes away, the machine runs on to its end.
    pub fn run_gdb(&mut self, listener: std::net::TcpListener) -> Result<RunOutcome, VmError> {
        let start = Instant::now();
        let r = crate::gdb::serve(self, listener);
        self.stats.wall_time += start.elapsed();
        self.stats.guest_insns = self.cpu.instret;
        r
    }

    /// The crash report of the hart (see [`crate::crash::report_with`]): pc with its symbol,
    /// the instruction, the registers.
    pub fn crash_report(&self, what: &str) -> String {
        crate::crash::report_with(
            what,
            &self.cpu,
            &|a, b| read_ram(&self.mem, a, b),
            &|a| self.symbolize(a),
            "",
        )
    }

    /// Change the instruction limit (`VmConfig::max_insns`): a later [`BareMetal::run`] stops
    /// once `instret` reaches `limit`.
    pub fn set_max_insns(&mut self, limit: Option<u64>) {
        self.max_insns = limit;
    }

    /// Run until the guest exits, an error stops it, or the instruction limit is reached.
    pub fn run(&mut self) -> Result<RunOutcome, VmError> {
        let start = Instant::now();
        let r = engine::run(self, self.max_insns);
        self.cache.flush_dump();
        self.stats.wall_time += start.elapsed();
        self.stats.guest_insns = self.cpu.instret;
        r
    }

    /// Act on a block exit other than a plain next pc.
    fn finish_exit(
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
                    engine::fence_i(&mut self.mem, &mut self.cache, self.tier.as_mut())?;
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

/// Copy RAM at `addr` into `buf`; false (nothing copied) if any byte is outside RAM.
fn read_ram(mem: &PhysMem, addr: u64, buf: &mut [u8]) -> bool {
    mem.slice(addr, buf.len()).map(|s| buf.copy_from_slice(s)).is_some()
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

impl Machine for BareMetal {
    type Mem = PhysMem;
    type Csrs = MachineCsrs;
    type Outcome = RunOutcome;

    fn parts(&mut self) -> Parts<'_, PhysMem, MachineCsrs> {
        Parts {
            cpu: &mut self.cpu,
            mem: &mut self.mem,
            csrs: &mut self.csrs,
            cache: &mut self.cache,
            stats: &mut self.stats,
            tracer: self.tracer.as_mut(),
            tier: self.tier.as_mut(),
        }
    }

    #[inline(always)]
    fn wants_attention(mem: &PhysMem) -> bool {
        mem.watch_pending()
    }

    fn stop_word(mem: &mut PhysMem, stop_at: u64) -> *const u64 {
        mem.stop_word(stop_at)
    }

    fn attend(&mut self) -> Result<Option<RunOutcome>, VmError> {
        if self.mem.take_watch_hit() {
            if let Some(h) = self.htif.as_mut() {
                if let HtifEvent::Exit(code) = h.poll(&mut self.mem) {
                    return Ok(Some(RunOutcome::Exited(code)));
                }
            }
        }
        Ok(None)
    }

    fn finish(
        &mut self,
        exit: Exit,
        start_pc: u64,
        marks: &[InsnMark],
    ) -> Result<Option<RunOutcome>, VmError> {
        self.finish_exit(exit, start_pc, marks)
    }
}

impl GetStats for BareMetal {
    fn get_stats(&self) -> VmStats {
        let ram = self.mem.size() as u64;
        VmStats {
            mapped_bytes: ram,
            peak_mapped_bytes: ram,
            guest_insns: self.cpu.instret,
            blocks_translated: self.cache.translated(),
            cache_hits: self.stats.blocks_executed.saturating_sub(self.cache.misses),
            cache_misses: self.cache.misses,
            cache_flushes: self.cache.flushes,
            ..crate::tier::add_stats(self.tier.as_ref(), self.stats.clone())
        }
    }
}

impl crate::gdb::Debuggable for BareMetal {
    fn read_mem(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        let mem = &self.mem;
        crate::gdb::read_prefix(buf, |a, b| read_ram(mem, a, b), addr)
    }

    fn write_mem(&mut self, addr: u64, data: &[u8]) -> bool {
        let ok = self.mem.write_bytes(addr, data).is_ok();
        crate::debug::memory_written(self, addr, addr.saturating_add(data.len() as u64));
        ok
    }

    fn max_insns(&self) -> Option<u64> {
        self.max_insns
    }

    fn gdb_exit(outcome: &RunOutcome) -> crate::gdb::GdbExit {
        match *outcome {
            RunOutcome::Exited(c) => crate::gdb::GdbExit::Status((c & 0xff) as u8),
            RunOutcome::Returned => crate::gdb::GdbExit::Status(0),
        }
    }

    fn killed() -> RunOutcome {
        // What a shell reports for a SIGKILLed process.
        RunOutcome::Exited(137)
    }

    fn run_free(&mut self) -> Result<RunOutcome, VmError> {
        engine::run(self, self.max_insns)
    }
}

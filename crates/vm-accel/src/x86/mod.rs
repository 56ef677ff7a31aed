//! x86-64 Linux programs at ring 3 inside a hardware VM: [`X86Process`] loads a static (or
//! static-pie) ELF into a [`Process`] whose memory backs the VM's guest-physical memory, builds
//! the page tables and system structures ([`layout`], [`paging`]), and runs the vCPU; system
//! calls and exceptions leave the guest as I/O exits and are served by vm-linux ([`syscall`]).

pub mod layout;
pub mod paging;
mod signal;
mod syscall;

use std::path::{Path, PathBuf};

use vm_core::VmError;
use vm_linux::{Process, SyscallAction};
use vm_memory::{Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap};

use crate::hypervisor::{
    self, Backend, Exit, FpuState, Hypervisor, Regs, Segment, SpecialRegs, Table, Vcpu, Vm,
};
use layout::*;
use paging::PageTables;

/// How an x86-64 program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum X86Exit {
    /// exit/exit_group with this status.
    Exited(i32),
    /// Killed by this signal (its default action).
    Killed(i32),
}

/// Counters of one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct X86Stats {
    /// System calls served.
    pub syscalls: u64,
    /// VM exits.
    pub exits: u64,
    /// Page-table entries written.
    pub ptes: u64,
    /// Shadow-page-table flushes (after unmapping or narrowing a mapping).
    pub flushes: u64,
}

/// The system region: guest RAM that only the VMM writes (page tables, GDT, IDT, TSS, stubs,
/// ring-0 stack), a rust-vmm `vm-memory` guest memory of one region at [`SYS_GPA`].
struct SysRegion {
    mem: GuestMemoryMmap<()>,
    /// Host address of its first byte (for the memory slot and the page-table writer).
    ptr: *mut u8,
}

impl SysRegion {
    fn new() -> Result<SysRegion, VmError> {
        let mem = GuestMemoryMmap::<()>::from_ranges(&[(GuestAddress(SYS_GPA), SYS_SIZE)])
            .map_err(|e| VmError::Memory(format!("cannot map the VM's system region: {e}")))?;
        let ptr = mem
            .get_host_address(GuestAddress(SYS_GPA))
            .map_err(|e| VmError::Memory(format!("the VM's system region: {e}")))?;
        Ok(SysRegion { mem, ptr })
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `ptr` is the start of the region's single mapping of SYS_SIZE bytes, owned by
        // `mem` and alive as long as this value; `&mut self` makes this the only view in use.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, SYS_SIZE) }
    }

    /// The u64 at offset `off` (the ring-0 stack's exception frame); 0 if out of range.
    fn read_u64(&self, off: u64) -> u64 {
        self.mem.read_obj::<u64>(GuestAddress(SYS_GPA.wrapping_add(off))).unwrap_or(0)
    }
}

/// An x86-64 Linux process in a hardware VM.
pub struct X86Process {
    // Field order is drop order: the vCPU and VM go before the memory they use.
    vcpu: Box<dyn Vcpu>,
    vm: Box<dyn Vm>,
    hv: Box<dyn Hypervisor>,
    pt: PageTables,
    sys: SysRegion,
    /// The Linux process state (memory, fds, brk, signals) vm-linux serves calls against.
    pub process: Process,
    /// Counters.
    pub stats: X86Stats,
    /// Guest-physical ranges of user memory registered with the VM: (lo, hi, slot).
    slots: Vec<(u64, u64, u32)>,
    /// Host pids of the children this process forked (the only other processes it may signal).
    children: Vec<i32>,
    /// `sa_restorer` of each signal's handler (x86-64's `struct sigaction` has one).
    restorers: [u64; 64],
    /// FPU state saved for signal frames in flight: (frame address, state).
    saved_fpu: Vec<(u64, FpuState)>,
}

/// RFLAGS bits a program may set: CF PF AF ZF SF TF IF DF OF AC ID (never IOPL, NT, VM, RF).
const USER_FLAGS: u64 = 0x24_0fd5;

/// User memory is registered with the VM in runs of these aligned chunks that hold mappings
/// (one slot for the whole 256 GiB space made the hypervisor allocate its per-page metadata
/// for all of it: about 1.8 s per process).
const SLOT_CHUNK: u64 = 1 << 30;

const SLOT_SYS: u32 = 0;

/// A VM just made: the VM, its vCPU and page tables mapping the system region.
type NewVm = (Box<dyn Vm>, Box<dyn Vcpu>, PageTables);
const EFER_SCE: u64 = 1;
const EFER_LME: u64 = 1 << 8;
const EFER_LMA: u64 = 1 << 10;
const EFER_NXE: u64 = 1 << 11;
const MSR_STAR: u32 = 0xc000_0081;
const MSR_LSTAR: u32 = 0xc000_0082;
const MSR_FMASK: u32 = 0xc000_0084;

fn seg(selector: u16, code: bool) -> Segment {
    Segment {
        base: 0,
        limit: 0xffff_ffff,
        selector,
        type_: if code { 0xb } else { 0x3 },
        present: true,
        dpl: (selector & 3) as u8,
        db: !code,
        s: true,
        l: code,
        g: true,
    }
}

impl X86Process {
    /// A VM on `backend` running the program at host path `path` with `argv` and `envp`.
    pub fn new(
        backend: Backend,
        path: &Path,
        argv: &[Vec<u8>],
        envp: &[Vec<u8>],
        sysroot: Option<PathBuf>,
    ) -> Result<X86Process, VmError> {
        let hv = hypervisor::open(backend)?;
        let mut process = Process::new(sysroot)?;
        // The hypervisor maps guest memory itself, so every mapped page must stay host-accessible
        // (the guest's page tables enforce its protections).
        process.mem.set_guarded(false)?;
        process.machine = vm_linux::loader::Machine::X86_64;
        vm_linux::loader::exec(&mut process, path, argv, envp)?;
        let mut sys = SysRegion::new()?;
        build(sys.bytes());
        let (vm, vcpu, pt) = Self::make_vm(hv.as_ref(), &sys)?;
        let mut me = X86Process {
            vcpu,
            vm,
            hv,
            pt,
            sys,
            process,
            stats: X86Stats::default(),
            slots: Vec::new(),
            children: Vec::new(),
            restorers: [0; 64],
            saved_fpu: Vec::new(),
        };
        me.sync_all()?;
        me.setup_cpu()?;
        Ok(me)
    }

    /// A VM with the system region, fresh page tables mapping it, and a vCPU.
    fn make_vm(hv: &dyn Hypervisor, sys: &SysRegion) -> Result<NewVm, VmError> {
        let mut vm = hv.create_vm()?;
        // SAFETY: the system region lives as long as the process value, which drops the VM
        // first (field order).
        unsafe { vm.set_memory(SLOT_SYS, SYS_GPA, SYS_SIZE as u64, sys.ptr)? };
        // SAFETY: `sys.ptr` is the whole system region, kept alive alongside the tables.
        let mut pt = unsafe { PageTables::new(sys.ptr) };
        // The system region, supervisor-only; the syscall stub page, user R+X.
        for off in (0..PT_OFF).step_by(4096) {
            let x = if off == EXC_STUBS_OFF { 0 } else { paging::NX };
            pt.set(SYS_VA + off, SYS_GPA + off, paging::P | paging::RW | x)?;
        }
        pt.set(STUB_VA, SYS_GPA + SYSCALL_STUB_OFF, paging::P | paging::US)?;
        let mut vcpu = vm.create_vcpu(0)?;
        vcpu.set_host_cpuid()?;
        Ok((vm, vcpu, pt))
    }

    /// Start over with a new VM for the same process: after `fork` in the child (the
    /// parent's VM belongs to the parent's address space and cannot be used) with the CPU
    /// state `keep` the parent had, or after `execve` with a fresh CPU.
    fn rebuild(&mut self, keep: Option<(Regs, SpecialRegs, FpuState)>) -> Result<(), VmError> {
        // Old page-table pages hold the old mappings: clear the ones used.
        let used = self.pt.used();
        self.sys.bytes()[PT_OFF as usize..used as usize].fill(0);
        let (vm, vcpu, pt) = Self::make_vm(self.hv.as_ref(), &self.sys)?;
        self.vcpu = vcpu;
        self.vm = vm;
        self.pt = pt;
        self.slots.clear();
        self.sync_all()?;
        match keep {
            None => {
                self.saved_fpu.clear();
                self.setup_cpu()
            }
            Some((regs, mut sregs, fpu)) => {
                self.setup_cpu()?;
                let fresh = self.vcpu.special_regs()?;
                sregs.cr3 = fresh.cr3;
                self.vcpu.set_special_regs(&sregs)?;
                self.vcpu.set_fpu_state(&fpu)?;
                self.vcpu.set_regs(&regs)
            }
        }
    }

    fn setup_cpu(&mut self) -> Result<(), VmError> {
        let mut s = self.vcpu.special_regs()?;
        let ucode = seg(USER_CS, true);
        let udata = seg(USER_DS, false);
        s.cs = ucode;
        s.ss = udata;
        s.ds = udata;
        s.es = udata;
        s.fs = udata;
        s.gs = udata;
        s.tr = Segment {
            base: SYS_VA + TSS_OFF,
            limit: TSS_LIMIT,
            selector: TSS_SEL,
            type_: 0xb,
            present: true,
            dpl: 0,
            db: false,
            s: false,
            l: false,
            g: false,
        };
        s.ldt = Segment::default();
        s.gdt = Table { base: SYS_VA + GDT_OFF, limit: GDT_LIMIT };
        s.idt = Table { base: SYS_VA + IDT_OFF, limit: 32 * 16 - 1 };
        // PE, MP, ET, NE, WP, PG; PAE, OSFXSR, OSXMMEXCPT, OSXSAVE.
        s.cr0 = 1 | 2 | 0x10 | 0x20 | 0x1_0000 | 0x8000_0000;
        s.cr4 = 0x20 | 0x200 | 0x400 | 0x4_0000;
        s.cr3 = self.pt.root();
        s.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
        self.vcpu.set_special_regs(&s)?;
        self.vcpu.set_msrs(&[
            // SYSRET selectors base 0x20 (CS = 0x33, SS = 0x2b), SYSCALL CS = KERNEL_CS.
            (MSR_STAR, (u64::from(USER32_CS & !3) << 48) | (u64::from(KERNEL_CS) << 32)),
            (MSR_LSTAR, STUB_VA),
            (MSR_FMASK, 0),
        ])?;
        // SAFETY: xgetbv(0) is available whenever the host OS enabled XSAVE (OSXSAVE), which
        // every x86-64 Linux that KVM runs on does; it only reads XCR0.
        let xcr0 = unsafe { std::arch::x86_64::_xgetbv(0) };
        // Without AMX tile state, which KVM only grants a guest on request.
        let xcr0 = xcr0 & !(3 << 17);
        self.vcpu.set_xcr0(xcr0)?;
        let regs = Regs {
            rip: self.process.cpu.pc,
            rsp: self.process.cpu.x[2],
            rflags: 0x202,
            ..Default::default()
        };
        self.vcpu.set_regs(&regs)
    }

    /// Bring every PTE in line with the process's mappings.
    fn sync_all(&mut self) -> Result<(), VmError> {
        let maps = self.process.mem.mappings();
        for (lo, hi, _) in maps {
            self.sync(lo, hi)?;
        }
        Ok(())
    }

    /// Register exactly the chunk runs that hold mappings as guest-physical memory.
    fn update_slots(&mut self) -> Result<(), VmError> {
        let mut want: Vec<(u64, u64)> = Vec::new();
        for (lo, hi, _) in self.process.mem.mappings() {
            let (a, b) = (lo & !(SLOT_CHUNK - 1), hi.div_ceil(SLOT_CHUNK) * SLOT_CHUNK);
            match want.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => want.push((a, b)),
            }
        }
        let have: Vec<(u64, u64)> = self.slots.iter().map(|&(a, b, _)| (a, b)).collect();
        if want == have {
            return Ok(());
        }
        let mut kept = Vec::new();
        for &(a, b, slot) in &self.slots {
            if want.contains(&(a, b)) {
                kept.push((a, b, slot));
            } else {
                self.vm.remove_memory(slot)?;
            }
        }
        for &(a, b) in &want {
            if !kept.iter().any(|&(x, y, _)| (x, y) == (a, b)) {
                // Reuse the lowest free slot id (KVM has a fixed number of them).
                let slot =
                    (SLOT_SYS + 1..).find(|id| !kept.iter().any(|&(_, _, s)| s == *id)).unwrap_or(u32::MAX);
                // SAFETY: `[a, b)` is inside the AddressSpace's USER_TOP-byte reservation,
                // which lives as long as this value (the VM is dropped first).
                unsafe { self.vm.set_memory(slot, a, b - a, self.process.mem.host_base().add(a as usize))? };
                kept.push((a, b, slot));
            }
        }
        kept.sort_unstable();
        self.slots = kept;
        Ok(())
    }

    /// Bring the PTEs of `[lo, hi)` in line; flush the hypervisor's shadow tables if a
    /// mapping went away or lost rights.
    fn sync(&mut self, lo: u64, hi: u64) -> Result<(), VmError> {
        self.update_slots()?;
        let s = self.pt.sync(&self.process.mem, lo, hi)?;
        self.stats.ptes += s.changed;
        if s.narrowed {
            // Re-registering the slot that holds the page tables makes the hypervisor drop
            // the shadow pages built from them (a present PTE edited by the host is otherwise
            // never re-read).
            self.vm.remove_memory(SLOT_SYS)?;
            // SAFETY: as in `new`: the system region outlives the VM.
            unsafe { self.vm.set_memory(SLOT_SYS, SYS_GPA, SYS_SIZE as u64, self.sys.ptr)? };
            self.stats.flushes += 1;
        }
        Ok(())
    }

    /// Run until the program exits or something goes wrong.
    pub fn run(&mut self) -> Result<X86Exit, VmError> {
        // Host signals (SIGINT, timers, SIGCHLD, ...) become pending guest signals and
        // interrupt KVM_RUN and blocking system calls.
        vm_linux::signal::install_host_handlers();
        loop {
            let exit = self.vcpu.run()?;
            self.stats.exits += 1;
            match exit {
                Exit::IoOut { port: SYSCALL_PORT, .. } => {
                    let mut regs = self.vcpu.regs()?;
                    if regs.rip != STUB_VA + 2 {
                        // The program ran `out` itself somewhere else: not a system call.
                        return Err(self.unhandled(&regs, "an `out` instruction (I/O port access)"));
                    }
                    self.stats.syscalls += 1;
                    let nr = regs.rax;
                    if regs.rax == 15 {
                        // rt_sigreturn: the registers come from the signal frame.
                        match signal::sigreturn(self, regs.rsp)? {
                            Some(r) => self.vcpu.set_regs(&r)?,
                            None => return Ok(X86Exit::Killed(libc::SIGSEGV)),
                        }
                        if let Some(done) = self.signals(None)? {
                            return Ok(done);
                        }
                        continue;
                    }
                    match syscall::serve(self, &mut regs)? {
                        SyscallAction::Continue => {}
                        SyscallAction::Exit(code) => return Ok(X86Exit::Exited(code)),
                        SyscallAction::Killed(sig) => return Ok(X86Exit::Killed(sig)),
                        SyscallAction::Exec => {
                            // A new image: new page tables and a fresh CPU at its entry.
                            self.rebuild(None)?;
                            continue;
                        }
                    }
                    // Back to ring 3 after the `syscall`: rip from rcx, rflags from r11 (only
                    // the flags a program may set: never IOPL or NT), and ring-3 segments if
                    // the CPU switched to ring 0 (hardware `syscall` does; this host's does not).
                    regs.rip = regs.rcx;
                    regs.rflags = (regs.r11 & USER_FLAGS) | 0x202;
                    self.vcpu.set_regs(&regs)?;
                    self.ensure_ring3()?;
                    let eintr = regs.rax == -(libc::EINTR as i64) as u64;
                    if let Some(done) = self.signals(eintr.then_some((nr, regs.rip.wrapping_sub(2))))? {
                        return Ok(done);
                    }
                }
                Exit::IoOut { port, .. } if (EXC_PORT..EXC_PORT + 32).contains(&port) => {
                    if let Some(done) = self.exception((port - EXC_PORT) as u8)? {
                        return Ok(done);
                    }
                }
                Exit::Interrupted => {
                    if let Some(done) = self.signals(None)? {
                        return Ok(done);
                    }
                }
                other => {
                    let regs = self.vcpu.regs()?;
                    let what = match other {
                        Exit::IoOut { port, .. } | Exit::IoIn { port } => {
                            format!("an I/O instruction on port {port:#x}")
                        }
                        Exit::Mmio { addr, .. } => {
                            format!("an access to unbacked guest-physical address {addr:#x}")
                        }
                        Exit::Halt => "hlt".into(),
                        Exit::Shutdown => "a triple fault (shutdown)".into(),
                        Exit::Failed(why) => why,
                        Exit::Interrupted => unreachable!(),
                    };
                    return Err(self.unhandled(&regs, &what));
                }
            }
        }
    }

    /// Act on pending signals: default actions happen (ignore, or the process dies of the
    /// signal); each signal with a handler gets a frame, nested, as Linux does. `restart`: the
    /// system call just made (number, address of its `syscall`) returned EINTR; it is made
    /// again if no handler runs (the host signal that interrupted it was ignored) or the first
    /// handler has `SA_RESTART` and the call is one Linux restarts.
    fn signals(&mut self, mut restart: Option<(u64, u64)>) -> Result<Option<X86Exit>, VmError> {
        let mut handled = false;
        while let Some((sig, act, info)) = self.process.signals.take_deliverable() {
            if act.handler == vm_linux::signal::SIG_DFL {
                return Ok(Some(X86Exit::Killed(sig)));
            }
            let mut regs = self.vcpu.regs()?;
            if let Some((nr, at)) = restart.take() {
                if act.flags & vm_linux::signal::sa::SA_RESTART != 0 && restartable(nr) {
                    regs.rax = nr;
                    regs.rip = at;
                }
            }
            match signal::deliver(self, &regs, sig, act, &info, (0, 0, 0))? {
                Some(r) => self.vcpu.set_regs(&r)?,
                None => return Ok(Some(X86Exit::Killed(libc::SIGSEGV))),
            }
            handled = true;
        }
        if let (Some((nr, at)), false) = (restart, handled) {
            let mut regs = self.vcpu.regs()?;
            regs.rax = nr;
            regs.rip = at;
            self.vcpu.set_regs(&regs)?;
        }
        // rt_sigsuspend's temporary mask ends once it returns (a handler frame took it over).
        if let Some(mask) = self.process.signals.saved_mask.take() {
            self.process.signals.blocked = mask;
        }
        Ok(None)
    }

    /// Make sure the program resumes at ring 3 (user CS/SS).
    fn ensure_ring3(&mut self) -> Result<(), VmError> {
        if self.vcpu.cpl()? != 3 {
            let mut s = self.vcpu.special_regs()?;
            s.cs = seg(USER_CS, true);
            s.ss = seg(USER_DS, false);
            self.vcpu.set_special_regs(&s)?;
        }
        Ok(())
    }

    fn unhandled(&self, regs: &Regs, what: &str) -> VmError {
        VmError::Unsupported(format!(
            "accelerated x86-64 guest stopped at rip {:#x}: {what} that this environment cannot handle",
            regs.rip
        ))
    }

    /// An exception from ring 3 (vector `v`): the CPU pushed its frame on the ring-0 stack.
    fn exception(&mut self, v: u8) -> Result<Option<X86Exit>, VmError> {
        let top = STACK_TOP_OFF;
        let rip = self.sys.read_u64(top - 40);
        let cs = self.sys.read_u64(top - 32);
        let err = if has_error_code(v) { self.sys.read_u64(top - 48) } else { 0 };
        let sregs = self.vcpu.special_regs()?;
        if cs & 3 != 3 {
            return Err(VmError::Unsupported(format!(
                "accelerated x86-64 guest: exception {v} in the VM's own ring-0 code at rip {rip:#x} (error {err:#x})"
            )));
        }
        let mut insn = [0u8; 2];
        if matches!(v, 6 | 11 | 13) && self.process.mem.read(rip, &mut insn).is_ok() && insn[0] == 0xcd {
            return Err(VmError::Unsupported(format!(
                "accelerated x86-64 guest at rip {rip:#x}: `int {:#x}`: software interrupts (such as \
                 32-bit system calls through int 0x80) are not supported in accelerated mode",
                insn[1]
            )));
        }
        let sig = match v {
            0 | 16 | 19 => libc::SIGFPE,
            1 | 3 => libc::SIGTRAP,
            6 => libc::SIGILL,
            12 | 17 => libc::SIGBUS, // #SS (stack segment), #AC
            13 | 14 => libc::SIGSEGV,
            _ => {
                return Err(VmError::Unsupported(format!(
                    "accelerated x86-64 guest: exception {v} at rip {rip:#x} (error {err:#x}) has no Linux signal here"
                )))
            }
        };
        tracing::debug!(vector = v, rip, cr2 = sregs.cr2, err, sig, "guest exception");
        let act = self.process.signals.action(sig);
        let blocked = self.process.signals.blocked & vm_linux::signal::bit(sig) != 0;
        if act.handler == vm_linux::signal::SIG_DFL || act.handler == vm_linux::signal::SIG_IGN || blocked {
            // As on Linux, a fault signal that is ignored or blocked kills.
            return Ok(Some(X86Exit::Killed(sig)));
        }
        // Back to the program's view: its registers with rip, rflags and rsp from the frame,
        // and ring-3 segments (the CPU is in the ring-0 stub now).
        let mut regs = self.vcpu.regs()?;
        regs.rip = rip;
        regs.rflags = self.sys.read_u64(top - 24);
        regs.rsp = self.sys.read_u64(top - 16);
        let mut s = sregs;
        s.cs = seg(USER_CS, true);
        s.ss = seg(USER_DS, false);
        self.vcpu.set_special_regs(&s)?;
        let (code, addr) = match v {
            // SEGV_ACCERR if the page is mapped (a PROT_NONE page has no PTE), else SEGV_MAPERR.
            14 => {
                (if err & 1 != 0 || self.process.mem.prot_of(sregs.cr2).is_some() { 2 } else { 1 }, sregs.cr2)
            }
            13 => (128, 0), // SI_KERNEL
            6 => (2, rip),  // ILL_ILLOPN
            0 => (1, rip),  // FPE_INTDIV
            12 => (128, 0), // SI_KERNEL, as Linux for #SS
            _ => (128, 0),
        };
        let info = vm_linux::signal::SigInfo::fault(code, addr);
        let trap = (u64::from(v), err, if v == 14 { sregs.cr2 } else { 0 });
        match signal::deliver(self, &regs, sig, act, &info, trap)? {
            Some(r) => {
                self.vcpu.set_regs(&r)?;
                Ok(None)
            }
            None => Ok(Some(X86Exit::Killed(libc::SIGSEGV))),
        }
    }
}

/// System calls Linux restarts after a handler with `SA_RESTART` (or no handler) interrupted
/// them: read, write, open, ioctl, pread/pwrite, readv/writev, wait4, openat, and friends.
fn restartable(nr: u64) -> bool {
    matches!(nr, 0 | 1 | 2 | 16 | 17 | 18 | 19 | 20 | 61 | 72 | 257 | 295 | 296)
}

/// Check that `config` asks for what this module runs: an x86-64 guest in accelerated mode.
pub fn check_config(config: &vm_core::VmConfig) -> Result<(), VmError> {
    use vm_core::{ExecMode, GuestArch};
    match (config.guest_arch, config.exec_mode) {
        (GuestArch::X86_64, ExecMode::Accelerated) => Ok(()),
        (GuestArch::X86_64, mode) => Err(VmError::Config(format!(
            "x86-64 guests run only in accelerated mode (ExecMode::Accelerated, `--mode accel`); \
             {mode:?} is for RISC-V guests"
        ))),
        (GuestArch::Riscv64, _) => Err(VmError::Config(
            "accelerated mode runs x86-64 guests only; RISC-V guests run in interp, jit or hybrid mode"
                .into(),
        )),
    }
}

/// The library route: run the x86-64 program at `path` as `config` asks (`guest_arch:
/// GuestArch::X86_64, exec_mode: ExecMode::Accelerated`) on KVM, to its end.
pub fn run_program(
    config: &vm_core::VmConfig,
    path: &Path,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    sysroot: Option<PathBuf>,
) -> Result<(X86Exit, X86Stats), VmError> {
    check_config(config)?;
    let mut p = X86Process::new(Backend::Kvm, path, argv, envp, sysroot)?;
    let exit = p.run()?;
    Ok((exit, p.stats))
}

#[cfg(test)]
mod tests {
    use vm_core::{ExecMode, GuestArch, VmConfig, VmError};

    use super::check_config;
    use crate::hypervisor::{open, Backend};

    #[test]
    fn only_x86_64_in_accelerated_mode_is_accepted() {
        let ok = VmConfig {
            guest_arch: GuestArch::X86_64,
            exec_mode: ExecMode::Accelerated,
            ..Default::default()
        };
        assert!(check_config(&ok).is_ok());
        for mode in [ExecMode::Interpreter, ExecMode::Jit, ExecMode::Hybrid] {
            let c = VmConfig { guest_arch: GuestArch::X86_64, exec_mode: mode, ..Default::default() };
            let e = check_config(&c).unwrap_err().to_string();
            assert!(e.contains("accelerated mode") && e.contains("RISC-V"), "{e}");
        }
        let c = VmConfig {
            guest_arch: GuestArch::Riscv64,
            exec_mode: ExecMode::Accelerated,
            ..Default::default()
        };
        let e = check_config(&c).unwrap_err().to_string();
        assert!(e.contains("interp, jit or hybrid"), "{e}");
    }

    #[test]
    fn hvf_and_whpx_are_clearly_unsupported() {
        for (b, name) in [(Backend::Hvf, "HVF"), (Backend::Whpx, "WHPX")] {
            match open(b) {
                Err(VmError::Unsupported(m)) => {
                    assert!(m.contains(name) && m.contains("not implemented"), "{m}")
                }
                Err(e) => panic!("{name}: wrong error {e}"),
                Ok(_) => panic!("{name} opened"),
            }
        }
    }
}

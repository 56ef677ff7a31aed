//! [`Process`]: everything one guest process owns.
//!
//! INTERFACE (branch linux-base): the fields are the contract between the loader, the system
//! calls, signals and the run loop in vm-runtime.

use std::collections::BTreeMap;
use std::path::PathBuf;

use vm_core::CpuState;
use vm_mem::AddressSpace;

use crate::signal::SignalState;

/// What the run loop must do after a system call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyscallAction {
    /// Continue at `cpu.pc` (already advanced past the `ecall`, result in a0).
    Continue,
    /// The whole process exits with this status (exit_group, or exit of the only thread).
    Exit(i32),
    /// The process image was replaced (execve): drop every translation, continue at `cpu.pc`.
    Exec,
    /// The process must die of this signal (default action of a fatal signal).
    Killed(i32),
}

/// The program break (`brk`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Brk {
    /// Lowest break: end of the loaded program's data (page-aligned up).
    pub start: u64,
    /// Current break.
    pub current: u64,
}

/// An ELF file the loader mapped into the process (the program, its ELF interpreter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedImage {
    /// Host path it was read from.
    pub path: PathBuf,
    /// Load bias: guest address = ELF virtual address + bias (0 for `ET_EXEC`).
    pub bias: u64,
    /// Lowest and one past the highest guest address of its `PT_LOAD` segments.
    pub range: (u64, u64),
}

/// One guest process (single-threaded for now).
pub struct Process {
    /// Registers; `pc` is where the guest continues.
    pub cpu: CpuState,
    /// Guest memory.
    pub mem: AddressSpace,
    /// Program break.
    pub brk: Brk,
    /// Signal dispositions, mask, pending set, alternate stack.
    pub signals: SignalState,
    /// Guest root for absolute paths of the ELF interpreter and execve'd programs
    /// (`-L` / `--sysroot`), as `qemu-riscv64 -L` does. `None` = the host root.
    pub sysroot: Option<PathBuf>,
    /// Host path of the running executable (for /proc/self/exe and AT_EXECFN).
    pub exe: PathBuf,
    /// `set_tid_address` pointer: cleared (and futex-woken) at exit.
    pub clear_child_tid: u64,
    /// The instruction set of the programs it loads.
    pub machine: crate::loader::Machine,
    /// The ELF images of the current program (replaced by execve), for symbolising guest pcs.
    pub images: Vec<MappedImage>,
    /// System calls made, by number (counted by [`crate::syscall::dispatch`]).
    pub syscall_counts: BTreeMap<u64, u64>,
    /// The most guest memory mapped at once, in bytes, sampled after system calls that map
    /// memory and after loading a program.
    pub peak_mapped: u64,
}

impl Process {
    /// A process with empty memory, ready for [`crate::loader::exec`].
    pub fn new(sysroot: Option<PathBuf>) -> Result<Process, vm_core::VmError> {
        Ok(Process {
            cpu: CpuState::default(),
            mem: AddressSpace::new()?,
            brk: Brk::default(),
            signals: SignalState::default(),
            sysroot,
            exe: PathBuf::new(),
            clear_child_tid: 0,
            machine: crate::loader::Machine::default(),
            images: Vec::new(),
            syscall_counts: BTreeMap::new(),
            peak_mapped: 0,
        })
    }

    /// Note the current mapped size in [`Process::peak_mapped`].
    pub fn sample_mapped(&mut self) {
        self.peak_mapped = self.peak_mapped.max(self.mem.mapped_bytes());
    }

    /// The host path for a guest path: an absolute path is looked up under the sysroot
    /// first (if it exists there), as `qemu-riscv64 -L` does; otherwise it is used as is.
    pub fn host_path(&self, guest: &std::path::Path) -> PathBuf {
        if let (Some(root), true) = (&self.sysroot, guest.is_absolute()) {
            let inside = root.join(guest.strip_prefix("/").unwrap_or(guest));
            if inside.exists() {
                return inside;
            }
        }
        guest.to_path_buf()
    }
}

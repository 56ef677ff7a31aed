//! Loading a RISC-V 64 Linux ELF into a process: static, static-pie and dynamic (with its
//! ELF interpreter looked up under the sysroot), `#!` scripts, then the initial stack.
//!
//! INTERFACE STUB (branch linux-base).

use std::path::Path;

use vm_core::VmError;

use crate::process::Process;

/// Replace `p`'s image with the program at host path `path` (execve semantics): clear memory,
/// load the ELF (or the interpreter of a `#!` script, with the script as its argument), load
/// its `PT_INTERP` interpreter if dynamic, build the initial stack with `argv`, `envp` and a
/// full auxv, reset registers and set `cpu.pc`/`sp`, `p.brk`, `p.exe`. Errors name the file and
/// what is wrong; `VmError::Io` carries the OS error (execve maps it to errno).
pub fn exec(p: &mut Process, path: &Path, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<(), VmError> {
    let _ = (p, path, argv, envp);
    todo!()
}

//! System call dispatch: riscv64 Linux numbers (asm-generic) → host implementations.
//!
//! INTERFACE STUB (branch linux-base). `dispatch` reads the number from a7 and arguments from
//! a0–a5, writes the result (or `-errno`) to a0, and advances `cpu.pc` past the `ecall`.

use crate::process::{Process, SyscallAction};

/// Serve the system call the guest just made with `ecall` at `cpu.pc`.
pub fn dispatch(p: &mut Process) -> SyscallAction {
    let _ = p;
    todo!()
}

//! Linux user mode: what makes a RISC-V 64 Linux ELF run as if on a RISC-V Linux kernel.
//!
//! Data flow: [`loader::exec`] loads the program (and its ELF interpreter for dynamic
//! programs) into the [`Process`]'s [`vm_mem::AddressSpace`] and builds the initial stack
//! ([`stack`]); the engine runs guest code until `ecall`, then [`syscall::dispatch`] serves the
//! system call on the host, converting structures field by field ([`abi`]); guest faults and
//! signals are delivered through [`signal`].

pub mod abi;
pub mod loader;
pub mod process;
pub mod signal;
pub mod stack;
pub mod symbols;
pub mod syscall;

pub use process::{MappedImage, Process, SyscallAction};

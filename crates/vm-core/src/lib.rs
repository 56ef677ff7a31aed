//! Shared vocabulary of the `vm` project.
//!
//! Every other crate speaks in these terms: guest and host addresses, the user-facing
//! configuration (`VmConfig`, `ExecMode`, `JitConfig`, `AotConfig`), the one error type
//! (`VmError`), statistics (`VmStats` through [`GetStats::get_stats`]), the RISC-V guest
//! register state ([`CpuState`]) and the [`Mmu`] trait through which engines touch guest memory.

pub mod addr;
pub mod config;
pub mod cpu;
pub mod error;
pub mod mmu;
pub mod stats;
pub mod stop;

pub use addr::{GuestAddr, GuestPhysAddr, HostAddr};
pub use config::{AotConfig, DumpConfig, DumpItems, ExecMode, GuestArch, JitConfig, VmConfig};
pub use cpu::CpuState;
pub use error::{VmError, VmResult};
pub use mmu::{AccessKind, FastMem, MemFault, MemFaultKind, Mmu};
pub use stats::{GetStats, VmStats};

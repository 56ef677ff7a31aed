//! Guest memory.
//!
//! - [`PhysMem`] is a machine's physical address space: one RAM region (RISC-V machines put it
//!   at 0x8000_0000) plus a watched window whose stores are reported to the machine (how HTIF's
//!   `tohost` mailbox is noticed without a device access on every store). It implements
//!   [`vm_core::Mmu`] with identity translation, as machine mode sees memory.
//! - [`AddressSpace`] is a Linux user-mode process's flat address space: one reserved host
//!   range, guest address + base = host address, `PROT_NONE` where the guest has nothing, and
//!   per-page permissions checked on every access so a guest access outside its mappings is a
//!   [`vm_core::MemFault`] (the guest's SIGSEGV), never a host access.

mod host;
mod phys;
mod user;

pub use phys::PhysMem;
pub use user::{AddressSpace, MapError, Prot, PAGE_SIZE, USER_TOP};

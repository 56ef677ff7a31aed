//! Guest memory.
//!
//! [`PhysMem`] is a machine's physical address space: one RAM region (RISC-V machines put it at
//! 0x8000_0000) plus a watched window whose stores are reported to the machine (how HTIF's
//! `tohost` mailbox is noticed without a device access on every store). It implements
//! [`vm_core::Mmu`] with identity translation, as machine mode sees memory. Accesses outside
//! RAM are [`vm_core::MemFault`]s, never host accesses.

mod phys;

pub use phys::PhysMem;

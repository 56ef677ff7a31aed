//! The [`Mmu`] trait: how every engine reads and writes guest memory.
//!
//! Addresses are guest addresses; an implementation translates them (flat in user mode, identity
//! in M-mode, page tables in system mode) and reports a [`MemFault`] instead of touching anything
//! outside the guest.

/// What an access was for; decides the RISC-V exception cause of a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// Instruction fetch.
    Fetch,
    /// Data load (including LR).
    Load,
    /// Data store (including SC and AMOs).
    Store,
}

/// Why an access failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemFaultKind {
    /// Nothing is mapped there (RISC-V access fault).
    Unmapped,
    /// The address is not aligned where alignment is required.
    Misaligned,
}

/// A failed guest memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemFault {
    /// The guest address that was accessed.
    pub addr: u64,
    /// Fetch, load or store.
    pub access: AccessKind,
    /// Why it failed.
    pub kind: MemFaultKind,
}

impl MemFault {
    /// The RISC-V `mcause` exception code for this fault.
    pub fn riscv_cause(&self) -> u64 {
        match (self.access, self.kind) {
            (AccessKind::Fetch, MemFaultKind::Misaligned) => 0,
            (AccessKind::Fetch, MemFaultKind::Unmapped) => 1,
            (AccessKind::Load, MemFaultKind::Misaligned) => 4,
            (AccessKind::Load, MemFaultKind::Unmapped) => 5,
            (AccessKind::Store, MemFaultKind::Misaligned) => 6,
            (AccessKind::Store, MemFaultKind::Unmapped) => 7,
        }
    }
}

/// Guest memory as engines see it. Loads return the value zero-extended to 64 bits.
///
/// Plain loads and stores may be misaligned (they are split, as QEMU does); atomics check
/// alignment themselves before calling in.
pub trait Mmu {
    /// Load 1 byte.
    fn load8(&mut self, addr: u64) -> Result<u64, MemFault>;
    /// Load 2 bytes.
    fn load16(&mut self, addr: u64) -> Result<u64, MemFault>;
    /// Load 4 bytes.
    fn load32(&mut self, addr: u64) -> Result<u64, MemFault>;
    /// Load 8 bytes.
    fn load64(&mut self, addr: u64) -> Result<u64, MemFault>;
    /// Store the low byte of `val`.
    fn store8(&mut self, addr: u64, val: u64) -> Result<(), MemFault>;
    /// Store the low 2 bytes of `val`.
    fn store16(&mut self, addr: u64, val: u64) -> Result<(), MemFault>;
    /// Store the low 4 bytes of `val`.
    fn store32(&mut self, addr: u64, val: u64) -> Result<(), MemFault>;
    /// Store 8 bytes.
    fn store64(&mut self, addr: u64, val: u64) -> Result<(), MemFault>;
    /// Fetch a 16-bit instruction parcel.
    fn fetch16(&mut self, addr: u64) -> Result<u16, MemFault>;
}

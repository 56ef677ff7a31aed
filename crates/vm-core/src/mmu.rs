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

    /// How compiled code may access this memory directly, if it can (see [`FastMem`]).
    fn fast_mem(&self) -> Option<FastMem> {
        None
    }

    /// Translated code now covers guest `[addr, addr + len)`: report stores to those pages
    /// through [`Mmu::take_code_writes`].
    fn note_code(&mut self, addr: u64, len: u64) {
        let _ = (addr, len);
    }

    /// Pages (guest addresses, page-aligned) holding translated code that were written since
    /// the last call, or `None` if this memory does not track code writes (then any
    /// `fence.i` must drop every translation).
    fn take_code_writes(&mut self) -> Option<Vec<u64>> {
        None
    }
}

/// How compiled code reaches guest memory without calling back into the [`Mmu`].
///
/// Guest address `a` in `[lo, lo + (pages << 12))` is host address `host + (a - lo)` if byte
/// `table[(a - lo) >> 12]` allows the access: for a load, `entry & load_ok != 0`; for a store,
/// `entry & store_mask == store_ok` (the mask holds bits that force the slow path, such as
/// "this page holds translated code" or "stores here are watched"). An access that straddles a
/// page or fails the test goes through the [`Mmu`] methods, which fault or handle it. The
/// pointers stay valid, and the layout fixed, for the life of the memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastMem {
    /// Host address of guest address `lo`.
    pub host: *mut u8,
    /// Lowest guest address covered.
    pub lo: u64,
    /// Pages covered (the table's length).
    pub pages: u64,
    /// One byte per page.
    pub table: *const u8,
    /// Table bits that allow a load.
    pub load_ok: u8,
    /// Table bits looked at for a store.
    pub store_mask: u8,
    /// Value those bits must have for a store to go straight to host memory.
    pub store_ok: u8,
    /// Host protections mirror the table: a host load from `host + (a - lo)` faults (SIGSEGV)
    /// unless `a`'s table byte allows a load, a host store there faults unless it allows a
    /// store straight to host memory (`entry & store_mask == store_ok`), and neither ever
    /// reaches anything but guest memory. Compiled code may then skip the table test and let
    /// the host fault send the access to its slow path.
    pub guarded: bool,
}

//! [`AddressSpace`]: the flat guest address space of a Linux user-mode process.
//!
//! INTERFACE STUB (branch linux-base): signatures and contracts only; the implementation is
//! being written. Everything below documents the contract callers rely on.

#![allow(unused_variables, dead_code)]

use vm_core::{MemFault, Mmu, VmError};

/// Guest page size.
pub const PAGE_SIZE: u64 = 4096;
/// Guest user addresses are `[0, USER_TOP)` (Sv39's user half: 256 GiB).
pub const USER_TOP: u64 = 1 << 38;

/// Page protection, as `PROT_*` bits of mmap(2): READ = 1, WRITE = 2, EXEC = 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Prot(pub u8);

impl Prot {
    /// No access.
    pub const NONE: Prot = Prot(0);
    /// Readable.
    pub const READ: Prot = Prot(1);
    /// Writable.
    pub const WRITE: Prot = Prot(2);
    /// Executable.
    pub const EXEC: Prot = Prot(4);
    /// Read + write.
    pub const RW: Prot = Prot(3);
    /// Read + execute.
    pub const RX: Prot = Prot(5);
    /// Read + write + execute.
    pub const RWX: Prot = Prot(7);
    /// From mmap's `prot` argument (unknown bits ignored).
    pub fn from_linux(prot: u64) -> Prot {
        Prot((prot & 7) as u8)
    }
    /// Whether all bits of `other` are set.
    pub fn contains(self, other: Prot) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Why a mapping change failed; syscalls turn it into an errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// Misaligned address, zero length, or a range outside `[0, USER_TOP)` (EINVAL).
    #[error("invalid address range")]
    Invalid,
    /// No free range large enough, or (mprotect/mremap) part of the range is unmapped (ENOMEM).
    #[error("out of guest address space or range not mapped")]
    NoMemory,
}

/// A process's guest memory.
pub struct AddressSpace {}

impl AddressSpace {
    /// Reserve `USER_TOP` bytes of host address space (`PROT_NONE`, `MAP_NORESERVE`); nothing is
    /// mapped for the guest yet.
    pub fn new() -> Result<AddressSpace, VmError> {
        todo!()
    }

    /// Map `[addr, addr + len)` (page-aligned `addr`; `len` rounded up to pages) zero-filled
    /// with `prot`, replacing whatever was mapped there (MAP_FIXED semantics).
    pub fn map_fixed(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), MapError> {
        todo!()
    }

    /// Pick a free page-aligned range of `len` bytes for a non-fixed mmap: `hint` if that range
    /// is free, else the highest free range below the mmap base (top-down, like Linux).
    pub fn find_free(&self, len: u64, hint: u64) -> Result<u64, MapError> {
        todo!()
    }

    /// Unmap `[addr, addr + len)`; unmapped parts are ignored (munmap semantics).
    pub fn unmap(&mut self, addr: u64, len: u64) -> Result<(), MapError> {
        todo!()
    }

    /// Change protection of `[addr, addr + len)`; `NoMemory` if any page is unmapped.
    pub fn protect(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), MapError> {
        todo!()
    }

    /// mremap: resize the mapping at `old` (`old_len` bytes) to `new_len`, moving it if
    /// `may_move` and it cannot grow in place; contents are preserved. Returns the new address.
    pub fn remap(&mut self, old: u64, old_len: u64, new_len: u64, may_move: bool) -> Result<u64, MapError> {
        todo!()
    }

    /// Protection of the page holding `addr`, `None` if unmapped.
    pub fn prot_of(&self, addr: u64) -> Option<Prot> {
        todo!()
    }

    /// Every mapping as `(start, end, prot)`, merged where adjacent with equal prot, sorted.
    pub fn mappings(&self) -> Vec<(u64, u64, Prot)> {
        todo!()
    }

    /// Copy guest memory into `buf`; needs READ on every page.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        todo!()
    }

    /// Copy `data` into guest memory; needs WRITE on every page.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemFault> {
        todo!()
    }

    /// Copy `data` into mapped guest memory whatever its protection (the loader filling
    /// read-only segments). Fails only where nothing is mapped.
    pub fn write_force(&mut self, addr: u64, data: &[u8]) -> Result<(), MemFault> {
        todo!()
    }

    /// Read a NUL-terminated string (without the NUL) of at most `max` bytes.
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>, MemFault> {
        todo!()
    }

    /// The host bytes of `[addr, addr + len)` if every page has READ (for syscalls that pass
    /// guest buffers straight to the host, e.g. write(2)).
    pub fn host_slice(&self, addr: u64, len: usize) -> Result<&[u8], MemFault> {
        todo!()
    }

    /// The host bytes of `[addr, addr + len)` if every page has WRITE (e.g. read(2)).
    pub fn host_slice_mut(&mut self, addr: u64, len: usize) -> Result<&mut [u8], MemFault> {
        todo!()
    }

    /// Unmap everything (execve).
    pub fn clear(&mut self) {
        todo!()
    }
}

impl Mmu for AddressSpace {
    fn load8(&mut self, addr: u64) -> Result<u64, MemFault> {
        todo!()
    }
    fn load16(&mut self, addr: u64) -> Result<u64, MemFault> {
        todo!()
    }
    fn load32(&mut self, addr: u64) -> Result<u64, MemFault> {
        todo!()
    }
    fn load64(&mut self, addr: u64) -> Result<u64, MemFault> {
        todo!()
    }
    fn store8(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        todo!()
    }
    fn store16(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        todo!()
    }
    fn store32(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        todo!()
    }
    fn store64(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        todo!()
    }
    fn fetch16(&mut self, addr: u64) -> Result<u16, MemFault> {
        todo!()
    }
}

//! Host mappings behind an [`crate::AddressSpace`]: reserving host address space, mapping fresh
//! pages into the reservation, and changing their host protection.
//!
//! Everything here is a thin wrapper over mmap(2)/mprotect(2) on ranges the caller owns; the
//! policy (which protection a guest page gets on the host) lives in `user.rs`.

use std::ptr;

/// Host protection: no access.
pub(crate) const NONE: libc::c_int = libc::PROT_NONE;
/// Host protection: read-only.
pub(crate) const READ: libc::c_int = libc::PROT_READ;
/// Host protection: read and write.
pub(crate) const RW: libc::c_int = libc::PROT_READ | libc::PROT_WRITE;

/// A fresh private anonymous `MAP_NORESERVE` host mapping of `len` bytes.
pub(crate) fn anon_map(len: usize, prot: libc::c_int) -> Option<*mut u8> {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE;
    // SAFETY: a new mapping at an address of the kernel's choice touches no existing memory.
    let p = unsafe { libc::mmap(ptr::null_mut(), len, prot, flags, -1, 0) };
    (p != libc::MAP_FAILED).then_some(p.cast())
}

/// Replace `[at, at + len)` with fresh zeroed private pages of protection `prot`. Whether it
/// worked.
///
/// # Safety
/// The range must be page-aligned, owned by the caller (inside its own reservation) and not
/// borrowed by anything: its old contents are gone afterwards.
pub(crate) unsafe fn map_fresh(at: *mut u8, len: usize, prot: libc::c_int) -> bool {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED;
    // SAFETY: the caller owns the range and nothing borrows it, so replacing it is sound.
    let p = unsafe { libc::mmap(at.cast(), len, prot, flags, -1, 0) };
    p != libc::MAP_FAILED
}

/// Set the host protection of `[at, at + len)`. Whether it worked.
///
/// # Safety
/// The range must be page-aligned and owned by the caller, with no live reference into any
/// part of it that the new protection would make inaccessible.
pub(crate) unsafe fn protect(at: *mut u8, len: usize, prot: libc::c_int) -> bool {
    if len == 0 {
        return true;
    }
    // SAFETY: the caller owns the range and holds no reference the change could break.
    unsafe { libc::mprotect(at.cast(), len, prot) == 0 }
}

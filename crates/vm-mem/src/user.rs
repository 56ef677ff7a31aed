//! [`AddressSpace`]: the flat guest address space of a Linux user-mode process.
//!
//! Layout: one host range of `USER_TOP` bytes is reserved per guest (`PROT_NONE`,
//! `MAP_NORESERVE`), and guest address `a` lives at host address `base + a`. A guest mapping is a
//! fresh private anonymous host mapping over its part of the reservation (zero-filled, with the
//! host protection described below); unmapping maps `PROT_NONE` over it again, which gives the
//! memory back to the host while keeping the reservation whole.
//!
//! Host protections are *guarded* by default ([`vm_core::FastMem::guarded`]): a mapped page the
//! guest may not load from (guest `PROT_NONE`, or execute-only) is host `PROT_NONE` too, and a
//! page the guest may not store to without the slow path (no guest WRITE, or translated code
//! on it, see `CODE`) is host read-only. So every host-readable byte of the reservation is
//! guest-loadable and every host-writable byte guest-storable with nothing to report: compiled
//! code may load and store without looking at the table and let the host fault redirect it
//! (the JIT does so for loads; its stores keep their probe, see `vm_engine_jit`'s codegen).
//! Marking a writable page as holding code makes it host read-only; the first store to it
//! (through the slow path) clears the mark and opens it again. The VM's own accesses to closed
//! pages (the loader filling them, instruction fetch from execute-only pages) open them for the
//! moment (`user_host.rs`).
//! [`AddressSpace::set_guarded`] turns this off for users that map guest memory elsewhere (a
//! hypervisor, which needs every mapped page host-accessible).
//!
//! Guest permissions are checked in software on every access, against a table with one byte per
//! guest page (64 Mi entries, an anonymous `MAP_NORESERVE` mapping, so only the parts describing
//! used guest memory ever cost host memory). The table byte holds the guest `PROT_*` bits, a
//! "mapped" bit, and a "loadable" bit (READ or WRITE: as on Linux/RISC-V, writable pages are
//! readable). A sorted map of mapping ranges answers range questions (free space, `mappings`,
//! `mremap`) without scanning the table.
//!
//! An access that touches any page without the needed permission is a [`MemFault`]
//! (`MemFaultKind::Unmapped`), never a host access: loads need READ (or WRITE), stores WRITE,
//! fetches EXEC, on every page they touch (accesses may straddle pages and be misaligned).
//! Addresses at or above [`USER_TOP`] always fault.
//!
//! Everything is private anonymous memory with no threads or file descriptors, so a host
//! `fork()` gives the child an independent copy for free.

use std::collections::BTreeMap;
use std::ptr;

use crate::host;

use vm_core::{AccessKind, MemFault, MemFaultKind, VmError};

/// Guest page size.
pub const PAGE_SIZE: u64 = 4096;
/// Guest user addresses are `[0, USER_TOP)` (Sv39's user half: 256 GiB).
pub const USER_TOP: u64 = 1 << 38;

const PAGE_SHIFT: u32 = 12;
const PAGE_MASK: u64 = PAGE_SIZE - 1;
/// Entries in the permission table: one per guest page.
const PAGES: usize = (USER_TOP / PAGE_SIZE) as usize;
/// Table bit: the page is mapped (whatever its protection).
const MAPPED: u8 = 8;
/// Table bit: loads are allowed (guest READ or WRITE).
const LOAD_OK: u8 = 16;
/// Table bit: the host page is read-only (a shared mapping of a file opened read-only), so
/// the guest may never get WRITE on it.
const HOST_RO: u8 = 32;
/// Table bit: the page holds translated code, so stores must be reported through
/// [`vm_core::Mmu::take_code_writes`] (they take the slow path, which clears the bit).
const CODE: u8 = 64;
/// Table bit: stores are allowed (guest WRITE).
const STORE_OK: u8 = Prot::WRITE.0;
/// Table bit: fetches are allowed (guest EXEC).
const FETCH_OK: u8 = Prot::EXEC.0;
/// Non-fixed mmaps are placed top-down below this address, like Linux's `mmap_base` just under
/// the stack gap (the loader puts the stack just below `USER_TOP`; 256 MiB leaves room for it).
const MMAP_BASE: u64 = USER_TOP - (1 << 28);
/// Lowest address a non-fixed mmap gets (Linux's default `vm.mmap_min_addr`).
const MMAP_MIN: u64 = 0x1_0000;

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
pub struct AddressSpace {
    /// Host address of guest address 0: a reservation of `USER_TOP` bytes.
    base: *mut u8,
    /// Permission table: `PAGES` bytes, one per guest page (0 = unmapped).
    table: *mut u8,
    /// Mappings, start → (end, prot): page-aligned, disjoint, adjacent equal-prot ranges merged.
    maps: BTreeMap<u64, (u64, Prot)>,
    /// Pages with translated code written since the last [`vm_core::Mmu::take_code_writes`].
    code_writes: Vec<u64>,
    /// Whether host protections mirror guest load and store permission
    /// ([`vm_core::FastMem::guarded`]).
    guarded: bool,
    /// A host protection change for code pages failed: stores to them may have gone
    /// unreported, so [`vm_core::Mmu::take_code_writes`] says writes are not tracked.
    code_writes_lost: bool,
}

// SAFETY: the two host mappings are owned exclusively by this value (no other pointer to them
// escapes except borrows tied to `&self`/`&mut self`), and nothing is thread-local, so moving it
// to another thread is fine.
unsafe impl Send for AddressSpace {}
// SAFETY: `&self` methods only read guest memory and the table; every write takes `&mut self`.
unsafe impl Sync for AddressSpace {}

impl std::fmt::Debug for AddressSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressSpace").field("base", &self.base).field("mappings", &self.maps.len()).finish()
    }
}

impl AddressSpace {
    /// Reserve `USER_TOP` bytes of host address space (`PROT_NONE`, `MAP_NORESERVE`); nothing is
    /// mapped for the guest yet.
    pub fn new() -> Result<AddressSpace, VmError> {
        // One reservation: the permission table, then the guest space right after it, so
        // compiled code reaches both from one base register (the table is at `base - PAGES`).
        let total = PAGES + USER_TOP as usize;
        let table = host::anon_map(total, host::NONE).ok_or_else(|| {
            VmError::Memory(format!("cannot reserve {total:#x} bytes of host address space"))
        })?;
        // SAFETY: the table part is the start of the reservation just made, owned by us.
        if unsafe { libc::mprotect(table.cast(), PAGES, libc::PROT_READ | libc::PROT_WRITE) } != 0 {
            // SAFETY: the reservation just made, of exactly this length, unused.
            unsafe { libc::munmap(table.cast(), total) };
            return Err(VmError::Memory("cannot allocate the guest page table".into()));
        }
        let base = table.wrapping_add(PAGES);
        Ok(AddressSpace {
            base,
            table,
            maps: BTreeMap::new(),
            code_writes: Vec::new(),
            guarded: true,
            code_writes_lost: false,
        })
    }

    /// Host address of guest address 0: the start of the `USER_TOP`-byte reservation that
    /// holds all guest memory (for a hypervisor to back guest-physical memory with it).
    pub fn host_base(&self) -> *mut u8 {
        self.base
    }

    /// Map `[addr, addr + len)` (page-aligned `addr`; `len` rounded up to pages) zero-filled
    /// with `prot`, replacing whatever was mapped there (MAP_FIXED semantics).
    pub fn map_fixed(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), MapError> {
        let (start, end) = page_range(addr, len)?;
        let prot = Prot(prot.0 & 7);
        if !self.host_map(start, end, self.host_prot(table_entry(prot))) {
            // A failed MAP_FIXED may have left anything there: make it unreachable.
            self.forget(start, end);
            return Err(MapError::NoMemory);
        }
        self.table_mut(start, end).fill(table_entry(prot));
        self.set_maps(start, end, Some(prot));
        Ok(())
    }

    /// Pick a free page-aligned range of `len` bytes for a non-fixed mmap: `hint` if that range
    /// is free, else the highest free range below the mmap base (top-down, like Linux).
    ///
    /// The mmap base is just below the stack area at the top; a non-page-aligned hint is rounded
    /// up, hints below 64 KiB are ignored, and if nothing below the base fits, the area above it
    /// is searched bottom-up. `Invalid` for `len == 0`, `NoMemory` if nothing fits.
    pub fn find_free(&self, len: u64, hint: u64) -> Result<u64, MapError> {
        if len == 0 {
            return Err(MapError::Invalid);
        }
        let len = round_up(len).filter(|&l| l <= USER_TOP - MMAP_MIN).ok_or(MapError::NoMemory)?;
        if let Some(h) = round_up(hint).filter(|&h| h >= MMAP_MIN) {
            if h.checked_add(len).is_some_and(|e| e <= USER_TOP && self.is_free(h, e)) {
                return Ok(h);
            }
        }
        // Top-down through the gaps below MMAP_BASE.
        let mut top = MMAP_BASE;
        for (&start, &(end, _)) in self.maps.range(..MMAP_BASE).rev() {
            if end < top && top - end >= len {
                return Ok(top - len);
            }
            top = top.min(start);
        }
        if top >= MMAP_MIN && top - MMAP_MIN >= len {
            return Ok(top - len);
        }
        // Bottom-up above it.
        let mut low = MMAP_BASE;
        if let Some((_, &(end, _))) = self.maps.range(..MMAP_BASE).next_back() {
            low = low.max(end);
        }
        for (&start, &(end, _)) in self.maps.range(MMAP_BASE..) {
            if start >= low && start - low >= len {
                return Ok(low);
            }
            low = low.max(end);
        }
        if USER_TOP - low >= len {
            return Ok(low);
        }
        Err(MapError::NoMemory)
    }

    /// Unmap `[addr, addr + len)`; unmapped parts are ignored (munmap semantics).
    pub fn unmap(&mut self, addr: u64, len: u64) -> Result<(), MapError> {
        let (start, end) = page_range(addr, len)?;
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for (s, e, _) in self.overlaps(start, end) {
            match runs.last_mut() {
                Some(run) if run.1 == s => run.1 = e,
                _ => runs.push((s, e)),
            }
        }
        for (s, e) in runs {
            // Failing to give the memory back is harmless: the table makes it unreachable, and
            // a later map_fixed maps fresh zero pages anyway.
            self.host_map(s, e, host::NONE);
            self.table_mut(s, e).fill(0);
        }
        self.set_maps(start, end, None);
        Ok(())
    }

    /// Change protection of `[addr, addr + len)`; `NoMemory` if any page is unmapped.
    ///
    /// As mprotect(2), `len == 0` succeeds (if `addr` is aligned). On `NoMemory` nothing changes.
    pub fn protect(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), MapError> {
        if len == 0 && addr & PAGE_MASK == 0 && addr <= USER_TOP {
            return Ok(());
        }
        let (start, end) = page_range(addr, len)?;
        if !self.is_mapped(start, end) {
            return Err(MapError::NoMemory);
        }
        let prot = Prot(prot.0 & 7);
        let old: Vec<u8> = self.table_mut(start, end).to_vec();
        for e in self.table_mut(start, end) {
            *e = if *e & HOST_RO != 0 {
                table_entry(Prot(prot.0 & !Prot::WRITE.0)) | HOST_RO
            } else {
                table_entry(prot)
            };
        }
        if !self.sync_host(start, end) {
            // The host refused (too many host mappings): leave everything as it was.
            self.table_mut(start, end).copy_from_slice(&old);
            self.sync_host(start, end);
            return Err(MapError::NoMemory);
        }
        self.set_maps(start, end, Some(prot));
        Ok(())
    }

    /// Map `[addr, addr + len)` as a *shared* mapping (MAP_SHARED): of `fd` from `offset`, or
    /// anonymous shared memory when `fd` is `None`. Unlike [`AddressSpace::map_fixed`], the host
    /// pages are shared, so writes are seen by the file and by forked children. With
    /// `writable_fd == false` (a file opened read-only) the host pages are read-only and the
    /// guest can never get WRITE on them. The caller must keep the range within the file's
    /// size (pages past its end would be a host SIGBUS).
    pub fn map_shared(
        &mut self,
        addr: u64,
        len: u64,
        prot: Prot,
        fd: Option<i32>,
        offset: u64,
        writable_fd: bool,
    ) -> Result<(), MapError> {
        let (start, end) = page_range(addr, len)?;
        let host_rw = fd.is_none() || writable_fd;
        let prot = Prot(prot.0 & 7);
        let entry =
            if host_rw { table_entry(prot) } else { table_entry(Prot(prot.0 & !Prot::WRITE.0)) | HOST_RO };
        let host_prot = self.host_prot(entry);
        let (flags, fd) = match fd {
            Some(fd) => (libc::MAP_SHARED | libc::MAP_FIXED, fd),
            None => (libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_FIXED, -1),
        };
        // SAFETY: the range is inside our own reservation and nothing borrows it (`&mut self`);
        // mapping over it replaces only guest pages.
        let r = unsafe {
            libc::mmap(
                self.host(start).cast(),
                (end - start) as usize,
                host_prot,
                flags,
                fd,
                offset as libc::off_t,
            )
        };
        if r == libc::MAP_FAILED {
            self.forget(start, end);
            return Err(MapError::NoMemory);
        }
        self.table_mut(start, end).fill(entry);
        self.set_maps(start, end, Some(prot));
        Ok(())
    }

    /// mremap: resize the mapping at `old` (`old_len` bytes) to `new_len`, moving it if
    /// `may_move` and it cannot grow in place; contents are preserved. Returns the new address.
    ///
    /// `Invalid` for a misaligned `old`, a zero length or a range outside `[0, USER_TOP)`;
    /// `NoMemory` if part of the old range is unmapped or there is no room. Pages keep their
    /// protection; grown pages get the protection of the old range's last page.
    pub fn remap(&mut self, old: u64, old_len: u64, new_len: u64, may_move: bool) -> Result<u64, MapError> {
        let (old, old_end) = page_range(old, old_len)?;
        let new_len = match round_up(new_len) {
            Some(l) if l > 0 => l,
            _ => return Err(MapError::Invalid),
        };
        if !self.is_mapped(old, old_end) {
            return Err(MapError::NoMemory);
        }
        let old_len = old_end - old;
        if new_len <= old_len {
            if new_len < old_len {
                self.unmap(old + new_len, old_len - new_len)?;
            }
            return Ok(old);
        }
        let tail = self.table_entry_at(old_end - PAGE_SIZE);
        let tail_prot = Prot(tail & 7);
        let new_end = old.checked_add(new_len).filter(|&e| e <= USER_TOP);
        if let Some(new_end) = new_end.filter(|&e| self.is_free(old_end, e)) {
            // The new pages hold no translated code, whatever the last old page holds.
            let tail = tail & !CODE;
            if !self.host_map(old_end, new_end, self.host_prot(tail)) {
                self.forget(old_end, new_end);
                return Err(MapError::NoMemory);
            }
            self.table_mut(old_end, new_end).fill(tail);
            self.set_maps(old_end, new_end, Some(tail_prot));
            return Ok(old);
        }
        if !may_move {
            return Err(MapError::NoMemory);
        }
        let dst = self.find_free(new_len, 0)?;
        // The old range is copied whatever its guest protection: open it for reading (it is
        // unmapped below anyway).
        // SAFETY: the old range is inside the reservation, fully guest-mapped (checked above),
        // and nothing borrows it (`&mut self`).
        if !self.host_map(dst, dst + new_len, host::RW)
            || !unsafe { host::protect(self.host(old), old_len as usize, host::READ) }
        {
            self.forget(dst, dst + new_len);
            self.sync_host(old, old_end);
            return Err(MapError::NoMemory);
        }
        // SAFETY: both ranges are inside the reservation, the old one host-readable and the new
        // one READ|WRITE (both just set), and they are disjoint because the new one was free.
        unsafe { ptr::copy_nonoverlapping(self.host(old), self.host(dst), old_len as usize) };
        for (s, e, prot) in self.overlaps(old, old_end) {
            let (ns, ne) = (s - old + dst, e - old + dst);
            self.table_mut(ns, ne).fill(table_entry(prot));
            self.set_maps(ns, ne, Some(prot));
        }
        self.table_mut(dst + old_len, dst + new_len).fill(tail);
        self.set_maps(dst + old_len, dst + new_len, Some(tail_prot));
        // Failing to narrow the copy's host protection is harmless for the VM (the table still
        // decides every access of its own); compiled code would see a guest page as loadable.
        self.sync_host(dst, dst + new_len);
        self.unmap(old, old_len)?;
        Ok(dst)
    }

    /// Protection of the page holding `addr`, `None` if unmapped.
    pub fn prot_of(&self, addr: u64) -> Option<Prot> {
        if addr >= USER_TOP {
            return None;
        }
        let entry = self.table_entry_at(addr);
        (entry & MAPPED != 0).then_some(Prot(entry & 7))
    }

    /// Every mapping as `(start, end, prot)`, merged where adjacent with equal prot, sorted.
    pub fn mappings(&self) -> Vec<(u64, u64, Prot)> {
        let mut out: Vec<(u64, u64, Prot)> = Vec::with_capacity(self.maps.len());
        for (&start, &(end, prot)) in &self.maps {
            match out.last_mut() {
                Some(last) if last.1 == start && last.2 == prot => last.1 = end,
                _ => out.push((start, end, prot)),
            }
        }
        out
    }

    /// Bytes mapped in all, whatever their protection.
    pub fn mapped_bytes(&self) -> u64 {
        self.maps.iter().map(|(&start, &(end, _))| end - start).sum()
    }

    /// Copy guest memory into `buf`; needs READ on every page.
    ///
    /// A fault reports the first guest address that could not be read.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        let src = self.host_slice(addr, buf.len())?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copy `data` into guest memory; needs WRITE on every page.
    ///
    /// A fault reports the first guest address that could not be written; nothing is written.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemFault> {
        self.host_slice_mut(addr, data.len())?.copy_from_slice(data);
        Ok(())
    }

    /// Copy `data` into mapped guest memory whatever its protection (the loader filling
    /// read-only segments). Fails only where nothing is mapped.
    pub fn write_force(&mut self, addr: u64, data: &[u8]) -> Result<(), MemFault> {
        if data.is_empty() {
            return Ok(());
        }
        self.check(addr, data.len() as u64, MAPPED, AccessKind::Store)?;
        self.record_code_writes(addr, data.len() as u64);
        let (start, end) = (addr & !PAGE_MASK, round_up(addr + data.len() as u64).unwrap_or(USER_TOP));
        // Pages the guest may not store to (or load from) are not host-writable: open them
        // while writing.
        let closed = (start..end)
            .step_by(PAGE_SIZE as usize)
            .any(|p| self.host_prot(self.table_entry_at(p)) != host::RW);
        // SAFETY: the pages are inside the reservation and mapped (checked), and nothing borrows
        // them (`&mut self`).
        if closed && !unsafe { host::protect(self.host(start), (end - start) as usize, host::RW) } {
            return Err(MemFault { addr, access: AccessKind::Store, kind: MemFaultKind::Unmapped });
        }
        // SAFETY: `check` found every page of the range mapped, so it is host memory inside
        // the reservation, READ|WRITE (opened above if it was not), and `data` (a Rust slice)
        // cannot overlap it mutably.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), self.host(addr), data.len()) };
        if closed {
            self.sync_host(start, end);
        }
        Ok(())
    }

    /// Read a NUL-terminated string (without the NUL) of at most `max` bytes.
    ///
    /// Like the kernel's `strncpy_from_user`: at most `max` bytes are looked at, and if none of
    /// them is a NUL the `max` bytes are returned (so `len == max` means "too long"). Only the
    /// bytes looked at must be readable; a fault reports the first one that is not.
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>, MemFault> {
        let mut out = Vec::new();
        let mut at = addr;
        while out.len() < max {
            let chunk = (PAGE_SIZE - (at & PAGE_MASK)).min((max - out.len()) as u64) as usize;
            let bytes = self.host_slice(at, chunk)?;
            if let Some(nul) = bytes.iter().position(|&b| b == 0) {
                out.extend_from_slice(&bytes[..nul]);
                return Ok(out);
            }
            out.extend_from_slice(bytes);
            at += chunk as u64;
        }
        Ok(out)
    }

    /// The host bytes of `[addr, addr + len)` if every page has READ (for syscalls that pass
    /// guest buffers straight to the host, e.g. write(2)).
    ///
    /// `len == 0` gives an empty slice for any `addr`. A fault reports the first guest address
    /// that is not readable.
    pub fn host_slice(&self, addr: u64, len: usize) -> Result<&[u8], MemFault> {
        if len == 0 {
            return Ok(&[]);
        }
        self.check(addr, len as u64, LOAD_OK, AccessKind::Load)?;
        // SAFETY: `check` found every page of the range mapped, so it is host-readable memory
        // inside the reservation; it is only written through `&mut self`, which the returned
        // borrow excludes.
        Ok(unsafe { std::slice::from_raw_parts(self.host(addr), len) })
    }

    /// The host bytes of `[addr, addr + len)` if every page has WRITE (e.g. read(2)).
    ///
    /// `len == 0` gives an empty slice for any `addr`. A fault reports the first guest address
    /// that is not writable.
    pub fn host_slice_mut(&mut self, addr: u64, len: usize) -> Result<&mut [u8], MemFault> {
        if len == 0 {
            return Ok(&mut []);
        }
        self.check(addr, len as u64, STORE_OK, AccessKind::Store)?;
        self.record_code_writes(addr, len as u64);
        // SAFETY: `check` found every page of the range mapped, so it is host READ|WRITE memory
        // inside the reservation; the returned borrow holds `&mut self`, so nothing else can
        // reach it meanwhile.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.host(addr), len) })
    }

    /// Unmap everything (execve).
    pub fn clear(&mut self) {
        for (start, end, _) in self.mappings() {
            self.table_mut(start, end).fill(0);
        }
        self.maps.clear();
        // Give the memory back; failure is harmless (the table says nothing is mapped, and
        // map_fixed always maps fresh zero pages).
        self.host_map(0, USER_TOP, host::NONE);
        // SAFETY: `table` is our private anonymous mapping of `PAGES` bytes, now all zero;
        // MADV_DONTNEED on it only drops pages, which read back as zero.
        unsafe { libc::madvise(self.table.cast(), PAGES, libc::MADV_DONTNEED) };
    }

    /// Host pointer for guest address `addr` (`addr <= USER_TOP`).
    #[inline(always)]
    fn host(&self, addr: u64) -> *mut u8 {
        debug_assert!(addr <= USER_TOP);
        self.base.wrapping_add(addr as usize)
    }

    /// Table byte of the page holding `addr` (`addr < USER_TOP`).
    #[inline(always)]
    fn table_entry_at(&self, addr: u64) -> u8 {
        debug_assert!(addr < USER_TOP);
        // SAFETY: `addr < USER_TOP`, so the page index is below `PAGES`, inside the table.
        unsafe { *self.table.add((addr >> PAGE_SHIFT) as usize) }
    }

    /// Table bytes of the pages of `[start, end)` (page-aligned, `end <= USER_TOP`).
    fn table_mut(&mut self, start: u64, end: u64) -> &mut [u8] {
        debug_assert!(start <= end && end <= USER_TOP);
        let (first, last) = ((start >> PAGE_SHIFT) as usize, (end >> PAGE_SHIFT) as usize);
        // SAFETY: `first <= last <= PAGES`: the range is inside the table mapping, which only
        // this value (borrowed mutably here) can reach.
        unsafe { std::slice::from_raw_parts_mut(self.table.add(first), last - first) }
    }

    /// Mark `[start, end)` unmapped in the table and the map (after a failed host mmap).
    fn forget(&mut self, start: u64, end: u64) {
        self.table_mut(start, end).fill(0);
        self.set_maps(start, end, None);
        self.host_map(start, end, host::NONE);
    }

    /// The mapped parts of `[start, end)`, clipped to it, in order.
    fn overlaps(&self, start: u64, end: u64) -> Vec<(u64, u64, Prot)> {
        let mut out = Vec::new();
        if let Some((_, &(e, prot))) = self.maps.range(..start).next_back() {
            if e > start {
                out.push((start, e.min(end), prot));
            }
        }
        for (&s, &(e, prot)) in self.maps.range(start..end) {
            out.push((s, e.min(end), prot));
        }
        out
    }

    /// Whether nothing in `[start, end)` is mapped.
    fn is_free(&self, start: u64, end: u64) -> bool {
        self.maps.range(..start).next_back().is_none_or(|(_, &(e, _))| e <= start)
            && self.maps.range(start..end).next().is_none()
    }

    /// Whether every page of `[start, end)` is mapped.
    fn is_mapped(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        for (s, e, _) in self.overlaps(start, end) {
            if s != at {
                return false;
            }
            at = e;
        }
        at == end
    }

    /// Record `[start, end)` as mapped with `prot` (or unmapped for `None`) in the map.
    fn set_maps(&mut self, start: u64, end: u64, prot: Option<Prot>) {
        // Cut out [start, end): split a mapping reaching in from below, drop or trim the rest.
        if let Some((&s, &(e, p))) = self.maps.range(..start).next_back() {
            if e > start {
                self.maps.insert(s, (start, p));
                if e > end {
                    self.maps.insert(end, (e, p));
                }
            }
        }
        while let Some((&s, &(e, p))) = self.maps.range(start..end).next() {
            self.maps.remove(&s);
            if e > end {
                self.maps.insert(end, (e, p));
            }
        }
        let Some(prot) = prot else { return };
        let (mut start, mut end) = (start, end);
        if let Some((&s, &(e, p))) = self.maps.range(..start).next_back() {
            if e == start && p == prot {
                self.maps.remove(&s);
                start = s;
            }
        }
        if let Some(&(e, p)) = self.maps.get(&end) {
            if p == prot {
                self.maps.remove(&end);
                end = e;
            }
        }
        self.maps.insert(start, (end, prot));
    }

    /// Check that every page of `[addr, addr + len)` (`len > 0`) has a table bit of `need`;
    /// the fault reports the first address that does not.
    fn check(&self, addr: u64, len: u64, need: u8, access: AccessKind) -> Result<(), MemFault> {
        let fault = |addr| MemFault { addr, access, kind: MemFaultKind::Unmapped };
        if addr >= USER_TOP {
            return Err(fault(addr));
        }
        let end = addr.saturating_add(len);
        let mut page = addr & !PAGE_MASK;
        while page < end.min(USER_TOP) {
            if self.table_entry_at(page) & need == 0 {
                return Err(fault(page.max(addr)));
            }
            page += PAGE_SIZE;
        }
        if end > USER_TOP || addr.checked_add(len).is_none() {
            return Err(fault(USER_TOP));
        }
        Ok(())
    }

    /// An `N`-byte little-endian load needing table bit `need`: the in-page case is one table
    /// lookup and one host load.
    #[inline(always)]
    fn load<const N: usize>(&self, addr: u64, need: u8, access: AccessKind) -> Result<u64, MemFault> {
        if addr < USER_TOP && addr & PAGE_MASK <= PAGE_SIZE - N as u64 {
            let entry = self.table_entry_at(addr);
            if entry & need != 0 {
                if need == FETCH_OK && entry & LOAD_OK == 0 {
                    return Ok(self.read_hidden(addr, N));
                }
                let mut bytes = [0u8; 8];
                // SAFETY: the page is mapped and loadable (or `need` is not a fetch, so it is a
                // load or store bit, and stores imply loads), so host bytes [addr, addr + N)
                // (inside that page) are readable memory of the reservation.
                unsafe { ptr::copy_nonoverlapping(self.host(addr), bytes.as_mut_ptr(), N) };
                return Ok(u64::from_le_bytes(bytes));
            }
            return Err(MemFault { addr, access, kind: MemFaultKind::Unmapped });
        }
        self.load_split(addr, N, need, access)
    }

    /// A load that straddles a page boundary or lies beyond `USER_TOP`.
    #[cold]
    #[inline(never)]
    fn load_split(&self, addr: u64, n: usize, need: u8, access: AccessKind) -> Result<u64, MemFault> {
        self.check_split(addr, n, need, access)?;
        if need == FETCH_OK {
            return Ok(self.read_hidden(addr, n));
        }
        let mut bytes = [0u8; 8];
        // SAFETY: `check_split` found both pages the n <= 8 bytes touch loadable (or writable,
        // which implies loadable).
        unsafe { ptr::copy_nonoverlapping(self.host(addr), bytes.as_mut_ptr(), n) };
        Ok(u64::from_le_bytes(bytes))
    }

    /// An `N`-byte little-endian store of the low bytes of `val`.
    #[inline(always)]
    fn store<const N: usize>(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        if addr < USER_TOP && addr & PAGE_MASK <= PAGE_SIZE - N as u64 {
            if self.table_entry_at(addr) & (STORE_OK | CODE) == STORE_OK {
                // SAFETY: the page is mapped, so host bytes [addr, addr + N) (inside that page)
                // are writable memory of the reservation, reachable only through `&mut self`.
                unsafe { ptr::copy_nonoverlapping(val.to_le_bytes().as_ptr(), self.host(addr), N) };
                return Ok(());
            }
            if self.table_entry_at(addr) & STORE_OK == 0 {
                return Err(MemFault { addr, access: AccessKind::Store, kind: MemFaultKind::Unmapped });
            }
        }
        self.store_split(addr, N, val)
    }

    /// A store that straddles a page boundary or lies beyond `USER_TOP`: nothing is written
    /// unless both pages are writable.
    #[cold]
    #[inline(never)]
    fn store_split(&mut self, addr: u64, n: usize, val: u64) -> Result<(), MemFault> {
        self.check_split(addr, n, STORE_OK, AccessKind::Store)?;
        self.record_code_writes(addr, n as u64);
        // SAFETY: `check_split` found both pages the n <= 8 bytes touch writable.
        unsafe { ptr::copy_nonoverlapping(val.to_le_bytes().as_ptr(), self.host(addr), n) };
        Ok(())
    }

    /// Check the (at most two) pages of an `n`-byte access; the fault reports `addr`.
    fn check_split(&self, addr: u64, n: usize, need: u8, access: AccessKind) -> Result<(), MemFault> {
        let last = addr.saturating_add(n as u64 - 1);
        if last < USER_TOP && self.table_entry_at(addr) & need != 0 && self.table_entry_at(last) & need != 0 {
            Ok(())
        } else {
            Err(MemFault { addr, access, kind: MemFaultKind::Unmapped })
        }
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        // SAFETY: the table and the guest space are one mapping of exactly this length, ours;
        // no borrow of it can
        // outlive `self`.
        unsafe {
            libc::munmap(self.table.cast(), PAGES + USER_TOP as usize);
        }
    }
}

/// The table byte for a mapped page with `prot` (unknown bits ignored).
fn table_entry(prot: Prot) -> u8 {
    let bits = prot.0 & 7;
    let load = if bits & (Prot::READ.0 | Prot::WRITE.0) != 0 { LOAD_OK } else { 0 };
    MAPPED | load | bits
}

/// `len` rounded up to whole pages (`None` on overflow).
fn round_up(len: u64) -> Option<u64> {
    len.checked_add(PAGE_MASK).map(|l| l & !PAGE_MASK)
}

/// `[addr, addr + len)` with `len` rounded up to pages, if `addr` is page-aligned, `len > 0` and
/// the range lies within `[0, USER_TOP)`.
fn page_range(addr: u64, len: u64) -> Result<(u64, u64), MapError> {
    if addr & PAGE_MASK != 0 || len == 0 {
        return Err(MapError::Invalid);
    }
    let end = round_up(len).and_then(|l| addr.checked_add(l)).ok_or(MapError::Invalid)?;
    if end > USER_TOP {
        return Err(MapError::Invalid);
    }
    Ok((addr, end))
}

#[path = "user_host.rs"]
mod host_prot;
#[path = "user_mmu.rs"]
mod mmu;

#[cfg(test)]
#[path = "user_tests.rs"]
mod tests;

//! The host side of an [`AddressSpace`]: mapping fresh host pages into the reservation, and
//! host protections that mirror guest load and store permission (guarded spaces, see
//! `user.rs`), which the VM opens for the moment where it must read a page the guest cannot
//! load from or fill one it cannot store to; and the record of stores to pages holding
//! translated code, which reopens them.

use std::ptr;

use vm_core::VmError;

use super::{
    round_up, AddressSpace, CODE, HOST_RO, LOAD_OK, MAPPED, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, STORE_OK,
    USER_TOP,
};
use crate::host;

impl AddressSpace {
    /// Whether host protections mirror guest load and store permission (the default; see the
    /// module doc).
    /// With `on == false` every mapped page becomes host-accessible, as a hypervisor that maps
    /// guest memory itself needs. Fails only if the host refuses a protection change.
    pub fn set_guarded(&mut self, on: bool) -> Result<(), VmError> {
        self.guarded = on;
        for (start, end, _) in self.mappings() {
            if !self.sync_host(start, end) {
                return Err(VmError::Memory(format!(
                    "cannot change host protection of {start:#x}..{end:#x}"
                )));
            }
        }
        Ok(())
    }

    /// Map fresh zeroed host pages with protection `prot` over `[start, end)` of the
    /// reservation (`host::NONE` gives the pages back). Whether it worked.
    pub(super) fn host_map(&mut self, start: u64, end: u64, prot: libc::c_int) -> bool {
        debug_assert!(start < end && end <= USER_TOP);
        // SAFETY: the range is inside our own reservation (nothing else of the host lives
        // there) and nothing borrows it (`&mut self`), so replacing its pages is sound.
        unsafe { host::map_fresh(self.host(start), (end - start) as usize, prot) }
    }

    /// The host protection a page with table byte `entry` gets: none where nothing is mapped
    /// or (guarded) where the guest may not load; read-only for read-only host pages and
    /// (guarded) where a guest store must take the slow path (no guest WRITE, or translated
    /// code on the page); else READ|WRITE.
    pub(super) fn host_prot(&self, entry: u8) -> libc::c_int {
        if entry & MAPPED == 0 || (self.guarded && entry & LOAD_OK == 0) {
            host::NONE
        } else if entry & HOST_RO != 0 || (self.guarded && entry & (STORE_OK | CODE) != STORE_OK) {
            host::READ
        } else {
            host::RW
        }
    }

    /// Give the mapped pages of `[start, end)` the host protection their table bytes call for
    /// (one mprotect per run of equal protection). Whether every change worked.
    pub(super) fn sync_host(&self, start: u64, end: u64) -> bool {
        let mut ok = true;
        let mut run: Option<(u64, libc::c_int)> = None;
        let mut page = start;
        while page <= end {
            let prot = (page < end)
                .then(|| self.table_entry_at(page))
                .filter(|&e| e & MAPPED != 0)
                .map(|e| self.host_prot(e));
            if let Some((run_start, run_prot)) = run {
                if prot != Some(run_prot) {
                    // SAFETY: the run is mapped guest pages inside the reservation; the VM holds
                    // no reference into guest memory across calls that change protections.
                    ok &=
                        unsafe { host::protect(self.host(run_start), (page - run_start) as usize, run_prot) };
                    run = None;
                }
            }
            if let (None, Some(p)) = (run, prot) {
                run = Some((page, p));
            }
            page += PAGE_SIZE;
        }
        ok
    }

    /// Read `n <= 8` bytes at `addr` from mapped pages the guest may not load from (instruction
    /// fetch from execute-only pages), opening them for the moment.
    #[cold]
    #[inline(never)]
    pub(super) fn read_hidden(&self, addr: u64, n: usize) -> u64 {
        let (start, end) = (addr & !PAGE_MASK, round_up(addr + n as u64).unwrap_or(USER_TOP));
        let mut bytes = [0u8; 8];
        // SAFETY: the caller checked the pages mapped: inside the reservation, and the VM holds
        // no reference into them. Once readable, the n bytes can be copied.
        unsafe {
            if host::protect(self.host(start), (end - start) as usize, host::READ) {
                ptr::copy_nonoverlapping(self.host(addr), bytes.as_mut_ptr(), n);
            }
        }
        self.sync_host(start, end);
        u64::from_le_bytes(bytes)
    }

    /// Note stores to `[addr, addr + len)` (already checked writable) on pages holding
    /// translated code, and clear their code bit so later stores take the fast path again
    /// (guarded: the host page becomes writable again, before the caller writes).
    pub(super) fn record_code_writes(&mut self, addr: u64, len: u64) {
        let end = addr.saturating_add(len).min(USER_TOP);
        let mut page = addr & !PAGE_MASK;
        let mut reopen: Option<(u64, u64)> = None;
        while page < end {
            // SAFETY: `page < USER_TOP`, so its index is inside the table.
            let entry = unsafe { &mut *self.table.add((page >> PAGE_SHIFT) as usize) };
            if *entry & CODE != 0 {
                *entry &= !CODE;
                self.code_writes.push(page);
                reopen = Some((reopen.map_or(page, |r| r.0), page + PAGE_SIZE));
            }
            page += PAGE_SIZE;
        }
        if let Some((lo, hi)) = reopen.filter(|_| self.guarded) {
            self.sync_code_pages(lo, hi);
        }
    }

    /// After code bits of `[lo, hi)` changed on a guarded space: give the pages the host
    /// protection the table now calls for. Should the host refuse, compiled code may store to
    /// a page holding translated code unnoticed, so code writes are no longer tracked from
    /// then on: every `fence.i` drops all translations ([`vm_core::Mmu::take_code_writes`]).
    pub(super) fn sync_code_pages(&mut self, lo: u64, hi: u64) {
        if !self.sync_host(lo, hi) {
            tracing::warn!(lo, hi, "host refused a protection change: fence.i now drops every translation");
            self.code_writes_lost = true;
        }
    }
}

//! The guest's 4-level page tables, kept by the VMM in the system region, and their sync with
//! the process's [`AddressSpace`] (guest virtual = guest physical for user memory).
//!
//! Every mapped page gets its PTE eagerly, so the program never faults on memory it owns (a VM
//! exit costs tens of microseconds here). Under a shadow-paging hypervisor the guest does not
//! see the host's edits of a *present* PTE, so when a sync removes or narrows one the caller
//! must make the hypervisor drop its shadow tables ([`Sync::narrowed`]).

use vm_mem::{AddressSpace, PAGE_SIZE, USER_TOP};

use super::layout::{PT_OFF, SYS_GPA, SYS_SIZE};

/// Present.
pub const P: u64 = 1;
/// Writable.
pub const RW: u64 = 2;
/// User-accessible.
pub const US: u64 = 4;
/// No-execute.
pub const NX: u64 = 1 << 63;
const ADDR: u64 = 0x000f_ffff_ffff_f000;

/// Page tables in the system region, whose host view starts at `sys`.
pub struct PageTables {
    sys: *mut u8,
    /// Offset of the next never-used page for tables.
    next: u64,
}

/// The system region has no room for another page-table page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("out of page-table space in the VM's system region")]
pub struct OutOfTables;

impl From<OutOfTables> for vm_core::VmError {
    fn from(e: OutOfTables) -> Self {
        vm_core::VmError::Memory(e.to_string())
    }
}

/// What a sync changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sync {
    /// PTEs written.
    pub changed: u64,
    /// Some present PTE lost its presence or rights (needs a shadow flush).
    pub narrowed: bool,
}

impl PageTables {
    /// Empty tables; the PML4 is the page at [`PT_OFF`] of the (zeroed) system region.
    ///
    /// # Safety
    /// `sys` must be the host view of the whole system region (`SYS_SIZE` bytes), valid for as
    /// long as this value, and nothing else may write the page-table pages.
    pub unsafe fn new(sys: *mut u8) -> PageTables {
        PageTables { sys, next: PT_OFF + PAGE_SIZE }
    }

    /// End offset of the table pages used so far.
    pub fn used(&self) -> u64 {
        self.next
    }

    /// Guest-physical address of the PML4 (for CR3).
    pub fn root(&self) -> u64 {
        SYS_GPA + PT_OFF
    }

    fn entry(&mut self, table_off: u64, idx: u64) -> *mut u64 {
        debug_assert!(table_off + 8 * idx + 8 <= SYS_SIZE as u64);
        // SAFETY: table offsets come from `PT_OFF` or `alloc`, both inside the system region,
        // and `idx < 512`, so the 8-byte entry is inside it and aligned.
        unsafe { self.sys.add((table_off + 8 * idx) as usize).cast::<u64>() }
    }

    fn alloc(&mut self) -> Option<u64> {
        if self.next + PAGE_SIZE > SYS_SIZE as u64 {
            return None;
        }
        let off = self.next;
        self.next += PAGE_SIZE;
        Some(off)
    }

    /// The leaf entry for `va`, creating intermediate tables if `create`.
    fn leaf(&mut self, va: u64, create: bool) -> Option<*mut u64> {
        let mut table = PT_OFF;
        for shift in [39u32, 30, 21] {
            let e = self.entry(table, (va >> shift) & 511);
            // SAFETY: `entry` returns a valid aligned pointer into the system region.
            let val = unsafe { e.read_volatile() };
            table = if val & P != 0 {
                // Only ever points at a table page this value allocated (the guest cannot
                // write page-table pages: they are mapped in no guest address space); check
                // anyway rather than trust memory the VM can reach.
                let t = (val & ADDR).wrapping_sub(SYS_GPA);
                if !(PT_OFF + PAGE_SIZE..self.next).contains(&t) {
                    return None;
                }
                t
            } else {
                if !create {
                    return None;
                }
                let t = self.alloc()?;
                // SAFETY: as above.
                unsafe { e.write_volatile((SYS_GPA + t) | P | RW | US) };
                t
            };
        }
        Some(self.entry(table, (va >> 12) & 511))
    }

    /// Map `va` to `gpa` with `flags` (0 unmaps); returns the old entry.
    pub fn set(&mut self, va: u64, gpa: u64, flags: u64) -> Result<u64, OutOfTables> {
        let Some(e) = self.leaf(va, flags != 0) else {
            return if flags == 0 { Ok(0) } else { Err(OutOfTables) };
        };
        let new = if flags == 0 { 0 } else { (gpa & ADDR) | flags };
        // SAFETY: a valid aligned leaf entry (see `leaf`).
        let old = unsafe { e.read_volatile() };
        // SAFETY: as above.
        unsafe { e.write_volatile(new) };
        Ok(old)
    }

    /// Make the PTEs of user pages `[lo, hi)` match `mem`'s mappings.
    pub fn sync(&mut self, mem: &AddressSpace, lo: u64, hi: u64) -> Result<Sync, OutOfTables> {
        let mut out = Sync::default();
        let hi = hi.min(USER_TOP);
        let mut page = lo & !(PAGE_SIZE - 1);
        while page < hi {
            let flags = match mem.prot_of(page) {
                Some(prot) if prot.0 & 7 != 0 => {
                    P | US | if prot.0 & 2 != 0 { RW } else { 0 } | if prot.0 & 4 != 0 { 0 } else { NX }
                }
                _ => 0,
            };
            let old = self.set(page, page, flags)?;
            let old_flags = if old & P != 0 { old & (P | RW | US | NX) } else { 0 };
            if old_flags != flags {
                out.changed += 1;
                if old_flags & P != 0
                    && (flags & P == 0
                        || (old_flags & RW != 0 && flags & RW == 0)
                        || (old_flags & NX == 0 && flags & NX != 0))
                {
                    out.narrowed = true;
                }
            }
            page += PAGE_SIZE;
        }
        Ok(out)
    }
}

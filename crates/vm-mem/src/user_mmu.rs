//! [`Mmu`] for [`AddressSpace`]: the view of guest memory the interpreter and the JIT's
//! helpers use (checked accesses), and the fast path compiled code uses ([`FastMem`]).

use vm_core::{AccessKind, FastMem, MemFault, Mmu};

use super::{
    AddressSpace, CODE, FETCH_OK, LOAD_OK, MAPPED, PAGES, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, STORE_OK,
    USER_TOP,
};

impl Mmu for AddressSpace {
    #[inline(always)]
    fn load8(&mut self, addr: u64) -> Result<u64, MemFault> {
        self.load::<1>(addr, LOAD_OK, AccessKind::Load)
    }
    #[inline(always)]
    fn load16(&mut self, addr: u64) -> Result<u64, MemFault> {
        self.load::<2>(addr, LOAD_OK, AccessKind::Load)
    }
    #[inline(always)]
    fn load32(&mut self, addr: u64) -> Result<u64, MemFault> {
        self.load::<4>(addr, LOAD_OK, AccessKind::Load)
    }
    #[inline(always)]
    fn load64(&mut self, addr: u64) -> Result<u64, MemFault> {
        self.load::<8>(addr, LOAD_OK, AccessKind::Load)
    }
    #[inline(always)]
    fn store8(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        self.store::<1>(addr, val)
    }
    #[inline(always)]
    fn store16(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        self.store::<2>(addr, val)
    }
    #[inline(always)]
    fn store32(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        self.store::<4>(addr, val)
    }
    #[inline(always)]
    fn store64(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        self.store::<8>(addr, val)
    }
    #[inline(always)]
    fn fetch16(&mut self, addr: u64) -> Result<u16, MemFault> {
        self.load::<2>(addr, FETCH_OK, AccessKind::Fetch).map(|v| v as u16)
    }

    fn fast_mem(&self) -> Option<FastMem> {
        Some(FastMem {
            host: self.base,
            lo: 0,
            pages: PAGES as u64,
            table: self.table,
            load_ok: LOAD_OK,
            store_mask: STORE_OK | CODE,
            store_ok: STORE_OK,
            guarded: self.guarded,
        })
    }

    fn note_code(&mut self, addr: u64, len: u64) {
        let end = addr.saturating_add(len.max(1)).min(USER_TOP);
        let mut page = addr & !PAGE_MASK;
        let mut close: Option<(u64, u64)> = None;
        while page < end {
            // SAFETY: `page < USER_TOP`, so its index is inside the table.
            let entry = unsafe { &mut *self.table.add((page >> PAGE_SHIFT) as usize) };
            if *entry & (MAPPED | CODE) == MAPPED {
                *entry |= CODE;
                if *entry & STORE_OK != 0 {
                    close = Some((close.map_or(page, |c| c.0), page + PAGE_SIZE));
                }
            }
            page += PAGE_SIZE;
        }
        // Guarded: a writable page that now holds code becomes host read-only, so that a
        // store compiled without a probe reaches the slow path, which reports it.
        if let Some((lo, hi)) = close.filter(|_| self.guarded) {
            self.sync_code_pages(lo, hi);
        }
    }

    fn take_code_writes(&mut self) -> Option<Vec<u64>> {
        let pages = std::mem::take(&mut self.code_writes);
        (!self.code_writes_lost).then_some(pages)
    }
}

//! [`PhysMem`]: RAM at a guest-physical base address, with a store watch window.

use vm_core::{AccessKind, FastMem, MemFault, MemFaultKind, Mmu, VmError};

/// Fast-path table bit: loads may go straight to RAM.
const FAST_LOAD: u8 = 1;
/// Fast-path table bit: stores may go straight to RAM (not on watched pages).
const FAST_STORE: u8 = 2;

/// A physical address space holding one RAM region.
pub struct PhysMem {
    base: u64,
    ram: Box<[u8]>,
    watch_lo: u64,
    watch_len: u64,
    /// 1 after a store hit the watch window (a word, so compiled code can poll it).
    watch_hit: u64,
    /// The stop word for compiled code: a watch hit sets it to 0 (see [`PhysMem::stop_word`]).
    stop: u64,
    /// One byte per whole RAM page for compiled code's fast path ([`Mmu::fast_mem`]).
    fast: Box<[u8]>,
}

impl PhysMem {
    /// `size` bytes of zeroed RAM starting at guest-physical `base`.
    pub fn new(base: u64, size: usize) -> Result<Self, VmError> {
        if size == 0 || base.checked_add(size as u64).is_none() {
            return Err(VmError::Config(format!(
                "RAM of {size} bytes at {base:#x} does not fit the address space"
            )));
        }
        let fast = vec![FAST_LOAD | FAST_STORE; size / 4096].into_boxed_slice();
        Ok(PhysMem {
            base,
            ram: zeroed(size)?,
            watch_lo: 0,
            watch_len: 0,
            watch_hit: 0,
            stop: u64::MAX,
            fast,
        })
    }

    /// First guest-physical address of RAM.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// RAM size in bytes.
    pub fn size(&self) -> usize {
        self.ram.len()
    }

    /// Report stores that touch `[lo, lo + len)` through [`PhysMem::take_watch_hit`].
    pub fn set_watch(&mut self, lo: u64, len: u64) {
        self.fast.fill(FAST_LOAD | FAST_STORE);
        self.watch_lo = lo;
        self.watch_len = len;
        // Stores to the watched pages must come through `store` to be seen.
        let mut page = lo & !0xfff;
        while len > 0 && page < lo.saturating_add(len) {
            if let Some(e) = self.fast.get_mut((page.wrapping_sub(self.base) >> 12) as usize) {
                *e = FAST_LOAD;
            }
            page += 0x1000;
        }
    }

    /// Whether a store touched the watch window and [`PhysMem::take_watch_hit`] has not been
    /// called since.
    #[inline(always)]
    pub fn watch_pending(&self) -> bool {
        self.watch_hit != 0
    }

    /// Set the stop word for compiled code to `stop_at` (0 if a watch hit is pending) and
    /// return its address; a store to the watch window sets it to 0 (such a store runs in a
    /// helper, which passes the new value on to the compiled code when it returns).
    pub fn stop_word(&mut self, stop_at: u64) -> *const u64 {
        self.stop = if self.watch_hit != 0 { 0 } else { stop_at };
        &self.stop
    }

    /// Whether a store touched the watch window since the last call.
    #[inline]
    pub fn take_watch_hit(&mut self) -> bool {
        std::mem::take(&mut self.watch_hit) != 0
    }

    /// The RAM bytes `[addr, addr + len)`, if all of them are RAM.
    pub fn slice(&self, addr: u64, len: usize) -> Option<&[u8]> {
        let off = self.offset(addr, len)?;
        self.ram.get(off..off + len)
    }

    /// Mutable RAM bytes `[addr, addr + len)`, if all of them are RAM.
    pub fn slice_mut(&mut self, addr: u64, len: usize) -> Option<&mut [u8]> {
        let off = self.offset(addr, len)?;
        self.ram.get_mut(off..off + len)
    }

    /// Copy `data` into RAM at `addr`.
    pub fn write_bytes(&mut self, addr: u64, data: &[u8]) -> Result<(), VmError> {
        let len = data.len();
        let dst = self
            .slice_mut(addr, len)
            .ok_or_else(|| VmError::Memory(format!("{len} bytes at {addr:#x} fall outside guest RAM")))?;
        dst.copy_from_slice(data);
        Ok(())
    }

    #[inline(always)]
    fn offset(&self, addr: u64, len: usize) -> Option<usize> {
        let off = addr.wrapping_sub(self.base);
        if off <= (self.ram.len() as u64).wrapping_sub(len as u64) && len <= self.ram.len() {
            Some(off as usize)
        } else {
            None
        }
    }

    #[inline(always)]
    fn load<const N: usize>(&self, addr: u64) -> Result<u64, MemFault> {
        match self.offset(addr, N) {
            Some(off) => {
                let mut b = [0u8; 8];
                b[..N].copy_from_slice(&self.ram[off..off + N]);
                Ok(u64::from_le_bytes(b))
            }
            None => Err(MemFault { addr, access: AccessKind::Load, kind: MemFaultKind::Unmapped }),
        }
    }

    #[inline(always)]
    fn store<const N: usize>(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
        match self.offset(addr, N) {
            Some(off) => {
                self.ram[off..off + N].copy_from_slice(&val.to_le_bytes()[..N]);
                if addr.wrapping_sub(self.watch_lo) < self.watch_len
                    || (addr + N as u64).wrapping_sub(self.watch_lo + 1) < self.watch_len
                {
                    self.watch_hit = 1;
                    self.stop = 0;
                }
                Ok(())
            }
            None => Err(MemFault { addr, access: AccessKind::Store, kind: MemFaultKind::Unmapped }),
        }
    }
}

/// `size` zeroed bytes from the allocator's zeroed path, so the OS supplies zero pages lazily
/// instead of the VM touching every page of a large RAM at start-up.
fn zeroed(size: usize) -> Result<Box<[u8]>, VmError> {
    let err = || VmError::Config(format!("cannot allocate {size} bytes of guest RAM"));
    let layout = std::alloc::Layout::array::<u8>(size).map_err(|_| err())?;
    // SAFETY: `layout` has non-zero size (checked by the caller).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(err());
    }
    // SAFETY: `ptr` is a fresh, zero-initialised allocation of exactly `size` bytes with the
    // layout `Box<[u8]>` uses, so the box owns it and frees it with the same layout.
    Ok(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, size)) })
}

impl Mmu for PhysMem {
    #[inline(always)]
    fn load8(&mut self, addr: u64) -> Result<u64, MemFault> {
        self.load::<1>(addr)
    }
    #[inline(always)]
    fn load16(&mut self, addr: u64) -> Result<u64, MemFault> {
        self.load::<2>(addr)
    }
    #[inline(always)]
    fn load32(&mut self, addr: u64) -> Result<u64, MemFault> {
        self.load::<4>(addr)
    }
    #[inline(always)]
    fn load64(&mut self, addr: u64) -> Result<u64, MemFault> {
        self.load::<8>(addr)
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
        self.load::<2>(addr).map(|v| v as u16).map_err(|f| MemFault { access: AccessKind::Fetch, ..f })
    }

    fn fast_mem(&self) -> Option<FastMem> {
        Some(FastMem {
            host: self.ram.as_ptr().cast_mut(),
            lo: self.base,
            pages: self.fast.len() as u64,
            table: self.fast.as_ptr(),
            load_ok: FAST_LOAD,
            store_mask: FAST_STORE,
            store_ok: FAST_STORE,
            guarded: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn loads_and_stores_round_trip_little_endian() {
        let mut m = PhysMem::new(0x8000_0000, 4096).unwrap();
        m.store64(0x8000_0008, 0x1122_3344_5566_7788).unwrap();
        assert_eq!(m.load8(0x8000_0008).unwrap(), 0x88);
        assert_eq!(m.load16(0x8000_0009).unwrap(), 0x6677);
        assert_eq!(m.load32(0x8000_000c).unwrap(), 0x1122_3344);
        assert_eq!(m.fetch16(0x8000_000e).unwrap(), 0x1122);
    }

    #[test]
    fn outside_ram_is_a_fault_not_a_host_access() {
        let mut m = PhysMem::new(0x8000_0000, 4096).unwrap();
        let f = m.load64(0x8000_0ff9).unwrap_err();
        assert_eq!((f.addr, f.access, f.kind), (0x8000_0ff9, AccessKind::Load, MemFaultKind::Unmapped));
        assert_eq!(f.riscv_cause(), 5);
        assert_eq!(m.store8(0x7fff_ffff, 0).unwrap_err().riscv_cause(), 7);
        assert_eq!(m.fetch16(u64::MAX).unwrap_err().riscv_cause(), 1);
        assert!(m.load8(0x8000_1000).is_err());
        assert!(m.load8(0x8000_0fff).is_ok());
    }

    #[test]
    fn watch_window_reports_overlapping_stores() {
        let mut m = PhysMem::new(0x8000_0000, 8192).unwrap();
        m.set_watch(0x8000_1000, 8);
        m.store64(0x8000_0ff8, 1).unwrap();
        assert!(!m.take_watch_hit());
        m.store64(0x8000_0ffc, 1).unwrap();
        assert!(m.take_watch_hit());
        m.store32(0x8000_1004, 1).unwrap();
        assert!(m.take_watch_hit());
        assert!(!m.take_watch_hit());
    }

    proptest! {
        #[test]
        fn any_address_either_works_or_faults(addr: u64, val: u64) {
            let mut m = PhysMem::new(0x8000_0000, 4096).unwrap();
            let inside = (0x8000_0000..=0x8000_0ff8).contains(&addr);
            prop_assert_eq!(m.store64(addr, val).is_ok(), inside);
            if inside {
                prop_assert_eq!(m.load64(addr).unwrap(), val);
            }
        }
    }
}

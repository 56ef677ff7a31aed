//! Tests of [`AddressSpace`].

use super::*;
use proptest::prelude::*;
use std::collections::BTreeSet;
use vm_core::Mmu;

const P: u64 = PAGE_SIZE;

fn space() -> AddressSpace {
    AddressSpace::new().unwrap()
}

/// The host protection of the page holding `host` as /proc/self/maps shows it ("rw-", "---",
/// ...), `None` if the host has nothing mapped there.
fn host_perms(host: *const u8) -> Option<String> {
    let a = host as u64;
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines().find_map(|l| {
        let (range, rest) = l.split_once(' ')?;
        let (lo, hi) = range.split_once('-')?;
        let (lo, hi) = (u64::from_str_radix(lo, 16).ok()?, u64::from_str_radix(hi, 16).ok()?);
        (lo <= a && a < hi).then(|| rest[..3].to_string())
    })
}

fn unmapped(addr: u64, access: AccessKind) -> MemFault {
    MemFault { addr, access, kind: MemFaultKind::Unmapped }
}

#[test]
fn fresh_space_has_nothing_mapped() {
    let mut m = space();
    assert!(m.mappings().is_empty());
    assert_eq!(m.prot_of(0), None);
    assert_eq!(m.load8(0x1000), Err(unmapped(0x1000, AccessKind::Load)));
    assert_eq!(m.store8(0x1000, 1), Err(unmapped(0x1000, AccessKind::Store)));
    assert_eq!(m.fetch16(0x1000), Err(unmapped(0x1000, AccessKind::Fetch)));
}

#[test]
fn loads_and_stores_round_trip_little_endian() {
    let mut m = space();
    m.map_fixed(0x10000, P, Prot::RW).unwrap();
    m.store64(0x10008, 0x1122_3344_5566_7788).unwrap();
    assert_eq!(m.load8(0x10008).unwrap(), 0x88);
    assert_eq!(m.load16(0x10009).unwrap(), 0x6677);
    assert_eq!(m.load32(0x1000c).unwrap(), 0x1122_3344);
    assert_eq!(m.load64(0x10008).unwrap(), 0x1122_3344_5566_7788);
    m.store32(0x10003, 0xdead_beef_0102_0304).unwrap();
    assert_eq!(m.load32(0x10003).unwrap(), 0x0102_0304);
    m.store16(0x10001, 0xabcd).unwrap();
    m.store8(0x10000, 0x1ff).unwrap();
    assert_eq!(m.load32(0x10000).unwrap(), 0x04ab_cdff);
    let mut buf = [0u8; 4];
    m.read(0x10000, &mut buf).unwrap();
    assert_eq!(buf, [0xff, 0xcd, 0xab, 0x04]);
}

#[test]
fn permissions_are_checked_per_access_kind() {
    let mut m = space();
    m.map_fixed(0x10000, P, Prot::READ).unwrap();
    m.map_fixed(0x11000, P, Prot::WRITE).unwrap();
    m.map_fixed(0x12000, P, Prot::EXEC).unwrap();
    m.map_fixed(0x13000, P, Prot::NONE).unwrap();
    m.map_fixed(0x14000, P, Prot::RX).unwrap();
    // READ page.
    assert!(m.load64(0x10000).is_ok());
    assert_eq!(m.store8(0x10000, 0), Err(unmapped(0x10000, AccessKind::Store)));
    assert_eq!(m.fetch16(0x10000), Err(unmapped(0x10000, AccessKind::Fetch)));
    // WRITE page: stores, and loads (writable implies readable on Linux/RISC-V).
    assert!(m.store64(0x11000, 5).is_ok());
    assert_eq!(m.load64(0x11000), Ok(5));
    assert!(m.fetch16(0x11000).is_err());
    // EXEC-only page: fetches only.
    assert!(m.fetch16(0x12000).is_ok());
    assert!(m.load8(0x12000).is_err());
    assert!(m.store8(0x12000, 0).is_err());
    // NONE page: nothing, but it is mapped.
    assert!(m.load8(0x13000).is_err() && m.store8(0x13000, 0).is_err() && m.fetch16(0x13000).is_err());
    assert_eq!(m.prot_of(0x13abc), Some(Prot::NONE));
    assert!(m.write_force(0x13000, b"x").is_ok());
    // RX.
    assert!(m.load8(0x14fff).is_ok() && m.fetch16(0x14ffe).is_ok() && m.store8(0x14000, 0).is_err());
    assert_eq!(m.prot_of(0x14000), Some(Prot::RX));
    assert_eq!(m.prot_of(0x15000), None);
}

#[test]
fn accesses_straddling_into_an_unmapped_or_read_only_page_fault_whole() {
    let mut m = space();
    m.map_fixed(0x20000, P, Prot::RW).unwrap();
    m.map_fixed(0x21000, P, Prot::READ).unwrap();
    // RW → R: loads work across, stores fault and write nothing.
    m.write(0x20ff8, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    assert_eq!(m.load64(0x20ffc).unwrap(), 0x0807_0605);
    assert_eq!(m.store64(0x20ffc, u64::MAX), Err(unmapped(0x20ffc, AccessKind::Store)));
    assert_eq!(m.store16(0x20fff, u64::MAX), Err(unmapped(0x20fff, AccessKind::Store)));
    assert_eq!(m.load64(0x20ff8).unwrap(), 0x0807_0605_0403_0201);
    // Misaligned but inside one page is fine.
    m.store64(0x20ff1, 0x1234).unwrap();
    assert_eq!(m.load64(0x20ff1).unwrap(), 0x1234);
    // R → unmapped.
    assert_eq!(m.load32(0x21ffe), Err(unmapped(0x21ffe, AccessKind::Load)));
    assert_eq!(m.load16(0x21fff), Err(unmapped(0x21fff, AccessKind::Load)));
    assert!(m.load16(0x21ffe).is_ok());
    // unmapped → RW.
    assert_eq!(m.load64(0x1fffc), Err(unmapped(0x1fffc, AccessKind::Load)));
    // A straddling store between two writable pages.
    m.protect(0x21000, P, Prot::RW).unwrap();
    m.store64(0x20ffd, 0x0102_0304_0506_0708).unwrap();
    assert_eq!(m.load64(0x20ffd).unwrap(), 0x0102_0304_0506_0708);
    assert_eq!(m.load8(0x21000).unwrap(), 0x05);
    // Fetch across into a non-exec page.
    m.map_fixed(0x30000, P, Prot::RX).unwrap();
    m.map_fixed(0x31000, P, Prot::READ).unwrap();
    assert_eq!(m.fetch16(0x30fff), Err(unmapped(0x30fff, AccessKind::Fetch)));
    m.protect(0x31000, P, Prot::RX).unwrap();
    m.write_force(0x30fff, &[0x34, 0x12]).unwrap();
    assert_eq!(m.fetch16(0x30fff), Ok(0x1234));
}

#[test]
fn addresses_at_or_above_user_top_always_fault() {
    let mut m = space();
    m.map_fixed(USER_TOP - P, P, Prot::RWX).unwrap();
    assert!(m.load64(USER_TOP - 8).is_ok());
    assert!(m.fetch16(USER_TOP - 2).is_ok());
    assert_eq!(m.load64(USER_TOP - 4), Err(unmapped(USER_TOP - 4, AccessKind::Load)));
    assert_eq!(m.store16(USER_TOP - 1, 0), Err(unmapped(USER_TOP - 1, AccessKind::Store)));
    for addr in [USER_TOP, USER_TOP + 1, 1 << 63, u64::MAX - 8, u64::MAX - 1, u64::MAX] {
        assert_eq!(m.load8(addr), Err(unmapped(addr, AccessKind::Load)));
        assert_eq!(m.load64(addr), Err(unmapped(addr, AccessKind::Load)));
        assert_eq!(m.store64(addr, 0), Err(unmapped(addr, AccessKind::Store)));
        assert_eq!(m.store32(addr, 0), Err(unmapped(addr, AccessKind::Store)));
        assert_eq!(m.fetch16(addr), Err(unmapped(addr, AccessKind::Fetch)));
        assert!(m.read(addr, &mut [0; 3]).is_err());
        assert!(m.write(addr, &[0; 3]).is_err());
        assert!(m.write_force(addr, &[0; 3]).is_err());
        assert!(m.host_slice(addr, 1).is_err());
        assert!(m.host_slice_mut(addr, 10).is_err());
        assert!(m.read_cstr(addr, 10).is_err());
        assert_eq!(m.prot_of(addr), None);
    }
    // Bulk accesses running off the top.
    assert_eq!(m.host_slice(USER_TOP - 8, 16).unwrap_err().addr, USER_TOP);
    assert!(m.host_slice(USER_TOP - 8, usize::MAX).is_err());
    m.write(USER_TOP - 2, b"ab").unwrap();
    assert_eq!(m.read_cstr(USER_TOP - 2, 100), Err(unmapped(USER_TOP, AccessKind::Load)));
    assert_eq!(m.read_cstr(USER_TOP - 2, 2).unwrap(), b"ab");
    // Mapping changes beyond the top are rejected.
    assert_eq!(m.map_fixed(USER_TOP, P, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.map_fixed(USER_TOP - P, 2 * P, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.map_fixed(!(P - 1), P, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.map_fixed(0, u64::MAX, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.unmap(!(P - 1), u64::MAX), Err(MapError::Invalid));
    assert_eq!(m.protect(USER_TOP, P, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.protect(0, u64::MAX, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.remap(USER_TOP - P, P, u64::MAX, false), Err(MapError::Invalid));
    assert_eq!(m.remap(USER_TOP - P, P, 2 * P, false), Err(MapError::NoMemory));
    assert!(m.find_free(u64::MAX, 0).is_err());
    assert!(m.find_free(USER_TOP, 0).is_err());
    assert_eq!(m.mappings(), vec![(USER_TOP - P, USER_TOP, Prot::RWX)]);
}

#[test]
fn host_protection_mirrors_guest_permission_unless_unguarded() {
    let mut m = space();
    let a = 0x50_0000;
    m.map_fixed(a, 4 * P, Prot::RW).unwrap();
    m.protect(a + P, P, Prot::NONE).unwrap();
    m.protect(a + 2 * P, P, Prot::EXEC).unwrap();
    m.protect(a + 3 * P, P, Prot::READ).unwrap();
    let perms = |m: &AddressSpace| -> Vec<String> {
        (0..4).map(|i| host_perms(m.host_base().wrapping_add((a + i * P) as usize)).unwrap()).collect()
    };
    assert_eq!(perms(&m), ["rw-", "---", "---", "r--"]);
    // The VM itself still fills and fetches from pages the guest cannot load from.
    m.write_force(a + 2 * P - 2, &[0x13, 0, 0x73, 0]).unwrap();
    assert_eq!(m.fetch16(a + 2 * P).unwrap(), 0x73);
    assert_eq!(m.load16(a + 2 * P), Err(unmapped(a + 2 * P, AccessKind::Load)));
    assert_eq!(m.load16(a + 2 * P - 2), Err(unmapped(a + 2 * P - 2, AccessKind::Load)));
    assert_eq!(perms(&m), ["rw-", "---", "---", "r--"]);
    // ... and fills pages it cannot store to.
    m.write_force(a + 3 * P + 8, &[0x55]).unwrap();
    assert_eq!(m.load8(a + 3 * P + 8), Ok(0x55));
    assert_eq!(perms(&m), ["rw-", "---", "---", "r--"]);
    // A move keeps the contents and the mirroring.
    m.map_fixed(a + 4 * P, P, Prot::READ).unwrap();
    let to = m.remap(a, 4 * P, 8 * P, true).unwrap();
    assert_ne!(to, a);
    assert_eq!(m.fetch16(to + 2 * P).unwrap(), 0x73);
    let moved: Vec<String> =
        (0..5).map(|i| host_perms(m.host_base().wrapping_add((to + i * P) as usize)).unwrap()).collect();
    assert_eq!(moved, ["rw-", "---", "---", "r--", "r--"]);
    assert_eq!(host_perms(m.host_base().wrapping_add(a as usize)).unwrap(), "---");
    m.protect(to + P, P, Prot::READ).unwrap();
    assert_eq!(m.load16(to + 2 * P - 2).unwrap(), 0x13);
    assert_eq!(host_perms(m.host_base().wrapping_add((to + P) as usize)).unwrap(), "r--");
    assert!(m.fast_mem().unwrap().guarded);
    m.set_guarded(false).unwrap();
    assert!(!m.fast_mem().unwrap().guarded);
    let open: Vec<String> =
        (0..5).map(|i| host_perms(m.host_base().wrapping_add((to + i * P) as usize)).unwrap()).collect();
    assert_eq!(open, ["rw-"; 5]);
    m.protect(to + P, P, Prot::NONE).unwrap();
    assert_eq!(host_perms(m.host_base().wrapping_add((to + P) as usize)).unwrap(), "rw-");
    assert_eq!(m.load16(to + 2 * P), Err(unmapped(to + 2 * P, AccessKind::Load)));
}

#[test]
fn invalid_arguments() {
    let mut m = space();
    assert_eq!(m.map_fixed(0x1001, P, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.map_fixed(0x1000, 0, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.unmap(0x1000, 0), Err(MapError::Invalid));
    assert_eq!(m.unmap(0x1001, P), Err(MapError::Invalid));
    assert_eq!(m.protect(0x1001, P, Prot::RW), Err(MapError::Invalid));
    assert_eq!(m.protect(0x1000, 0, Prot::RW), Ok(()));
    assert_eq!(m.find_free(0, 0), Err(MapError::Invalid));
    assert_eq!(m.remap(0x1001, P, P, true), Err(MapError::Invalid));
    assert_eq!(m.remap(0x1000, 0, P, true), Err(MapError::Invalid));
    assert_eq!(m.remap(0x1000, P, 0, true), Err(MapError::Invalid));
    assert_eq!(m.remap(0x1000, P, P, true), Err(MapError::NoMemory));
    // Unmapping nothing is fine.
    assert_eq!(m.unmap(0x1000, 100 * P), Ok(()));
}

#[test]
fn map_fixed_replaces_and_zero_fills_and_rounds_len_up() {
    let mut m = space();
    m.map_fixed(0x40000, 1, Prot::RW).unwrap();
    assert_eq!(m.mappings(), vec![(0x40000, 0x41000, Prot::RW)]);
    m.map_fixed(0x40000, 3 * P, Prot::RW).unwrap();
    m.store64(0x40ff8, 7).unwrap();
    m.store64(0x41000, 8).unwrap();
    m.store64(0x42000, 9).unwrap();
    m.map_fixed(0x41000, P, Prot::READ).unwrap();
    assert_eq!(m.load64(0x40ff8), Ok(7));
    assert_eq!(m.load64(0x41000), Ok(0));
    assert_eq!(m.load64(0x42000), Ok(9));
    assert_eq!(
        m.mappings(),
        vec![(0x40000, 0x41000, Prot::RW), (0x41000, 0x42000, Prot::READ), (0x42000, 0x43000, Prot::RW)]
    );
    // Re-mapping after unmapping gives zeros again.
    m.unmap(0x40000, 3 * P).unwrap();
    m.map_fixed(0x40000, 3 * P, Prot::RW).unwrap();
    assert_eq!(m.load64(0x40ff8), Ok(0));
    assert_eq!(m.load64(0x42000), Ok(0));
}

#[test]
fn after_unmap_the_old_data_is_unreachable() {
    let mut m = space();
    m.map_fixed(0x50000, 2 * P, Prot::RW).unwrap();
    m.write(0x50000, b"secret").unwrap();
    m.unmap(0x50000, P).unwrap();
    assert_eq!(m.load8(0x50000), Err(unmapped(0x50000, AccessKind::Load)));
    assert!(m.read(0x50000, &mut [0; 6]).is_err());
    assert!(m.host_slice(0x50000, 6).is_err());
    assert!(m.write_force(0x50000, b"x").is_err());
    assert_eq!(m.prot_of(0x50000), None);
    assert_eq!(m.prot_of(0x51000), Some(Prot::RW));
    m.map_fixed(0x50000, P, Prot::READ).unwrap();
    assert_eq!(m.host_slice(0x50000, 6).unwrap(), &[0; 6]);
}

#[test]
fn partial_unmap_splits_a_mapping() {
    let mut m = space();
    m.map_fixed(0x60000, 8 * P, Prot::RW).unwrap();
    m.unmap(0x62000, 2 * P).unwrap();
    assert_eq!(m.mappings(), vec![(0x60000, 0x62000, Prot::RW), (0x64000, 0x68000, Prot::RW)]);
    // Unmapping across a hole and past the end.
    m.unmap(0x61000, 4 * P).unwrap();
    assert_eq!(m.mappings(), vec![(0x60000, 0x61000, Prot::RW), (0x65000, 0x68000, Prot::RW)]);
    m.unmap(0x67000, 9 * P).unwrap();
    assert_eq!(m.mappings(), vec![(0x60000, 0x61000, Prot::RW), (0x65000, 0x67000, Prot::RW)]);
    m.unmap(0x5f000, 1).unwrap();
    m.unmap(0, 1 << 30).unwrap();
    assert!(m.mappings().is_empty());
}

#[test]
fn protect_sub_ranges_and_mappings_merge() {
    let mut m = space();
    m.map_fixed(0x70000, 4 * P, Prot::RW).unwrap();
    m.store8(0x71000, 42).unwrap();
    m.protect(0x71000, 2 * P, Prot::READ).unwrap();
    assert_eq!(
        m.mappings(),
        vec![(0x70000, 0x71000, Prot::RW), (0x71000, 0x73000, Prot::READ), (0x73000, 0x74000, Prot::RW)]
    );
    assert_eq!(m.load8(0x71000), Ok(42));
    assert!(m.store8(0x71000, 0).is_err());
    m.protect(0x71000, 2 * P, Prot::RW).unwrap();
    assert_eq!(m.mappings(), vec![(0x70000, 0x74000, Prot::RW)]);
    // Adjacent separate map_fixed calls with equal prot merge too.
    m.map_fixed(0x74000, P, Prot::RW).unwrap();
    m.map_fixed(0x6f000, P, Prot::RW).unwrap();
    assert_eq!(m.mappings(), vec![(0x6f000, 0x75000, Prot::RW)]);
    // Protecting a range with a hole: ENOMEM, nothing changes.
    m.unmap(0x72000, P).unwrap();
    assert_eq!(m.protect(0x70000, 4 * P, Prot::READ), Err(MapError::NoMemory));
    assert_eq!(m.protect(0x74000, 2 * P, Prot::READ), Err(MapError::NoMemory));
    assert_eq!(m.protect(0x90000, P, Prot::READ), Err(MapError::NoMemory));
    assert_eq!(m.mappings(), vec![(0x6f000, 0x72000, Prot::RW), (0x73000, 0x75000, Prot::RW)]);
    assert_eq!(m.prot_of(0x70000), Some(Prot::RW));
    // Unknown bits are ignored.
    m.protect(0x70000, 1, Prot(0xff)).unwrap();
    assert_eq!(m.prot_of(0x70000), Some(Prot::RWX));
    m.map_fixed(0x80000, 1, Prot(0xf9)).unwrap();
    assert_eq!(
        m.mappings(),
        vec![
            (0x6f000, 0x70000, Prot::RW),
            (0x70000, 0x71000, Prot::RWX),
            (0x71000, 0x72000, Prot::RW),
            (0x73000, 0x75000, Prot::RW),
            (0x80000, 0x81000, Prot::READ),
        ]
    );
}

#[test]
fn find_free_is_top_down_and_honours_free_hints() {
    let mut m = space();
    let a = m.find_free(3 * P, 0).unwrap();
    assert_eq!(a % P, 0);
    assert!(a >= MMAP_MIN && a + 3 * P <= MMAP_BASE);
    m.map_fixed(a, 3 * P, Prot::RW).unwrap();
    let b = m.find_free(P, 0).unwrap();
    assert_eq!(b + P, a);
    m.map_fixed(b, P, Prot::RW).unwrap();
    // A hole above gets used first when it fits.
    m.unmap(a + P, P).unwrap();
    assert_eq!(m.find_free(P, 0), Ok(a + P));
    assert_eq!(m.find_free(2 * P, 0), Ok(b - 2 * P));
    // Hints: free → used (rounded up), taken or too low → ignored.
    assert_eq!(m.find_free(P, 0x1234_5000), Ok(0x1234_5000));
    assert_eq!(m.find_free(P, 0x1234_5001), Ok(0x1234_6000));
    assert_eq!(m.find_free(P, a), Ok(a + P));
    assert_eq!(m.find_free(P, 0x1000), Ok(a + P));
    assert_eq!(m.find_free(2 * P, USER_TOP - P), Ok(b - 2 * P));
    // Everything below the base taken: the area above it is used.
    m.map_fixed(0, MMAP_BASE, Prot::NONE).unwrap();
    assert_eq!(m.find_free(P, 0), Ok(MMAP_BASE));
    m.map_fixed(MMAP_BASE, P, Prot::NONE).unwrap();
    assert_eq!(m.find_free(P, 0), Ok(MMAP_BASE + P));
    m.map_fixed(MMAP_BASE, USER_TOP - MMAP_BASE, Prot::NONE).unwrap();
    assert_eq!(m.find_free(P, 0), Err(MapError::NoMemory));
    m.clear();
    assert!(m.mappings().is_empty());
    assert_eq!(m.find_free(P, 0), Ok(MMAP_BASE - P));
}

#[test]
fn remap_shrinks_grows_in_place_and_moves() {
    let mut m = space();
    m.map_fixed(0x100000, 4 * P, Prot::RW).unwrap();
    m.store64(0x100000, 1).unwrap();
    m.store64(0x103000, 4).unwrap();
    // Shrink.
    assert_eq!(m.remap(0x100000, 4 * P, 2 * P, false), Ok(0x100000));
    assert_eq!(m.mappings(), vec![(0x100000, 0x102000, Prot::RW)]);
    assert!(m.load8(0x102000).is_err());
    // Grow in place: the new pages are zero.
    assert_eq!(m.remap(0x100000, 2 * P, 5 * P, false), Ok(0x100000));
    assert_eq!(m.mappings(), vec![(0x100000, 0x105000, Prot::RW)]);
    assert_eq!(m.load64(0x103000), Ok(0));
    assert_eq!(m.load64(0x100000), Ok(1));
    // Blocked: fail without may_move, move with it.
    m.map_fixed(0x105000, P, Prot::READ).unwrap();
    m.protect(0x100000, P, Prot::READ).unwrap();
    m.store64(0x104ff8, 99).unwrap();
    assert_eq!(m.remap(0x100000, 5 * P, 6 * P, false), Err(MapError::NoMemory));
    let to = m.remap(0x100000, 5 * P, 6 * P, true).unwrap();
    assert_ne!(to, 0x100000);
    assert_eq!(m.prot_of(0x100000), None);
    assert_eq!(
        m.mappings()[..2],
        [(0x105000, 0x106000, Prot::READ), (to, to + P, Prot::READ)],
        "{:x?}",
        m.mappings()
    );
    assert_eq!(m.mappings()[2], (to + P, to + 6 * P, Prot::RW));
    assert_eq!(m.load64(to), Ok(1));
    assert_eq!(m.load64(to + 0x4ff8), Ok(99));
    assert_eq!(m.load64(to + 0x5000), Ok(0));
    assert!(m.store8(to, 0).is_err());
    // The old range must be mapped.
    assert_eq!(m.remap(0x104000, 2 * P, 3 * P, true), Err(MapError::NoMemory));
    assert_eq!(m.remap(0x105000, 2 * P, 3 * P, true), Err(MapError::NoMemory));
}

#[test]
fn read_cstr_across_pages_and_its_max() {
    let mut m = space();
    m.map_fixed(0x200000, 2 * P, Prot::READ).unwrap();
    m.write_force(0x200ffc, b"hello\0world").unwrap();
    assert_eq!(m.read_cstr(0x200ffc, 100).unwrap(), b"hello");
    assert_eq!(m.read_cstr(0x200ffc, 5).unwrap(), b"hello");
    assert_eq!(m.read_cstr(0x200ffc, 3).unwrap(), b"hel");
    assert_eq!(m.read_cstr(0x200ffc, 0).unwrap(), b"");
    assert_eq!(m.read_cstr(0x201002, 5).unwrap(), b"world");
    // Running into unmapped memory before a NUL faults at the first unreadable byte...
    m.write_force(0x201ffe, b"ab").unwrap();
    assert_eq!(m.read_cstr(0x201ffe, 10), Err(unmapped(0x202000, AccessKind::Load)));
    // ...unless max stops first.
    assert_eq!(m.read_cstr(0x201ffe, 2).unwrap(), b"ab");
    // Not readable.
    m.protect(0x200000, P, Prot::EXEC).unwrap();
    assert!(m.read_cstr(0x200ffc, 3).is_err());
}

#[test]
fn host_slices_need_the_right_permission_on_every_page() {
    let mut m = space();
    m.map_fixed(0x300000, 2 * P, Prot::RW).unwrap();
    m.map_fixed(0x302000, P, Prot::READ).unwrap();
    m.host_slice_mut(0x300ffe, 4).unwrap().copy_from_slice(b"abcd");
    assert_eq!(m.host_slice(0x300ffe, 4).unwrap(), b"abcd");
    assert_eq!(m.host_slice(0x300000, 3 * P as usize).unwrap().len(), 3 * P as usize);
    assert_eq!(m.host_slice_mut(0x301ffe, 4).unwrap_err(), unmapped(0x302000, AccessKind::Store));
    assert_eq!(m.host_slice(0x302ffe, 4).unwrap_err(), unmapped(0x303000, AccessKind::Load));
    assert!(m.host_slice(0x303000, 0).unwrap().is_empty());
    assert!(m.host_slice_mut(u64::MAX, 0).unwrap().is_empty());
    assert_eq!(m.write(0x301ffe, b"wxyz").unwrap_err().addr, 0x302000);
    assert_eq!(m.load16(0x301ffe), Ok(0), "a failed write writes nothing");
    m.protect(0x300000, P, Prot::EXEC).unwrap();
    assert_eq!(m.host_slice(0x300ffe, 4).unwrap_err(), unmapped(0x300ffe, AccessKind::Load));
}

#[test]
fn clear_unmaps_everything() {
    let mut m = space();
    m.map_fixed(0x10000, P, Prot::RW).unwrap();
    m.map_fixed(0x2a_aaaa_a000, 16 * P, Prot::RX).unwrap();
    m.map_fixed(USER_TOP - 4 * P, 4 * P, Prot::RW).unwrap();
    m.store8(0x10000, 1).unwrap();
    m.clear();
    assert!(m.mappings().is_empty());
    assert!(m.load8(0x10000).is_err());
    assert!(m.fetch16(0x2a_aaaa_a000).is_err());
    assert_eq!(m.prot_of(USER_TOP - 1), None);
    m.map_fixed(0x10000, P, Prot::RW).unwrap();
    assert_eq!(m.load8(0x10000), Ok(0));
}

#[test]
fn large_sparse_mappings_are_cheap() {
    let mut m = space();
    // 64 GiB: only the table bytes are written, the guest pages are never touched.
    m.map_fixed(0x10_0000_0000, 1 << 36, Prot::RW).unwrap();
    m.store64(0x10_0000_0000 + (1 << 35), 3).unwrap();
    assert_eq!(m.load64(0x10_0000_0000 + (1 << 35)), Ok(3));
    m.unmap(0x10_0000_0000, 1 << 36).unwrap();
    assert!(m.mappings().is_empty());
}

#[test]
fn a_forked_child_gets_its_own_copy() {
    let mut m = space();
    m.map_fixed(0x10000, 2 * P, Prot::RW).unwrap();
    m.store64(0x10ffc, 0x1111).unwrap();
    // SAFETY: the child only runs allocation-free code (loads and stores of an existing
    // mapping) and leaves with `_exit`, so the parent's other threads do not matter.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let ok = m.load64(0x10ffc) == Ok(0x1111)
            && m.store64(0x10ffc, 0x2222).is_ok()
            && m.load8(0x20000).is_err();
        let ok = ok && m.load64(0x10ffc) == Ok(0x2222);
        // SAFETY: ends the child without running the parent's destructors or test harness.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child just forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status:#x}");
    assert_eq!(m.load64(0x10ffc), Ok(0x1111));
}

#[test]
fn space_moves_between_threads() {
    let mut m = space();
    m.map_fixed(0x10000, P, Prot::RW).unwrap();
    m.store8(0x10000, 9).unwrap();
    let mut m = std::thread::spawn(move || m).join().unwrap();
    assert_eq!(m.load8(0x10000), Ok(9));
}

/// A model operation for the proptest.
#[derive(Clone, Debug)]
enum Op {
    Map(u64, u64, u8),
    Unmap(u64, u64),
    Protect(u64, u64, u8),
    Remap(u64, u64, u64, bool),
    /// Translated code now covers these pages (`Mmu::note_code`).
    NoteCode(u64, u64),
}

/// Pages 0..MODEL_PAGES at 0x400000 are exercised.
const MODEL_PAGES: u64 = 24;
const MODEL_BASE: u64 = 0x40_0000;

fn op() -> impl Strategy<Value = Op> {
    let page = 0..MODEL_PAGES;
    let len = 1..8u64;
    prop_oneof![
        (page.clone(), len.clone(), 0..8u8).prop_map(|(p, l, r)| Op::Map(p, l, r)),
        (page.clone(), len.clone()).prop_map(|(p, l)| Op::Unmap(p, l)),
        (page.clone(), len.clone(), 0..8u8).prop_map(|(p, l, r)| Op::Protect(p, l, r)),
        (page.clone(), len.clone(), len.clone(), any::<bool>())
            .prop_map(|(p, o, n, mv)| Op::Remap(p, o, n, mv)),
        (page, len).prop_map(|(p, l)| Op::NoteCode(p, l)),
    ]
}

/// Check every model page (and the guest-visible permission behaviour) against the space.
/// `code`: the mapped pages marked as holding translated code; a store through
/// `host_slice_mut` reports and clears the mark, so this leaves `code` empty.
fn check_model(
    m: &mut AddressSpace,
    model: &BTreeMap<u64, (Prot, u8)>,
    code: &mut BTreeSet<u64>,
) -> Result<(), TestCaseError> {
    let mut reported = BTreeSet::new();
    for page in 0..MODEL_PAGES + 8 {
        let addr = MODEL_BASE + page * P;
        let want = model.get(&page).copied();
        prop_assert_eq!(m.prot_of(addr + 5), want.map(|w| w.0), "page {}", page);
        let readable = want.is_some_and(|(p, _)| p.0 & 3 != 0);
        let writable = want.is_some_and(|(p, _)| p.contains(Prot::WRITE));
        let exec = want.is_some_and(|(p, _)| p.contains(Prot::EXEC));
        // Guarded: the host can read exactly the pages the guest can load from, and write
        // exactly those it can store to without the slow path (no translated code there).
        let host = host_perms(m.host_base().wrapping_add(addr as usize));
        let expect = match (readable, writable && !code.contains(&page)) {
            (false, _) => "---",
            (true, false) => "r--",
            (true, true) => "rw-",
        };
        prop_assert_eq!(host.as_deref(), Some(expect), "page {} host", page);
        let loaded = m.load8(addr + 7);
        prop_assert_eq!(loaded.is_ok(), readable, "page {} load", page);
        if let (Ok(v), Some((_, byte))) = (loaded, want) {
            prop_assert_eq!(v, byte as u64, "page {} contents", page);
        }
        prop_assert_eq!(m.fetch16(addr).is_ok(), exec);
        prop_assert_eq!(m.host_slice_mut(addr, 1).is_ok(), writable);
        if writable && code.remove(&page) {
            reported.insert(addr);
            let host = host_perms(m.host_base().wrapping_add(addr as usize));
            prop_assert_eq!(host.as_deref(), Some("rw-"), "page {} host after a store", page);
        }
    }
    let writes: BTreeSet<u64> = m.take_code_writes().expect("tracked").into_iter().collect();
    prop_assert_eq!(writes, reported, "code writes");
    code.clear();
    // mappings(): sorted, merged, and the same pages as the model.
    let maps = m.mappings();
    for w in maps.windows(2) {
        prop_assert!(w[0].1 < w[1].0 || (w[0].1 == w[1].0 && w[0].2 != w[1].2), "{:x?}", maps);
    }
    let mut pages = BTreeMap::new();
    for &(s, e, prot) in &maps {
        for a in (s..e).step_by(P as usize) {
            pages.insert((a - MODEL_BASE) / P, prot);
        }
    }
    let want: BTreeMap<u64, Prot> = model.iter().map(|(&k, &(p, _))| (k, p)).collect();
    prop_assert_eq!(pages, want);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_mapping_changes_match_a_page_model(ops in proptest::collection::vec(op(), 1..40)) {
        let mut m = space();
        // page → (prot, byte written at offset 7 of the page).
        let mut model: BTreeMap<u64, (Prot, u8)> = BTreeMap::new();
        let mut code = BTreeSet::new();
        for (i, op) in ops.iter().enumerate() {
            let tag = i as u8 + 1;
            match *op {
                Op::Map(p, l, r) => {
                    m.map_fixed(MODEL_BASE + p * P, l * P, Prot(r)).unwrap();
                    for q in p..p + l {
                        model.insert(q, (Prot(r), 0));
                    }
                    // Mark the new pages' contents.
                    for q in p..p + l {
                        m.write_force(MODEL_BASE + q * P + 7, &[tag]).unwrap();
                        model.get_mut(&q).unwrap().1 = tag;
                    }
                }
                Op::Unmap(p, l) => {
                    m.unmap(MODEL_BASE + p * P, l * P).unwrap();
                    for q in p..p + l {
                        model.remove(&q);
                    }
                }
                Op::Protect(p, l, r) => {
                    let all = (p..p + l).all(|q| model.contains_key(&q));
                    let got = m.protect(MODEL_BASE + p * P, l * P, Prot(r));
                    prop_assert_eq!(got.is_ok(), all);
                    if all {
                        for q in p..p + l {
                            model.get_mut(&q).unwrap().0 = Prot(r);
                        }
                    }
                }
                Op::NoteCode(p, l) => {
                    m.note_code(MODEL_BASE + p * P, l * P);
                    code.extend((p..p + l).filter(|q| model.contains_key(q)));
                }
                Op::Remap(p, o, n, may_move) => {
                    let all = (p..p + o).all(|q| model.contains_key(&q));
                    let got = m.remap(MODEL_BASE + p * P, o * P, n * P, may_move);
                    if !all {
                        prop_assert_eq!(got, Err(MapError::NoMemory));
                        continue;
                    }
                    let in_place = n <= o || (p + o..p + n).all(|q| !model.contains_key(&q));
                    if !in_place && !may_move {
                        prop_assert_eq!(got, Err(MapError::NoMemory));
                        continue;
                    }
                    let to = got.unwrap();
                    prop_assert_eq!(to == MODEL_BASE + p * P, in_place);
                    let old: Vec<_> = (p..p + o).map(|q| model.remove(&q).unwrap()).collect();
                    let tail = old[old.len() - 1].0;
                    for k in 0..n {
                        let entry = if k < o { old[k as usize] } else { (tail, 0) };
                        if in_place {
                            model.insert(p + k, entry);
                        } else {
                            // Moved away from the model window: check it there, then drop it.
                            let a = to + k * P;
                            prop_assert_eq!(m.prot_of(a), Some(entry.0));
                            let readable = entry.0 .0 & 3 != 0;
                            prop_assert_eq!(m.load8(a + 7).ok(), readable.then_some(entry.1 as u64));
                        }
                    }
                    if !in_place {
                        m.unmap(to, n * P).unwrap();
                    }
                }
            }
            check_model(&mut m, &model, &mut code)?;
        }
    }
}

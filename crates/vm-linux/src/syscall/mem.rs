//! Memory system calls: brk, mmap (anonymous and file-backed private or read-only shared),
//! munmap, mprotect, mremap, madvise, msync — all on the guest [`vm_mem::AddressSpace`].
//!
//! `MAP_PRIVATE` file mappings are copies: the pages are mapped read-write, the file is read
//! into them, and then they get the requested protection. `MAP_SHARED` mappings (of files or
//! anonymous) are host-shared pages, so writes reach the file and forked children.

use vm_mem::{MapError, Prot, PAGE_SIZE, USER_TOP};

use super::{int, Outcome, SysResult};
use crate::abi::{madv, map, mremap as mr, nr};
use crate::process::Process;

/// Serve `number` if it is a memory system call.
pub(super) fn serve(p: &mut Process, number: u64, a: &[u64; 6]) -> Option<Outcome> {
    let r = match number {
        nr::BRK => Ok(brk(p, a[0])),
        nr::MMAP => mmap(p, a),
        nr::MUNMAP => munmap(p, a[0], a[1]),
        nr::MPROTECT => mprotect(p, a[0], a[1], a[2]),
        nr::MREMAP => mremap(p, a),
        nr::MADVISE => madvise(p, a[0], a[1], a[2]),
        nr::MSYNC => Ok(0),
        _ => return None,
    };
    Some(Outcome::Ret(r))
}

/// `len` rounded up to whole pages, `None` on overflow.
fn page_up(len: u64) -> Option<u64> {
    len.checked_add(PAGE_SIZE - 1).map(|v| v & !(PAGE_SIZE - 1))
}

fn aligned(addr: u64) -> bool {
    addr & (PAGE_SIZE - 1) == 0
}

fn map_err(e: MapError) -> i32 {
    match e {
        MapError::Invalid => libc::EINVAL,
        MapError::NoMemory => libc::ENOMEM,
    }
}

/// Whether anything is mapped in `[lo, hi)`.
fn overlaps(p: &Process, lo: u64, hi: u64) -> bool {
    p.mem.mappings().iter().any(|&(s, e, _)| s < hi && lo < e)
}

/// brk: grow or shrink the heap; returns the new break, or the current one on failure (which
/// is how Linux reports it).
fn brk(p: &mut Process, req: u64) -> u64 {
    let b = p.brk;
    if req < b.start || b.start == 0 {
        return b.current;
    }
    let (Some(old_top), Some(new_top)) = (page_up(b.current), page_up(req)) else {
        return b.current;
    };
    if new_top > old_top {
        if new_top > USER_TOP || overlaps(p, old_top, new_top) {
            return b.current;
        }
        if p.mem.map_fixed(old_top, new_top - old_top, Prot::RW).is_err() {
            return b.current;
        }
    } else if new_top < old_top && p.mem.unmap(new_top, old_top - new_top).is_err() {
        return b.current;
    }
    p.brk.current = req;
    req
}

fn mmap(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let (addr, len, prot, flags, fd, off) = (a[0], a[1], a[2], a[3], int(a[4]), a[5]);
    let kind = flags & map::TYPE;
    if kind != map::SHARED && kind != map::PRIVATE && kind != map::SHARED_VALIDATE {
        return Err(libc::EINVAL);
    }
    if len == 0 || !aligned(off) {
        return Err(libc::EINVAL);
    }
    let len = page_up(len).ok_or(libc::ENOMEM)?;
    if len > USER_TOP {
        return Err(libc::ENOMEM);
    }
    let anonymous = flags & map::ANONYMOUS != 0;
    let prot_bits = Prot::from_linux(prot);
    if !anonymous {
        check_file(fd, kind, prot_bits)?;
    }
    let fixed = flags & (map::FIXED | map::FIXED_NOREPLACE) != 0;
    let start = if fixed {
        if !aligned(addr) {
            return Err(libc::EINVAL);
        }
        if addr.checked_add(len).is_none_or(|end| end > USER_TOP) {
            return Err(libc::ENOMEM);
        }
        if flags & map::FIXED == 0 && overlaps(p, addr, addr + len) {
            return Err(libc::EEXIST);
        }
        addr
    } else {
        p.mem.find_free(len, addr & !(PAGE_SIZE - 1)).map_err(map_err)?
    };
    let shared = kind != map::PRIVATE;
    if anonymous && shared {
        p.mem.map_shared(start, len, prot_bits, None, 0, true).map_err(map_err)?;
        return Ok(start);
    }
    if anonymous {
        p.mem.map_fixed(start, len, prot_bits).map_err(map_err)?;
        return Ok(start);
    }
    if shared {
        return map_shared_file(p, start, len, prot_bits, fd, off);
    }
    p.mem.map_fixed(start, len, Prot::RW).map_err(map_err)?;
    if let Err(e) = fill_from_file(p, start, len, fd, off) {
        let _ = p.mem.unmap(start, len);
        return Err(e);
    }
    if prot_bits != Prot::RW {
        p.mem.protect(start, len, prot_bits).map_err(map_err)?;
    }
    Ok(start)
}

/// MAP_SHARED of a file: host-shared pages for the part inside the file (writes reach the
/// file, as on Linux); pages wholly past its end, which Linux would fault with SIGBUS, are
/// zero-filled private pages instead so no access can raise a host SIGBUS.
fn map_shared_file(p: &mut Process, start: u64, len: u64, prot: Prot, fd: i32, off: u64) -> SysResult {
    // SAFETY: `libc::stat` is plain old data and `st` a valid out-pointer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        return Err(libc::EBADF);
    }
    // SAFETY: F_GETFL takes no argument.
    let writable = unsafe { libc::fcntl(fd, libc::F_GETFL) } & libc::O_ACCMODE == libc::O_RDWR;
    let in_file = page_up((st.st_size as u64).saturating_sub(off)).unwrap_or(len).min(len);
    if in_file > 0 {
        p.mem.map_shared(start, in_file, prot, Some(fd), off, writable).map_err(map_err)?;
    }
    if in_file < len {
        if let Err(e) = p.mem.map_fixed(start + in_file, len - in_file, prot) {
            let _ = p.mem.unmap(start, len);
            return Err(map_err(e));
        }
    }
    Ok(start)
}

/// The errors Linux gives for mapping `fd` this way, before anything changes.
fn check_file(fd: i32, kind: u64, prot: Prot) -> Result<(), i32> {
    // SAFETY: `libc::stat` is plain old data.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid out-pointer.
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        return Err(libc::EBADF);
    }
    let fmt = st.st_mode & libc::S_IFMT;
    if fmt != libc::S_IFREG && fmt != libc::S_IFBLK && fmt != libc::S_IFCHR {
        return Err(libc::ENODEV);
    }
    // SAFETY: F_GETFL takes no argument.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    let acc = fl & libc::O_ACCMODE;
    if acc == libc::O_WRONLY {
        return Err(libc::EACCES);
    }
    if kind != map::PRIVATE && prot.contains(Prot::WRITE) && acc != libc::O_RDWR {
        return Err(libc::EACCES);
    }
    Ok(())
}

/// Read the file from `off` into the fresh RW pages at `start` (zeros past its end).
fn fill_from_file(p: &mut Process, start: u64, len: u64, fd: i32, off: u64) -> Result<(), i32> {
    let buf = p.mem.host_slice_mut(start, len as usize).map_err(|_| libc::ENOMEM)?;
    let mut done = 0usize;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is a valid writable host buffer of `rest.len()` bytes.
        let n = unsafe { libc::pread(fd, rest.as_mut_ptr().cast(), rest.len(), (off as i64) + done as i64) };
        match n {
            0 => break,
            n if n > 0 => done += n as usize,
            _ => {
                let e = super::errno();
                if e == libc::EINTR {
                    continue;
                }
                return Err(if e == libc::EISDIR || e == libc::EINVAL { libc::ENODEV } else { e });
            }
        }
    }
    Ok(())
}

fn munmap(p: &mut Process, addr: u64, len: u64) -> SysResult {
    if !aligned(addr) || len == 0 {
        return Err(libc::EINVAL);
    }
    let len = page_up(len).ok_or(libc::EINVAL)?;
    p.mem.unmap(addr, len).map_err(map_err)?;
    Ok(0)
}

fn mprotect(p: &mut Process, addr: u64, len: u64, prot: u64) -> SysResult {
    const GROWS: u64 = 0x0100_0000 | 0x0200_0000;
    if !aligned(addr) || prot & !(7 | GROWS) != 0 {
        return Err(libc::EINVAL);
    }
    let len = page_up(len).ok_or(libc::ENOMEM)?;
    if len == 0 {
        return Ok(0);
    }
    p.mem.protect(addr, len, Prot::from_linux(prot)).map_err(map_err)?;
    Ok(0)
}

fn mremap(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let (old, old_len, new_len, flags, new_addr) = (a[0], a[1], a[2], a[3], a[4]);
    if flags & !(mr::MAYMOVE | mr::FIXED | mr::DONTUNMAP) != 0 || !aligned(old) {
        return Err(libc::EINVAL);
    }
    let may_move = flags & mr::MAYMOVE != 0;
    if (flags & (mr::FIXED | mr::DONTUNMAP) != 0) && !may_move {
        return Err(libc::EINVAL);
    }
    let old_len = page_up(old_len).ok_or(libc::EINVAL)?;
    let new_len = page_up(new_len).ok_or(libc::EINVAL)?;
    if old_len == 0 || new_len == 0 {
        // old_len 0 duplicates a shared mapping, which private copies cannot do.
        return Err(libc::EINVAL);
    }
    if flags & mr::DONTUNMAP != 0 && old_len != new_len {
        return Err(libc::EINVAL);
    }
    if flags & (mr::FIXED | mr::DONTUNMAP) == 0 {
        return p.mem.remap(old, old_len, new_len, may_move).map_err(|e| match e {
            MapError::Invalid => libc::EINVAL,
            MapError::NoMemory if p.mem.prot_of(old).is_none() => libc::EFAULT,
            MapError::NoMemory => libc::ENOMEM,
        });
    }
    // Move to `new_addr` (FIXED) or to a free range (DONTUNMAP), by copying.
    let prot = p.mem.prot_of(old).ok_or(libc::EFAULT)?;
    if old.checked_add(old_len).is_none_or(|e| e > USER_TOP) {
        return Err(libc::EINVAL);
    }
    if (old..old + old_len).step_by(PAGE_SIZE as usize).any(|pg| p.mem.prot_of(pg).is_none()) {
        return Err(libc::EFAULT);
    }
    let dest = if flags & mr::FIXED != 0 {
        if !aligned(new_addr) || new_addr.checked_add(new_len).is_none_or(|e| e > USER_TOP) {
            return Err(libc::EINVAL);
        }
        if new_addr < old + old_len && old < new_addr + new_len {
            return Err(libc::EINVAL);
        }
        new_addr
    } else {
        p.mem.find_free(new_len, 0).map_err(map_err)?
    };
    let keep = old_len.min(new_len);
    p.mem.protect(old, old_len, Prot::RW).map_err(map_err)?;
    let mut copy = vec![0u8; keep as usize];
    p.mem.read(old, &mut copy).map_err(|_| libc::EFAULT)?;
    p.mem.map_fixed(dest, new_len, Prot::RW).map_err(map_err)?;
    p.mem.write(dest, &copy).map_err(|_| libc::EFAULT)?;
    p.mem.protect(dest, new_len, prot).map_err(map_err)?;
    if flags & mr::DONTUNMAP != 0 {
        // The old range stays mapped, empty.
        p.mem.map_fixed(old, old_len, prot).map_err(map_err)?;
    } else {
        p.mem.unmap(old, old_len).map_err(map_err)?;
    }
    Ok(dest)
}

/// madvise: MADV_DONTNEED zeroes the range (re-mapping it with the same protection); other
/// advice is accepted and ignored.
fn madvise(p: &mut Process, addr: u64, len: u64, advice: u64) -> SysResult {
    if !aligned(addr) {
        return Err(libc::EINVAL);
    }
    let len = page_up(len).ok_or(libc::EINVAL)?;
    let end = addr.checked_add(len).ok_or(libc::EINVAL)?;
    if len == 0 || advice != madv::DONTNEED {
        return Ok(0);
    }
    let pieces: Vec<_> = p
        .mem
        .mappings()
        .into_iter()
        .filter(|&(s, e, _)| s < end && addr < e)
        .map(|(s, e, prot)| (s.max(addr), e.min(end), prot))
        .collect();
    let covered: u64 = pieces.iter().map(|&(s, e, _)| e - s).sum();
    for (s, e, prot) in pieces {
        p.mem.map_fixed(s, e - s, prot).map_err(map_err)?;
    }
    if covered != len {
        return Err(libc::ENOMEM);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    const EINVAL: i64 = -(libc::EINVAL as i64);
    const ENOMEM: i64 = -(libc::ENOMEM as i64);

    fn anon(p: &mut Process, addr: u64, len: u64, prot: u64, extra: u64) -> i64 {
        let flags = map::PRIVATE | map::ANONYMOUS | extra;
        call(p, nr::MMAP, &[addr, len, prot, flags, u64::MAX, 0])
    }

    #[test]
    fn anonymous_mmap_munmap_mprotect() {
        let mut p = process();
        let a = anon(&mut p, 0, 10000, 3, 0);
        assert!(a > 0 && aligned(a as u64), "{a:#x}");
        let a = a as u64;
        assert_eq!(p.mem.prot_of(a), Some(Prot::RW));
        assert_eq!(p.mem.prot_of(a + 3 * PAGE_SIZE - 1), Some(Prot::RW));
        // Zero-filled and writable.
        let mut b = [1u8; 16];
        p.mem.read(a + 100, &mut b).unwrap();
        assert_eq!(b, [0; 16]);
        p.mem.write(a, b"x").unwrap();
        assert_eq!(call(&mut p, nr::MPROTECT, &[a, PAGE_SIZE, 1]), 0);
        assert_eq!(p.mem.prot_of(a), Some(Prot::READ));
        assert!(p.mem.write(a, b"y").is_err());
        assert_eq!(call(&mut p, nr::MPROTECT, &[a + 1, PAGE_SIZE, 1]), EINVAL);
        assert_eq!(call(&mut p, nr::MUNMAP, &[a, 3 * PAGE_SIZE]), 0);
        assert_eq!(p.mem.prot_of(a), None);
        assert_eq!(call(&mut p, nr::MPROTECT, &[a, PAGE_SIZE, 1]), ENOMEM);
        // Invalid arguments.
        assert_eq!(anon(&mut p, 0, 0, 3, 0), EINVAL);
        assert_eq!(call(&mut p, nr::MMAP, &[0, 4096, 3, map::ANONYMOUS, u64::MAX, 0]), EINVAL);
        assert_eq!(anon(&mut p, 0x1001, 4096, 3, map::FIXED), EINVAL);
        assert_eq!(call(&mut p, nr::MUNMAP, &[a + 1, 4096]), EINVAL);
        assert_eq!(call(&mut p, nr::MUNMAP, &[a, 0]), EINVAL);
    }

    #[test]
    fn fixed_and_fixed_noreplace() {
        let mut p = process();
        let at = 0x4000_0000u64;
        assert_eq!(anon(&mut p, at, 8192, 3, map::FIXED), at as i64);
        p.mem.write(at, b"data").unwrap();
        assert_eq!(anon(&mut p, at, 4096, 3, map::FIXED_NOREPLACE), -(libc::EEXIST as i64));
        // MAP_FIXED replaces with zeros.
        assert_eq!(anon(&mut p, at, 4096, 1, map::FIXED), at as i64);
        let mut b = [9u8; 4];
        p.mem.read(at, &mut b).unwrap();
        assert_eq!(b, [0; 4]);
        assert_eq!(p.mem.prot_of(at), Some(Prot::READ));
        assert_eq!(anon(&mut p, at + 0x10000, 4096, 3, map::FIXED_NOREPLACE), (at + 0x10000) as i64);
        assert_eq!(anon(&mut p, USER_TOP - 4096, 8192, 3, map::FIXED), ENOMEM);
    }

    #[test]
    fn file_backed_private_mapping_reads_the_file() {
        let path = std::env::temp_dir().join(format!("vm-linux-mmap-{}", std::process::id()));
        let mut data = vec![0u8; 6000];
        for (i, b) in data.iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        std::fs::write(&path, &data).unwrap();
        let mut p = process();
        put_str(&mut p, SCRATCH, path.to_str().unwrap());
        let fd = call(&mut p, nr::OPENAT, &[crate::abi::AT_FDCWD as u64, SCRATCH, 0, 0]) as u64;
        let a = call(&mut p, nr::MMAP, &[0, 6000, 1, map::PRIVATE, fd, 0]);
        assert!(a > 0);
        let a = a as u64;
        let mut got = vec![0u8; 8192];
        p.mem.read(a, &mut got).unwrap();
        assert_eq!(&got[..6000], &data[..]);
        assert!(got[6000..].iter().all(|&b| b == 0));
        assert_eq!(p.mem.prot_of(a), Some(Prot::READ));
        // At a page offset.
        let b = call(&mut p, nr::MMAP, &[0, 100, 3, map::PRIVATE, fd, 4096]) as u64;
        let mut got = [0u8; 100];
        p.mem.read(b, &mut got).unwrap();
        assert_eq!(&got[..], &data[4096..4196]);
        // Misaligned offset, bad fd, writable shared on a read-only fd.
        assert_eq!(call(&mut p, nr::MMAP, &[0, 100, 1, map::PRIVATE, fd, 10]), EINVAL);
        assert_eq!(call(&mut p, nr::MMAP, &[0, 100, 1, map::PRIVATE, 999, 0]), -(libc::EBADF as i64));
        assert_eq!(call(&mut p, nr::MMAP, &[0, 100, 3, map::SHARED, fd, 0]), -(libc::EACCES as i64));
        // Read-only shared is fine.
        assert!(call(&mut p, nr::MMAP, &[0, 100, 1, map::SHARED, fd, 0]) > 0);
        call(&mut p, nr::CLOSE, &[fd]);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn brk_grows_and_shrinks() {
        let mut p = process();
        let start = 0x20_0000u64;
        p.brk = crate::process::Brk { start, current: start };
        assert_eq!(call(&mut p, nr::BRK, &[0]), start as i64);
        assert_eq!(call(&mut p, nr::BRK, &[start + 5000]), (start + 5000) as i64);
        assert_eq!(p.mem.prot_of(start + 4096), Some(Prot::RW));
        p.mem.write(start + 4999, b"z").unwrap();
        assert_eq!(call(&mut p, nr::BRK, &[start + 100]), (start + 100) as i64);
        assert_eq!(p.mem.prot_of(start + 4096), None);
        assert_eq!(p.mem.prot_of(start), Some(Prot::RW));
        // Below start: unchanged.
        assert_eq!(call(&mut p, nr::BRK, &[start - 4096]), (start + 100) as i64);
        // Into another mapping: unchanged.
        assert_eq!(anon(&mut p, start + 0x10000, 4096, 3, map::FIXED), (start + 0x10000) as i64);
        assert_eq!(call(&mut p, nr::BRK, &[start + 0x20000]), (start + 100) as i64);
        assert_eq!(p.brk.current, start + 100);
    }

    #[test]
    fn madvise_dontneed_zeroes_and_mremap_moves() {
        let mut p = process();
        let a = anon(&mut p, 0, 3 * PAGE_SIZE, 3, 0) as u64;
        p.mem.write(a, b"keep").unwrap();
        p.mem.write(a + PAGE_SIZE, b"drop").unwrap();
        assert_eq!(call(&mut p, nr::MADVISE, &[a + PAGE_SIZE, PAGE_SIZE, madv::DONTNEED]), 0);
        let mut b = [0u8; 4];
        p.mem.read(a + PAGE_SIZE, &mut b).unwrap();
        assert_eq!(b, [0; 4]);
        p.mem.read(a, &mut b).unwrap();
        assert_eq!(&b, b"keep");
        assert_eq!(call(&mut p, nr::MADVISE, &[a, PAGE_SIZE, 0]), 0);
        // Grow with MAYMOVE keeps contents.
        let n = call(&mut p, nr::MREMAP, &[a, 3 * PAGE_SIZE, 64 * PAGE_SIZE, mr::MAYMOVE, 0]);
        assert!(n > 0, "{n}");
        p.mem.read(n as u64, &mut b).unwrap();
        assert_eq!(&b, b"keep");
        assert_eq!(p.mem.prot_of(n as u64 + 63 * PAGE_SIZE), Some(Prot::RW));
        // MREMAP_FIXED to a chosen place.
        let to = 0x5000_0000u64;
        let m = call(&mut p, nr::MREMAP, &[n as u64, 64 * PAGE_SIZE, PAGE_SIZE, mr::MAYMOVE | mr::FIXED, to]);
        assert_eq!(m, to as i64);
        p.mem.read(to, &mut b).unwrap();
        assert_eq!(&b, b"keep");
        assert_eq!(p.mem.prot_of(n as u64), None);
        assert_eq!(call(&mut p, nr::MREMAP, &[to, PAGE_SIZE, 2 * PAGE_SIZE, mr::FIXED, 0]), EINVAL);
    }
}

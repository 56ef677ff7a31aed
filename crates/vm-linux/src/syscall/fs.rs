//! File and directory system calls: guest fds are host fds, so these pass through to the host
//! with guest buffers accessed in place, absolute paths resolved through the sysroot, and
//! structures (`struct stat`, `statx`, `struct flock`, `termios`, ...) converted or copied.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

use super::{check, get, get_u64, int, put, resolved_path, Outcome, SysResult};
use crate::abi::{self, ioctl, nr};
use crate::process::Process;

/// Most iovecs a readv/writev may pass (IOV_MAX).
const IOV_MAX: u64 = 1024;

/// Serve `number` if it is a file system call.
pub(super) fn serve(p: &mut Process, number: u64, a: &[u64; 6]) -> Option<Outcome> {
    let r = match number {
        nr::OPENAT => openat(p, a),
        // SAFETY: close takes no pointers.
        nr::CLOSE => check(unsafe { libc::close(int(a[0])) } as i64),
        nr::READ => read(p, a[0], a[1], a[2], None),
        nr::PREAD64 => read(p, a[0], a[1], a[2], Some(a[3] as i64)),
        nr::WRITE => write(p, a[0], a[1], a[2], None),
        nr::PWRITE64 => write(p, a[0], a[1], a[2], Some(a[3] as i64)),
        nr::READV => vectored(p, a, true),
        nr::WRITEV => vectored(p, a, false),
        // SAFETY: lseek takes no pointers.
        nr::LSEEK => check(unsafe { libc::lseek(int(a[0]), a[1] as i64, int(a[2])) }),
        nr::FSTAT => fstat(p, a),
        nr::NEWFSTATAT => newfstatat(p, a),
        nr::STATX => statx(p, a),
        nr::GETDENTS64 => getdents64(p, a),
        nr::READLINKAT => readlinkat(p, a),
        nr::FACCESSAT => faccessat(p, a[0], a[1], a[2], 0),
        nr::FACCESSAT2 => faccessat(p, a[0], a[1], a[2], a[3]),
        nr::MKDIRAT => {
            let path = resolved_path(p, a[1]);
            // SAFETY: `path` is a valid C string.
            path.and_then(|s| check(unsafe { libc::mkdirat(int(a[0]), s.as_ptr(), a[2] as u32) } as i64))
        }
        nr::MKNODAT => {
            let path = resolved_path(p, a[1]);
            // SAFETY: `path` is a valid C string.
            path.and_then(
                |s| check(unsafe { libc::mknodat(int(a[0]), s.as_ptr(), a[2] as u32, a[3]) } as i64),
            )
        }
        nr::UNLINKAT => {
            let path = resolved_path(p, a[1]);
            // SAFETY: `path` is a valid C string.
            path.and_then(|s| check(unsafe { libc::unlinkat(int(a[0]), s.as_ptr(), int(a[2])) } as i64))
        }
        nr::RENAMEAT2 => renameat2(p, a),
        nr::SYMLINKAT => symlinkat(p, a),
        nr::LINKAT => linkat(p, a),
        // SAFETY: ftruncate takes no pointers.
        nr::FTRUNCATE => check(unsafe { libc::ftruncate(int(a[0]), a[1] as i64) } as i64),
        nr::TRUNCATE => {
            let path = resolved_path(p, a[0]);
            // SAFETY: `path` is a valid C string.
            path.and_then(|s| check(unsafe { libc::truncate(s.as_ptr(), a[1] as i64) } as i64))
        }
        // SAFETY: fsync takes no pointers.
        nr::FSYNC => check(unsafe { libc::fsync(int(a[0])) } as i64),
        // SAFETY: fdatasync takes no pointers.
        nr::FDATASYNC => check(unsafe { libc::fdatasync(int(a[0])) } as i64),
        nr::SYNC => {
            // SAFETY: sync takes no arguments.
            unsafe { libc::sync() };
            Ok(0)
        }
        // Advice only; nothing to do for a pass-through fd.
        nr::FADVISE64 => Ok(0),
        // SAFETY: flock takes no pointers.
        nr::FLOCK => check(unsafe { libc::flock(int(a[0]), int(a[1])) } as i64),
        nr::FCNTL => fcntl(p, a),
        // SAFETY: dup takes no pointers.
        nr::DUP => check(unsafe { libc::dup(int(a[0])) } as i64),
        // SAFETY: dup3 takes no pointers.
        nr::DUP3 => check(unsafe { libc::dup3(int(a[0]), int(a[1]), int(a[2])) } as i64),
        nr::PIPE2 => pipe2(p, a),
        nr::IOCTL => ioctl(p, a),
        nr::GETCWD => getcwd(p, a),
        nr::CHDIR => {
            let path = resolved_path(p, a[0]);
            // SAFETY: `path` is a valid C string.
            path.and_then(|s| check(unsafe { libc::chdir(s.as_ptr()) } as i64))
        }
        // SAFETY: fchdir takes no pointers.
        nr::FCHDIR => check(unsafe { libc::fchdir(int(a[0])) } as i64),
        // SAFETY: fchmod takes no pointers.
        nr::FCHMOD => check(unsafe { libc::fchmod(int(a[0]), a[1] as u32) } as i64),
        nr::FCHMODAT => {
            let path = resolved_path(p, a[1]);
            // SAFETY: `path` is a valid C string; the raw call takes exactly these arguments.
            path.and_then(|s| {
                check(unsafe { libc::syscall(libc::SYS_fchmodat, int(a[0]), s.as_ptr(), a[2] as u32) })
            })
        }
        // SAFETY: fchown takes no pointers.
        nr::FCHOWN => check(unsafe { libc::fchown(int(a[0]), a[1] as u32, a[2] as u32) } as i64),
        nr::FCHOWNAT => {
            let path = resolved_path(p, a[1]);
            // SAFETY: `path` is a valid C string.
            path.and_then(|s| {
                check(unsafe { libc::fchownat(int(a[0]), s.as_ptr(), a[2] as u32, a[3] as u32, int(a[4])) }
                    as i64)
            })
        }
        // SAFETY: umask takes no pointers.
        nr::UMASK => Ok(unsafe { libc::umask(a[0] as u32 & 0o777) } as u64),
        nr::UTIMENSAT => utimensat(p, a),
        nr::STATFS | nr::FSTATFS => statfs(p, number, a),
        nr::SENDFILE => sendfile(p, a),
        nr::PPOLL => ppoll(p, a),
        nr::PSELECT6 => match select(p, a, true) {
            r if r < 0 => Err(-r as i32),
            r => Ok(r as u64),
        },
        // SAFETY: close_range takes no pointers.
        nr::CLOSE_RANGE => {
            check(unsafe { libc::syscall(libc::SYS_close_range, a[0] as u32, a[1] as u32, a[2]) })
        }
        _ => return None,
    };
    Some(Outcome::Ret(r))
}

/// An optional guest path: a null pointer stays null (for calls where that means "the fd").
fn opt_path(p: &Process, addr: u64) -> Result<Option<CString>, i32> {
    if addr == 0 {
        Ok(None)
    } else {
        resolved_path(p, addr).map(Some)
    }
}

fn openat(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let path = resolved_path(p, a[1])?;
    // SAFETY: `path` is a valid C string; mode is passed as the variadic argument.
    let fd =
        check(unsafe { libc::openat(int(a[0]), path.as_ptr(), int(a[2]), a[3] as libc::c_uint) } as i64)?;
    if is_own_mem(fd as i32) {
        // SAFETY: closing the descriptor just opened, which nothing else knows about.
        unsafe { libc::close(fd as i32) };
        return Err(libc::EACCES);
    }
    Ok(fd)
}

/// Whether `fd` is this (host) process's own `/proc/…/mem`, however it was named: it would
/// give the guest the VM's memory, so it is refused.
fn is_own_mem(fd: i32) -> bool {
    let same = |path: &str| {
        let (Ok(a), Ok(b)) = (std::fs::metadata(path), std::fs::metadata(format!("/proc/self/fd/{fd}")))
        else {
            return false;
        };
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    };
    // SAFETY: getpid takes no arguments.
    let pid = unsafe { libc::getpid() };
    same("/proc/self/mem") || same(&format!("/proc/self/task/{pid}/mem"))
}

/// A host pointer for `len` bytes of guest memory at `addr` that the host may write (`len` 0
/// needs no memory).
fn buf_mut(p: &mut Process, addr: u64, len: usize) -> Result<*mut u8, i32> {
    if len == 0 {
        return Ok(std::ptr::NonNull::<u8>::dangling().as_ptr());
    }
    p.mem.host_slice_mut(addr, len).map(|s| s.as_mut_ptr()).map_err(|_| libc::EFAULT)
}

/// A host pointer for `len` bytes of guest memory at `addr` that the host may read.
fn buf(p: &Process, addr: u64, len: usize) -> Result<*const u8, i32> {
    if len == 0 {
        return Ok(std::ptr::NonNull::<u8>::dangling().as_ptr());
    }
    p.mem.host_slice(addr, len).map(|s| s.as_ptr()).map_err(|_| libc::EFAULT)
}

fn read(p: &mut Process, fd: u64, addr: u64, count: u64, off: Option<i64>) -> SysResult {
    let len = usize::try_from(count).map_err(|_| libc::EINVAL)?;
    let ptr = buf_mut(p, addr, len)?;
    // SAFETY: `ptr` is valid for `len` writable bytes of the guest reservation, which nothing
    // remaps while the call runs.
    let n = unsafe {
        match off {
            None => libc::read(int(fd), ptr.cast(), len),
            Some(o) => libc::pread(int(fd), ptr.cast(), len, o),
        }
    };
    check(n as i64)
}

fn write(p: &mut Process, fd: u64, addr: u64, count: u64, off: Option<i64>) -> SysResult {
    let len = usize::try_from(count).map_err(|_| libc::EINVAL)?;
    let ptr = buf(p, addr, len)?;
    // SAFETY: `ptr` is valid for `len` readable bytes of the guest reservation.
    let n = unsafe {
        match off {
            None => libc::write(int(fd), ptr.cast(), len),
            Some(o) => libc::pwrite(int(fd), ptr.cast(), len, o),
        }
    };
    check(n as i64)
}

/// readv (`into` guest memory) or writev.
fn vectored(p: &mut Process, a: &[u64; 6], into: bool) -> SysResult {
    let (fd, iov, cnt) = (int(a[0]), a[1], a[2]);
    if cnt > IOV_MAX {
        return Err(libc::EINVAL);
    }
    let mut host = Vec::with_capacity(cnt as usize);
    for i in 0..cnt {
        let (base, len) = abi::pair_from_bytes(&get::<16>(p, iov + 16 * i)?);
        let len = usize::try_from(len).map_err(|_| libc::EINVAL)?;
        let ptr = if into { buf_mut(p, base, len)? } else { buf(p, base, len)?.cast_mut() };
        host.push(libc::iovec { iov_base: ptr.cast(), iov_len: len });
    }
    // SAFETY: every iovec points at `iov_len` bytes of the guest reservation with the access
    // the call needs (checked above), and nothing remaps guest memory during the call.
    let n = unsafe {
        if into {
            libc::readv(fd, host.as_ptr(), cnt as i32)
        } else {
            libc::writev(fd, host.as_ptr(), cnt as i32)
        }
    };
    check(n as i64)
}

fn fstat(p: &mut Process, a: &[u64; 6]) -> SysResult {
    // SAFETY: `libc::stat` is plain old data.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid out-pointer.
    check(unsafe { libc::fstat(int(a[0]), &mut st) } as i64)?;
    put(p, a[1], &abi::stat_to_guest(&st))?;
    Ok(0)
}

fn newfstatat(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let path = resolved_path(p, a[1])?;
    // SAFETY: `libc::stat` is plain old data.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid C string and `st` a valid out-pointer.
    check(unsafe { libc::fstatat(int(a[0]), path.as_ptr(), &mut st, int(a[3])) } as i64)?;
    put(p, a[2], &abi::stat_to_guest(&st))?;
    Ok(0)
}

/// statx: `struct statx` has the same layout on every architecture, so the host's bytes are
/// copied as they are.
fn statx(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let path = resolved_path(p, a[1])?;
    let mut out = [0u8; 256];
    // SAFETY: `path` is a valid C string and `out` is 256 bytes, the size of `struct statx`.
    check(unsafe {
        libc::syscall(libc::SYS_statx, int(a[0]), path.as_ptr(), int(a[2]), a[3] as u32, out.as_mut_ptr())
    })?;
    put(p, a[4], &out)?;
    Ok(0)
}

/// getdents64: `struct linux_dirent64` is the same on every architecture.
fn getdents64(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let len = (a[2] as u32) as usize;
    let ptr = buf_mut(p, a[1], len)?;
    // SAFETY: `ptr` is valid for `len` writable bytes.
    check(unsafe { libc::syscall(libc::SYS_getdents64, int(a[0]), ptr, len) })
}

fn readlinkat(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let raw = super::get_cstr(p, a[1], 4096, libc::ENAMETOOLONG)?;
    let size = a[3] as i32;
    if size <= 0 {
        return Err(libc::EINVAL);
    }
    let size = size as usize;
    if super::is_proc_exe(&raw) {
        let exe = std::fs::canonicalize(&p.exe).unwrap_or_else(|_| p.exe.clone());
        let bytes = exe.as_os_str().as_bytes();
        let n = bytes.len().min(size);
        put(p, a[2], &bytes[..n])?;
        return Ok(n as u64);
    }
    let path = resolved_path(p, a[1])?;
    let ptr = buf_mut(p, a[2], size)?;
    // SAFETY: `path` is a valid C string; `ptr` is valid for `size` writable bytes.
    check(unsafe { libc::readlinkat(int(a[0]), path.as_ptr(), ptr.cast(), size) } as i64)
}

fn faccessat(p: &mut Process, dirfd: u64, path: u64, mode: u64, flags: u64) -> SysResult {
    let path = resolved_path(p, path)?;
    // SAFETY: `path` is a valid C string. glibc's wrapper emulates flags on old kernels.
    check(unsafe { libc::faccessat(int(dirfd), path.as_ptr(), int(mode), int(flags)) } as i64)
}

fn renameat2(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let old = resolved_path(p, a[1])?;
    let new = resolved_path(p, a[3])?;
    // SAFETY: both paths are valid C strings.
    check(unsafe {
        if a[4] == 0 {
            libc::renameat(int(a[0]), old.as_ptr(), int(a[2]), new.as_ptr()) as i64
        } else {
            libc::syscall(libc::SYS_renameat2, int(a[0]), old.as_ptr(), int(a[2]), new.as_ptr(), a[4] as u32)
        }
    })
}

fn symlinkat(p: &mut Process, a: &[u64; 6]) -> SysResult {
    // The link's contents are stored as the guest wrote them.
    let target = super::guest_path(p, a[0])?;
    let link = resolved_path(p, a[2])?;
    // SAFETY: both paths are valid C strings.
    check(unsafe { libc::symlinkat(target.as_ptr(), int(a[1]), link.as_ptr()) } as i64)
}

fn linkat(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let old = resolved_path(p, a[1])?;
    let new = resolved_path(p, a[3])?;
    // SAFETY: both paths are valid C strings.
    check(unsafe { libc::linkat(int(a[0]), old.as_ptr(), int(a[2]), new.as_ptr(), int(a[4])) } as i64)
}

/// fcntl: integer commands pass through; record-lock commands copy `struct flock` (same
/// 32-byte layout on riscv64 and x86-64); anything else is EINVAL rather than handing the host
/// a guest pointer.
fn fcntl(p: &mut Process, a: &[u64; 6]) -> SysResult {
    const F_SETSIG: i32 = 10;
    const F_GETSIG: i32 = 11;
    let (fd, cmd) = (int(a[0]), int(a[1]));
    match cmd {
        libc::F_DUPFD
        | libc::F_GETFD
        | libc::F_SETFD
        | libc::F_GETFL
        | libc::F_SETFL
        | libc::F_SETOWN
        | libc::F_GETOWN
        | F_SETSIG
        | F_GETSIG
        | libc::F_SETLEASE
        | libc::F_GETLEASE
        | libc::F_NOTIFY
        | libc::F_DUPFD_CLOEXEC
        | libc::F_SETPIPE_SZ
        | libc::F_GETPIPE_SZ
        | libc::F_ADD_SEALS
        | libc::F_GET_SEALS => {
            // SAFETY: these commands take an integer argument.
            check(unsafe { libc::fcntl(fd, cmd, a[2] as libc::c_long) } as i64)
        }
        libc::F_GETLK
        | libc::F_SETLK
        | libc::F_SETLKW
        | libc::F_OFD_GETLK
        | libc::F_OFD_SETLK
        | libc::F_OFD_SETLKW => {
            let mut fl = get::<32>(p, a[2])?;
            // SAFETY: `fl` holds a `struct flock` (32 bytes, same layout on the host).
            let r = check(unsafe { libc::fcntl(fd, cmd, fl.as_mut_ptr()) } as i64)?;
            if cmd == libc::F_GETLK || cmd == libc::F_OFD_GETLK {
                put(p, a[2], &fl)?;
            }
            Ok(r)
        }
        _ => Err(libc::EINVAL),
    }
}

fn pipe2(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is a valid out-array of two ints.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), int(a[1])) } as i64)?;
    let mut bytes = [0u8; 8];
    bytes[..4].copy_from_slice(&fds[0].to_le_bytes());
    bytes[4..].copy_from_slice(&fds[1].to_le_bytes());
    if let Err(e) = put(p, a[0], &bytes) {
        // SAFETY: we own these two fresh fds.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        return Err(e);
    }
    Ok(0)
}

/// ioctl: the tty requests programs commonly issue pass through with their argument copied;
/// everything else is ENOTTY.
fn ioctl(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let (fd, req, arg) = (int(a[0]), a[1], a[2]);
    /// Run the ioctl on a host copy of the argument, copying back when `out`.
    fn via<const N: usize>(p: &mut Process, fd: i32, req: u64, arg: u64, inp: bool, out: bool) -> SysResult {
        let mut b = if inp { get::<N>(p, arg)? } else { [0u8; N] };
        // SAFETY: `b` is `N` bytes, the size of this request's argument.
        let r = check(unsafe { libc::ioctl(fd, req as libc::c_ulong, b.as_mut_ptr()) } as i64)?;
        if out {
            put(p, arg, &b)?;
        }
        Ok(r)
    }
    match req {
        ioctl::TCGETS => via::<{ ioctl::TERMIOS_SIZE }>(p, fd, req, arg, false, true),
        ioctl::TCSETS | ioctl::TCSETSW | ioctl::TCSETSF => {
            via::<{ ioctl::TERMIOS_SIZE }>(p, fd, req, arg, true, false)
        }
        ioctl::TIOCGWINSZ => via::<8>(p, fd, req, arg, false, true),
        ioctl::TIOCGPGRP | ioctl::FIONREAD => via::<4>(p, fd, req, arg, false, true),
        ioctl::FIONBIO => via::<4>(p, fd, req, arg, true, false),
        _ => Err(libc::ENOTTY),
    }
}

fn getcwd(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let size = (a[1] as usize).min(1 << 16);
    let mut tmp = vec![0u8; size];
    // SAFETY: `tmp` is `size` writable bytes; the raw call returns the length with the NUL.
    let n = check(unsafe { libc::syscall(libc::SYS_getcwd, tmp.as_mut_ptr(), size) })?;
    put(p, a[0], &tmp[..n as usize])?;
    Ok(n)
}

fn utimensat(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let path = opt_path(p, a[1])?;
    let times = if a[2] == 0 { None } else { Some(get::<32>(p, a[2])?) };
    let path_ptr = path.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    let times_ptr = times.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    // SAFETY: `path_ptr` is null or a C string; `times_ptr` is null or two timespecs (same
    // layout on the host). The raw call allows a null path, unlike the libc wrapper.
    check(unsafe { libc::syscall(libc::SYS_utimensat, int(a[0]), path_ptr, times_ptr, int(a[3])) })
}

/// statfs/fstatfs: the 64-bit asm-generic `struct statfs` (120 bytes) is the host's too.
fn statfs(p: &mut Process, number: u64, a: &[u64; 6]) -> SysResult {
    let mut out = [0u8; 120];
    // SAFETY: `out` has the size of `struct statfs`; the path (statfs) is a valid C string.
    unsafe {
        if number == nr::STATFS {
            let path = resolved_path(p, a[0])?;
            check(libc::syscall(libc::SYS_statfs, path.as_ptr(), out.as_mut_ptr()))?;
        } else {
            check(libc::syscall(libc::SYS_fstatfs, int(a[0]), out.as_mut_ptr()))?;
        }
    }
    put(p, a[1], &out)?;
    Ok(0)
}

fn sendfile(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let mut off = if a[2] == 0 { None } else { Some(get_u64(p, a[2])? as i64) };
    let off_ptr = off.as_mut().map_or(std::ptr::null_mut(), |o| o as *mut i64);
    // SAFETY: `off_ptr` is null or points at a local i64.
    let n = check(unsafe { libc::sendfile(int(a[0]), int(a[1]), off_ptr, a[3] as usize) } as i64)?;
    if let Some(o) = off {
        put(p, a[2], &o.to_le_bytes())?;
    }
    Ok(n)
}

/// ppoll: `struct pollfd` is 8 bytes on both; the signal mask argument is not applied.
fn ppoll(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let nfds = a[1];
    if nfds > 1 << 20 {
        return Err(libc::EINVAL);
    }
    let len = nfds as usize * 8;
    let tmo = if a[2] == 0 { None } else { Some(get::<16>(p, a[2])?) };
    let fds = buf_mut(p, a[0], len)?;
    let tmo_ptr = tmo.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    // SAFETY: `fds` is valid for `nfds` pollfds in guest memory; `tmo_ptr` is null or a timespec.
    check(unsafe { libc::syscall(libc::SYS_ppoll, fds, nfds, tmo_ptr, std::ptr::null::<u8>(), 8usize) })
}

/// select (x86-64, `pselect == false`: a `timeval`) and pselect6 (a `timespec` and a signal
/// mask), served on the host: the fd sets are guest memory (same layout); the
/// timeout (a `timeval` for select, a `timespec` for pselect6) is read and the time left
/// written back, as Linux does. pselect6's signal mask applies to the guest while it waits
/// (restored like rt_sigsuspend's). Returns the result or `-errno`.
pub fn select(p: &mut Process, a: &[u64; 6], pselect: bool) -> i64 {
    let n = a[0] as i32;
    if !(0..=libc::FD_SETSIZE as i32).contains(&n) {
        return -(libc::EINVAL as i64);
    }
    let bytes = (n as usize).div_ceil(64) * 8;
    let mut sets = [std::ptr::null_mut::<libc::fd_set>(); 3];
    for (set, &addr) in sets.iter_mut().zip(&a[1..4]) {
        if addr != 0 && bytes > 0 {
            match p.mem.host_slice_mut(addr, bytes) {
                Ok(b) => *set = b.as_mut_ptr().cast(),
                Err(_) => return -(libc::EFAULT as i64),
            }
        }
    }
    // Seconds and the sub-second part (µs for select, ns for pselect6).
    let mut t = [0i64; 2];
    if a[4] != 0 {
        let mut b = [0u8; 16];
        if p.mem.read(a[4], &mut b).is_err() {
            return -(libc::EFAULT as i64);
        }
        t = [
            i64::from_le_bytes(b[..8].try_into().expect("8")),
            i64::from_le_bytes(b[8..].try_into().expect("8")),
        ];
    }
    let old_mask = p.signals.blocked;
    if pselect && a[5] != 0 {
        let mut b = [0u8; 16];
        if p.mem.read(a[5], &mut b).is_err() {
            return -(libc::EFAULT as i64);
        }
        let ss = u64::from_le_bytes(b[..8].try_into().expect("8"));
        let mut mask = [0u8; 8];
        if ss != 0 {
            if p.mem.read(ss, &mut mask).is_err() {
                return -(libc::EFAULT as i64);
            }
            p.signals.saved_mask = Some(old_mask);
            p.signals.blocked = u64::from_le_bytes(mask);
        }
    }
    let mut tv = libc::timeval { tv_sec: t[0], tv_usec: if pselect { t[1] / 1000 } else { t[1] } };
    let tvp = if a[4] != 0 { &mut tv as *mut libc::timeval } else { std::ptr::null_mut() };
    // SAFETY: each set pointer is null or `bytes` (≥ n bits) of writable guest memory, which
    // select reads and writes only up to bit n; `tvp` is null or a local timeval.
    let r = unsafe { libc::select(n, sets[0], sets[1], sets[2], tvp) };
    let r = if r < 0 { -i64::from(super::errno()) } else { i64::from(r) };
    if a[4] != 0 {
        let sub = if pselect { tv.tv_usec * 1000 } else { tv.tv_usec };
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&tv.tv_sec.to_le_bytes());
        b[8..].copy_from_slice(&sub.to_le_bytes());
        let _ = p.mem.write(a[4], &b);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use std::io::Write;

    fn tmpdir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("vm-linux-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn write_from_guest_memory_to_a_pipe() {
        let mut p = process();
        let mut fds = [0i32; 2];
        // SAFETY: valid out-array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        p.mem.write(SCRATCH, b"hello").unwrap();
        assert_eq!(call(&mut p, nr::WRITE, &[fds[1] as u64, SCRATCH, 5]), 5);
        let mut got = [0u8; 5];
        // SAFETY: valid buffer.
        assert_eq!(unsafe { libc::read(fds[0], got.as_mut_ptr().cast(), 5) }, 5);
        assert_eq!(&got, b"hello");
        // writev of two pieces.
        p.mem.write(SCRATCH + 0x100, b"ab").unwrap();
        p.mem.write(SCRATCH + 0x200, b"cde").unwrap();
        let mut iov = Vec::new();
        for (b, l) in [(SCRATCH + 0x100, 2u64), (SCRATCH + 0x200, 3)] {
            iov.extend_from_slice(&b.to_le_bytes());
            iov.extend_from_slice(&l.to_le_bytes());
        }
        p.mem.write(SCRATCH + 0x300, &iov).unwrap();
        assert_eq!(call(&mut p, nr::WRITEV, &[fds[1] as u64, SCRATCH + 0x300, 2]), 5);
        // SAFETY: valid buffer.
        assert_eq!(unsafe { libc::read(fds[0], got.as_mut_ptr().cast(), 5) }, 5);
        assert_eq!(&got, b"abcde");
        // A bad pointer is EFAULT.
        assert_eq!(call(&mut p, nr::WRITE, &[fds[1] as u64, 0x10, 5]), -(libc::EFAULT as i64));
        // SAFETY: our fds.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }

    #[test]
    fn pselect6_times_out_then_sees_a_readable_pipe() {
        let mut p = process();
        let mut fds = [0i32; 2];
        // SAFETY: pipe writes two fds into the array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let (set, ts) = (SCRATCH, SCRATCH + 0x100);
        let bit = 1u64 << fds[0];
        let n = fds[0] as u64 + 1;
        p.mem.write(set, &bit.to_le_bytes()).unwrap();
        p.mem.write(ts, &[0u8; 16]).unwrap();
        assert_eq!(call(&mut p, nr::PSELECT6, &[n, set, 0, 0, ts, 0]), 0, "empty pipe: nothing ready");
        // SAFETY: writing one byte from a static buffer to our own pipe.
        assert_eq!(unsafe { libc::write(fds[1], b"x".as_ptr().cast(), 1) }, 1);
        p.mem.write(set, &bit.to_le_bytes()).unwrap();
        assert_eq!(call(&mut p, nr::PSELECT6, &[n, set, 0, 0, ts, 0]), 1);
        let mut back = [0u8; 8];
        p.mem.read(set, &mut back).unwrap();
        assert_eq!(u64::from_le_bytes(back), bit, "the readable end stays in the set");
        assert_eq!(call(&mut p, nr::PSELECT6, &[2000, set, 0, 0, ts, 0]), -(libc::EINVAL as i64));
        // SAFETY: closing the pipe made above.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }

    #[test]
    fn the_vm_own_memory_file_cannot_be_opened() {
        let mut p = process();
        // SAFETY: getpid takes no arguments.
        let pid = unsafe { libc::getpid() };
        for path in
            ["/proc/self/mem".to_string(), format!("/proc/{pid}/mem"), format!("/proc/self/task/{pid}/mem")]
        {
            put_str(&mut p, SCRATCH, &path);
            let r = call(&mut p, nr::OPENAT, &[abi::AT_FDCWD as u64, SCRATCH, libc::O_RDWR as u64, 0]);
            assert_eq!(r, -(libc::EACCES as i64), "{path}");
        }
        // Reaching it relative to a directory fd is refused too.
        put_str(&mut p, SCRATCH, "/proc/self");
        let dir = call(&mut p, nr::OPENAT, &[abi::AT_FDCWD as u64, SCRATCH, libc::O_RDONLY as u64, 0]);
        assert!(dir >= 0);
        put_str(&mut p, SCRATCH, "mem");
        let r = call(&mut p, nr::OPENAT, &[dir as u64, SCRATCH, libc::O_RDONLY as u64, 0]);
        assert_eq!(r, -(libc::EACCES as i64));
    }

    #[test]
    fn openat_read_close_a_temp_file() {
        let d = tmpdir("open");
        let f = d.join("data.txt");
        std::fs::File::create(&f).unwrap().write_all(b"file contents").unwrap();
        let mut p = process();
        put_str(&mut p, SCRATCH, f.to_str().unwrap());
        let fd = call(&mut p, nr::OPENAT, &[abi::AT_FDCWD as u64, SCRATCH, libc::O_RDONLY as u64, 0]);
        assert!(fd >= 0, "openat: {fd}");
        assert_eq!(call(&mut p, nr::READ, &[fd as u64, SCRATCH + 0x1000, 100]), 13);
        let mut got = [0u8; 13];
        p.mem.read(SCRATCH + 0x1000, &mut got).unwrap();
        assert_eq!(&got, b"file contents");
        assert_eq!(call(&mut p, nr::PREAD64, &[fd as u64, SCRATCH + 0x1000, 8, 5]), 8);
        p.mem.read(SCRATCH + 0x1000, &mut got[..8]).unwrap();
        assert_eq!(&got[..8], b"contents");
        assert_eq!(call(&mut p, nr::LSEEK, &[fd as u64, 0, libc::SEEK_END as u64]), 13);
        assert_eq!(call(&mut p, nr::CLOSE, &[fd as u64]), 0);
        assert_eq!(call(&mut p, nr::CLOSE, &[fd as u64]), -(libc::EBADF as i64));
        // Missing file.
        put_str(&mut p, SCRATCH, d.join("nope").to_str().unwrap());
        assert_eq!(call(&mut p, nr::OPENAT, &[abi::AT_FDCWD as u64, SCRATCH, 0, 0]), -(libc::ENOENT as i64));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn newfstatat_fills_the_riscv_layout() {
        let d = tmpdir("stat");
        let f = d.join("f");
        std::fs::write(&f, vec![7u8; 5000]).unwrap();
        let mut p = process();
        put_str(&mut p, SCRATCH, f.to_str().unwrap());
        let buf = SCRATCH + 0x1000;
        assert_eq!(call(&mut p, nr::NEWFSTATAT, &[abi::AT_FDCWD as u64, SCRATCH, buf, 0]), 0);
        let st = get::<128>(&p, buf).unwrap();
        let u64_at = |o: usize| u64::from_le_bytes(st[o..o + 8].try_into().unwrap());
        let u32_at = |o: usize| u32::from_le_bytes(st[o..o + 4].try_into().unwrap());
        let meta = std::fs::metadata(&f).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(u64_at(8), meta.ino());
        assert_eq!(u32_at(16), meta.mode());
        assert_eq!(u32_at(16) & libc::S_IFMT, libc::S_IFREG);
        assert_eq!(u32_at(20), 1);
        assert_eq!(u32_at(24), meta.uid());
        assert_eq!(u64_at(48), 5000);
        assert_eq!(u64_at(88), meta.mtime() as u64);
        // fstat agrees.
        let fd = call(&mut p, nr::OPENAT, &[abi::AT_FDCWD as u64, SCRATCH, 0, 0]);
        assert_eq!(call(&mut p, nr::FSTAT, &[fd as u64, buf + 0x200]), 0);
        assert_eq!(get::<128>(&p, buf + 0x200).unwrap(), st);
        // statx: stx_size at offset 40.
        assert_eq!(call(&mut p, nr::STATX, &[abi::AT_FDCWD as u64, SCRATCH, 0, 0xfff, buf + 0x400]), 0);
        let sx = get::<256>(&p, buf + 0x400).unwrap();
        assert_eq!(u64::from_le_bytes(sx[40..48].try_into().unwrap()), 5000);
        call(&mut p, nr::CLOSE, &[fd as u64]);
        // Bad output pointer.
        assert_eq!(
            call(&mut p, nr::NEWFSTATAT, &[abi::AT_FDCWD as u64, SCRATCH, 8, 0]),
            -(libc::EFAULT as i64)
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn getdents64_lists_a_directory() {
        let d = tmpdir("dents");
        for n in ["alpha", "beta"] {
            std::fs::write(d.join(n), b"").unwrap();
        }
        let mut p = process();
        put_str(&mut p, SCRATCH, d.to_str().unwrap());
        let flags = (libc::O_RDONLY | libc::O_DIRECTORY) as u64;
        let fd = call(&mut p, nr::OPENAT, &[abi::AT_FDCWD as u64, SCRATCH, flags, 0]);
        assert!(fd >= 0);
        let buf = SCRATCH + 0x1000;
        let n = call(&mut p, nr::GETDENTS64, &[fd as u64, buf, 4096]);
        assert!(n > 0);
        let mut raw = vec![0u8; n as usize];
        p.mem.read(buf, &mut raw).unwrap();
        let mut names = Vec::new();
        let mut off = 0;
        while off < raw.len() {
            let reclen = u16::from_le_bytes([raw[off + 16], raw[off + 17]]) as usize;
            let name = &raw[off + 19..off + reclen];
            let end = name.iter().position(|&b| b == 0).unwrap();
            names.push(String::from_utf8(name[..end].to_vec()).unwrap());
            off += reclen;
        }
        names.sort();
        assert_eq!(names, [".", "..", "alpha", "beta"]);
        call(&mut p, nr::CLOSE, &[fd as u64]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn readlink_of_proc_self_exe_is_the_guest_program() {
        let mut p = process();
        p.exe = std::path::PathBuf::from("/usr/bin/some-guest");
        put_str(&mut p, SCRATCH, "/proc/self/exe");
        let n = call(&mut p, nr::READLINKAT, &[abi::AT_FDCWD as u64, SCRATCH, SCRATCH + 0x100, 64]);
        assert_eq!(n, 19);
        let mut got = [0u8; 19];
        p.mem.read(SCRATCH + 0x100, &mut got).unwrap();
        assert_eq!(&got, b"/usr/bin/some-guest");
        // Truncated to the buffer.
        assert_eq!(call(&mut p, nr::READLINKAT, &[abi::AT_FDCWD as u64, SCRATCH, SCRATCH + 0x100, 4]), 4);
    }

    #[test]
    fn dirs_pipes_cwd_and_access() {
        let d = tmpdir("dirs");
        let mut p = process();
        let sub = d.join("sub");
        put_str(&mut p, SCRATCH, sub.to_str().unwrap());
        assert_eq!(call(&mut p, nr::MKDIRAT, &[abi::AT_FDCWD as u64, SCRATCH, 0o755]), 0);
        assert!(sub.is_dir());
        assert_eq!(call(&mut p, nr::FACCESSAT, &[abi::AT_FDCWD as u64, SCRATCH, libc::W_OK as u64]), 0);
        assert_eq!(
            call(&mut p, nr::UNLINKAT, &[abi::AT_FDCWD as u64, SCRATCH, libc::AT_REMOVEDIR as u64]),
            0
        );
        assert_eq!(
            call(&mut p, nr::FACCESSAT2, &[abi::AT_FDCWD as u64, SCRATCH, 0, 0]),
            -(libc::ENOENT as i64)
        );
        // pipe2 writes two fds.
        assert_eq!(call(&mut p, nr::PIPE2, &[SCRATCH + 0x800, libc::O_CLOEXEC as u64]), 0);
        let fds = get::<8>(&p, SCRATCH + 0x800).unwrap();
        let (r, w) = (
            i32::from_le_bytes(fds[..4].try_into().unwrap()),
            i32::from_le_bytes(fds[4..].try_into().unwrap()),
        );
        assert_eq!(call(&mut p, nr::FCNTL, &[r as u64, libc::F_GETFD as u64]), libc::FD_CLOEXEC as i64);
        let r2 = call(&mut p, nr::DUP, &[r as u64]);
        assert!(r2 > 0);
        assert_eq!(call(&mut p, nr::IOCTL, &[r as u64, ioctl::TCGETS, SCRATCH]), -(libc::ENOTTY as i64));
        assert_eq!(call(&mut p, nr::IOCTL, &[r as u64, 0x1234, SCRATCH]), -(libc::ENOTTY as i64));
        for fd in [r as u64, w as u64, r2 as u64] {
            assert_eq!(call(&mut p, nr::CLOSE, &[fd]), 0);
        }
        // getcwd returns the length with the NUL.
        let cwd = std::env::current_dir().unwrap();
        let n = call(&mut p, nr::GETCWD, &[SCRATCH, 4096]);
        assert_eq!(n as usize, cwd.as_os_str().len() + 1);
        assert_eq!(call(&mut p, nr::GETCWD, &[SCRATCH, 1]), -(libc::ERANGE as i64));
        std::fs::remove_dir_all(&d).unwrap();
    }
}

//! Process system calls: exit, identity, limits and usage, fork (clone without `CLONE_VM`,
//! vfork treated as fork), execve through the loader, wait4/waitid, kill of other processes,
//! and futex on guest memory.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{check, errno, get, get_cstr, get_u64, int, put, warn_once, Outcome, SysResult, PATH_MAX};
use crate::abi::{clone as cl, nr};
use crate::process::{Process, SyscallAction};

/// Size of `struct rusage` on 64-bit Linux (two timevals and fourteen longs).
const RUSAGE_SIZE: usize = 144;
/// Size of `siginfo_t`.
const SIGINFO_SIZE: usize = 128;
/// Most argv/envp strings execve accepts.
const MAX_ARGS: usize = 1 << 20;
/// Most bytes of argv/envp strings execve accepts (Linux's limit depends on the stack rlimit).
const MAX_ARG_BYTES: usize = 32 << 20;
/// `RLIMIT_AS`: not applied to the host, whose address space holds the whole guest.
const RLIMIT_AS: u32 = 9;

/// Serve `number` if it is a process system call.
pub(super) fn serve(p: &mut Process, number: u64, a: &[u64; 6]) -> Option<Outcome> {
    // SAFETY (all the identity calls below): they take no pointers and cannot fail.
    let r = match number {
        nr::EXIT | nr::EXIT_GROUP => {
            return Some(Outcome::Action(SyscallAction::Exit((a[0] & 0xff) as i32)));
        }
        nr::EXECVE => return Some(execve(p, a)),
        nr::GETPID => Ok(unsafe { libc::getpid() } as u64),
        nr::GETPPID => Ok(unsafe { libc::getppid() } as u64),
        nr::GETTID => Ok(gettid()),
        nr::GETUID => Ok(unsafe { libc::getuid() } as u64),
        nr::GETEUID => Ok(unsafe { libc::geteuid() } as u64),
        nr::GETGID => Ok(unsafe { libc::getgid() } as u64),
        nr::GETEGID => Ok(unsafe { libc::getegid() } as u64),
        nr::GETRESUID | nr::GETRESGID => getres(p, number, a),
        nr::GETGROUPS => getgroups(p, a),
        nr::SETPGID => check(unsafe { libc::setpgid(int(a[0]), int(a[1])) } as i64),
        nr::GETPGID => check(unsafe { libc::getpgid(int(a[0])) } as i64),
        nr::GETSID => check(unsafe { libc::getsid(int(a[0])) } as i64),
        nr::SETSID => check(unsafe { libc::setsid() } as i64),
        nr::SET_TID_ADDRESS => {
            p.clear_child_tid = a[0];
            Ok(gettid())
        }
        // The robust list only matters to threads dying while holding locks.
        nr::SET_ROBUST_LIST => {
            if a[1] == 24 {
                Ok(0)
            } else {
                Err(libc::EINVAL)
            }
        }
        // glibc runs fine without restartable sequences.
        nr::RSEQ => Err(libc::ENOSYS),
        nr::PRLIMIT64 => prlimit(p, a[0], a[1], a[2], a[3]),
        nr::GETRLIMIT => prlimit(p, 0, a[0], 0, a[1]),
        nr::SETRLIMIT => prlimit(p, 0, a[0], a[1], 0),
        nr::GETRUSAGE => {
            let mut ru = [0u8; RUSAGE_SIZE];
            // SAFETY: `ru` has the size of `struct rusage`.
            check(unsafe { libc::syscall(libc::SYS_getrusage, int(a[0]), ru.as_mut_ptr()) })
                .and_then(|_| put(p, a[1], &ru).map(|_| 0))
        }
        nr::TIMES => {
            let mut t = [0u8; 32];
            // SAFETY: `t` has the size of `struct tms` (four longs).
            let r = check(unsafe { libc::syscall(libc::SYS_times, t.as_mut_ptr()) });
            r.and_then(|v| if a[0] != 0 { put(p, a[0], &t).map(|_| v) } else { Ok(v) })
        }
        nr::CLONE => clone(p, a),
        // glibc falls back to clone on ENOSYS.
        nr::CLONE3 => Err(libc::ENOSYS),
        nr::WAIT4 => wait4(p, a),
        nr::WAITID => waitid(p, a),
        nr::KILL => kill(a),
        nr::TKILL => tkill(a),
        nr::TGKILL => tgkill(a),
        nr::FUTEX => futex(p, a),
        _ => return None,
    };
    Some(Outcome::Ret(r))
}

fn gettid() -> u64 {
    // SAFETY: gettid takes no arguments.
    unsafe { libc::syscall(libc::SYS_gettid) as u64 }
}

fn getpid() -> i32 {
    // SAFETY: getpid takes no arguments.
    unsafe { libc::getpid() }
}

fn getres(p: &mut Process, number: u64, a: &[u64; 6]) -> SysResult {
    let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
    // SAFETY: three valid out-pointers.
    unsafe {
        if number == nr::GETRESUID {
            check(libc::getresuid(&mut r, &mut e, &mut s) as i64)?;
        } else {
            check(libc::getresgid(&mut r, &mut e, &mut s) as i64)?;
        }
    }
    put(p, a[0], &r.to_le_bytes())?;
    put(p, a[1], &e.to_le_bytes())?;
    put(p, a[2], &s.to_le_bytes())?;
    Ok(0)
}

fn getgroups(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let size = (a[0] as i32).clamp(0, 65536) as usize;
    let mut groups = vec![0u32; size];
    // SAFETY: `groups` holds `size` gid_t values.
    let n = check(unsafe { libc::getgroups(size as i32, groups.as_mut_ptr()) } as i64)?;
    if size > 0 {
        let bytes: Vec<u8> = groups[..n as usize].iter().flat_map(|g| g.to_le_bytes()).collect();
        put(p, a[1], &bytes)?;
    }
    Ok(n)
}

/// prlimit64 (and getrlimit/setrlimit): `struct rlimit64` is two u64 on both sides. Limits on
/// the address space are reported but not applied: the host process holds the whole guest.
fn prlimit(p: &mut Process, pid: u64, res: u64, new: u64, old: u64) -> SysResult {
    let newv = if new == 0 { None } else { Some(get::<16>(p, new)?) };
    let mut oldv = [0u8; 16];
    let skip_new = res as u32 == RLIMIT_AS && (pid == 0 || pid as i32 == getpid());
    let new_ptr = match (&newv, skip_new) {
        (Some(b), false) => b.as_ptr(),
        _ => std::ptr::null(),
    };
    let old_ptr = if old == 0 { std::ptr::null_mut() } else { oldv.as_mut_ptr() };
    // SAFETY: both pointers are null or 16-byte `struct rlimit64` buffers.
    check(unsafe { libc::syscall(libc::SYS_prlimit64, int(pid), res as u32, new_ptr, old_ptr) })?;
    if old != 0 {
        put(p, old, &oldv)?;
    }
    Ok(0)
}

/// clone: fork and vfork (as fork) on the host; threads are not supported yet.
fn clone(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let (flags, newsp, ptid, ctid, tls) = (a[0], a[1], a[2], a[3], a[4]);
    if flags & cl::VM != 0 && flags & cl::VFORK == 0 {
        warn_once(nr::CLONE, "threads (clone with CLONE_VM) are not supported");
        return Err(libc::ENOSYS);
    }
    if flags & cl::THREAD != 0 {
        return Err(libc::EINVAL);
    }
    // SAFETY: the child continues with a copy of this (single-threaded) process's state.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(errno());
    }
    if pid == 0 {
        if newsp != 0 {
            p.cpu.x[2] = newsp;
        }
        if flags & cl::SETTLS != 0 {
            p.cpu.x[4] = tls;
        }
        if flags & cl::CHILD_SETTID != 0 {
            let _ = put(p, ctid, &(gettid() as u32).to_le_bytes());
        }
        if flags & cl::CHILD_CLEARTID != 0 {
            p.clear_child_tid = ctid;
        }
        return Ok(0);
    }
    if flags & cl::PARENT_SETTID != 0 {
        let _ = put(p, ptid, &(pid as u32).to_le_bytes());
    }
    Ok(pid as u64)
}

/// A guest `char *[]` (NULL-terminated; a NULL array is empty).
fn string_array(p: &Process, addr: u64) -> Result<Vec<Vec<u8>>, i32> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut total = 0usize;
    loop {
        let ptr = get_u64(p, addr.wrapping_add(8 * out.len() as u64))?;
        if ptr == 0 {
            return Ok(out);
        }
        let s = get_cstr(p, ptr, MAX_ARG_BYTES, libc::E2BIG)?;
        total += s.len() + 1;
        if out.len() >= MAX_ARGS || total > MAX_ARG_BYTES {
            return Err(libc::E2BIG);
        }
        out.push(s);
    }
}

/// execve: checks that Linux makes before the point of no return, then the loader.
fn execve(p: &mut Process, a: &[u64; 6]) -> Outcome {
    match prepare_exec(p, a) {
        Ok((path, argv, envp)) => match crate::loader::exec(p, &path, &argv, &envp) {
            Ok(()) => {
                // Handlers point into the old image: back to default (ignored stay ignored).
                p.signals.reset_on_exec();
                p.clear_child_tid = 0;
                Outcome::Action(SyscallAction::Exec)
            }
            Err(e) => {
                tracing::debug!("execve {}: {e}", path.display());
                Outcome::Ret(Err(match e {
                    vm_core::VmError::Io { source, .. } => source.raw_os_error().unwrap_or(libc::EIO),
                    _ => libc::ENOEXEC,
                }))
            }
        },
        Err(e) => Outcome::Ret(Err(e)),
    }
}

type ExecArgs = (std::path::PathBuf, Vec<Vec<u8>>, Vec<Vec<u8>>);

fn prepare_exec(p: &Process, a: &[u64; 6]) -> Result<ExecArgs, i32> {
    let guest = get_cstr(p, a[0], PATH_MAX, libc::ENAMETOOLONG)?;
    if guest.is_empty() {
        return Err(libc::ENOENT);
    }
    let argv = string_array(p, a[1])?;
    let envp = string_array(p, a[2])?;
    let path = if super::is_proc_exe(&guest) {
        p.exe.clone()
    } else {
        p.host_path(Path::new(OsStr::from_bytes(&guest)))
    };
    let meta = std::fs::metadata(&path).map_err(|e| e.raw_os_error().unwrap_or(libc::ENOENT))?;
    if !meta.is_file() {
        return Err(libc::EACCES);
    }
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    // SAFETY: `c` is a valid C string.
    check(unsafe { libc::access(c.as_ptr(), libc::X_OK) } as i64)?;
    let mut magic = [0u8; 4];
    let n = std::fs::File::open(&path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut magic))
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EACCES))?;
    if !(n == 4 && magic == *b"\x7fELF" || n >= 2 && magic[..2] == *b"#!") {
        return Err(libc::ENOEXEC);
    }
    Ok((path, argv, envp))
}

fn wait4(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let mut status = 0i32;
    let mut ru = [0u8; RUSAGE_SIZE];
    let ru_ptr = if a[3] == 0 { std::ptr::null_mut() } else { ru.as_mut_ptr() };
    // SAFETY: `status` is a valid int; `ru_ptr` is null or a `struct rusage`-sized buffer.
    let pid = check(unsafe { libc::syscall(libc::SYS_wait4, int(a[0]), &mut status, int(a[2]), ru_ptr) })?;
    if a[1] != 0 && pid != 0 {
        put(p, a[1], &status.to_le_bytes())?;
    }
    if a[3] != 0 {
        put(p, a[3], &ru)?;
    }
    Ok(pid)
}

/// waitid: `siginfo_t` for SIGCHLD has the same layout on riscv64 and x86-64.
fn waitid(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let mut info = [0u8; SIGINFO_SIZE];
    let mut ru = [0u8; RUSAGE_SIZE];
    let info_ptr = if a[2] == 0 { std::ptr::null_mut() } else { info.as_mut_ptr() };
    let ru_ptr = if a[4] == 0 { std::ptr::null_mut() } else { ru.as_mut_ptr() };
    // SAFETY: both pointers are null or buffers of the right size.
    let r =
        check(unsafe { libc::syscall(libc::SYS_waitid, int(a[0]), int(a[1]), info_ptr, int(a[3]), ru_ptr) })?;
    if a[2] != 0 {
        put(p, a[2], &info)?;
    }
    if a[4] != 0 {
        put(p, a[4], &ru)?;
    }
    Ok(r)
}

/// Signals to this process belong to the signal layer; if it did not take the call, only the
/// existence probe (signal 0) is answered here.
fn to_self(sig: i32) -> SysResult {
    if sig == 0 {
        Ok(0)
    } else {
        warn_once(nr::KILL, "signals to the process itself are not handled here");
        Err(libc::ENOSYS)
    }
}

fn kill(a: &[u64; 6]) -> SysResult {
    let (pid, sig) = (int(a[0]), int(a[1]));
    if (pid > 0 && pid != getpid()) || pid < -1 {
        // SAFETY: kill takes no pointers.
        return check(unsafe { libc::kill(pid, sig) } as i64);
    }
    to_self(sig)
}

fn tkill(a: &[u64; 6]) -> SysResult {
    let (tid, sig) = (int(a[0]), int(a[1]));
    if tid as u64 != gettid() {
        // SAFETY: tkill takes no pointers.
        return check(unsafe { libc::syscall(libc::SYS_tkill, tid, sig) });
    }
    to_self(sig)
}

fn tgkill(a: &[u64; 6]) -> SysResult {
    let (tgid, tid, sig) = (int(a[0]), int(a[1]), int(a[2]));
    if tgid != getpid() {
        // SAFETY: tgkill takes no pointers.
        return check(unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) });
    }
    to_self(sig)
}

/// futex WAIT/WAKE (and the bitset forms) on the host word behind the guest address.
fn futex(p: &mut Process, a: &[u64; 6]) -> SysResult {
    const WAIT: i32 = 0;
    const WAKE: i32 = 1;
    const WAIT_BITSET: i32 = 9;
    const WAKE_BITSET: i32 = 10;
    let op = int(a[1]);
    let cmd = op & 0x7f;
    if a[0] & 3 != 0 {
        return Err(libc::EINVAL);
    }
    if !matches!(cmd, WAIT | WAKE | WAIT_BITSET | WAKE_BITSET) {
        warn_once(nr::FUTEX, "futex operation not supported");
        return Err(libc::ENOSYS);
    }
    let word = p.mem.host_slice(a[0], 4).map_err(|_| libc::EFAULT)?.as_ptr();
    let waits = cmd == WAIT || cmd == WAIT_BITSET;
    let tmo = if waits && a[3] != 0 { Some(get::<16>(p, a[3])?) } else { None };
    let tmo_ptr = tmo.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    // SAFETY: `word` is an aligned 4-byte word of guest memory in the host reservation;
    // `tmo_ptr` is null or a timespec (same layout on the host); the remaining arguments are
    // integers for these operations.
    check(unsafe { libc::syscall(libc::SYS_futex, word, op, a[2] as u32, tmo_ptr, 0usize, a[5] as u32) })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn identity_calls_match_the_host() {
        let mut p = process();
        // SAFETY: no-argument identity calls.
        unsafe {
            assert_eq!(call(&mut p, nr::GETPID, &[]), libc::getpid() as i64);
            assert_eq!(call(&mut p, nr::GETPPID, &[]), libc::getppid() as i64);
            assert_eq!(call(&mut p, nr::GETUID, &[]), libc::getuid() as i64);
            assert_eq!(call(&mut p, nr::GETEGID, &[]), libc::getegid() as i64);
        }
        assert_eq!(call(&mut p, nr::SET_TID_ADDRESS, &[SCRATCH]), gettid() as i64);
        assert_eq!(p.clear_child_tid, SCRATCH);
        assert_eq!(call(&mut p, nr::SET_ROBUST_LIST, &[SCRATCH, 24]), 0);
        assert_eq!(call(&mut p, nr::RSEQ, &[SCRATCH, 32, 0, 0]), -(libc::ENOSYS as i64));
    }

    #[test]
    fn prlimit_reads_the_stack_limit() {
        let mut p = process();
        assert_eq!(call(&mut p, nr::PRLIMIT64, &[0, libc::RLIMIT_STACK as u64, 0, SCRATCH]), 0);
        let mut host = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: valid out-pointer.
        unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut host) };
        assert_eq!(get_u64(&p, SCRATCH).unwrap(), host.rlim_cur);
        assert_eq!(get_u64(&p, SCRATCH + 8).unwrap(), host.rlim_max);
        assert_eq!(call(&mut p, nr::GETRLIMIT, &[libc::RLIMIT_NOFILE as u64, SCRATCH]), 0);
        assert_eq!(call(&mut p, nr::PRLIMIT64, &[0, 3, 0, 8]), -(libc::EFAULT as i64));
    }

    #[test]
    fn fork_child_gets_zero_and_parent_waits_for_it() {
        let mut p = process();
        let flags = cl::CHILD_SETTID | cl::CHILD_CLEARTID | libc::SIGCHLD as u64;
        let r = call(&mut p, nr::CLONE, &[flags, 0, 0, SCRATCH + 0x40, 0]);
        if r == 0 {
            // The child: check what clone set up, report through the exit status.
            let tid = u32::from_le_bytes(get::<4>(&p, SCRATCH + 0x40).unwrap());
            // SAFETY: getpid takes no arguments.
            let ok = tid as i32 == unsafe { libc::getpid() } && p.clear_child_tid == SCRATCH + 0x40;
            // SAFETY: leave the forked test process at once.
            unsafe { libc::_exit(if ok { 42 } else { 1 }) };
        }
        assert!(r > 0, "clone: {r}");
        assert_eq!(call(&mut p, nr::WAIT4, &[r as u64, SCRATCH, 0, SCRATCH + 0x100]), r);
        let status = i32::from_le_bytes(get::<4>(&p, SCRATCH).unwrap());
        assert!(libc::WIFEXITED(status));
        assert_eq!(libc::WEXITSTATUS(status), 42);
        // Threads are refused.
        let thread = cl::VM | cl::THREAD | 0x800 | 0x400 | 0x200;
        assert_eq!(call(&mut p, nr::CLONE, &[thread, SCRATCH, 0, 0, 0]), -(libc::ENOSYS as i64));
        // No children left.
        assert_eq!(call(&mut p, nr::WAIT4, &[u64::MAX, 0, 0, 0]), -(libc::ECHILD as i64));
    }

    #[test]
    fn execve_failures_keep_running() {
        let mut p = process();
        put_str(&mut p, SCRATCH, "/nonexistent/program");
        assert_eq!(call(&mut p, nr::EXECVE, &[SCRATCH, 0, 0]), -(libc::ENOENT as i64));
        put_str(&mut p, SCRATCH, "/");
        assert_eq!(call(&mut p, nr::EXECVE, &[SCRATCH, 0, 0]), -(libc::EACCES as i64));
        // An executable that is not an ELF or script.
        let f = std::env::temp_dir().join(format!("vm-linux-noexec-{}", std::process::id()));
        std::fs::write(&f, b"plain text").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        put_str(&mut p, SCRATCH, f.to_str().unwrap());
        assert_eq!(call(&mut p, nr::EXECVE, &[SCRATCH, 0, 0]), -(libc::ENOEXEC as i64));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(call(&mut p, nr::EXECVE, &[SCRATCH, 0, 0]), -(libc::EACCES as i64));
        std::fs::remove_file(&f).unwrap();
        assert_eq!(call(&mut p, nr::EXECVE, &[8, 0, 0]), -(libc::EFAULT as i64));
    }

    #[test]
    fn execve_of_a_static_guest_replaces_the_image() {
        let elf = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guests/linux/loader/hello-static.elf");
        let mut p = process();
        put_str(&mut p, SCRATCH, elf);
        put_str(&mut p, SCRATCH + 0x400, "hello");
        put_str(&mut p, SCRATCH + 0x500, "A=1");
        let mut ptrs = Vec::new();
        for v in [SCRATCH + 0x400, 0, SCRATCH + 0x500, 0] {
            ptrs.extend_from_slice(&v.to_le_bytes());
        }
        p.mem.write(SCRATCH + 0x200, &ptrs).unwrap();
        let act = dispatch_args(&mut p, nr::EXECVE, &[SCRATCH, SCRATCH + 0x200, SCRATCH + 0x210]);
        assert_eq!(act, SyscallAction::Exec);
        // The scratch mapping is gone, the new image runs from its entry with argc 1.
        assert_eq!(p.mem.prot_of(SCRATCH), None);
        assert!(p.mem.prot_of(p.cpu.pc).is_some_and(|pr| pr.contains(vm_mem::Prot::EXEC)));
        assert_eq!(get_u64(&p, p.cpu.x[2]).unwrap(), 1);
        // /proc/self/exe is the guest program, not the host's vm binary.
        p.mem.map_fixed(SCRATCH, 4096, vm_mem::Prot::RW).unwrap();
        put_str(&mut p, SCRATCH, "/proc/self/exe");
        assert_eq!(dispatch_args(&mut p, nr::EXECVE, &[SCRATCH, 0, 0]), SyscallAction::Exec);
        assert_eq!(get_u64(&p, p.cpu.x[2]).unwrap(), 0);
    }

    #[test]
    fn futex_wake_and_mismatched_wait() {
        let mut p = process();
        p.mem.write(SCRATCH, &5u32.to_le_bytes()).unwrap();
        assert_eq!(call(&mut p, nr::FUTEX, &[SCRATCH, 1 | 128, 1, 0, 0, 0]), 0);
        assert_eq!(call(&mut p, nr::FUTEX, &[SCRATCH, 128, 4, 0, 0, 0]), -(libc::EAGAIN as i64));
        assert_eq!(call(&mut p, nr::FUTEX, &[8, 1, 1, 0, 0, 0]), -(libc::EFAULT as i64));
    }
}

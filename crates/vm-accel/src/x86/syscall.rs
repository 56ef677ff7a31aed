//! x86-64 system calls, served by vm-linux: most have an asm-generic (riscv64) twin with the
//! same arguments and structures and go straight through [`vm_linux::syscall::dispatch`];
//! the legacy path-based calls become their `*at` forms; the few whose structures differ on
//! x86-64 (`stat`, `sigaction`, `utsname.machine`) or that only x86-64 has (`arch_prctl`) are
//! done here.

use vm_core::VmError;
use vm_linux::SyscallAction;

use super::X86Process;
use crate::hypervisor::Regs;

const AT_FDCWD: u64 = -100i64 as u64;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_REMOVEDIR: u64 = 0x200;
const AT_EMPTY_PATH: u64 = 0x1000;

/// x86-64 numbers whose asm-generic twin takes the same arguments.
fn generic(nr: u64) -> Option<u64> {
    Some(match nr {
        0 => 63,    // read
        1 => 64,    // write
        3 => 57,    // close
        8 => 62,    // lseek
        9 => 222,   // mmap
        10 => 226,  // mprotect
        11 => 215,  // munmap
        12 => 214,  // brk
        14 => 135,  // rt_sigprocmask
        16 => 29,   // ioctl
        17 => 67,   // pread64
        18 => 68,   // pwrite64
        19 => 65,   // readv
        20 => 66,   // writev
        24 => 124,  // sched_yield
        25 => 216,  // mremap
        26 => 227,  // msync
        27 => 232,  // mincore
        28 => 233,  // madvise
        32 => 23,   // dup
        35 => 101,  // nanosleep
        39 => 172,  // getpid
        40 => 71,   // sendfile
        60 => 93,   // exit
        61 => 260,  // wait4
        72 => 25,   // fcntl
        73 => 32,   // flock
        74 => 82,   // fsync
        75 => 83,   // fdatasync
        76 => 45,   // truncate
        77 => 46,   // ftruncate
        79 => 17,   // getcwd
        80 => 49,   // chdir
        81 => 50,   // fchdir
        91 => 52,   // fchmod
        93 => 55,   // fchown
        95 => 166,  // umask
        96 => 169,  // gettimeofday
        97 => 163,  // getrlimit
        98 => 165,  // getrusage
        99 => 179,  // sysinfo
        100 => 153, // times
        102 => 174, // getuid
        104 => 176, // getgid
        105 => 146, // setuid
        106 => 144, // setgid
        107 => 175, // geteuid
        108 => 177, // getegid
        109 => 154, // setpgid
        110 => 173, // getppid
        112 => 157, // setsid
        115 => 158, // getgroups
        121 => 155, // getpgid
        124 => 156, // getsid
        131 => 132, // sigaltstack
        137 => 43,  // statfs
        138 => 44,  // fstatfs
        157 => 167, // prctl
        160 => 164, // setrlimit
        162 => 81,  // sync
        186 => 178, // gettid
        202 => 98,  // futex
        204 => 123, // sched_getaffinity
        217 => 61,  // getdents64
        218 => 96,  // set_tid_address
        228 => 113, // clock_gettime
        229 => 114, // clock_getres
        230 => 115, // clock_nanosleep
        231 => 94,  // exit_group
        257 => 56,  // openat
        258 => 34,  // mkdirat
        260 => 54,  // fchownat
        263 => 35,  // unlinkat
        316 => 276, // renameat2
        265 => 37,  // linkat
        266 => 36,  // symlinkat
        267 => 78,  // readlinkat
        268 => 53,  // fchmodat
        269 => 48,  // faccessat
        271 => 73,  // ppoll
        273 => 99,  // set_robust_list
        274 => 100, // get_robust_list
        280 => 88,  // utimensat
        285 => 47,  // fallocate
        290 => 19,  // eventfd2
        292 => 24,  // dup3
        293 => 59,  // pipe2
        318 => 278, // getrandom
        334 => 293, // rseq
        439 => 439, // faccessat2
        36 => 102,  // getitimer
        38 => 103,  // setitimer
        41 => 198,  // socket
        42 => 203,  // connect
        43 => 202,  // accept
        44 => 206,  // sendto
        45 => 207,  // recvfrom
        46 => 211,  // sendmsg
        47 => 212,  // recvmsg
        48 => 210,  // shutdown
        49 => 200,  // bind
        50 => 201,  // listen
        51 => 204,  // getsockname
        52 => 205,  // getpeername
        53 => 199,  // socketpair
        54 => 208,  // setsockopt
        55 => 209,  // getsockopt
        113 => 145, // setreuid
        114 => 143, // setregid
        116 => 159, // setgroups
        117 => 147, // setresuid
        118 => 148, // getresuid
        119 => 149, // setresgid
        120 => 150, // getresgid
        122 => 151, // setfsuid
        123 => 152, // setfsgid
        127 => 136, // rt_sigpending
        128 => 137, // rt_sigtimedwait
        129 => 138, // rt_sigqueueinfo
        130 => 133, // rt_sigsuspend
        135 => 92,  // personality
        140 => 141, // getpriority
        141 => 140, // setpriority
        203 => 122, // sched_setaffinity
        222 => 107, // timer_create
        223 => 110, // timer_settime
        224 => 108, // timer_gettime
        225 => 109, // timer_getoverrun
        226 => 111, // timer_delete
        247 => 95,  // waitid
        288 => 242, // accept4
        297 => 240, // rt_tgsigqueueinfo
        332 => 291, // statx
        _ => return None,
    })
}

/// Calls that change the memory map: after them the page tables are synced over the range.
fn touches_memory(nr: u64) -> bool {
    matches!(nr, 9 | 10 | 11 | 12 | 25 | 28)
}

/// Serve the call in `regs` (number in rax, arguments in rdi, rsi, rdx, r10, r8, r9); the
/// result goes to rax.
pub(super) fn serve(m: &mut X86Process, regs: &mut Regs) -> Result<SyscallAction, VmError> {
    let nr = regs.rax;
    let a = [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9];
    let brk_before = m.process.brk.current;
    // vm-linux reads the stack pointer from the RISC-V sp slot (sigaltstack's SS_ONSTACK).
    m.process.cpu.x[2] = regs.rsp;
    let (action, ret) = match nr {
        2 => via(m, 56, [AT_FDCWD, a[0], a[1], a[2], 0, 0]), // open
        85 => via(m, 56, [AT_FDCWD, a[0], 0o1101, a[1], 0, 0]), // creat
        21 => via(m, 48, [AT_FDCWD, a[0], a[1], 0, 0, 0]),   // access
        22 => via(m, 59, [a[0], 0, 0, 0, 0, 0]),             // pipe
        33 => dup2(m, a[0], a[1]),                           // dup2
        82 => via(m, 276, [AT_FDCWD, a[0], AT_FDCWD, a[1], 0, 0]), // rename
        83 => via(m, 34, [AT_FDCWD, a[0], a[1], 0, 0, 0]),   // mkdir
        84 => via(m, 35, [AT_FDCWD, a[0], AT_REMOVEDIR, 0, 0, 0]), // rmdir
        86 => via(m, 37, [AT_FDCWD, a[0], AT_FDCWD, a[1], 0, 0]), // link
        87 => via(m, 35, [AT_FDCWD, a[0], 0, 0, 0, 0]),      // unlink
        88 => via(m, 36, [a[0], AT_FDCWD, a[1], 0, 0, 0]),   // symlink
        89 => via(m, 78, [AT_FDCWD, a[0], a[1], a[2], 0, 0]), // readlink
        90 => via(m, 53, [AT_FDCWD, a[0], a[1], 0, 0, 0]),   // chmod
        92 => via(m, 54, [AT_FDCWD, a[0], a[1], a[2], 0, 0]), // chown
        94 => via(m, 54, [AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW, 0]), // lchown
        111 => via(m, 155, [0; 6]),                          // getpgrp
        7 => poll(m, a),                                     // poll
        4 => stat(m, AT_FDCWD, a[0], a[1], 0),               // stat
        6 => stat(m, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW), // lstat
        5 => stat(m, a[0], 0, a[1], AT_EMPTY_PATH),          // fstat
        262 => stat(m, a[0], a[1], a[2], a[3]),              // newfstatat
        13 => sigaction(m, a),                               // rt_sigaction
        62 => kill(m, a),
        302 => {
            // prlimit64 on another process could kill it (RLIMIT_CPU): this process only.
            let me = u64::from(std::process::id());
            if a[0] == 0 || a[0] == me {
                via(m, 261, a)
            } else {
                ret(-libc::EPERM as i64)
            }
        }
        // F_SETOWN (8), F_SETSIG (10), F_SETOWN_EX (15)
        72 if matches!(a[1], 8 | 10 | 15) => {
            // Signal-driven I/O could send signals to any process: not supported.
            ret(-libc::EINVAL as i64)
        }
        56..=58 => fork(m, nr, a, regs)?, // clone, fork, vfork
        59 => via(m, 221, a),             // execve
        264 => via(m, 276, [a[0], a[1], a[2], a[3], 0, 0]), // renameat
        200 | 234 => {
            // tkill(tid, sig) / tgkill(tgid, tid, sig): the process's only thread.
            let me = u64::from(std::process::id());
            let ids: &[u64] = if nr == 200 { &a[..1] } else { &a[..2] };
            if ids.iter().all(|&id| id == me) {
                via(m, if nr == 200 { 130 } else { 131 }, a)
            } else {
                ret(-libc::ESRCH as i64)
            }
        }
        63 => uname(m, a[0]),              // uname
        158 => arch_prctl(m, a[0], a[1])?, // arch_prctl
        201 => time(m, a[0]),
        37 => {
            // alarm: the host timer, whose SIGALRM is forwarded to the guest.
            // SAFETY: alarm only sets this process's real-time timer.
            ret(i64::from(unsafe { libc::alarm(a[0] as u32) }))
        }
        34 => {
            // pause = rt_sigsuspend with the current mask, put below the red zone.
            let at = regs.rsp.wrapping_sub(256) & !7;
            let mask = m.process.signals.blocked;
            if m.process.mem.write(at, &mask.to_le_bytes()).is_err() {
                ret(-libc::EFAULT as i64)
            } else {
                via(m, 133, [at, 8, 0, 0, 0, 0])
            }
        }
        23 => ret(vm_linux::syscall::select(&mut m.process, &a, false)), // select (timeval)
        270 => via(m, 72, a),                                            // pselect6 // time
        _ => match generic(nr) {
            Some(g) => via(m, g, a),
            None => {
                tracing::warn!(nr, "x86-64 system call not implemented in accelerated mode: -ENOSYS");
                (SyscallAction::Continue, -(libc::ENOSYS as i64) as u64)
            }
        },
    };
    regs.rax = ret;
    if nr == 61 && (ret as i64) > 0 {
        // A reaped child's pid may be reused by an unrelated process.
        m.children.retain(|&c| c as u64 != ret);
    }
    if touches_memory(nr) {
        let (lo, hi) = match nr {
            12 => {
                let (x, y) = (brk_before.min(m.process.brk.current), brk_before.max(m.process.brk.current));
                (x, y)
            }
            9 if (ret as i64) >= 0 => (ret, ret.saturating_add(a[1])),
            25 if (ret as i64) >= 0 => {
                m.sync(a[0], a[0].saturating_add(a[1]))?;
                (ret, ret.saturating_add(a[2]))
            }
            _ => (a[0], a[0].saturating_add(a[1])),
        };
        m.sync(lo & !0xfff, hi.saturating_add(0xfff) & !0xfff)?;
    }
    Ok(action)
}

/// Run asm-generic call `g` with `args` through vm-linux; returns what to do and rax.
fn via(m: &mut X86Process, g: u64, args: [u64; 6]) -> (SyscallAction, u64) {
    let p = &mut m.process;
    p.cpu.x[17] = g;
    p.cpu.x[10..16].copy_from_slice(&args);
    let action = vm_linux::syscall::dispatch(p);
    (action, p.cpu.x[10])
}

fn ret(r: i64) -> (SyscallAction, u64) {
    (SyscallAction::Continue, r as u64)
}

fn errno() -> i64 {
    -(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO) as i64)
}

fn dup2(m: &mut X86Process, old: u64, new: u64) -> (SyscallAction, u64) {
    if old == new {
        // dup2(fd, fd) only checks fd and returns it (dup3 would refuse).
        let (action, r) = via(m, 25, [old, libc::F_GETFD as u64, 0, 0, 0, 0]);
        return if (r as i64) < 0 { (action, r) } else { (action, old) };
    }
    via(m, 24, [old, new, 0, 0, 0, 0])
}

/// poll(fds, n, timeout_ms) as ppoll with a timespec (or none for a negative timeout).
fn poll(m: &mut X86Process, a: [u64; 6]) -> (SyscallAction, u64) {
    let ms = a[2] as i32;
    if ms < 0 {
        return via(m, 73, [a[0], a[1], 0, 0, 8, 0]);
    }
    // ppoll would need a timespec in guest memory: serve this one on the host directly.
    let n = a[1] as usize;
    let Some(len) = n.checked_mul(8) else { return ret(-libc::EINVAL as i64) };
    let Ok(bytes) = m.process.mem.host_slice_mut(a[0], len) else { return ret(-libc::EFAULT as i64) };
    // SAFETY: `bytes` is n pollfd structs (8 bytes each, same layout on host and guest) in
    // guest memory the guest may write; poll only touches those bytes.
    let r = unsafe { libc::poll(bytes.as_mut_ptr().cast(), n as libc::nfds_t, ms) };
    ret(if r < 0 { errno() } else { i64::from(r) })
}

/// stat/lstat/fstat/newfstatat: the host's `struct stat` is the x86-64 guest's.
fn stat(m: &mut X86Process, dirfd: u64, path: u64, buf: u64, flags: u64) -> (SyscallAction, u64) {
    let cpath = if path == 0 && flags & AT_EMPTY_PATH != 0 {
        std::ffi::CString::default()
    } else {
        match m.process.mem.read_cstr(path, 4096) {
            Ok(p) => {
                use std::os::unix::ffi::OsStrExt;
                let host = m.process.host_path(std::path::Path::new(std::ffi::OsStr::from_bytes(&p)));
                match std::ffi::CString::new(host.as_os_str().as_bytes()) {
                    Ok(c) => c,
                    Err(_) => return ret(-libc::EINVAL as i64),
                }
            }
            Err(_) => return ret(-libc::EFAULT as i64),
        }
    };
    // SAFETY: zeroed `stat` is a valid value; fstatat writes only into it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid C string and out pointer; dirfd is the guest's (guest fds are host fds).
    let r = unsafe { libc::fstatat(dirfd as i32, cpath.as_ptr(), &mut st, flags as i32) };
    if r < 0 {
        return ret(errno());
    }
    // SAFETY: `libc::stat` is plain old data; viewing it as bytes is fine.
    let bytes = unsafe {
        std::slice::from_raw_parts((&st as *const libc::stat).cast::<u8>(), std::mem::size_of::<libc::stat>())
    };
    match m.process.mem.write(buf, bytes) {
        Ok(()) => ret(0),
        Err(_) => ret(-libc::EFAULT as i64),
    }
}

/// clone (as fork: no threads), fork and vfork (as fork): the host process forks; the child
/// cannot use the parent's VM, so it builds its own with the parent's CPU state.
fn fork(m: &mut X86Process, nr: u64, a: [u64; 6], regs: &mut Regs) -> Result<(SyscallAction, u64), VmError> {
    const SIGCHLD: u64 = 17;
    const CLONE_VM: u64 = 0x100;
    const CLONE_VFORK: u64 = 0x4000;
    const CLONE_SETTLS: u64 = 0x8_0000;
    let args = match nr {
        56 => a,
        57 => [SIGCHLD, 0, 0, 0, 0, 0],
        _ => [CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0],
    };
    let mut sregs = m.vcpu.special_regs()?;
    let fpu = m.vcpu.fpu_state()?;
    let parent = std::process::id();
    let (action, r) = via(m, 220, args);
    if std::process::id() != parent {
        // The child: back to ring 3 after the `syscall` with rax = 0 in a VM of its own.
        let mut child = *regs;
        child.rax = 0;
        child.rip = regs.rcx;
        child.rflags = (regs.r11 & 0x3c_7fd7) | 2;
        if args[1] != 0 {
            child.rsp = args[1];
            regs.rsp = args[1];
        }
        if args[0] & CLONE_SETTLS != 0 {
            sregs.fs.base = args[4];
        }
        m.rebuild(Some((child, sregs, fpu)))?;
        m.children.clear();
    } else if (r as i64) > 0 {
        m.children.push(r as i32);
    }
    Ok((action, r))
}

/// kill: only the process itself (pid 0 or its own pid) or a child it forked; anything else
/// could reach host processes that are not the guest's (a failed fork's -1 passed to kill
/// would signal every process the user owns). Process groups are not supported yet.
fn kill(m: &mut X86Process, a: [u64; 6]) -> (SyscallAction, u64) {
    let me = u64::from(std::process::id());
    let pid = a[0] as i32;
    if pid == 0 || pid as u64 == me {
        return via(m, 129, [me, a[1], 0, 0, 0, 0]);
    }
    if pid > 0 && m.children.contains(&pid) {
        return via(m, 129, a);
    }
    tracing::warn!(pid, "kill of another process refused in accelerated mode (no child processes yet)");
    ret(-libc::EPERM as i64)
}

/// rt_sigaction with the x86-64 `struct sigaction` (handler, flags, restorer, mask).
fn sigaction(m: &mut X86Process, a: [u64; 6]) -> (SyscallAction, u64) {
    let (sig, act, old) = (a[0] as i32, a[1], a[2]);
    if !(1..=64).contains(&sig) || a[3] != 8 {
        return ret(-libc::EINVAL as i64);
    }
    // Read the new action first: `act` and `oldact` may be the same buffer.
    let mut new = None;
    if act != 0 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            return ret(-libc::EINVAL as i64);
        }
        let mut b = [0u8; 32];
        if m.process.mem.read(act, &mut b).is_err() {
            return ret(-libc::EFAULT as i64);
        }
        let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        new = Some((
            vm_linux::signal::SigAction { handler: word(0), flags: word(8), mask: word(24) },
            word(16),
        ));
    }
    let cur = m.process.signals.action(sig);
    if old != 0 {
        let mut b = [0u8; 32];
        b[0..8].copy_from_slice(&cur.handler.to_le_bytes());
        b[8..16].copy_from_slice(&cur.flags.to_le_bytes());
        b[16..24].copy_from_slice(&m.restorers[(sig - 1) as usize].to_le_bytes());
        b[24..32].copy_from_slice(&cur.mask.to_le_bytes());
        if m.process.mem.write(old, &b).is_err() {
            return ret(-libc::EFAULT as i64);
        }
    }
    if let Some((action, restorer)) = new {
        m.process.signals.actions[(sig - 1) as usize] = action;
        m.restorers[(sig - 1) as usize] = restorer;
    }
    ret(0)
}

fn uname(m: &mut X86Process, buf: u64) -> (SyscallAction, u64) {
    let (action, r) = via(m, 160, [buf, 0, 0, 0, 0, 0]);
    if r == 0 {
        let mut machine = [0u8; 65];
        machine[..6].copy_from_slice(b"x86_64");
        if m.process.mem.write(buf + 4 * 65, &machine).is_err() {
            return ret(-libc::EFAULT as i64);
        }
    }
    (action, r)
}

fn time(m: &mut X86Process, tloc: u64) -> (SyscallAction, u64) {
    // SAFETY: time(NULL) only returns a value.
    let t = unsafe { libc::time(std::ptr::null_mut()) } as u64;
    if tloc != 0 && m.process.mem.write(tloc, &t.to_le_bytes()).is_err() {
        return ret(-libc::EFAULT as i64);
    }
    ret(t as i64)
}

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;

fn arch_prctl(m: &mut X86Process, code: u64, addr: u64) -> Result<(SyscallAction, u64), VmError> {
    let mut s = m.vcpu.special_regs()?;
    let r = match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= 1 << 47 {
                -libc::EPERM as i64
            } else {
                if code == ARCH_SET_FS {
                    s.fs.base = addr;
                } else {
                    s.gs.base = addr;
                }
                m.vcpu.set_special_regs(&s)?;
                0
            }
        }
        ARCH_GET_FS | ARCH_GET_GS => {
            let v = if code == ARCH_GET_FS { s.fs.base } else { s.gs.base };
            if m.process.mem.write(addr, &v.to_le_bytes()).is_ok() {
                0
            } else {
                -libc::EFAULT as i64
            }
        }
        _ => -libc::EINVAL as i64,
    };
    Ok(ret(r))
}

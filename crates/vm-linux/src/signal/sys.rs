//! The signal system calls.

use std::time::{Duration, Instant};

use super::frame::{self, get_u64, put_u32, put_u64};
use super::{
    bit, host, si, sig, AltStack, LastSyscall, SigAction, SigInfo, MINSIGSTKSZ, SS_AUTODISARM, SS_DISABLE,
    SS_ONSTACK, UNBLOCKABLE,
};
use crate::process::{Process, SyscallAction};

const EPERM: i64 = 1;
const ESRCH: i64 = 3;
const EINTR: i64 = 4;
const EAGAIN: i64 = 11;
const ENOMEM: i64 = 12;
const EFAULT: i64 = 14;
const EINVAL: i64 = 22;

const NR_GETITIMER: u64 = 102;
const NR_SETITIMER: u64 = 103;
const NR_KILL: u64 = 129;
const NR_TKILL: u64 = 130;
const NR_TGKILL: u64 = 131;
const NR_SIGALTSTACK: u64 = 132;
const NR_RT_SIGSUSPEND: u64 = 133;
const NR_RT_SIGACTION: u64 = 134;
const NR_RT_SIGPROCMASK: u64 = 135;
const NR_RT_SIGPENDING: u64 = 136;
const NR_RT_SIGTIMEDWAIT: u64 = 137;
const NR_RT_SIGQUEUEINFO: u64 = 138;
const NR_RT_SIGRETURN: u64 = 139;

/// Whether [`crate::syscall::dispatch`] advances `pc` past the `ecall` before calling
/// [`syscall`]. It does not: the contract is that [`syscall`] sees `pc` at the `ecall`.
pub(crate) const DISPATCH_ADVANCES_PC: bool = false;

/// Serve `nr` if it is a signal system call: writes a0, advances pc past the `ecall`
/// (rt_sigreturn restores pc from the frame instead) and returns `Some`; `None` for every
/// other call (the dispatcher serves it, and advances pc). Called by the dispatcher first for
/// every system call, with `pc` at the `ecall`; it remembers the call for restart after
/// `EINTR` (module doc).
pub fn syscall(p: &mut Process, nr: u64, args: &[u64; 6]) -> Option<SyscallAction> {
    let ecall = if DISPATCH_ADVANCES_PC { p.cpu.pc.wrapping_sub(4) } else { p.cpu.pc };
    p.signals.last_syscall = Some(LastSyscall { pc: ecall, a0: args[0], nr });
    let r = match nr {
        NR_RT_SIGRETURN => {
            p.signals.last_syscall = None;
            return Some(rt_sigreturn(p));
        }
        NR_KILL | NR_TKILL | NR_TGKILL | NR_RT_SIGQUEUEINFO => kill(p, nr, args)?,
        NR_SIGALTSTACK => sigaltstack(p, args[0], args[1]),
        NR_RT_SIGSUSPEND => rt_sigsuspend(p, args[0], args[1]),
        NR_RT_SIGACTION => rt_sigaction(p, args),
        NR_RT_SIGPROCMASK => rt_sigprocmask(p, args),
        NR_RT_SIGPENDING => rt_sigpending(p, args[0], args[1]),
        NR_RT_SIGTIMEDWAIT => rt_sigtimedwait(p, args),
        NR_GETITIMER | NR_SETITIMER => itimer(p, nr, args),
        _ => return None,
    };
    p.signals.last_syscall = None;
    p.cpu.x[10] = r as u64;
    p.cpu.pc = ecall.wrapping_add(4);
    Some(SyscallAction::Continue)
}

fn read<const N: usize>(p: &Process, addr: u64) -> Result<[u8; N], i64> {
    let mut b = [0u8; N];
    p.mem.read(addr, &mut b).map_err(|_| -EFAULT)?;
    Ok(b)
}

fn write(p: &mut Process, addr: u64, data: &[u8]) -> Result<(), i64> {
    p.mem.write(addr, data).map_err(|_| -EFAULT)
}

fn result(r: Result<i64, i64>) -> i64 {
    r.unwrap_or_else(|e| e)
}

/// Signal number from a syscall argument: `Some` for 0..=64.
fn signo(arg: u64) -> Option<i32> {
    let s = arg as i32;
    (0..=sig::NSIG).contains(&s).then_some(s)
}

fn rt_sigaction(p: &mut Process, a: &[u64; 6]) -> i64 {
    result((|| {
        let (s, act, oact, size) = (a[0] as i32, a[1], a[2], a[3]);
        if size != 8 || !(1..=sig::NSIG).contains(&s) {
            return Err(-EINVAL);
        }
        if act != 0 && bit(s) & UNBLOCKABLE != 0 {
            return Err(-EINVAL);
        }
        let new = if act != 0 {
            let b = read::<24>(p, act)?;
            Some(SigAction {
                handler: get_u64(&b, 0),
                flags: get_u64(&b, 8) & super::sa::KNOWN,
                mask: get_u64(&b, 16) & !UNBLOCKABLE,
            })
        } else {
            None
        };
        let st = &mut p.signals;
        let old = st.action(s);
        if let Some(n) = new {
            st.actions[(s - 1) as usize] = n;
            if st.is_ignored(s) {
                st.discard(s);
            }
        }
        if oact != 0 {
            let mut b = [0u8; 24];
            put_u64(&mut b, 0, old.handler);
            put_u64(&mut b, 8, old.flags);
            put_u64(&mut b, 16, old.mask);
            write(p, oact, &b)?;
        }
        Ok(0)
    })())
}

fn rt_sigprocmask(p: &mut Process, a: &[u64; 6]) -> i64 {
    result((|| {
        let (how, set, oset, size) = (a[0], a[1], a[2], a[3]);
        if size != 8 {
            return Err(-EINVAL);
        }
        p.signals.drain_host();
        let old = p.signals.blocked;
        if set != 0 {
            let s = u64::from_le_bytes(read::<8>(p, set)?);
            let st = &mut p.signals;
            st.blocked = match how {
                0 => old | s,
                1 => old & !s,
                2 => s,
                _ => return Err(-EINVAL),
            } & !UNBLOCKABLE;
        }
        if oset != 0 {
            write(p, oset, &old.to_le_bytes())?;
        }
        Ok(0)
    })())
}

fn rt_sigpending(p: &mut Process, set: u64, size: u64) -> i64 {
    if size > 8 {
        return -EINVAL;
    }
    p.signals.drain_host();
    let v = (p.signals.pending & p.signals.blocked).to_le_bytes();
    result(write(p, set, &v[..size as usize]).map(|_| 0))
}

/// Change the alternate stack to `(sp, flags, size)` as the kernel's do_sigaltstack does.
fn set_altstack(p: &mut Process, ss_sp: u64, ss_flags: u32, ss_size: u64) -> Result<(), i64> {
    let sp = p.cpu.x[2];
    let st = &mut p.signals;
    if st.altstack.contains(sp) {
        return Err(-EPERM);
    }
    let mode = ss_flags & !SS_AUTODISARM;
    if mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0 {
        return Err(-EINVAL);
    }
    let cur = st.altstack;
    if (cur.sp, cur.size, cur.flags) == (ss_sp, ss_size, ss_flags) {
        return Ok(());
    }
    st.altstack = if mode == SS_DISABLE {
        AltStack { sp: 0, size: 0, flags: ss_flags }
    } else if ss_size < MINSIGSTKSZ {
        return Err(-ENOMEM);
    } else {
        AltStack { sp: ss_sp, size: ss_size, flags: ss_flags }
    };
    Ok(())
}

fn sigaltstack(p: &mut Process, ss: u64, oss: u64) -> i64 {
    result((|| {
        let sp = p.cpu.x[2];
        let cur = p.signals.altstack;
        let mut old = [0u8; 24];
        put_u64(&mut old, 0, cur.sp);
        put_u32(&mut old, 8, cur.state(sp) | (cur.flags & SS_AUTODISARM));
        put_u64(&mut old, 16, cur.size);
        if ss != 0 {
            let b = read::<24>(p, ss)?;
            set_altstack(p, get_u64(&b, 0), frame::get_u32(&b, 8), get_u64(&b, 16))?;
        }
        if oss != 0 {
            write(p, oss, &old)?;
        }
        Ok(0)
    })())
}

fn rt_sigreturn(p: &mut Process) -> SyscallAction {
    let mut buf = vec![0u8; frame::FRAME_SIZE as usize];
    if p.mem.read(p.cpu.x[2], &mut buf).is_err() {
        return SyscallAction::Killed(sig::SIGSEGV);
    }
    let saved = frame::restore(&mut p.cpu, &buf);
    p.signals.blocked = saved.mask & !UNBLOCKABLE;
    let (ss_sp, ss_flags, ss_size) = saved.stack;
    // As the kernel's restore_altstack: errors other than EFAULT are ignored.
    let _ = set_altstack(p, ss_sp, ss_flags, ss_size);
    SyscallAction::Continue
}

fn host_ids() -> (i32, i32, u32) {
    // SAFETY: getpid/gettid/getuid have no preconditions.
    unsafe { (libc::getpid(), libc::gettid(), libc::getuid()) }
}

/// kill/tkill/tgkill/rt_sigqueueinfo aimed at this process: the signal becomes pending.
/// `kill(0, sig)` (our process group) goes through the host when the host handler forwards
/// `sig` (our own copy comes back through [`host::HOST_PENDING`]), else it is raised here
/// only; `kill(-1, sig)` (everyone but us) goes to the host. `None` when the target is another
/// process (the dispatcher forwards it to the host).
fn kill(p: &mut Process, nr: u64, a: &[u64; 6]) -> Option<i64> {
    let (pid, tid, uid) = host_ids();
    let (target, s) = match nr {
        NR_KILL => (a[0] as i32, a[1]),
        NR_TKILL => (if a[0] as i32 == tid { pid } else { -2 }, a[1]),
        NR_TGKILL if a[0] as i32 == pid && a[1] as i32 != tid => return Some(-ESRCH),
        NR_TGKILL => (if a[0] as i32 == pid { pid } else { -2 }, a[2]),
        _ => (a[0] as i32, a[1]),
    };
    let Some(s) = signo(s) else {
        return (target == pid || target == 0 || target == -1).then_some(-EINVAL);
    };
    if nr == NR_KILL && (target == -1 || (target == 0 && s != 0 && host::forwarded(s))) {
        // SAFETY: kill takes no pointers. Guest and host (x86_64, aarch64 Linux) share the
        // asm-generic signal numbers.
        let r = unsafe { libc::kill(target, s) };
        // SAFETY: reading errno right after the failed call.
        return Some(if r < 0 { -i64::from(unsafe { *libc::__errno_location() }) } else { 0 });
    }
    if target != pid && !(nr == NR_KILL && target == 0) {
        return None;
    }
    let info = match nr {
        NR_KILL => SigInfo::sender(si::SI_USER, pid, uid),
        NR_RT_SIGQUEUEINFO => match read::<128>(p, a[2]) {
            Ok(b) => SigInfo::from_bytes(&b),
            Err(e) => return Some(e),
        },
        _ => SigInfo::sender(si::SI_TKILL, pid, uid),
    };
    if s != 0 && !p.signals.raise(s, info) {
        return Some(-EAGAIN);
    }
    Some(0)
}

/// Wait (on the host) until `check` returns `Some`, or `deadline` passes (`-EAGAIN`).
fn wait(
    p: &mut Process,
    deadline: Option<Instant>,
    mut check: impl FnMut(&mut Process) -> Option<i64>,
) -> i64 {
    loop {
        let old = host::block_forwarded();
        p.signals.drain_host();
        let r = check(p).or_else(|| match deadline {
            Some(d) if Instant::now() >= d => Some(-EAGAIN),
            _ => None,
        });
        if let Some(r) = r {
            host::restore_mask(&old);
            return r;
        }
        host::wait_host(&old, deadline.map(|d| d.saturating_duration_since(Instant::now())));
    }
}

fn rt_sigsuspend(p: &mut Process, mask: u64, size: u64) -> i64 {
    if size != 8 {
        return -EINVAL;
    }
    let m = match read::<8>(p, mask) {
        Ok(b) => u64::from_le_bytes(b),
        Err(e) => return e,
    };
    let st = &mut p.signals;
    st.saved_mask = Some(st.blocked);
    st.blocked = m & !UNBLOCKABLE;
    wait(p, None, |p| p.signals.settle().then_some(-EINTR))
}

fn rt_sigtimedwait(p: &mut Process, a: &[u64; 6]) -> i64 {
    result((|| {
        let (set, uinfo, uts, size) = (a[0], a[1], a[2], a[3]);
        if size != 8 {
            return Err(-EINVAL);
        }
        let set = u64::from_le_bytes(read::<8>(p, set)?) & !UNBLOCKABLE;
        let deadline = if uts != 0 {
            let b = read::<16>(p, uts)?;
            let (sec, nsec) = (get_u64(&b, 0) as i64, get_u64(&b, 8) as i64);
            if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
                return Err(-EINVAL);
            }
            Some(Instant::now() + Duration::new(sec as u64, nsec as u32))
        } else {
            None
        };
        let r = wait(p, deadline, |p| {
            let st = &mut p.signals;
            let hit = st.pending & set;
            if hit != 0 {
                return Some(hit.trailing_zeros() as i64 + 1);
            }
            // Another deliverable signal interrupts the wait (its handler runs next).
            st.settle().then_some(-EINTR)
        });
        if r > 0 {
            let info = p.signals.dequeue(r as i32);
            if uinfo != 0 {
                write(p, uinfo, &info.to_bytes(r as i32))?;
            }
        }
        Ok(r)
    })())
}

/// getitimer/setitimer: the host's interval timers (same `struct itimerval` layout: four
/// 64-bit fields). The timers' SIGALRM/SIGVTALRM/SIGPROF come back through the host handlers.
fn itimer(p: &mut Process, nr: u64, a: &[u64; 6]) -> i64 {
    result((|| {
        let which = a[0] as i32;
        let mut new = [0i64; 4];
        let mut old = [0i64; 4];
        let r = if nr == NR_GETITIMER {
            // SAFETY: `old` is a 32-byte buffer laid out as struct itimerval.
            unsafe { libc::syscall(libc::SYS_getitimer, which, old.as_mut_ptr()) }
        } else {
            if a[1] != 0 {
                let b = read::<32>(p, a[1])?;
                for (i, w) in new.iter_mut().enumerate() {
                    *w = get_u64(&b, 8 * i) as i64;
                }
            }
            let newp = if a[1] != 0 { new.as_ptr() } else { std::ptr::null() };
            // SAFETY: both buffers are 32-byte struct itimervals (or null for the new value).
            unsafe { libc::syscall(libc::SYS_setitimer, which, newp, old.as_mut_ptr()) }
        };
        if r < 0 {
            // SAFETY: reading errno right after the failed call.
            return Err(-i64::from(unsafe { *libc::__errno_location() }));
        }
        let out = if nr == NR_GETITIMER { a[1] } else { a[2] };
        if out != 0 {
            let mut b = [0u8; 32];
            for (i, w) in old.iter().enumerate() {
                put_u64(&mut b, 8 * i, *w as u64);
            }
            write(p, out, &b)?;
        }
        Ok(0)
    })())
}

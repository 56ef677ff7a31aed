//! Clock and sleep system calls, passed through to the host: `struct timespec` and
//! `struct timeval` are two 64-bit fields on riscv64 (and on an x86-64 host), converted field
//! by field through [`crate::abi::pair_to_bytes`].

use super::{check, get, int, put, Outcome, SysResult};
use crate::abi::{self, nr};
use crate::process::Process;

/// Serve `number` if it is a time system call.
pub(super) fn serve(p: &mut Process, number: u64, a: &[u64; 6]) -> Option<Outcome> {
    let r = match number {
        nr::CLOCK_GETTIME => clock(p, a[0], a[1], false),
        nr::CLOCK_GETRES => clock(p, a[0], a[1], true),
        nr::GETTIMEOFDAY => gettimeofday(p, a[0], a[1]),
        nr::NANOSLEEP => sleep(p, None, 0, a[0], a[1]),
        nr::CLOCK_NANOSLEEP => sleep(p, Some(int(a[0])), int(a[1]), a[2], a[3]),
        _ => return None,
    };
    Some(Outcome::Ret(r))
}

fn zero_timespec() -> libc::timespec {
    libc::timespec { tv_sec: 0, tv_nsec: 0 }
}

/// clock_gettime or clock_getres (whose output pointer may be null).
fn clock(p: &mut Process, clk: u64, out: u64, res: bool) -> SysResult {
    let mut ts = zero_timespec();
    // SAFETY: `ts` is a valid out-pointer.
    check(unsafe {
        if res {
            libc::clock_getres(int(clk), &mut ts)
        } else {
            libc::clock_gettime(int(clk), &mut ts)
        }
    } as i64)?;
    if out != 0 || !res {
        put(p, out, &abi::pair_to_bytes(ts.tv_sec, ts.tv_nsec))?;
    }
    Ok(0)
}

fn gettimeofday(p: &mut Process, tv: u64, tz: u64) -> SysResult {
    let mut t = libc::timeval { tv_sec: 0, tv_usec: 0 };
    let mut zone = [0i32; 2];
    // SAFETY: both are valid out-pointers of the right size (`struct timezone` is two ints).
    check(unsafe { libc::syscall(libc::SYS_gettimeofday, &mut t, zone.as_mut_ptr()) })?;
    if tv != 0 {
        put(p, tv, &abi::pair_to_bytes(t.tv_sec, t.tv_usec))?;
    }
    if tz != 0 {
        let mut b = [0u8; 8];
        b[..4].copy_from_slice(&zone[0].to_le_bytes());
        b[4..].copy_from_slice(&zone[1].to_le_bytes());
        put(p, tz, &b)?;
    }
    Ok(0)
}

/// nanosleep (`clk` None) or clock_nanosleep; the remaining time is written back when the
/// sleep is interrupted.
fn sleep(p: &mut Process, clk: Option<i32>, flags: i32, req: u64, rem: u64) -> SysResult {
    let (sec, nsec) = abi::pair_from_bytes(&get::<16>(p, req)?);
    let want = libc::timespec { tv_sec: sec as i64, tv_nsec: nsec as i64 };
    let mut left = zero_timespec();
    // SAFETY: `want` and `left` are valid timespecs.
    let r = check(unsafe {
        match clk {
            None => libc::syscall(libc::SYS_nanosleep, &want, &mut left),
            Some(c) => libc::syscall(libc::SYS_clock_nanosleep, c, flags, &want, &mut left),
        }
    });
    if r == Err(libc::EINTR) && rem != 0 && flags & libc::TIMER_ABSTIME == 0 {
        put(p, rem, &abi::pair_to_bytes(left.tv_sec, left.tv_nsec))?;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn read_ts(p: &Process, addr: u64) -> (i64, i64) {
        let (s, n) = abi::pair_from_bytes(&get::<16>(p, addr).unwrap());
        (s as i64, n as i64)
    }

    #[test]
    fn clock_gettime_is_monotonic_and_sleep_sleeps() {
        let mut p = process();
        let mono = libc::CLOCK_MONOTONIC as u64;
        assert_eq!(call(&mut p, nr::CLOCK_GETTIME, &[mono, SCRATCH]), 0);
        let t0 = read_ts(&p, SCRATCH);
        assert!(t0.1 >= 0 && t0.1 < 1_000_000_000);
        // Sleep 2 ms.
        p.mem.write(SCRATCH + 0x100, &abi::pair_to_bytes(0, 2_000_000)).unwrap();
        assert_eq!(call(&mut p, nr::NANOSLEEP, &[SCRATCH + 0x100, 0]), 0);
        assert_eq!(call(&mut p, nr::CLOCK_NANOSLEEP, &[mono, 0, SCRATCH + 0x100, 0]), 0);
        assert_eq!(call(&mut p, nr::CLOCK_GETTIME, &[mono, SCRATCH + 0x20]), 0);
        let t1 = read_ts(&p, SCRATCH + 0x20);
        let ns = |t: (i64, i64)| t.0 as i128 * 1_000_000_000 + t.1 as i128;
        assert!(ns(t1) - ns(t0) >= 4_000_000, "{t0:?} → {t1:?}");
        // getres with and without a pointer; bad clock; bad pointer.
        assert_eq!(call(&mut p, nr::CLOCK_GETRES, &[mono, 0]), 0);
        assert_eq!(call(&mut p, nr::CLOCK_GETRES, &[mono, SCRATCH]), 0);
        assert!(read_ts(&p, SCRATCH).1 > 0);
        assert_eq!(call(&mut p, nr::CLOCK_GETTIME, &[12345, SCRATCH]), -(libc::EINVAL as i64));
        assert_eq!(call(&mut p, nr::CLOCK_GETTIME, &[mono, 16]), -(libc::EFAULT as i64));
        // Invalid nanoseconds.
        p.mem.write(SCRATCH + 0x100, &abi::pair_to_bytes(0, 2_000_000_000)).unwrap();
        assert_eq!(call(&mut p, nr::NANOSLEEP, &[SCRATCH + 0x100, 0]), -(libc::EINVAL as i64));
    }

    #[test]
    fn gettimeofday_agrees_with_realtime() {
        let mut p = process();
        assert_eq!(call(&mut p, nr::GETTIMEOFDAY, &[SCRATCH, SCRATCH + 0x40]), 0);
        let (s, us) = read_ts(&p, SCRATCH);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        assert!((now.as_secs() as i64 - s).abs() <= 2);
        assert!((0..1_000_000).contains(&us));
    }
}

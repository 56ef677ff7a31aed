//! Everything else: uname (machine `riscv64`), sysinfo, CPU affinity, randomness, prctl,
//! eventfd, and the two riscv-specific calls `riscv_hwprobe` and `riscv_flush_icache`.

use super::{check, get, get_cstr, int, put, Outcome, SysResult};
use crate::abi::{hwprobe, nr};
use crate::process::Process;

/// Length of each `struct utsname` field.
const UTS_LEN: usize = 65;

/// Serve `number` if it is one of these calls.
pub(super) fn serve(p: &mut Process, number: u64, a: &[u64; 6]) -> Option<Outcome> {
    let r = match number {
        nr::UNAME => uname(p, a[0]),
        nr::SYSINFO => sysinfo(p, a[0]),
        nr::SCHED_GETAFFINITY => {
            let len = (a[1] as usize).min(1 << 16);
            let mut mask = vec![0u8; len];
            // SAFETY: `mask` has `len` bytes.
            check(unsafe { libc::syscall(libc::SYS_sched_getaffinity, int(a[0]), len, mask.as_mut_ptr()) })
                .and_then(|n| put(p, a[2], &mask[..n as usize]).map(|_| n))
        }
        // SAFETY: sched_yield takes no arguments.
        nr::SCHED_YIELD => check(unsafe { libc::sched_yield() } as i64),
        nr::GETRANDOM => getrandom(p, a),
        nr::RISCV_HWPROBE => riscv_hwprobe(p, a),
        // The run loop drops translations on fence.i; nothing else to flush.
        nr::RISCV_FLUSH_ICACHE => Ok(0),
        nr::PRCTL => prctl(p, a),
        // SAFETY: eventfd2 takes no pointers.
        nr::EVENTFD2 => check(unsafe { libc::eventfd(a[0] as u32, int(a[1])) } as i64),
        // No threads to order against: MEMBARRIER_CMD_QUERY reports nothing supported.
        nr::MEMBARRIER => Ok(0),
        _ => return None,
    };
    Some(Outcome::Ret(r))
}

fn uname(p: &mut Process, out: u64) -> SysResult {
    // SAFETY: `utsname` is plain old data.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid out-pointer.
    check(unsafe { libc::uname(&mut u) } as i64)?;
    let mut bytes = [0u8; 6 * UTS_LEN];
    let fields = [&u.sysname, &u.nodename, &u.release, &u.version, &u.machine, &u.domainname];
    for (i, f) in fields.iter().enumerate() {
        for (j, &c) in f.iter().take(UTS_LEN).enumerate() {
            bytes[i * UTS_LEN + j] = c as u8;
        }
    }
    let machine = &mut bytes[4 * UTS_LEN..5 * UTS_LEN];
    machine.fill(0);
    machine[..7].copy_from_slice(b"riscv64");
    put(p, out, &bytes)?;
    Ok(0)
}

/// sysinfo: `struct sysinfo` has the same 112-byte layout on both 64-bit ABIs.
fn sysinfo(p: &mut Process, out: u64) -> SysResult {
    let mut b = [0u8; 112];
    // SAFETY: `b` has the size of the kernel's `struct sysinfo`.
    check(unsafe { libc::syscall(libc::SYS_sysinfo, b.as_mut_ptr()) })?;
    put(p, out, &b)?;
    Ok(0)
}

fn getrandom(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let len = (a[1] as usize).min(1 << 25);
    if len == 0 {
        return Ok(0);
    }
    let buf = p.mem.host_slice_mut(a[0], len).map_err(|_| libc::EFAULT)?;
    // SAFETY: `buf` is `len` writable bytes.
    check(unsafe { libc::getrandom(buf.as_mut_ptr().cast(), len, a[2] as u32) } as i64)
}

/// riscv_hwprobe: answer each `{ i64 key; u64 value; }` pair for this RV64GC hart; unknown
/// keys get key -1 and value 0, as Linux does.
fn riscv_hwprobe(p: &mut Process, a: &[u64; 6]) -> SysResult {
    let (pairs, count, _cpusetsize, _cpus, flags) = (a[0], a[1], a[2], a[3], a[4]);
    if flags != 0 {
        return Err(libc::EINVAL);
    }
    if count > 1 << 16 {
        return Err(libc::EINVAL);
    }
    for i in 0..count {
        let at = pairs.wrapping_add(16 * i);
        let key = i64::from_le_bytes(get::<8>(p, at)?);
        let value = match key {
            hwprobe::MVENDORID | hwprobe::MARCHID | hwprobe::MIMPID => Some(0),
            hwprobe::BASE_BEHAVIOR => Some(hwprobe::BASE_BEHAVIOR_IMA),
            hwprobe::IMA_EXT_0 => Some(hwprobe::IMA_FD | hwprobe::IMA_C),
            hwprobe::CPUPERF_0 => Some(hwprobe::MISALIGNED_UNKNOWN),
            _ => None,
        };
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&(if value.is_some() { key } else { -1 }).to_le_bytes());
        b[8..].copy_from_slice(&value.unwrap_or(0).to_le_bytes());
        put(p, at, &b)?;
    }
    Ok(0)
}

/// prctl: the process-name and flag options programs commonly use.
fn prctl(p: &mut Process, a: &[u64; 6]) -> SysResult {
    const SET_PDEATHSIG: i32 = 1;
    const GET_DUMPABLE: i32 = 3;
    const SET_DUMPABLE: i32 = 4;
    const SET_NAME: i32 = 15;
    const GET_NAME: i32 = 16;
    const SET_NO_NEW_PRIVS: i32 = 38;
    const GET_NO_NEW_PRIVS: i32 = 39;
    const SET_VMA: i32 = 0x5356_4d41;
    match int(a[0]) {
        SET_NAME => {
            let mut name = get_cstr(p, a[1], 4096, libc::EINVAL)?;
            name.truncate(15);
            name.push(0);
            // SAFETY: `name` is NUL-terminated.
            check(unsafe { libc::prctl(SET_NAME, name.as_ptr()) } as i64)
        }
        GET_NAME => {
            let mut name = [0u8; 16];
            // SAFETY: PR_GET_NAME writes at most 16 bytes.
            check(unsafe { libc::prctl(GET_NAME, name.as_mut_ptr()) } as i64)?;
            put(p, a[1], &name)?;
            Ok(0)
        }
        op @ (SET_PDEATHSIG | GET_DUMPABLE | SET_DUMPABLE | SET_NO_NEW_PRIVS | GET_NO_NEW_PRIVS) => {
            // SAFETY: these options take integer arguments only.
            check(unsafe { libc::prctl(op, a[1], a[2], a[3], a[4]) } as i64)
        }
        // Naming anonymous memory is cosmetic.
        SET_VMA => Ok(0),
        _ => Err(libc::EINVAL),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn uname_reports_riscv64() {
        let mut p = process();
        assert_eq!(call(&mut p, nr::UNAME, &[SCRATCH]), 0);
        let b = get::<{ 6 * UTS_LEN }>(&p, SCRATCH).unwrap();
        assert_eq!(&b[..6], b"Linux\0");
        assert_eq!(&b[4 * UTS_LEN..4 * UTS_LEN + 8], b"riscv64\0");
        assert_eq!(call(&mut p, nr::UNAME, &[0]), -(libc::EFAULT as i64));
    }

    #[test]
    fn hwprobe_answers_known_keys_and_marks_unknown_ones() {
        let mut p = process();
        let keys: [i64; 3] = [hwprobe::IMA_EXT_0, 9999, hwprobe::BASE_BEHAVIOR];
        for (i, k) in keys.iter().enumerate() {
            p.mem.write(SCRATCH + 16 * i as u64, &k.to_le_bytes()).unwrap();
        }
        assert_eq!(call(&mut p, nr::RISCV_HWPROBE, &[SCRATCH, 3, 0, 0, 0]), 0);
        let b = get::<48>(&p, SCRATCH).unwrap();
        let at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        assert_eq!((at(0), at(8)), (hwprobe::IMA_EXT_0 as u64, 3));
        assert_eq!((at(16), at(24)), (u64::MAX, 0));
        assert_eq!((at(32), at(40)), (3, 1));
        assert_eq!(call(&mut p, nr::RISCV_HWPROBE, &[SCRATCH, 1, 0, 0, 1]), -(libc::EINVAL as i64));
        assert_eq!(call(&mut p, nr::RISCV_FLUSH_ICACHE, &[0, 0, 0]), 0);
    }

    #[test]
    fn getrandom_affinity_sysinfo() {
        let mut p = process();
        assert_eq!(call(&mut p, nr::GETRANDOM, &[SCRATCH, 64, 0]), 64);
        assert_ne!(get::<64>(&p, SCRATCH).unwrap(), [0u8; 64]);
        let n = call(&mut p, nr::SCHED_GETAFFINITY, &[0, 128, SCRATCH]);
        assert!(n > 0 && n <= 128);
        assert_ne!(get::<8>(&p, SCRATCH).unwrap(), [0u8; 8]);
        assert_eq!(call(&mut p, nr::SYSINFO, &[SCRATCH]), 0);
        // totalram (offset 32) is nonzero.
        assert_ne!(get::<8>(&p, SCRATCH + 32).unwrap(), [0u8; 8]);
        assert_eq!(call(&mut p, nr::SCHED_YIELD, &[]), 0);
    }
}

//! System call dispatch: riscv64 Linux numbers (asm-generic) → host implementations.
//!
//! [`dispatch`] reads the number from a7 and arguments from a0–a5 and offers the call to the
//! signal layer first; otherwise it advances `cpu.pc` past the `ecall`, serves the call here
//! and writes the result (or `-errno`) to a0. Calls are grouped by area: [`fs`] (files and directories),
//! [`mem`] (brk, mmap and friends), [`proc`] (identity, limits, fork/exec/wait), [`time`]
//! (clocks and sleeping) and [`misc`] (uname, randomness, hwprobe, ...). Unknown numbers return
//! `-ENOSYS` with one warning per number. Every call is counted in
//! [`Process::syscall_counts`]; [`names`] names the numbers.
//!
//! Guest fds are host fds. Guest buffers are accessed through [`vm_mem::AddressSpace`]'s host
//! slices, so a bad pointer is `-EFAULT`, never a host fault.

mod fs;

pub use fs::select;
mod mem;
mod misc;
pub mod names;
mod proc;
mod time;

use std::collections::BTreeSet;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Mutex;

use crate::abi::nr;
use crate::process::{Process, SyscallAction};

/// A system call's result: the value for a0, or a positive host errno.
pub(crate) type SysResult = Result<u64, i32>;

/// What a handler decided: a value for a0, or something the run loop must do.
pub(crate) enum Outcome {
    /// Write this to a0 and continue.
    Ret(SysResult),
    /// Hand this to the run loop (a0 is already set or irrelevant).
    Action(SyscallAction),
}

impl From<SysResult> for Outcome {
    fn from(r: SysResult) -> Outcome {
        Outcome::Ret(r)
    }
}

/// Serve the system call the guest just made with `ecall` at `cpu.pc`.
pub fn dispatch(p: &mut Process) -> SyscallAction {
    let number = p.cpu.x[17];
    let args = [p.cpu.x[10], p.cpu.x[11], p.cpu.x[12], p.cpu.x[13], p.cpu.x[14], p.cpu.x[15]];
    *p.syscall_counts.entry(number).or_default() += 1;
    // The signal layer sees pc at the ecall (it records it to restart calls after EINTR) and
    // advances it itself.
    if let Some(action) = signal_hook(p, number, &args) {
        return action;
    }
    // Handlers that set pc themselves (execve) override this.
    p.cpu.pc = p.cpu.pc.wrapping_add(4);
    let outcome = serve(p, number, &args);
    if matches!(number, nr::BRK | nr::MMAP | nr::MREMAP | nr::EXECVE) {
        p.sample_mapped();
    }
    match outcome {
        Outcome::Ret(r) => {
            // strace-like, at `RUST_LOG=vm_linux=trace`.
            tracing::trace!(
                "{}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}) = {}",
                names::name_or_number(number),
                args[0],
                args[1],
                args[2],
                args[3],
                args[4],
                args[5],
                match r {
                    Ok(v) => format!("{v:#x}"),
                    Err(e) => format!("-{} ({})", e, std::io::Error::from_raw_os_error(e)),
                }
            );
            p.cpu.x[10] = encode(r);
            SyscallAction::Continue
        }
        Outcome::Action(a) => {
            tracing::debug!("{} ends in {a:?}", names::name_or_number(number));
            a
        }
    }
}

/// The signal layer's system calls (rt_sigaction, rt_sigreturn, kill of self, ...). It sees the
/// call with `pc` still at the `ecall`; when it handles one it writes a0 and pc itself.
fn signal_hook(p: &mut Process, number: u64, args: &[u64; 6]) -> Option<SyscallAction> {
    crate::signal::syscall(p, number, args)
}

/// a0 for a result: the value, or `-errno`.
fn encode(r: SysResult) -> u64 {
    match r {
        Ok(v) => v,
        Err(e) => (-(e as i64)) as u64,
    }
}

/// Route one call by number.
fn serve(p: &mut Process, number: u64, a: &[u64; 6]) -> Outcome {
    if let Some(o) = fs::serve(p, number, a) {
        return o;
    }
    if let Some(o) = mem::serve(p, number, a) {
        return o;
    }
    if let Some(o) = proc::serve(p, number, a) {
        return o;
    }
    if let Some(o) = time::serve(p, number, a) {
        return o;
    }
    if let Some(o) = misc::serve(p, number, a) {
        return o;
    }
    warn_once(number, "unknown system call");
    Outcome::Ret(Err(libc::ENOSYS))
}

/// Numbers already warned about.
static WARNED: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());

/// Log `what` for system call `number` the first time only.
pub(crate) fn warn_once(number: u64, what: &str) {
    let first = WARNED.lock().map(|mut s| s.insert(number)).unwrap_or(false);
    if first {
        tracing::warn!(number, "{what}: system call {number} returns -ENOSYS");
    }
}

/// The calling thread's errno after a failed libc call.
pub(crate) fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// A libc return value: negative means failure with errno.
pub(crate) fn check(ret: i64) -> SysResult {
    if ret < 0 {
        Err(errno())
    } else {
        Ok(ret as u64)
    }
}

/// The maximum length of a guest path (PATH_MAX, including the NUL).
const PATH_MAX: usize = 4096;

/// Copy `data` to guest memory at `addr` (EFAULT if not writable).
pub(crate) fn put(p: &mut Process, addr: u64, data: &[u8]) -> Result<(), i32> {
    p.mem.write(addr, data).map_err(|_| libc::EFAULT)
}

/// Read `N` bytes of guest memory (EFAULT if not readable).
pub(crate) fn get<const N: usize>(p: &Process, addr: u64) -> Result<[u8; N], i32> {
    let mut b = [0u8; N];
    p.mem.read(addr, &mut b).map_err(|_| libc::EFAULT)?;
    Ok(b)
}

/// Read a guest `u64`.
pub(crate) fn get_u64(p: &Process, addr: u64) -> Result<u64, i32> {
    get::<8>(p, addr).map(u64::from_le_bytes)
}

/// A guest NUL-terminated string (EFAULT on a bad pointer, `too_long` past `max` bytes).
pub(crate) fn get_cstr(p: &Process, addr: u64, max: usize, too_long: i32) -> Result<Vec<u8>, i32> {
    let s = p.mem.read_cstr(addr, max).map_err(|_| libc::EFAULT)?;
    if s.len() >= max {
        return Err(too_long);
    }
    Ok(s)
}

/// A guest path as given (no sysroot lookup), for calls that create or name host files.
pub(crate) fn guest_path(p: &Process, addr: u64) -> Result<CString, i32> {
    let s = get_cstr(p, addr, PATH_MAX, libc::ENAMETOOLONG)?;
    CString::new(s).map_err(|_| libc::EINVAL)
}

/// A guest path resolved for the host: `/proc/self/exe` is the guest program, other absolute
/// paths go through [`Process::host_path`] (the sysroot), relative ones are used as is
/// (relative to `dirfd` or the cwd).
pub(crate) fn resolved_path(p: &Process, addr: u64) -> Result<CString, i32> {
    let s = get_cstr(p, addr, PATH_MAX, libc::ENAMETOOLONG)?;
    if is_proc_exe(&s) {
        CString::new(p.exe.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)
    } else if s.first() == Some(&b'/') {
        let host = p.host_path(Path::new(std::ffi::OsStr::from_bytes(&s)));
        CString::new(host.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)
    } else {
        CString::new(s).map_err(|_| libc::EINVAL)
    }
}

/// Whether `path` names the running executable (`/proc/self/exe`, `/proc/<our pid>/exe`).
pub(crate) fn is_proc_exe(path: &[u8]) -> bool {
    if path == b"/proc/self/exe" || path == b"/proc/thread-self/exe" {
        return true;
    }
    // SAFETY: getpid takes no arguments.
    let me = format!("/proc/{}/exe", unsafe { libc::getpid() });
    path == me.as_bytes()
}

/// Sign-extend a guest `int` argument (fds, dirfds) held in a 64-bit register.
pub(crate) fn int(v: u64) -> i32 {
    v as i32
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A process with some guest memory for the unit tests.

    use super::*;
    use vm_mem::Prot;

    /// Start of the scratch mapping in test processes.
    pub const SCRATCH: u64 = 0x10_0000;
    /// Size of the scratch mapping.
    pub const SCRATCH_LEN: u64 = 0x10_000;

    /// A process with `SCRATCH_LEN` bytes of RW memory at `SCRATCH` and pc at 0x1000.
    pub fn process() -> Process {
        let mut p = Process::new(None).expect("address space");
        p.mem.map_fixed(SCRATCH, SCRATCH_LEN, Prot::RW).expect("scratch mapping");
        p.cpu.pc = 0x1000;
        p
    }

    /// Run system call `number` with `args`, returning a0 as a signed value.
    pub fn call(p: &mut Process, number: u64, args: &[u64]) -> i64 {
        assert_eq!(dispatch_args(p, number, args), SyscallAction::Continue);
        p.cpu.x[10] as i64
    }

    /// Run system call `number` with `args`, returning the action.
    pub fn dispatch_args(p: &mut Process, number: u64, args: &[u64]) -> SyscallAction {
        p.cpu.x[17] = number;
        for (i, v) in args.iter().enumerate() {
            p.cpu.x[10 + i] = *v;
        }
        dispatch(p)
    }

    /// Put a NUL-terminated string at `addr`.
    pub fn put_str(p: &mut Process, addr: u64, s: &str) {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        p.mem.write(addr, &b).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::abi::nr;

    #[test]
    fn unknown_syscall_is_enosys_and_pc_advances() {
        let mut p = process();
        assert_eq!(call(&mut p, 9999, &[]), -(libc::ENOSYS as i64));
        assert_eq!(p.cpu.pc, 0x1004);
        // A second time (no second warning) still works.
        assert_eq!(call(&mut p, 9999, &[]), -(libc::ENOSYS as i64));
        assert_eq!(p.syscall_counts.get(&9999), Some(&2));
    }

    #[test]
    fn mapping_memory_samples_the_peak() {
        let mut p = process();
        let before = p.peak_mapped;
        // mmap(NULL, 1 MiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
        let addr = call(&mut p, nr::MMAP, &[0, 1 << 20, 3, 0x22, u64::MAX, 0]);
        assert!(addr > 0);
        assert!(p.peak_mapped >= before + (1 << 20));
        assert_eq!(call(&mut p, nr::MUNMAP, &[addr as u64, 1 << 20]), 0);
        assert!(p.peak_mapped >= SCRATCH_LEN + (1 << 20), "the peak stays");
        assert_eq!(p.syscall_counts.get(&nr::MMAP), Some(&1));
    }

    #[test]
    fn exit_group_exits_with_status() {
        let mut p = process();
        assert_eq!(dispatch_args(&mut p, nr::EXIT_GROUP, &[3]), SyscallAction::Exit(3));
        assert_eq!(dispatch_args(&mut p, nr::EXIT, &[256 + 7]), SyscallAction::Exit(7));
    }
}

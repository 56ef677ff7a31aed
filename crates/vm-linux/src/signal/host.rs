//! Host signals forwarded to the guest.
//!
//! [`install_host_handlers`] installs one async-signal-safe handler for the asynchronous host
//! signals in [`FORWARDED`]. The handler only does atomic stores: it records the first 48 bytes
//! of the host `siginfo` (signo/errno/code, sender pid/uid, child status and times: the LP64
//! layout is the same on the x86_64/aarch64 host and the riscv64 guest) in [`HOST_INFO`] and
//! sets the signal's bit (`1 << (sig - 1)`, guest numbering) in [`HOST_PENDING`].
//! [`super::deliver_pending`] drains that mask into the process's pending set
//! ([`take_host_pending`]), so a host signal reaches the guest at the next block boundary or
//! after the current system call; the guest's disposition decides what happens (the default
//! action is emulated: e.g. SIGINT kills the guest with `Killed(2)`).
//!
//! The handlers are installed without `SA_RESTART`: a blocking host system call made on the
//! guest's behalf returns `EINTR`, and [`super::deliver_pending`] then either lets the guest
//! see `EINTR` (a handler without `SA_RESTART`) or re-executes the `ecall`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::sig;

/// Guest-numbered bits of host signals that arrived and were not yet drained.
pub static HOST_PENDING: AtomicU64 = AtomicU64::new(0);

/// Words of a host `siginfo` kept per signal.
pub const INFO_WORDS: usize = 6;

/// The start of the last host `siginfo` per guest signal number (index 0 unused).
pub static HOST_INFO: [[AtomicU64; INFO_WORDS]; 32] =
    [const { [const { AtomicU64::new(0) }; INFO_WORDS] }; 32];

/// (guest number, host number) of the host signals forwarded to the guest.
pub const FORWARDED: &[(i32, i32)] = &[
    (sig::SIGHUP, libc::SIGHUP),
    (sig::SIGINT, libc::SIGINT),
    (sig::SIGQUIT, libc::SIGQUIT),
    (sig::SIGUSR1, libc::SIGUSR1),
    (sig::SIGUSR2, libc::SIGUSR2),
    (sig::SIGPIPE, libc::SIGPIPE),
    (sig::SIGALRM, libc::SIGALRM),
    (sig::SIGTERM, libc::SIGTERM),
    (sig::SIGCHLD, libc::SIGCHLD),
    (sig::SIGCONT, libc::SIGCONT),
    (sig::SIGTSTP, libc::SIGTSTP),
    (sig::SIGTTIN, libc::SIGTTIN),
    (sig::SIGTTOU, libc::SIGTTOU),
    (sig::SIGURG, libc::SIGURG),
    (sig::SIGXCPU, libc::SIGXCPU),
    (sig::SIGXFSZ, libc::SIGXFSZ),
    (sig::SIGVTALRM, libc::SIGVTALRM),
    (sig::SIGPROF, libc::SIGPROF),
    (sig::SIGWINCH, libc::SIGWINCH),
    (sig::SIGIO, libc::SIGIO),
    (sig::SIGPWR, libc::SIGPWR),
];

/// Whether [`install_host_handlers`] ran.
pub static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Whether guest signal `guest`, sent on the host, comes back through [`HOST_PENDING`].
pub fn forwarded(guest: i32) -> bool {
    INSTALLED.load(Ordering::Relaxed) && FORWARDED.iter().any(|&(g, _)| g == guest)
}

/// Guest number of a host signal (0 if not forwarded).
pub fn host_to_guest(host: i32) -> i32 {
    FORWARDED.iter().find(|&&(_, h)| h == host).map_or(0, |&(g, _)| g)
}

extern "C" fn on_host_signal(host: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    let guest = host_to_guest(host);
    if !(1..32).contains(&guest) {
        return;
    }
    if !info.is_null() {
        let words = info as *const u64;
        for (i, slot) in HOST_INFO[guest as usize].iter().enumerate() {
            // SAFETY: the kernel passes a valid, 8-aligned siginfo_t of 128 bytes; we read its
            // first INFO_WORDS (6) words.
            let w = unsafe { std::ptr::read(words.add(i)) };
            slot.store(w, Ordering::Relaxed);
        }
    }
    HOST_PENDING.fetch_or(1 << (guest - 1), Ordering::Release);
    // The running compiled code's own copy, so a guest spinning in a compiled loop comes back
    // for the signal; and the process's word, which a later entry starts from.
    vm_core::stop::request_stop();
    JIT_STOP.store(0, Ordering::Release);
}

/// The process's stop word (`vm_engine_jit::EnterEnv::stop`): the run loop stores its
/// instruction budget here before entering compiled code, which starts from that value; the
/// signal handler stores 0 here and, through `vm_core::stop::request_stop`, in the running
/// code's own copy.
pub static JIT_STOP: AtomicU64 = AtomicU64::new(u64::MAX);

/// Install the forwarding handler for every signal of [`FORWARDED`] (idempotent). Call once
/// before running the guest.
pub fn install_host_handlers() {
    INSTALLED.store(true, Ordering::Relaxed);
    for &(_, host) in FORWARDED {
        // SAFETY: a zeroed sigaction is valid; the handler only performs atomic operations
        // (async-signal-safe) and has the SA_SIGINFO signature.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_host_signal as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(host, &sa, std::ptr::null_mut());
        }
    }
}

/// Whether a forwarded host signal arrived and is waiting for [`take_host_pending`]: the run
/// loop's cheap check between blocks.
#[inline(always)]
pub fn host_signal_pending() -> bool {
    HOST_PENDING.load(Ordering::Relaxed) != 0
}

/// Take the host signals that arrived: guest-numbered bit mask plus a function to read each
/// one's recorded siginfo words.
pub fn take_host_pending() -> u64 {
    HOST_PENDING.swap(0, Ordering::Acquire)
}

/// The recorded host siginfo words of guest signal `sig` (1..32).
pub fn host_info(sig: i32) -> [u64; INFO_WORDS] {
    let mut w = [0u64; INFO_WORDS];
    if let Some(row) = HOST_INFO.get(sig as usize) {
        for (d, s) in w.iter_mut().zip(row) {
            *d = s.load(Ordering::Relaxed);
        }
    }
    w
}

/// The host signal set of [`FORWARDED`].
fn forwarded_set() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset initialise a local sigset_t.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &(_, h) in FORWARDED {
            libc::sigaddset(&mut set, h);
        }
        set
    }
}

/// Block the forwarded host signals in this thread; returns the previous host mask, to be
/// passed to [`wait_host`].
pub fn block_forwarded() -> libc::sigset_t {
    let set = forwarded_set();
    // SAFETY: valid sigset pointers; only changes this thread's mask.
    unsafe {
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        old
    }
}

/// Atomically restore `old` and sleep until a host signal is handled or `timeout` passes, then
/// restore the host mask to `old` (no lost wake-up: the signals were blocked by
/// [`block_forwarded`] while the caller checked the pending set).
pub fn wait_host(old: &libc::sigset_t, timeout: Option<std::time::Duration>) {
    let ts = timeout.map(|d| libc::timespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    });
    let tsp = ts.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: ppoll with no descriptors is a sigsuspend with a timeout; all pointers are valid
    // or null. Then the old mask is restored.
    unsafe {
        libc::ppoll(std::ptr::null_mut(), 0, tsp, old);
        libc::pthread_sigmask(libc::SIG_SETMASK, old, std::ptr::null_mut());
    }
}

/// Restore the host mask returned by [`block_forwarded`].
pub fn restore_mask(old: &libc::sigset_t) {
    // SAFETY: valid sigset pointer; only changes this thread's mask.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, old, std::ptr::null_mut());
    }
}

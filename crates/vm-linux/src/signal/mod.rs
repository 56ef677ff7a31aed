//! Signals: dispositions, mask, pending signals, delivery with a riscv64 signal frame.
//!
//! * [`SignalState`] is the per-process state: 64 dispositions, the blocked mask, the pending
//!   set (one instance per signal, with its siginfo) and the alternate stack.
//! * [`syscall`] serves the signal system calls (rt_sigaction, rt_sigprocmask, rt_sigreturn,
//!   sigaltstack, kill/tkill/tgkill to ourselves, rt_sigpending, rt_sigsuspend,
//!   rt_sigtimedwait, rt_sigqueueinfo); the dispatcher calls it first for every system call.
//! * [`deliver_pending`] runs at block boundaries and after each system call: it drains host
//!   signals ([`host`]), then takes pending unblocked signals (synchronous ones first, then the
//!   lowest number): ignored ones are dropped, a fatal default action returns
//!   [`SyscallAction::Killed`], a handler gets an `rt_sigframe` ([`frame`]) and the guest
//!   continues in the handler with `ra` = the sigreturn trampoline (a read+execute page at
//!   [`TRAMPOLINE`] = `USER_TOP - 16 MiB`, below the stack and its guard gap).
//! * [`raise_fault`] delivers synchronous faults (SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE).
//!
//! System call restart: [`syscall`] remembers the `ecall` (pc, original a0, number). If that
//! call returned `-EINTR` and the next [`deliver_pending`] runs a handler with `SA_RESTART`
//! (and the call is restartable), or runs no handler at all (the host call was interrupted by
//! a signal the guest ignores), the `ecall` is re-executed with its original a0.

mod frame;
mod host;
mod sys;
#[cfg(test)]
mod tests;

pub use frame::{FRAME_SIZE, TRAMPOLINE, TRAMPOLINE_CODE};
pub use host::{host_signal_pending, install_host_handlers, HOST_PENDING, JIT_STOP};
pub use sys::syscall;

use crate::process::{Process, SyscallAction};

/// Signal numbers (asm-generic, as on riscv64).
pub mod sig {
    #![allow(missing_docs)]
    pub const SIGHUP: i32 = 1;
    pub const SIGINT: i32 = 2;
    pub const SIGQUIT: i32 = 3;
    pub const SIGILL: i32 = 4;
    pub const SIGTRAP: i32 = 5;
    pub const SIGABRT: i32 = 6;
    pub const SIGBUS: i32 = 7;
    pub const SIGFPE: i32 = 8;
    pub const SIGKILL: i32 = 9;
    pub const SIGUSR1: i32 = 10;
    pub const SIGSEGV: i32 = 11;
    pub const SIGUSR2: i32 = 12;
    pub const SIGPIPE: i32 = 13;
    pub const SIGALRM: i32 = 14;
    pub const SIGTERM: i32 = 15;
    pub const SIGSTKFLT: i32 = 16;
    pub const SIGCHLD: i32 = 17;
    pub const SIGCONT: i32 = 18;
    pub const SIGSTOP: i32 = 19;
    pub const SIGTSTP: i32 = 20;
    pub const SIGTTIN: i32 = 21;
    pub const SIGTTOU: i32 = 22;
    pub const SIGURG: i32 = 23;
    pub const SIGXCPU: i32 = 24;
    pub const SIGXFSZ: i32 = 25;
    pub const SIGVTALRM: i32 = 26;
    pub const SIGPROF: i32 = 27;
    pub const SIGWINCH: i32 = 28;
    pub const SIGIO: i32 = 29;
    pub const SIGPWR: i32 = 30;
    pub const SIGSYS: i32 = 31;
    /// Highest signal number.
    pub const NSIG: i32 = 64;
}

/// `sa_handler` value: default action.
pub const SIG_DFL: u64 = 0;
/// `sa_handler` value: ignore.
pub const SIG_IGN: u64 = 1;

/// `sa_flags` bits (asm-generic).
pub mod sa {
    #![allow(missing_docs)]
    pub const SA_NOCLDSTOP: u64 = 1;
    pub const SA_NOCLDWAIT: u64 = 2;
    pub const SA_SIGINFO: u64 = 4;
    pub const SA_EXPOSE_TAGBITS: u64 = 0x800;
    pub const SA_ONSTACK: u64 = 0x0800_0000;
    pub const SA_RESTART: u64 = 0x1000_0000;
    pub const SA_NODEFER: u64 = 0x4000_0000;
    pub const SA_RESETHAND: u64 = 0x8000_0000;
    /// Flags the kernel keeps (others, e.g. SA_UNSUPPORTED, read back as clear).
    pub const KNOWN: u64 = SA_NOCLDSTOP
        | SA_NOCLDWAIT
        | SA_SIGINFO
        | SA_EXPOSE_TAGBITS
        | SA_ONSTACK
        | SA_RESTART
        | SA_NODEFER
        | SA_RESETHAND;
}
use sa::*;

/// `ss_flags`: currently executing on the alternate stack.
pub const SS_ONSTACK: u32 = 1;
/// `ss_flags`: alternate stack disabled.
pub const SS_DISABLE: u32 = 2;
/// `ss_flags`: disarm the alternate stack while a handler runs on it.
pub const SS_AUTODISARM: u32 = 1 << 31;
/// Smallest alternate stack sigaltstack accepts.
pub const MINSIGSTKSZ: u64 = 2048;

/// `si_code` values.
pub mod si {
    #![allow(missing_docs)]
    pub const SI_USER: i32 = 0;
    pub const SI_KERNEL: i32 = 0x80;
    pub const SI_QUEUE: i32 = -1;
    pub const SI_TKILL: i32 = -6;
    pub const ILL_ILLOPC: i32 = 1;
    pub const FPE_INTDIV: i32 = 1;
    pub const SEGV_MAPERR: i32 = 1;
    pub const SEGV_ACCERR: i32 = 2;
    pub const BUS_ADRALN: i32 = 1;
    pub const TRAP_BRKPT: i32 = 1;
}

/// First real-time signal number (the kernel's; glibc reserves 32 and 33 for itself).
pub const SIGRTMIN: i32 = 32;
/// Most real-time signals queued at once (the kernel's limit is RLIMIT_SIGPENDING).
pub const RT_QUEUE_MAX: usize = 4096;

/// SIGKILL and SIGSTOP: never blocked, caught or ignored.
pub const UNBLOCKABLE: u64 = bit(sig::SIGKILL) | bit(sig::SIGSTOP);

/// Signals the kernel dequeues before others (synchronous faults).
const SYNCHRONOUS: u64 = bit(sig::SIGSEGV)
    | bit(sig::SIGBUS)
    | bit(sig::SIGILL)
    | bit(sig::SIGTRAP)
    | bit(sig::SIGFPE)
    | bit(sig::SIGSYS);

/// The mask bit of signal `sig` (1..=64).
pub const fn bit(sig: i32) -> u64 {
    1u64 << ((sig - 1) as u32 & 63)
}

/// One signal's disposition (`struct sigaction` of the riscv64 kernel ABI, 24 bytes:
/// handler, flags, mask; there is no `sa_restorer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    /// Handler address, [`SIG_DFL`] or [`SIG_IGN`].
    pub handler: u64,
    /// `SA_*` flags.
    pub flags: u64,
    /// Signals blocked while the handler runs.
    pub mask: u64,
}

/// The alternate signal stack (`sigaltstack`). Disabled when `size == 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AltStack {
    /// Lowest address.
    pub sp: u64,
    /// Size in bytes (0 = disabled).
    pub size: u64,
    /// The `ss_flags` last set (as the kernel keeps them; only `SS_AUTODISARM` matters).
    pub flags: u32,
}

impl Default for AltStack {
    fn default() -> Self {
        AltStack { sp: 0, size: 0, flags: SS_DISABLE }
    }
}

impl AltStack {
    /// Whether `sp` is inside the stack (never, with `SS_AUTODISARM`).
    pub fn contains(&self, sp: u64) -> bool {
        self.flags & SS_AUTODISARM == 0 && sp > self.sp && sp - self.sp <= self.size
    }

    /// `SS_DISABLE`, `SS_ONSTACK` or 0 for a stack pointer `sp`.
    pub fn state(&self, sp: u64) -> u32 {
        if self.size == 0 {
            SS_DISABLE
        } else if self.contains(sp) {
            SS_ONSTACK
        } else {
            0
        }
    }
}

/// The siginfo of a pending signal: everything but `si_signo` (filled at delivery).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    /// `si_errno`.
    pub errno: i32,
    /// `si_code`.
    pub code: i32,
    /// Bytes 16..48 of the siginfo as u64 words: `si_addr` for faults, `si_pid | si_uid << 32`
    /// for kill, child status and times for SIGCHLD, `si_value` for sigqueue.
    pub data: [u64; 4],
}

impl SigInfo {
    /// A fault at `addr`.
    pub fn fault(code: i32, addr: u64) -> SigInfo {
        SigInfo { errno: 0, code, data: [addr, 0, 0, 0] }
    }

    /// Sent by process `pid` of user `uid`.
    pub fn sender(code: i32, pid: i32, uid: u32) -> SigInfo {
        SigInfo { errno: 0, code, data: [(pid as u32 as u64) | (u64::from(uid) << 32), 0, 0, 0] }
    }

    /// The 128-byte `struct siginfo` for signal `sig`.
    pub fn to_bytes(&self, sig: i32) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&sig.to_le_bytes());
        b[4..8].copy_from_slice(&self.errno.to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        for (i, w) in self.data.iter().enumerate() {
            b[16 + 8 * i..24 + 8 * i].copy_from_slice(&w.to_le_bytes());
        }
        b
    }

    /// Parse a guest `struct siginfo` (bytes beyond 48 are dropped).
    pub fn from_bytes(b: &[u8; 128]) -> SigInfo {
        let w = |i: usize| frame::get_u64(b, i);
        SigInfo {
            errno: frame::get_u32(b, 4) as i32,
            code: frame::get_u32(b, 8) as i32,
            data: [w(16), w(24), w(32), w(40)],
        }
    }
}

/// What the default action of a signal does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    /// Terminate the process.
    Term,
    /// Terminate with a core dump (no core file is written).
    Core,
    /// Nothing.
    Ignore,
    /// Stop the process (the host process is stopped with SIGSTOP, as qemu-user does).
    Stop,
}

/// The default action of `sig`.
pub fn default_action(sig: i32) -> DefaultAction {
    use sig::*;
    match sig {
        SIGCHLD | SIGURG | SIGWINCH | SIGCONT => DefaultAction::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => {
            DefaultAction::Core
        }
        _ => DefaultAction::Term,
    }
}

/// The system call just made, for restarting it after `EINTR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LastSyscall {
    pc: u64,
    a0: u64,
    nr: u64,
}

/// Per-process signal state.
#[derive(Clone, Debug)]
pub struct SignalState {
    /// Dispositions of signals 1..=64 (index `sig - 1`).
    pub actions: [SigAction; 64],
    /// Blocked signals (bit `sig - 1`).
    pub blocked: u64,
    /// Pending signals (bit `sig - 1`).
    pub pending: u64,
    /// siginfo of each pending standard signal (index `sig - 1`).
    pub info: [SigInfo; 64],
    /// Queued real-time signals with their siginfo, oldest first.
    pub rt_queue: Vec<(i32, SigInfo)>,
    /// Alternate signal stack.
    pub altstack: AltStack,
    /// The mask to restore after rt_sigsuspend (saved in the next frame instead of `blocked`).
    pub saved_mask: Option<u64>,
    /// Where the sigreturn trampoline was mapped (see [`TRAMPOLINE`]).
    pub trampoline: Option<u64>,
    last_syscall: Option<LastSyscall>,
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState {
            actions: [SigAction::default(); 64],
            blocked: 0,
            pending: 0,
            info: [SigInfo::default(); 64],
            rt_queue: Vec::new(),
            altstack: AltStack::default(),
            saved_mask: None,
            trampoline: None,
            last_syscall: None,
        }
    }
}

impl SignalState {
    /// The disposition of `sig` (1..=64).
    pub fn action(&self, sig: i32) -> SigAction {
        self.actions[(sig - 1) as usize & 63]
    }

    /// Make `sig` (1..=64) pending with `info`. A standard signal (below [`SIGRTMIN`]) already
    /// pending is not queued twice (the first siginfo is kept); real-time signals queue, each
    /// with its siginfo, up to [`RT_QUEUE_MAX`] in all. `false` if the queue is full.
    pub fn raise(&mut self, sig: i32, info: SigInfo) -> bool {
        if !(1..=sig::NSIG).contains(&sig) {
            return true;
        }
        if sig >= SIGRTMIN {
            if self.rt_queue.len() >= RT_QUEUE_MAX {
                return false;
            }
            self.rt_queue.push((sig, info));
            self.pending |= bit(sig);
        } else if self.pending & bit(sig) == 0 {
            self.pending |= bit(sig);
            self.info[(sig - 1) as usize] = info;
        }
        true
    }

    /// Drop every pending instance of `sig`.
    pub fn discard(&mut self, sig: i32) {
        self.pending &= !bit(sig);
        self.rt_queue.retain(|&(s, _)| s != sig);
    }

    /// Whether `sig` would be discarded by its current disposition.
    pub fn is_ignored(&self, sig: i32) -> bool {
        let a = self.action(sig);
        a.handler == SIG_IGN || (a.handler == SIG_DFL && default_action(sig) == DefaultAction::Ignore)
    }

    /// What execve does: caught signals go back to SIG_DFL (ignored ones stay ignored), the
    /// alternate stack is dropped; mask and pending set are kept.
    pub fn reset_on_exec(&mut self) {
        for a in self.actions.iter_mut() {
            if a.handler != SIG_IGN {
                *a = SigAction::default();
            }
        }
        self.altstack = AltStack::default();
        self.saved_mask = None;
        self.trampoline = None;
        self.last_syscall = None;
    }

    /// The next signal to act on: pending, unblocked, synchronous ones first, then lowest.
    fn next_unblocked(&self) -> Option<i32> {
        let ready = self.pending & !self.blocked;
        let pick = if ready & SYNCHRONOUS != 0 { ready & SYNCHRONOUS } else { ready };
        (pick != 0).then(|| pick.trailing_zeros() as i32 + 1)
    }

    /// Take signal `sig` off the pending set, returning its siginfo.
    fn dequeue(&mut self, sig: i32) -> SigInfo {
        if sig < SIGRTMIN {
            self.pending &= !bit(sig);
            return self.info[(sig - 1) as usize];
        }
        let Some(i) = self.rt_queue.iter().position(|&(s, _)| s == sig) else {
            self.pending &= !bit(sig);
            return SigInfo::default();
        };
        let (_, info) = self.rt_queue.remove(i);
        if !self.rt_queue.iter().any(|&(s, _)| s == sig) {
            self.pending &= !bit(sig);
        }
        info
    }

    /// Drop pending unblocked signals that would be ignored (stopping the host for stop
    /// signals); `true` if one that runs a handler or kills remains pending.
    fn settle(&mut self) -> bool {
        while let Some(s) = self.next_unblocked() {
            let a = self.action(s);
            if a.handler == SIG_IGN {
                self.dequeue(s);
            } else if a.handler == SIG_DFL {
                match default_action(s) {
                    DefaultAction::Ignore => {
                        self.dequeue(s);
                    }
                    DefaultAction::Stop => {
                        self.dequeue(s);
                        stop_host();
                    }
                    _ => return true,
                }
            } else {
                return true;
            }
        }
        false
    }

    /// For a run loop that builds its own signal frames (x86-64 guests): take host signals in,
    /// drop pending signals that would be ignored, and return the next unblocked one that
    /// kills or has a handler, with its disposition and siginfo (it is dequeued).
    pub fn take_deliverable(&mut self) -> Option<(i32, SigAction, SigInfo)> {
        if host::host_signal_pending() {
            self.drain_host();
        }
        if !self.settle() {
            return None;
        }
        let s = self.next_unblocked()?;
        let info = self.dequeue(s);
        Some((s, self.action(s), info))
    }

    /// Move host signals that arrived into the pending set.
    fn drain_host(&mut self) {
        let mut bits = host::take_host_pending();
        while bits != 0 {
            let s = bits.trailing_zeros() as i32 + 1;
            bits &= bits - 1;
            let w = host::host_info(s);
            let info = SigInfo {
                errno: (w[0] >> 32) as i32,
                code: w[1] as u32 as i32,
                data: [w[2], w[3], w[4], w[5]],
            };
            let _ = self.raise(s, info);
        }
    }
}

/// Block the forwarded host signals in the calling host thread. Any vm helper thread (other
/// than the one running the guest) should call this, so that host signals interrupt the
/// guest thread's blocking system calls rather than landing elsewhere.
pub fn block_host_signals() {
    let _ = host::block_forwarded();
}

/// Default action "stop": stop the whole host process until it is continued.
fn stop_host() {
    // SAFETY: raising SIGSTOP on ourselves has no memory effects.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
}

/// Calls that never restart after a handler ran (the kernel's ERESTARTNOHAND and
/// ERESTART_RESTARTBLOCK cases: they return EINTR to the guest).
fn restart_after_handler(nr: u64) -> bool {
    // epoll_pwait, pselect6, ppoll, nanosleep, clock_nanosleep, rt_sigsuspend,
    // rt_sigtimedwait, epoll_pwait2
    !matches!(nr, 22 | 72 | 73 | 101 | 115 | 133 | 137 | 441)
}

const EINTR: i64 = 4;

/// Deliver pending signals (see the module doc). `None`: continue at `cpu.pc` (possibly now
/// a handler); `Some(Killed(sig))`: the process dies of `sig`.
pub fn deliver_pending(p: &mut Process) -> Option<SyscallAction> {
    let last = p.signals.last_syscall.take();
    if host::host_signal_pending() {
        p.signals.drain_host();
    }
    if last.is_none() && p.signals.saved_mask.is_none() && p.signals.pending & !p.signals.blocked == 0 {
        return None;
    }
    let mut interrupted = last.filter(|l| p.cpu.pc == l.pc.wrapping_add(4) && p.cpu.x[10] == (-EINTR) as u64);
    let mut ran_handler = false;
    while p.signals.settle() {
        let Some(s) = p.signals.next_unblocked() else { break };
        let act = p.signals.action(s);
        let info = p.signals.dequeue(s);
        if act.handler == SIG_DFL {
            tracing::debug!("signal {s}: default action, the process dies");
            return Some(SyscallAction::Killed(s));
        }
        tracing::debug!("signal {s}: handler at {:#x}, from pc {:#x}", act.handler, p.cpu.pc);
        if let Some(l) = interrupted.take() {
            if act.flags & SA_RESTART != 0 && restart_after_handler(l.nr) {
                p.cpu.pc = l.pc;
                p.cpu.x[10] = l.a0;
            }
        }
        if let Err(kill) = setup_frame(p, s, &info) {
            return Some(kill);
        }
        ran_handler = true;
    }
    if let (Some(l), false) = (interrupted, ran_handler) {
        p.cpu.pc = l.pc;
        p.cpu.x[10] = l.a0;
    }
    if let Some(m) = p.signals.saved_mask.take() {
        p.signals.blocked = m;
    }
    None
}

/// Deliver a synchronous fault now. The caller sets `cpu.pc` to the faulting instruction
/// first; that pc is saved in the frame (a handler that returns re-executes it). As in Linux,
/// a blocked or ignored fault signal is unblocked and reset to SIG_DFL, so it kills.
/// `None`: continue at `cpu.pc` (the handler); `Some(Killed(sig))`: the process dies.
pub fn raise_fault(p: &mut Process, sig: i32, code: i32, addr: u64) -> Option<SyscallAction> {
    if !(1..=sig::NSIG).contains(&sig) {
        return Some(SyscallAction::Killed(sig::SIGSEGV));
    }
    let st = &mut p.signals;
    let idx = (sig - 1) as usize;
    if st.blocked & bit(sig) != 0 || st.actions[idx].handler == SIG_IGN {
        st.actions[idx].handler = SIG_DFL;
        st.blocked &= !bit(sig);
    }
    st.last_syscall = None;
    if st.actions[idx].handler == SIG_DFL {
        return match default_action(sig) {
            DefaultAction::Ignore => None,
            DefaultAction::Stop => {
                stop_host();
                None
            }
            _ => Some(SyscallAction::Killed(sig)),
        };
    }
    setup_frame(p, sig, &SigInfo::fault(code, addr)).err()
}

/// Push an `rt_sigframe` for `sig` and enter its handler. `Err(Killed(SIGSEGV))` when the
/// frame cannot be written (as Linux's force_sigsegv).
fn setup_frame(p: &mut Process, sig: i32, info: &SigInfo) -> Result<(), SyscallAction> {
    let segv = SyscallAction::Killed(sig::SIGSEGV);
    let Some(trampoline) = frame::ensure_trampoline(&mut p.mem, p.signals.trampoline) else {
        return Err(segv);
    };
    p.signals.trampoline = Some(trampoline);
    let st = &mut p.signals;
    let act = st.action(sig);
    let sp = p.cpu.x[2];
    let alt = st.altstack;
    if alt.contains(sp) && !alt.contains(sp.wrapping_sub(FRAME_SIZE)) {
        return Err(segv);
    }
    let base =
        if act.flags & SA_ONSTACK != 0 && alt.state(sp) == 0 { alt.sp.wrapping_add(alt.size) } else { sp };
    let addr = base.wrapping_sub(FRAME_SIZE) & !15;
    let saved =
        frame::Saved { mask: st.saved_mask.unwrap_or(st.blocked), stack: (alt.sp, alt.flags, alt.size) };
    let bytes = frame::build(&p.cpu, &info.to_bytes(sig), &saved);
    if p.mem.write(addr, &bytes).is_err() {
        return Err(segv);
    }
    let st = &mut p.signals;
    st.saved_mask = None;
    if alt.flags & SS_AUTODISARM != 0 {
        st.altstack = AltStack::default();
    }
    st.blocked |= act.mask;
    if act.flags & SA_NODEFER == 0 {
        st.blocked |= bit(sig);
    }
    st.blocked &= !UNBLOCKABLE;
    if act.flags & SA_RESETHAND != 0 {
        st.actions[(sig - 1) as usize].handler = SIG_DFL;
    }
    let cpu = &mut p.cpu;
    cpu.x[10] = sig as u64;
    cpu.x[11] = addr + frame::INFO as u64;
    cpu.x[12] = addr + frame::UC as u64;
    cpu.x[2] = addr;
    cpu.x[1] = trampoline;
    cpu.pc = act.handler;
    cpu.reservation = None;
    Ok(())
}

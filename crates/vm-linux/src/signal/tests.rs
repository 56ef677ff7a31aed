//! Unit tests on a whole [`Process`].

use super::frame::{self, get_u32, get_u64};
use super::sa::*;
use super::si::*;
use super::sig::*;
use super::*;
use vm_mem::Prot;

const STACK_LO: u64 = 0x7000_0000;
const STACK_HI: u64 = 0x7010_0000;
const ALT_LO: u64 = 0x6000_0000;
const ALT_SIZE: u64 = 0x4000;
const SCRATCH: u64 = 0x5000_0000;
const HANDLER: u64 = 0x40_1230;
const CODE_PC: u64 = 0x1_0000;

fn proc() -> Process {
    let mut p = Process::new(None).unwrap();
    p.mem.map_fixed(STACK_LO, STACK_HI - STACK_LO, Prot::RW).unwrap();
    p.mem.map_fixed(ALT_LO, ALT_SIZE, Prot::RW).unwrap();
    p.mem.map_fixed(SCRATCH, 0x1000, Prot::RW).unwrap();
    for i in 1..32 {
        p.cpu.x[i] = 0x1111_0000_0000_0000 | (i as u64 * 0x0101);
    }
    for i in 0..32 {
        p.cpu.f[i] = 0xfff0_0000_0000_0000 | (i as u64 * 7);
    }
    p.cpu.set_fcsr(0b101_10011);
    p.cpu.x[2] = STACK_HI - 0x108; // deliberately not 16-aligned
    p.cpu.pc = CODE_PC;
    p
}

/// What the dispatcher does: offer the call to [`syscall`]; if not taken, advance pc past the
/// `ecall` (the caller then writes a0).
fn ecall(p: &mut Process, nr: u64, args: &[u64; 6]) -> Option<SyscallAction> {
    if super::sys::DISPATCH_ADVANCES_PC {
        p.cpu.pc += 4;
    }
    let r = syscall(p, nr, args);
    if r.is_none() && !super::sys::DISPATCH_ADVANCES_PC {
        p.cpu.pc += 4;
    }
    r
}

/// Run a signal system call; returns its action and a0.
fn sys(p: &mut Process, nr: u64, args: [u64; 6]) -> (Option<SyscallAction>, i64) {
    let r = ecall(p, nr, &args);
    assert!(r.is_some());
    (r, p.cpu.x[10] as i64)
}

fn sigaction(p: &mut Process, s: i32, handler: u64, flags: u64, mask: u64) {
    let mut b = [0u8; 24];
    frame::put_u64(&mut b, 0, handler);
    frame::put_u64(&mut b, 8, flags);
    frame::put_u64(&mut b, 16, mask);
    p.mem.write(SCRATCH, &b).unwrap();
    assert_eq!(sys(p, 134, [s as u64, SCRATCH, 0, 8, 0, 0]).1, 0);
}

fn procmask(p: &mut Process, how: u64, set: u64) -> u64 {
    p.mem.write(SCRATCH + 0x100, &set.to_le_bytes()).unwrap();
    assert_eq!(sys(p, 135, [how, SCRATCH + 0x100, SCRATCH + 0x108, 8, 0, 0]).1, 0);
    let mut b = [0u8; 8];
    p.mem.read(SCRATCH + 0x108, &mut b).unwrap();
    u64::from_le_bytes(b)
}

fn read_frame(p: &Process) -> Vec<u8> {
    let mut f = vec![0u8; FRAME_SIZE as usize];
    p.mem.read(p.cpu.x[2], &mut f).unwrap();
    f
}

fn raise_self(p: &mut Process, s: i32) {
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() } as u64;
    assert_eq!(sys(p, 129, [pid, s as u64, 0, 0, 0, 0]), (Some(SyscallAction::Continue), 0));
}

#[test]
fn rt_sigaction_round_trip() {
    let mut p = proc();
    sigaction(&mut p, SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTART | 0x400, bit(SIGUSR2) | bit(SIGKILL));
    assert_eq!(p.cpu.pc, CODE_PC + 4);
    let a = p.signals.action(SIGUSR1);
    assert_eq!(a, SigAction { handler: HANDLER, flags: SA_SIGINFO | SA_RESTART, mask: bit(SIGUSR2) });
    // Replace it and read the old one back.
    let old = SCRATCH + 0x200;
    assert_eq!(sys(&mut p, 134, [SIGUSR1 as u64, 0, old, 8, 0, 0]).1, 0);
    let mut b = [0u8; 24];
    p.mem.read(old, &mut b).unwrap();
    assert_eq!(
        (get_u64(&b, 0), get_u64(&b, 8), get_u64(&b, 16)),
        (HANDLER, SA_SIGINFO | SA_RESTART, bit(SIGUSR2))
    );
    // Errors.
    assert_eq!(sys(&mut p, 134, [SIGKILL as u64, SCRATCH, 0, 8, 0, 0]).1, -22);
    assert_eq!(sys(&mut p, 134, [SIGUSR1 as u64, SCRATCH, 0, 16, 0, 0]).1, -22);
    assert_eq!(sys(&mut p, 134, [65, SCRATCH, 0, 8, 0, 0]).1, -22);
    assert_eq!(sys(&mut p, 134, [0, SCRATCH, 0, 8, 0, 0]).1, -22);
    assert_eq!(sys(&mut p, 134, [SIGUSR1 as u64, 0xdead_0000, 0, 8, 0, 0]).1, -14);
    assert_eq!(sys(&mut p, 134, [SIGUSR1 as u64, 0, 0xdead_0000, 8, 0, 0]).1, -14);
    assert_eq!(sys(&mut p, 134, [SIGKILL as u64, 0, old, 8, 0, 0]).1, 0);
}

#[test]
fn sigprocmask_block_unblock_setmask() {
    let mut p = proc();
    assert_eq!(procmask(&mut p, 0, bit(SIGUSR1) | bit(SIGKILL) | bit(SIGSTOP)), 0);
    assert_eq!(p.signals.blocked, bit(SIGUSR1));
    assert_eq!(procmask(&mut p, 0, bit(SIGINT)), bit(SIGUSR1));
    assert_eq!(procmask(&mut p, 1, bit(SIGUSR1)), bit(SIGUSR1) | bit(SIGINT));
    assert_eq!(p.signals.blocked, bit(SIGINT));
    assert_eq!(procmask(&mut p, 2, bit(SIGTERM) | bit(40)), bit(SIGINT));
    assert_eq!(p.signals.blocked, bit(SIGTERM) | bit(40));
    assert_eq!(sys(&mut p, 135, [3, SCRATCH, 0, 8, 0, 0]).1, -22);
    assert_eq!(sys(&mut p, 135, [0, SCRATCH, 0, 4, 0, 0]).1, -22);
    assert_eq!(sys(&mut p, 135, [0, 0xdead_0000, 0, 8, 0, 0]).1, -14);
    // how is ignored without a set.
    assert_eq!(sys(&mut p, 135, [9, 0, SCRATCH, 8, 0, 0]).1, 0);
}

#[test]
fn handler_frame_and_sigreturn_round_trip() {
    let mut p = proc();
    sigaction(&mut p, SIGUSR1, HANDLER, SA_SIGINFO, bit(SIGUSR2));
    raise_self(&mut p, SIGUSR1);
    let before = p.cpu.clone();
    assert_eq!(deliver_pending(&mut p), None);
    let sp = p.cpu.x[2];
    assert_eq!(sp % 16, 0);
    assert!(sp + FRAME_SIZE <= before.x[2] && sp + FRAME_SIZE + 16 > before.x[2]);
    assert_eq!(p.cpu.pc, HANDLER);
    assert_eq!(p.cpu.x[10], SIGUSR1 as u64);
    assert_eq!(p.cpu.x[11], sp);
    assert_eq!(p.cpu.x[12], sp + 128);
    assert_eq!(p.cpu.x[1], TRAMPOLINE);
    assert_eq!(p.signals.blocked, bit(SIGUSR1) | bit(SIGUSR2));
    assert_eq!(p.signals.pending, 0);
    // The trampoline.
    let mut t = [0u8; 8];
    p.mem.read(TRAMPOLINE, &mut t).unwrap();
    assert_eq!(t, [0x93, 0x08, 0xb0, 0x08, 0x73, 0, 0, 0]);
    assert_eq!(p.mem.prot_of(TRAMPOLINE), Some(Prot::RX));
    // The frame.
    let f = read_frame(&p);
    assert_eq!(get_u32(&f, 0) as i32, SIGUSR1);
    assert_eq!(get_u32(&f, 8) as i32, SI_USER);
    // SAFETY: getpid has no preconditions.
    assert_eq!(get_u32(&f, 16) as i32, unsafe { libc::getpid() });
    assert_eq!(get_u64(&f, frame::UC_SIGMASK), 0);
    assert_eq!(get_u32(&f, frame::UC_STACK + 8), SS_DISABLE);
    assert_eq!(get_u64(&f, frame::SC_REGS), before.pc);
    for i in 1..32 {
        assert_eq!(get_u64(&f, frame::SC_REGS + 8 * i), before.x[i], "x{i}");
    }
    for i in 0..32 {
        assert_eq!(get_u64(&f, frame::SC_FPREGS + 8 * i), before.f[i], "f{i}");
    }
    assert_eq!(u64::from(get_u32(&f, frame::SC_FCSR)), before.fcsr());
    // The handler clobbers everything, then returns through the trampoline.
    for i in 1..32 {
        if i != 2 {
            p.cpu.x[i] = !0;
        }
    }
    p.cpu.f = [1; 32];
    p.cpu.set_fcsr(0);
    p.cpu.pc = TRAMPOLINE;
    p.cpu.x[17] = 139;
    assert_eq!(sys(&mut p, 139, [0; 6]).0, Some(SyscallAction::Continue));
    assert_eq!(p.cpu, before);
    assert_eq!(p.signals.blocked, 0);
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(p.cpu, before);
}

#[test]
fn plain_handler_resethand_nodefer() {
    let mut p = proc();
    sigaction(&mut p, SIGUSR2, HANDLER, SA_RESETHAND | SA_NODEFER, 0);
    raise_self(&mut p, SIGUSR2);
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(p.cpu.pc, HANDLER);
    assert_eq!(p.signals.blocked, 0);
    assert_eq!(p.signals.action(SIGUSR2).handler, SIG_DFL);
    // The second one takes the default action.
    raise_self(&mut p, SIGUSR2);
    assert_eq!(deliver_pending(&mut p), Some(SyscallAction::Killed(SIGUSR2)));
}

#[test]
fn sigaltstack_and_sa_onstack() {
    let mut p = proc();
    let ss = SCRATCH + 0x300;
    let oss = SCRATCH + 0x340;
    let mut b = [0u8; 24];
    frame::put_u64(&mut b, 0, ALT_LO);
    frame::put_u32(&mut b, 8, 0);
    frame::put_u64(&mut b, 16, ALT_SIZE);
    p.mem.write(ss, &b).unwrap();
    assert_eq!(sys(&mut p, 132, [ss, oss, 0, 0, 0, 0]).1, 0);
    p.mem.read(oss, &mut b).unwrap();
    assert_eq!((get_u64(&b, 0), get_u32(&b, 8), get_u64(&b, 16)), (0, SS_DISABLE, 0));
    // Too small.
    let mut small = [0u8; 24];
    frame::put_u64(&mut small, 0, ALT_LO);
    frame::put_u64(&mut small, 16, 100);
    p.mem.write(SCRATCH + 0x380, &small).unwrap();
    assert_eq!(sys(&mut p, 132, [SCRATCH + 0x380, 0, 0, 0, 0, 0]).1, -12);

    sigaction(&mut p, SIGUSR1, HANDLER, SA_ONSTACK | SA_SIGINFO, 0);
    raise_self(&mut p, SIGUSR1);
    let before = p.cpu.clone();
    assert_eq!(deliver_pending(&mut p), None);
    let sp = p.cpu.x[2];
    assert_eq!(sp, (ALT_LO + ALT_SIZE - FRAME_SIZE) & !15);
    let f = read_frame(&p);
    assert_eq!(get_u64(&f, frame::UC_STACK), ALT_LO);
    assert_eq!(get_u64(&f, frame::UC_STACK + 16), ALT_SIZE);
    assert_eq!(get_u64(&f, frame::SC_REGS + 16), before.x[2]);
    // On the alternate stack: sigaltstack reports SS_ONSTACK and refuses changes.
    assert_eq!(sys(&mut p, 132, [0, oss, 0, 0, 0, 0]).1, 0);
    p.mem.read(oss, &mut b).unwrap();
    assert_eq!(get_u32(&b, 8), SS_ONSTACK);
    assert_eq!(sys(&mut p, 132, [ss, 0, 0, 0, 0, 0]).1, -1);
    // A nested signal stays on the alternate stack, below the current frame.
    sigaction(&mut p, SIGUSR2, HANDLER + 0x40, SA_ONSTACK, 0);
    raise_self(&mut p, SIGUSR2);
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(p.cpu.x[2], (sp - FRAME_SIZE) & !15);
    assert_eq!(p.cpu.pc, HANDLER + 0x40);
    // A frame that would run off the bottom of the alternate stack: SIGSEGV.
    p.cpu.x[2] = ALT_LO + 0x100;
    sigaction(&mut p, SIGHUP, HANDLER, SA_ONSTACK, 0);
    raise_self(&mut p, SIGHUP);
    assert_eq!(deliver_pending(&mut p), Some(SyscallAction::Killed(SIGSEGV)));
}

#[test]
fn autodisarm_disables_while_on_alt_stack() {
    let mut p = proc();
    let mut b = [0u8; 24];
    frame::put_u64(&mut b, 0, ALT_LO);
    frame::put_u32(&mut b, 8, SS_AUTODISARM);
    frame::put_u64(&mut b, 16, ALT_SIZE);
    p.mem.write(SCRATCH, &b).unwrap();
    assert_eq!(sys(&mut p, 132, [SCRATCH, 0, 0, 0, 0, 0]).1, 0);
    let mut b2 = [0u8; 24];
    frame::put_u64(&mut b2, 0, HANDLER);
    frame::put_u64(&mut b2, 8, SA_ONSTACK);
    p.mem.write(SCRATCH + 0x40, &b2).unwrap();
    assert_eq!(sys(&mut p, 134, [SIGUSR1 as u64, SCRATCH + 0x40, 0, 8, 0, 0]).1, 0);
    raise_self(&mut p, SIGUSR1);
    let before = p.cpu.clone();
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(p.signals.altstack, AltStack::default());
    assert_eq!(sys(&mut p, 139, [0; 6]).0, Some(SyscallAction::Continue));
    assert_eq!(p.cpu, before);
    assert_eq!(p.signals.altstack, AltStack { sp: ALT_LO, size: ALT_SIZE, flags: SS_AUTODISARM });
}

#[test]
fn default_actions() {
    let mut p = proc();
    raise_self(&mut p, SIGCHLD);
    raise_self(&mut p, SIGWINCH);
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(p.signals.pending, 0);
    assert_eq!(p.cpu.pc, CODE_PC + 8);
    raise_self(&mut p, SIGTERM);
    assert_eq!(deliver_pending(&mut p), Some(SyscallAction::Killed(SIGTERM)));
    let mut p = proc();
    sigaction(&mut p, SIGINT, SIG_IGN, 0, 0);
    raise_self(&mut p, SIGINT);
    assert_eq!(deliver_pending(&mut p), None);
    raise_self(&mut p, SIGKILL);
    assert_eq!(deliver_pending(&mut p), Some(SyscallAction::Killed(SIGKILL)));
    // Real-time signals terminate by default.
    let mut p = proc();
    raise_self(&mut p, 40);
    assert_eq!(deliver_pending(&mut p), Some(SyscallAction::Killed(40)));
}

#[test]
fn blocked_signal_stays_pending_until_unblocked() {
    let mut p = proc();
    sigaction(&mut p, SIGUSR1, HANDLER, 0, 0);
    procmask(&mut p, 0, bit(SIGUSR1));
    raise_self(&mut p, SIGUSR1);
    assert_eq!(deliver_pending(&mut p), None);
    assert_ne!(p.cpu.pc, HANDLER);
    assert_eq!(sys(&mut p, 136, [SCRATCH + 0x400, 8, 0, 0, 0, 0]).1, 0);
    let mut b = [0u8; 8];
    p.mem.read(SCRATCH + 0x400, &mut b).unwrap();
    assert_eq!(u64::from_le_bytes(b), bit(SIGUSR1));
    // Ignoring a blocked pending signal discards it; a handler again keeps the next one.
    procmask(&mut p, 1, bit(SIGUSR1));
    assert_eq!(p.cpu.pc, CODE_PC + 3 * 4 + 4 + 4);
    let resume = p.cpu.pc;
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(p.cpu.pc, HANDLER);
    let f = read_frame(&p);
    assert_eq!(get_u64(&f, frame::SC_REGS), resume);
    assert_eq!(get_u64(&f, frame::UC_SIGMASK), 0);
}

#[test]
fn tkill_tgkill_and_sigqueueinfo() {
    let mut p = proc();
    // SAFETY: getpid/gettid have no preconditions.
    let (pid, tid) = unsafe { (libc::getpid() as u64, libc::gettid() as u64) };
    sigaction(&mut p, SIGUSR1, HANDLER, SA_SIGINFO, 0);
    assert_eq!(sys(&mut p, 130, [tid, SIGUSR1 as u64, 0, 0, 0, 0]).1, 0);
    assert_eq!(p.signals.info[(SIGUSR1 - 1) as usize].code, SI_TKILL);
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(get_u32(&read_frame(&p), 8) as i32, SI_TKILL);
    assert_eq!(sys(&mut p, 131, [pid, tid, 70, 0, 0, 0]).1, -22);
    assert_eq!(sys(&mut p, 131, [pid, tid, 0, 0, 0, 0]).1, 0);
    // Another process: left to the dispatcher.
    assert_eq!(ecall(&mut p, 129, &[pid + 1, SIGUSR1 as u64, 0, 0, 0, 0]), None);
    assert_eq!(ecall(&mut p, 130, &[tid + 1, SIGUSR1 as u64, 0, 0, 0, 0]), None);
    assert_eq!(ecall(&mut p, 131, &[pid + 1, tid, SIGUSR1 as u64, 0, 0, 0]), None);
    assert_eq!(sys(&mut p, 131, [pid, tid + 1, SIGUSR1 as u64, 0, 0, 0]).1, -3);
    // kill(0, sig) without host handlers: raised here.
    assert_eq!(sys(&mut p, 129, [0, SIGUSR2 as u64, 0, 0, 0, 0]).1, 0);
    assert_eq!(p.signals.pending & bit(SIGUSR2), bit(SIGUSR2));
    // rt_sigqueueinfo carries si_value.
    let mut info = [0u8; 128];
    info[8..12].copy_from_slice(&SI_QUEUE.to_le_bytes());
    info[24..32].copy_from_slice(&0x1234u64.to_le_bytes());
    p.mem.write(SCRATCH, &info).unwrap();
    assert_eq!(sys(&mut p, 138, [pid, 35, SCRATCH, 0, 0, 0]).1, 0);
    assert_eq!(p.signals.rt_queue, vec![(35, SigInfo { errno: 0, code: SI_QUEUE, data: [0, 0x1234, 0, 0] })]);
}

#[test]
fn fault_delivery() {
    let mut p = proc();
    sigaction(&mut p, SIGSEGV, HANDLER, SA_SIGINFO, 0);
    let before = p.cpu.clone();
    assert_eq!(raise_fault(&mut p, SIGSEGV, SEGV_MAPERR, 0xdead_beef), None);
    assert_eq!(p.cpu.pc, HANDLER);
    let f = read_frame(&p);
    assert_eq!(get_u32(&f, 0) as i32, SIGSEGV);
    assert_eq!(get_u32(&f, 8) as i32, SEGV_MAPERR);
    assert_eq!(get_u64(&f, 16), 0xdead_beef);
    assert_eq!(get_u64(&f, frame::SC_REGS), before.pc);
    // Returning re-executes the faulting instruction.
    assert_eq!(sys(&mut p, 139, [0; 6]).0, Some(SyscallAction::Continue));
    assert_eq!(p.cpu, before);
    // A fault inside the handler (SIGSEGV now blocked) kills.
    assert_eq!(raise_fault(&mut p, SIGSEGV, SEGV_MAPERR, 0), None);
    assert_eq!(raise_fault(&mut p, SIGSEGV, SEGV_ACCERR, 8), Some(SyscallAction::Killed(SIGSEGV)));
    // No handler: killed; ignored: killed too.
    let mut p = proc();
    assert_eq!(raise_fault(&mut p, SIGILL, ILL_ILLOPC, CODE_PC), Some(SyscallAction::Killed(SIGILL)));
    sigaction(&mut p, SIGBUS, SIG_IGN, 0, 0);
    assert_eq!(raise_fault(&mut p, SIGBUS, BUS_ADRALN, 3), Some(SyscallAction::Killed(SIGBUS)));
    // Stack overflow while delivering: SIGSEGV.
    let mut p = proc();
    sigaction(&mut p, SIGTRAP, HANDLER, 0, 0);
    p.cpu.x[2] = 0x1000;
    assert_eq!(raise_fault(&mut p, SIGTRAP, TRAP_BRKPT, CODE_PC), Some(SyscallAction::Killed(SIGSEGV)));
}

#[test]
fn bad_sigreturn_frame_kills() {
    let mut p = proc();
    p.cpu.x[2] = 0x1000;
    assert_eq!(sys(&mut p, 139, [0; 6]).0, Some(SyscallAction::Killed(SIGSEGV)));
}

#[test]
fn eintr_restart_with_sa_restart() {
    for (flags, restarted) in [(SA_RESTART, true), (0, false)] {
        let mut p = proc();
        sigaction(&mut p, SIGALRM, HANDLER, flags, 0);
        raise_self(&mut p, SIGALRM);
        // read(3, buf, 10) at this pc, interrupted on the host.
        let ecall_pc = p.cpu.pc;
        p.cpu.x[10] = 3;
        assert_eq!(ecall(&mut p, 63, &[3, SCRATCH, 10, 0, 0, 0]), None);
        p.cpu.x[10] = (-4i64) as u64;
        assert_eq!(deliver_pending(&mut p), None);
        let f = read_frame(&p);
        let (pc, a0) = (get_u64(&f, frame::SC_REGS), get_u64(&f, frame::SC_REGS + 80));
        if restarted {
            assert_eq!((pc, a0), (ecall_pc, 3));
        } else {
            assert_eq!((pc, a0 as i64), (ecall_pc + 4, -4));
        }
    }
    // Interrupted by an ignored signal: restarted without a handler.
    let mut p = proc();
    raise_self(&mut p, SIGCHLD);
    let ecall_pc = p.cpu.pc;
    assert_eq!(ecall(&mut p, 63, &[3, SCRATCH, 10, 0, 0, 0]), None);
    p.cpu.x[10] = (-4i64) as u64;
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!((p.cpu.pc, p.cpu.x[10]), (ecall_pc, 3));
}

#[test]
fn sigsuspend_with_pending_signal() {
    let mut p = proc();
    sigaction(&mut p, SIGUSR1, HANDLER, 0, 0);
    procmask(&mut p, 0, bit(SIGUSR1) | bit(SIGUSR2));
    raise_self(&mut p, SIGUSR1);
    p.mem.write(SCRATCH + 0x500, &bit(SIGUSR2).to_le_bytes()).unwrap();
    assert_eq!(sys(&mut p, 133, [SCRATCH + 0x500, 8, 0, 0, 0, 0]).1, -4);
    assert_eq!(p.signals.blocked, bit(SIGUSR2));
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(p.cpu.pc, HANDLER);
    let f = read_frame(&p);
    assert_eq!(get_u64(&f, frame::UC_SIGMASK), bit(SIGUSR1) | bit(SIGUSR2));
    assert_eq!(sys(&mut p, 139, [0; 6]).0, Some(SyscallAction::Continue));
    assert_eq!(p.signals.blocked, bit(SIGUSR1) | bit(SIGUSR2));
    assert_eq!(p.cpu.x[10] as i64, -4);
}

#[test]
fn sigtimedwait_takes_pending_or_times_out() {
    let mut p = proc();
    procmask(&mut p, 0, bit(SIGUSR1));
    raise_self(&mut p, SIGUSR1);
    p.mem.write(SCRATCH + 0x500, &bit(SIGUSR1).to_le_bytes()).unwrap();
    p.mem.write(SCRATCH + 0x600, &[0u8; 16]).unwrap();
    let args = [SCRATCH + 0x500, SCRATCH + 0x700, SCRATCH + 0x600, 8, 0, 0];
    assert_eq!(sys(&mut p, 137, args).1, SIGUSR1 as i64);
    let mut info = [0u8; 128];
    p.mem.read(SCRATCH + 0x700, &mut info).unwrap();
    assert_eq!(get_u32(&info, 0) as i32, SIGUSR1);
    assert_eq!(p.signals.pending, 0);
    assert_eq!(sys(&mut p, 137, args).1, -11);
    // A short timeout.
    p.mem.write(SCRATCH + 0x608, &1_000_000u64.to_le_bytes()).unwrap();
    assert_eq!(sys(&mut p, 137, args).1, -11);
}

#[test]
fn exec_resets_handlers() {
    let mut p = proc();
    sigaction(&mut p, SIGUSR1, HANDLER, 0, 0);
    sigaction(&mut p, SIGINT, SIG_IGN, 0, 0);
    p.signals.blocked = bit(SIGUSR2);
    p.signals.reset_on_exec();
    assert_eq!(p.signals.action(SIGUSR1).handler, SIG_DFL);
    assert_eq!(p.signals.action(SIGINT).handler, SIG_IGN);
    assert_eq!(p.signals.blocked, bit(SIGUSR2));
}

#[test]
fn trampoline_moves_when_its_page_is_taken() {
    let mut p = proc();
    p.mem.map_fixed(TRAMPOLINE, 0x1000, Prot::RW).unwrap();
    p.mem.write(TRAMPOLINE, &[0xaa; 16]).unwrap();
    sigaction(&mut p, SIGUSR1, HANDLER, 0, 0);
    raise_self(&mut p, SIGUSR1);
    assert_eq!(deliver_pending(&mut p), None);
    let ra = p.cpu.x[1];
    assert_ne!(ra, TRAMPOLINE);
    let mut t = [0u8; 8];
    p.mem.read(ra, &mut t).unwrap();
    assert_eq!(t, [0x93, 0x08, 0xb0, 0x08, 0x73, 0, 0, 0]);
    p.mem.read(TRAMPOLINE, &mut t).unwrap();
    assert_eq!(t, [0xaa; 8]);
    // The same page is reused for the next delivery.
    assert_eq!(sys(&mut p, 139, [0; 6]).1 as u64, p.cpu.x[10]);
    raise_self(&mut p, SIGUSR1);
    assert_eq!(deliver_pending(&mut p), None);
    assert_eq!(p.cpu.x[1], ra);
}

#[test]
fn real_time_signals_queue_in_order() {
    let mut p = proc();
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() } as u64;
    sigaction(&mut p, 35, HANDLER, SA_SIGINFO, 0);
    sigaction(&mut p, 36, HANDLER, SA_SIGINFO, 0);
    procmask(&mut p, 0, bit(35) | bit(36));
    for v in [1u64, 2, 3] {
        for s in [36u64, 35] {
            let mut info = [0u8; 128];
            info[8..12].copy_from_slice(&SI_QUEUE.to_le_bytes());
            info[24..32].copy_from_slice(&(s * 100 + v).to_le_bytes());
            p.mem.write(SCRATCH, &info).unwrap();
            assert_eq!(sys(&mut p, 138, [pid, s, SCRATCH, 0, 0, 0]).1, 0);
        }
    }
    assert_eq!(p.signals.rt_queue.len(), 6);
    procmask(&mut p, 1, bit(35) | bit(36));
    // As on Linux, signals are set up lowest first and frames nest, so the handler of the last
    // one set up runs first: each "handler" here returns at once through rt_sigreturn.
    let mut ran = Vec::new();
    loop {
        assert_eq!(deliver_pending(&mut p), None);
        if p.cpu.pc != HANDLER {
            break;
        }
        let mut v = [0u8; 8];
        p.mem.read(p.cpu.x[11] + 24, &mut v).unwrap();
        ran.push(u64::from_le_bytes(v));
        assert_eq!(sys(&mut p, 139, [0; 6]).0, Some(SyscallAction::Continue));
    }
    assert_eq!(ran, [3601, 3602, 3603, 3501, 3502, 3503]);
    assert_eq!(p.signals.blocked, 0);
    // Ignoring discards every queued instance.
    procmask(&mut p, 0, bit(35));
    for _ in 0..3 {
        let _ = sys(&mut p, 129, [pid, 35, 0, 0, 0, 0]);
    }
    sigaction(&mut p, 35, SIG_IGN, 0, 0);
    assert!(p.signals.rt_queue.is_empty());
    assert_eq!(p.signals.pending, 0);
}

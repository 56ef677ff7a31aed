//! Host signals reach the guest through the forwarding handlers (own binary: the handlers and
//! the pending mask are process-wide).

use std::time::Duration;

use vm_linux::signal::{self, sig};
use vm_linux::{Process, SyscallAction};
use vm_mem::Prot;

const STACK_LO: u64 = 0x7000_0000;
const SCRATCH: u64 = 0x5000_0000;
const HANDLER: u64 = 0x40_0000;

fn proc() -> Process {
    let mut p = Process::new(None).unwrap();
    p.mem.map_fixed(STACK_LO, 0x10_0000, Prot::RW).unwrap();
    p.mem.map_fixed(SCRATCH, 0x1000, Prot::RW).unwrap();
    p.cpu.x[2] = STACK_LO + 0x10_0000;
    p.cpu.pc = 0x1_0000;
    p
}

fn ecall(p: &mut Process, nr: u64, args: [u64; 6]) -> i64 {
    assert_eq!(signal::syscall(p, nr, &args), Some(SyscallAction::Continue));
    p.cpu.x[10] as i64
}

fn handle(p: &mut Process, s: i32) {
    let mut act = [0u8; 24];
    act[..8].copy_from_slice(&HANDLER.to_le_bytes());
    p.mem.write(SCRATCH, &act).unwrap();
    assert_eq!(ecall(p, 134, [s as u64, SCRATCH, 0, 8, 0, 0]), 0);
}

fn tid() -> i32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() }
}

fn tgkill(tid: i32, host_sig: i32) {
    // SAFETY: tgkill takes no pointers.
    unsafe {
        libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, host_sig);
    }
}

#[test]
fn host_signals_are_forwarded() {
    signal::install_host_handlers();
    let me = tid();

    // A caught signal runs the guest handler with the host's siginfo.
    let mut p = proc();
    handle(&mut p, sig::SIGUSR1);
    tgkill(me, libc::SIGUSR1);
    assert_eq!(signal::deliver_pending(&mut p), None);
    assert_eq!(p.cpu.pc, HANDLER);
    assert_eq!(p.cpu.x[10], sig::SIGUSR1 as u64);
    let mut info = [0u8; 24];
    p.mem.read(p.cpu.x[11], &mut info).unwrap();
    assert_eq!(i32::from_le_bytes(info[8..12].try_into().unwrap()), -6); // SI_TKILL
                                                                         // SAFETY: getpid has no preconditions.
    assert_eq!(i32::from_le_bytes(info[16..20].try_into().unwrap()), unsafe { libc::getpid() });

    // Default actions: SIGWINCH is ignored, SIGTERM kills.
    let mut p = proc();
    tgkill(me, libc::SIGWINCH);
    assert_eq!(signal::deliver_pending(&mut p), None);
    assert_eq!(p.signals.pending, 0);
    tgkill(me, libc::SIGTERM);
    assert_eq!(signal::deliver_pending(&mut p), Some(SyscallAction::Killed(sig::SIGTERM)));

    // rt_sigsuspend sleeps on the host until a forwarded signal arrives.
    let mut p = proc();
    handle(&mut p, sig::SIGUSR2);
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tgkill(me, libc::SIGUSR2);
    });
    p.mem.write(SCRATCH + 0x100, &0u64.to_le_bytes()).unwrap();
    assert_eq!(ecall(&mut p, 133, [SCRATCH + 0x100, 8, 0, 0, 0, 0]), -4);
    sender.join().unwrap();
    assert_eq!(signal::deliver_pending(&mut p), None);
    assert_eq!(p.cpu.pc, HANDLER);

    // rt_sigtimedwait with a timeout wakes for a blocked signal of its set.
    let mut p = proc();
    let set = 1u64 << (sig::SIGALRM - 1);
    p.signals.blocked = set;
    p.mem.write(SCRATCH + 0x100, &set.to_le_bytes()).unwrap();
    let mut ts = [0u8; 16];
    ts[..8].copy_from_slice(&5u64.to_le_bytes());
    p.mem.write(SCRATCH + 0x200, &ts).unwrap();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tgkill(me, libc::SIGALRM);
    });
    assert_eq!(ecall(&mut p, 137, [SCRATCH + 0x100, 0, SCRATCH + 0x200, 8, 0, 0]), sig::SIGALRM as i64);
    sender.join().unwrap();
}

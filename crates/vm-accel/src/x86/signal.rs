//! Signal delivery to x86-64 handlers: the Linux x86-64 `rt_sigframe` (return address =
//! `sa_restorer`, `ucontext` with the interrupted registers and signal mask, `siginfo`) built
//! on the user stack or the alternate stack, and `rt_sigreturn`, which restores from it.
//!
//! The x87/SSE/AVX state is saved by the VMM (a stack of XSAVE images, one per frame in
//! flight) rather than in the frame, whose `fpstate` pointer is NULL; handlers that leave by
//! `siglongjmp` leave their image behind, so the stack is capped.

use vm_core::VmError;
use vm_linux::signal::{sa, SigAction, SigInfo};

use super::X86Process;
use crate::hypervisor::{FpuState, Regs};

/// `sa_flags` bit: `sa_restorer` is valid (x86-64).
pub const SA_RESTORER: u64 = 0x0400_0000;
/// Bytes of `struct rt_sigframe` up to the end of the siginfo.
const FRAME: u64 = 8 + 304 + 128;
const UC: u64 = 8;
const MCTX: u64 = UC + 40;
const MASK: u64 = UC + 296;
const INFO: u64 = 8 + 304;
/// Saved FPU images kept for frames in flight.
const MAX_SAVED: usize = 64;

/// `sigcontext` general registers in kernel order (r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx,
/// rsp, rip, eflags).
fn gregs(r: &Regs) -> [u64; 18] {
    [
        r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rdi, r.rsi, r.rbp, r.rbx, r.rdx, r.rax,
        r.rcx, r.rsp, r.rip, r.rflags,
    ]
}

fn from_gregs(g: &[u64; 18]) -> Regs {
    Regs {
        r8: g[0],
        r9: g[1],
        r10: g[2],
        r11: g[3],
        r12: g[4],
        r13: g[5],
        r14: g[6],
        r15: g[7],
        rdi: g[8],
        rsi: g[9],
        rbp: g[10],
        rbx: g[11],
        rdx: g[12],
        rax: g[13],
        rcx: g[14],
        rsp: g[15],
        rip: g[16],
        rflags: g[17],
    }
}

/// Run the handler of `sig` (`act`) for a program interrupted with registers `regs` (`trap`:
/// the exception vector, error code and fault address, for faults). Returns the registers to
/// resume with: the handler's entry, or `None` if the frame cannot be written (the process
/// must then die of SIGSEGV, as on Linux).
pub(super) fn deliver(
    m: &mut X86Process,
    regs: &Regs,
    sig: i32,
    act: SigAction,
    info: &SigInfo,
    trap: (u64, u64, u64),
) -> Result<Option<Regs>, VmError> {
    let signals = &m.process.signals;
    let alt = signals.altstack;
    let on_alt = act.flags & sa::SA_ONSTACK != 0 && alt.size != 0 && !alt.contains(regs.rsp);
    let top = if on_alt { alt.sp.wrapping_add(alt.size) } else { regs.rsp.wrapping_sub(128) };
    let frame = (top.wrapping_sub(FRAME) & !15).wrapping_sub(8);
    let mut b = vec![0u8; FRAME as usize];
    let put =
        |b: &mut [u8], off: u64, v: u64| b[off as usize..off as usize + 8].copy_from_slice(&v.to_le_bytes());
    let restorer = m.restorers[(sig - 1) as usize];
    if act.flags & SA_RESTORER == 0 || restorer == 0 {
        // Without a restorer the handler could not return; glibc always sets one.
        return Ok(None);
    }
    put(&mut b, 0, restorer);
    // uc_flags, uc_link, uc_stack
    put(&mut b, UC + 16, alt.sp);
    b[(UC + 24) as usize..(UC + 28) as usize].copy_from_slice(&alt.state(regs.rsp).to_le_bytes());
    put(&mut b, UC + 32, alt.size);
    for (i, v) in gregs(regs).iter().enumerate() {
        put(&mut b, MCTX + 8 * i as u64, *v);
    }
    // cs, gs, fs, ss as the kernel reports them for a 64-bit program.
    put(&mut b, MCTX + 144, u64::from(super::layout::USER_CS) | (u64::from(super::layout::USER_DS) << 48));
    put(&mut b, MCTX + 152, trap.1);
    put(&mut b, MCTX + 160, trap.0);
    // After rt_sigsuspend the mask to restore is the one it replaced.
    let restore_mask = signals.saved_mask.unwrap_or(signals.blocked);
    put(&mut b, MCTX + 168, restore_mask);
    put(&mut b, MCTX + 176, trap.2);
    put(&mut b, MASK, restore_mask);
    b[INFO as usize..(INFO + 128) as usize].copy_from_slice(&info.to_bytes(sig));
    if m.process.mem.write(frame, &b).is_err() {
        return Ok(None);
    }
    if m.saved_fpu.len() >= MAX_SAVED {
        m.saved_fpu.remove(0);
    }
    m.saved_fpu.push((frame, m.vcpu.fpu_state()?));
    let st = &mut m.process.signals;
    if let Some(mask) = st.saved_mask.take() {
        st.blocked = mask;
    }
    st.blocked |= act.mask;
    if act.flags & sa::SA_NODEFER == 0 {
        st.blocked |= vm_linux::signal::bit(sig);
    }
    st.blocked &= !(vm_linux::signal::bit(libc::SIGKILL) | vm_linux::signal::bit(libc::SIGSTOP));
    if act.flags & sa::SA_RESETHAND != 0 {
        st.actions[(sig - 1) as usize] = SigAction::default();
    }
    Ok(Some(Regs {
        rdi: sig as u64,
        rsi: frame + INFO,
        rdx: frame + UC,
        rax: 0,
        rsp: frame,
        rip: act.handler,
        rflags: regs.rflags & !(0x100 | 0x400), // TF and DF clear, as Linux
        ..*regs
    }))
}

/// `rt_sigreturn` with the stack pointer `rsp` (just past the frame's return address): the
/// registers and mask saved in the frame, or `None` if it is unreadable.
pub(super) fn sigreturn(m: &mut X86Process, rsp: u64) -> Result<Option<Regs>, VmError> {
    let frame = rsp.wrapping_sub(8);
    let mut b = vec![0u8; FRAME as usize];
    if m.process.mem.read(frame, &mut b).is_err() {
        return Ok(None);
    }
    let word = |off: u64| u64::from_le_bytes(b[off as usize..off as usize + 8].try_into().expect("8 bytes"));
    let mut g = [0u64; 18];
    for (i, v) in g.iter_mut().enumerate() {
        *v = word(MCTX + 8 * i as u64);
    }
    let mut regs = from_gregs(&g);
    // Only the user-changeable flags come back (no IOPL, no VM, interrupts on).
    regs.rflags = (regs.rflags & super::USER_FLAGS) | 0x202;
    let st = &mut m.process.signals;
    st.blocked = word(MASK) & !(vm_linux::signal::bit(libc::SIGKILL) | vm_linux::signal::bit(libc::SIGSTOP));
    if let Some(i) = m.saved_fpu.iter().rposition(|(f, _)| *f == frame) {
        let (_, fpu): (u64, FpuState) = m.saved_fpu.remove(i);
        m.saved_fpu.truncate(i);
        m.vcpu.set_fpu_state(&fpu)?;
    }
    Ok(Some(regs))
}

//! The riscv64 Linux signal frame (`struct rt_sigframe`) and the sigreturn trampoline.
//!
//! Layout (checked against the kernel uapi headers with `riscv64-linux-gnu-gcc`):
//!
//! ```text
//! rt_sigframe (1088 bytes)
//!   0    struct siginfo info                      128
//!   128  struct ucontext uc                       960
//!          +0   uc_flags u64, +8 uc_link u64
//!          +16  uc_stack { ss_sp u64, ss_flags i32 (+pad), ss_size u64 }
//!          +40  uc_sigmask u64, +48 __unused[120]
//!          +176 uc_mcontext: struct sigcontext (784, 16-aligned)
//!                 +0   sc_regs: pc, x1..x31 (32 × u64)
//!                 +256 sc_fpregs (union __riscv_fp_state, 528): f[32] u64, fcsr u32, reserved
//! ```

use vm_core::CpuState;
use vm_mem::{AddressSpace, Prot, PAGE_SIZE, USER_TOP};

/// `sizeof(struct rt_sigframe)`.
pub const FRAME_SIZE: u64 = 1088;
/// Offset of `info` (a `struct siginfo`, 128 bytes).
pub const INFO: usize = 0;
/// Offset of `uc` (`struct ucontext`).
pub const UC: usize = 128;
/// Offset of `uc.uc_flags`.
pub const UC_FLAGS: usize = UC;
/// Offset of `uc.uc_link`.
pub const UC_LINK: usize = UC + 8;
/// Offset of `uc.uc_stack` (`stack_t`: ss_sp @0, ss_flags @8, ss_size @16).
pub const UC_STACK: usize = UC + 16;
/// Offset of `uc.uc_sigmask`.
pub const UC_SIGMASK: usize = UC + 40;
/// Offset of `uc.uc_mcontext.sc_regs` (pc, then x1..x31).
pub const SC_REGS: usize = UC + 176;
/// Offset of `uc.uc_mcontext.sc_fpregs.d.f[0]`.
pub const SC_FPREGS: usize = SC_REGS + 256;
/// Offset of `uc.uc_mcontext.sc_fpregs.d.fcsr`.
pub const SC_FCSR: usize = SC_FPREGS + 256;

/// Preferred address of the sigreturn trampoline page: 16 MiB below `USER_TOP`, i.e. below
/// the loader's 8 MiB stack and its 1 MiB guard gap, and above the top-down mmap area (which
/// starts 256 MiB below `USER_TOP`). If something else is mapped there, another free page is
/// used ([`ensure_trampoline`]).
pub const TRAMPOLINE: u64 = USER_TOP - (16 << 20);

/// `li a7, 139` (`addi a7, zero, __NR_rt_sigreturn`); `ecall`. The exact words libgcc's
/// unwinder looks for to recognise a signal frame on riscv64 Linux.
pub const TRAMPOLINE_CODE: [u32; 2] = [0x08b0_0893, 0x0000_0073];

fn trampoline_bytes() -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&TRAMPOLINE_CODE[0].to_le_bytes());
    b[4..].copy_from_slice(&TRAMPOLINE_CODE[1].to_le_bytes());
    b
}

/// Whether the page at `addr` holds the trampoline, mapped read+execute.
fn is_trampoline(mem: &AddressSpace, addr: u64) -> bool {
    let mut cur = [0u8; 8];
    mem.prot_of(addr) == Some(Prot::RX) && mem.read(addr, &mut cur).is_ok() && cur == trampoline_bytes()
}

/// The address of the sigreturn trampoline, mapping it if needed: `current` if it is still
/// there, else [`TRAMPOLINE`] if free (or already holding it), else any free page. Never
/// replaces a guest mapping. Mapped lazily at the first delivery, and again after an execve
/// cleared the address space. `None` if no page could be mapped.
pub fn ensure_trampoline(mem: &mut AddressSpace, current: Option<u64>) -> Option<u64> {
    if let Some(a) = current.filter(|&a| is_trampoline(mem, a)) {
        return Some(a);
    }
    if is_trampoline(mem, TRAMPOLINE) {
        return Some(TRAMPOLINE);
    }
    let addr =
        if mem.prot_of(TRAMPOLINE).is_none() { TRAMPOLINE } else { mem.find_free(PAGE_SIZE, 0).ok()? };
    mem.map_fixed(addr, PAGE_SIZE, Prot::RX).ok()?;
    mem.write_force(addr, &trampoline_bytes()).ok()?;
    Some(addr)
}

pub(crate) fn put_u64(buf: &mut [u8], off: usize, v: u64) {
    buf[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_u32(buf: &mut [u8], off: usize, v: u32) {
    buf[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn get_u64(buf: &[u8], off: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[off..off + 8]);
    u64::from_le_bytes(b)
}

pub(crate) fn get_u32(buf: &[u8], off: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[off..off + 4]);
    u32::from_le_bytes(b)
}

/// The user-visible machine state saved in a frame.
pub struct Saved {
    /// Mask to restore at sigreturn.
    pub mask: u64,
    /// `uc_stack`: (ss_sp, ss_flags, ss_size).
    pub stack: (u64, u32, u64),
}

/// Serialise a whole frame: `info` (128 bytes), the saved mask/stack and the registers of `cpu`.
pub fn build(cpu: &CpuState, info: &[u8; 128], saved: &Saved) -> Vec<u8> {
    let mut f = vec![0u8; FRAME_SIZE as usize];
    f[INFO..INFO + 128].copy_from_slice(info);
    put_u64(&mut f, UC_FLAGS, 0);
    put_u64(&mut f, UC_LINK, 0);
    put_u64(&mut f, UC_STACK, saved.stack.0);
    put_u32(&mut f, UC_STACK + 8, saved.stack.1);
    put_u64(&mut f, UC_STACK + 16, saved.stack.2);
    put_u64(&mut f, UC_SIGMASK, saved.mask);
    put_u64(&mut f, SC_REGS, cpu.pc);
    for i in 1..32 {
        put_u64(&mut f, SC_REGS + 8 * i, cpu.x[i]);
    }
    for i in 0..32 {
        put_u64(&mut f, SC_FPREGS + 8 * i, cpu.f[i]);
    }
    put_u32(&mut f, SC_FCSR, cpu.fcsr() as u32);
    f
}

/// Load registers (pc, x1..x31, f0..f31, fcsr) from a frame; returns (mask, uc_stack).
pub fn restore(cpu: &mut CpuState, f: &[u8]) -> Saved {
    cpu.pc = get_u64(f, SC_REGS);
    for i in 1..32 {
        cpu.x[i] = get_u64(f, SC_REGS + 8 * i);
    }
    for i in 0..32 {
        cpu.f[i] = get_u64(f, SC_FPREGS + 8 * i);
    }
    cpu.set_fcsr(u64::from(get_u32(f, SC_FCSR)));
    cpu.reservation = None;
    Saved {
        mask: get_u64(f, UC_SIGMASK),
        stack: (get_u64(f, UC_STACK), get_u32(f, UC_STACK + 8), get_u64(f, UC_STACK + 16)),
    }
}

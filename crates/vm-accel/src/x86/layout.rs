//! Where things live in an x86-64 user-mode VM, and the system structures (GDT, IDT, TSS,
//! entry stubs) the CPU needs to run a program at ring 3.
//!
//! ```text
//! guest-physical                                  guest-virtual
//! [0, USER_TOP)      user memory = the process's   same addresses (identity), mapped page by
//!                    AddressSpace reservation      page with the guest's protections, U=1
//! [SYS_GPA, +SYS_SIZE) system region (VMM only):   SYS_VA + offset, supervisor-only; the
//!                    GDT, IDT, TSS + I/O bitmap,   syscall stub page also at STUB_VA, U=1 R+X
//!                    stubs, ring-0 stack, page
//!                    tables
//! ```
//!
//! Ring 0 never runs more than one instruction: every exception vector's stub is `out
//! EXC_PORT + vector, al`, and LSTAR points at the user-visible stub `out SYSCALL_PORT, al`
//! (the TSS I/O bitmap opens only that port to ring 3), so both leave the guest with an I/O exit
//! and the VMM does the rest, then resumes ring 3 by setting the registers directly.

use vm_mem::USER_TOP;

/// Guest-physical address of the system region.
pub const SYS_GPA: u64 = USER_TOP;
/// Size of the system region (page-table pages are bump-allocated in it).
pub const SYS_SIZE: usize = 256 << 20;
/// Supervisor-only virtual address of the system region.
pub const SYS_VA: u64 = 0xffff_8000_0000_0000;
/// User-visible virtual address of the syscall stub page: just above user memory.
pub const STUB_VA: u64 = USER_TOP;
/// The port the syscall stub writes.
pub const SYSCALL_PORT: u16 = 0xf0;
/// Exception stub of vector `v` writes port `EXC_PORT + v`.
pub const EXC_PORT: u16 = 0xc0;

/// Offsets in the system region.
pub const GDT_OFF: u64 = 0;
/// IDT: 256 16-byte gates.
pub const IDT_OFF: u64 = 0x1000;
/// TSS (104 bytes) followed by the I/O permission bitmap (8 KiB + 1).
pub const TSS_OFF: u64 = 0x2000;
/// Exception stubs, 16 bytes each.
pub const EXC_STUBS_OFF: u64 = 0x5000;
/// The syscall stub page.
pub const SYSCALL_STUB_OFF: u64 = 0x6000;
/// Ring-0 stack: grows down from `STACK_TOP_OFF` (exception frames land here).
pub const STACK_TOP_OFF: u64 = 0x9000;
/// First page-table page.
pub const PT_OFF: u64 = 0x10000;

/// Kernel code (the selectors are Linux's, so programs see the `cs`/`ss` they expect).
pub const KERNEL_CS: u16 = 0x10;
/// Kernel data.
pub const KERNEL_DS: u16 = 0x18;
/// User 32-bit code (RPL 3; present only so the layout matches Linux).
pub const USER32_CS: u16 = 0x23;
/// User data (RPL 3).
pub const USER_DS: u16 = 0x2b;
/// User 64-bit code (RPL 3).
pub const USER_CS: u16 = 0x33;
/// The TSS.
pub const TSS_SEL: u16 = 0x40;
/// Bytes of the GDT minus one.
pub const GDT_LIMIT: u16 = 10 * 8 - 1;
/// Bytes of TSS plus I/O bitmap, minus one (the TSS limit).
pub const TSS_LIMIT: u32 = 0x68 + 0x2000;

/// Vectors whose exception pushes an error code.
pub fn has_error_code(vector: u8) -> bool {
    matches!(vector, 8 | 10..=14 | 17 | 21 | 29 | 30)
}

/// Fill the system region's fixed structures (`sys` is its host view, zero-filled).
pub fn build(sys: &mut [u8]) {
    // GDT as Linux lays it out: null, (unused), kernel code, kernel data, user 32-bit code,
    // user data, user 64-bit code, (unused), TSS (16 bytes).
    let gdt: [(u16, u64); 5] = [
        (KERNEL_CS, 0x00af_9b00_0000_ffff), // 64-bit code, DPL 0
        (KERNEL_DS, 0x00cf_9300_0000_ffff), // data, DPL 0
        (USER32_CS, 0x00cf_fb00_0000_ffff), // 32-bit code, DPL 3
        (USER_DS, 0x00cf_f300_0000_ffff),   // data, DPL 3
        (USER_CS, 0x00af_fb00_0000_ffff),   // 64-bit code, DPL 3
    ];
    for (sel, d) in gdt {
        put64(sys, GDT_OFF + u64::from(sel & !7), d);
    }
    let tss_base = SYS_VA + TSS_OFF;
    let lo = (u64::from(TSS_LIMIT) & 0xffff)
        | ((tss_base & 0xff_ffff) << 16)
        | (0x89u64 << 40) // present, available 64-bit TSS
        | ((u64::from(TSS_LIMIT) >> 16 & 0xf) << 48)
        | ((tss_base >> 24 & 0xff) << 56);
    put64(sys, GDT_OFF + u64::from(TSS_SEL), lo);
    put64(sys, GDT_OFF + u64::from(TSS_SEL) + 8, tss_base >> 32);

    // IDT: vector v → its stub, interrupt gate, DPL 3 for #BP so `int3` reaches it.
    for v in 0..32u64 {
        let stub = SYS_VA + EXC_STUBS_OFF + 16 * v;
        let dpl = if v == 3 { 3u64 } else { 0 };
        let low = (stub & 0xffff)
            | (u64::from(KERNEL_CS) << 16)
            | ((0x8e | dpl << 5) << 40)
            | ((stub >> 16 & 0xffff) << 48);
        put64(sys, IDT_OFF + 16 * v, low);
        put64(sys, IDT_OFF + 16 * v + 8, stub >> 32);
        let at = (EXC_STUBS_OFF + 16 * v) as usize;
        // out EXC_PORT+v, al; hlt; jmp .
        sys[at..at + 5].copy_from_slice(&[0xe6, (EXC_PORT + v as u16) as u8, 0xf4, 0xeb, 0xfe]);
    }

    // TSS: RSP0, the I/O bitmap offset, the bitmap (everything denied but SYSCALL_PORT).
    put64(sys, TSS_OFF + 4, SYS_VA + STACK_TOP_OFF);
    let iopb = 0x68u16;
    let at = (TSS_OFF + 0x66) as usize;
    sys[at..at + 2].copy_from_slice(&iopb.to_le_bytes());
    let bitmap = (TSS_OFF + 0x68) as usize;
    sys[bitmap..bitmap + 0x2001].fill(0xff);
    sys[bitmap + usize::from(SYSCALL_PORT) / 8] &= !(1 << (SYSCALL_PORT % 8));

    // The syscall stub: out SYSCALL_PORT, al; ud2.
    let at = SYSCALL_STUB_OFF as usize;
    sys[at..at + 4].copy_from_slice(&[0xe6, SYSCALL_PORT as u8, 0x0f, 0x0b]);
}

fn put64(sys: &mut [u8], off: u64, v: u64) {
    let o = off as usize;
    sys[o..o + 8].copy_from_slice(&v.to_le_bytes());
}

//! The data compiled code sees: [`JitContext`] (passed in the first argument register) and the
//! [`RuntimeTable`] of helper functions it calls for everything that is not inline.
//!
//! Translated code never embeds a host address: it reaches guest state at a constant offset
//! from the context, which lives inside the hart ([`HART_FROM_CTX`]; helpers use
//! [`JitContext::cpu`]), guest memory through [`JitContext::mem_host`] / [`JitContext::mem_table`],
//! other translations through [`JitContext::chain`] and [`JitContext::lookup`], and the
//! runtime only through [`JitContext::rt`], so the same machine code works wherever it is loaded.

use std::ffi::c_void;
use std::sync::atomic::AtomicU64;

use vm_core::cpu::EngineScratch;
use vm_core::CpuState;

/// Where the hart is relative to the context: the context lives in [`CpuState::engine`], so
/// compiled code addresses `cpu.x[i]` as `ctx + HART_FROM_CTX + offset_of!(CpuState, x) + 8i`.
pub const HART_FROM_CTX: i64 = -(std::mem::offset_of!(CpuState, engine) as i64);

const _: () = assert!(
    std::mem::size_of::<JitContext>() <= std::mem::size_of::<EngineScratch>()
        && std::mem::align_of::<JitContext>() <= std::mem::align_of::<EngineScratch>(),
    "JitContext must fit in CpuState::engine"
);

/// Status returned by compiled code: continue at [`JitContext::next_pc`]. If
/// [`JitContext::exit_slot`] is not [`NO_SLOT`], the exit went through that chain slot, which the
/// runtime may now point at the target's code.
pub const STATUS_NEXT: u64 = 0;
/// Status: the op at fault site [`JitContext::fault_site`] raised the
/// exception in `exc_cause` / `exc_tval`.
pub const STATUS_FAULT: u64 = 1;
/// Status: the block at [`JitContext::exit_block`] ended in a terminator the machine handles
/// (ecall, trap, ret, …); its ops have run.
pub const STATUS_TERM: u64 = 2;
/// Status: like [`STATUS_FAULT`], from code counting fuel, which left `cpu.instret` stale:
/// it is [`JitContext::fuel_base`] minus [`JitContext::fuel_left`] (the runtime makes it so).
/// A helper's fault leaves this way, so that its site needs no code of its own.
pub const STATUS_FAULT_FUEL: u64 = 3;
/// Status: a *side exit* before the instruction at [`JitContext::next_pc`], in the middle of a
/// block, whose memory access missed the fast path (in user mode: a fault, a misaligned
/// access, or a store to a page holding translated code); the hart is exact up to it, `instret` included. The runtime
/// runs that instruction on the interpreter.
pub const STATUS_SIDE: u64 = 4;

/// [`JitContext::exit_slot`] when the exit did not go through a chain slot.
pub const NO_SLOT: u64 = u64::MAX;

/// Helper status: the access or op succeeded.
pub const HELPER_OK: u32 = 0;
/// Helper status: it raised an exception, recorded in `exc_cause` / `exc_tval`.
pub const HELPER_FAULT: u32 = 1;

/// Entries in the indirect-jump lookup table (a power of two), indexed by `pc / 2`: 64 Ki
/// entries (1 MiB) keep the regions of a large program apart (sqlite, with 800 regions over
/// 1.3 MB of code, collided often in 4 Ki and left compiled code at every colliding jump).
pub const LOOKUP_ENTRIES: usize = 65536;

/// A load helper: `(ctx, addr) -> status`; on success the zero-extended value is in
/// [`JitContext::value`].
pub type LoadFn = unsafe extern "C" fn(*mut JitContext, u64) -> u32;
/// A store helper: `(ctx, addr, value) -> status`.
pub type StoreFn = unsafe extern "C" fn(*mut JitContext, u64, u64) -> u32;
/// A whole-op helper: `(ctx, op_id, csr_index) -> status`. Runs op `op_id` of the JIT's op
/// table (FP, atomics, CSR, FP memory) against the in-memory guest state; a CSR op passes
/// `csr_index` to the CSR handler as its op index.
pub type OpFn = unsafe extern "C" fn(*mut JitContext, u64, u64) -> u32;

/// Entries of [`RuntimeTable`] (all function pointers).
pub const RUNTIME_ENTRIES: usize = std::mem::size_of::<RuntimeTable>() / std::mem::size_of::<usize>();

/// The runtime functions compiled code may call, reached through [`JitContext::rt`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RuntimeTable {
    /// 1-byte load.
    pub load8: LoadFn,
    /// 2-byte load.
    pub load16: LoadFn,
    /// 4-byte load.
    pub load32: LoadFn,
    /// 8-byte load.
    pub load64: LoadFn,
    /// 1-byte store.
    pub store8: StoreFn,
    /// 2-byte store.
    pub store16: StoreFn,
    /// 4-byte store.
    pub store32: StoreFn,
    /// 8-byte store.
    pub store64: StoreFn,
    /// Any op not compiled inline (FP, FP memory, LR/SC/AMO, CSR).
    pub exec_op: OpFn,
}

/// One entry of the indirect-jump lookup table: guest pc → host code of the region starting
/// there (`pc == u64::MAX`: empty).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookupEntry {
    /// Guest pc.
    pub pc: u64,
    /// Host code address.
    pub code: u64,
}

impl LookupEntry {
    /// The empty entry.
    pub const EMPTY: LookupEntry = LookupEntry { pc: u64::MAX, code: 0 };
}

/// Everything one entry into compiled code needs, laid out for the generated code.
#[repr(C)]
#[derive(Debug)]
pub struct JitContext {
    /// The hart's registers (this context lives inside it, at [`CpuState::engine`]).
    pub cpu: *mut CpuState,
    /// The runtime helpers.
    pub rt: *const RuntimeTable,
    /// The wrappers of the [`RuntimeTable`] entries (one set per process), in field order:
    /// compiled code calls these (`preserve_all` convention: `(ctx)` with the arguments in
    /// [`JitContext::helper_args`], no result, nothing clobbered, so a helper call on a cold
    /// path does not push the caller's values out of registers); each calls its helper and
    /// leaves the status in [`JitContext::helper_status`].
    pub helpers: *const u64,
    /// The status of the last helper called through [`JitContext::helpers`].
    pub helper_status: u64,
    /// The arguments of a helper called through [`JitContext::helpers`] (the address, and a
    /// store's value), stored by the caller: passed in memory rather than in fixed registers,
    /// they put no register constraint on the code around a cold call.
    pub helper_args: [u64; 2],
    /// The guest memory: points to a `&mut dyn Mmu`.
    pub mmu: *mut c_void,
    /// The CSR handler: points to a `&mut dyn CsrHandler`.
    pub csrs: *mut c_void,
    /// The JIT's op table: one single-op block per op that runs through
    /// [`RuntimeTable::exec_op`].
    pub ops: *const c_void,
    /// Host address of guest address `FastMem::lo` (fast memory path; unused without it).
    pub mem_host: *mut u8,
    /// The fast path's page table (`FastMem::table`).
    pub mem_table: *const u8,
    /// Chain slots: host code address per static exit, 0 while unlinked.
    pub chain: *const u64,
    /// The indirect-jump lookup table ([`LOOKUP_ENTRIES`] entries).
    pub lookup: *const LookupEntry,
    /// The stop word: compiled code returns to the runtime before a loop iteration or chained
    /// exit once `cpu.instret` reaches this value. It starts as the machine's word
    /// ([`JitContext::stop_src`]) and lives here, at a fixed offset from the context register
    /// (no pointer held in a register for it). An optimized translation reads it at entry and
    /// whenever its fuel runs out ([`JitContext::fuel_base`]). While the code runs it is
    /// published ([`vm_core::stop::publish`]) for host signal handlers.
    pub stop: AtomicU64,
    /// An optimized translation's fuel base: `cpu.instret` is this minus the fuel it counts
    /// down in a register (set at each entry from [`JitContext::stop`]; see `codegen`).
    pub fuel_base: u64,
    /// The fuel of code counting it, stored before it calls a helper: for a fault there
    /// ([`STATUS_FAULT_FUEL`]), and for a helper that lowers the stop word, which empties it
    /// (moving [`JitContext::fuel_base`] down by as much, so `instret` stays exact) for the
    /// caller to load back, so its next budget test leaves. Meaningless to other code, which
    /// compares `instret` with the stop word itself.
    pub fuel_left: u64,
    /// The machine's stop word ([`crate::EnterEnv::stop`]): something that wants control back
    /// while a helper runs (a device watch hit) stores 0 there, and every helper copies it
    /// into [`JitContext::stop`] when it is lower.
    pub stop_src: *const u64,
    /// The next pc after [`STATUS_NEXT`] or [`STATUS_SIDE`].
    pub next_pc: u64,
    /// The chain slot of a [`STATUS_NEXT`] exit, or [`NO_SLOT`].
    pub exit_slot: u64,
    /// Start pc of the block that ended in a terminator.
    pub exit_block: u64,
    /// The value of the last successful load helper.
    pub value: u64,
    /// The fault site (an id in the JIT's table of them: block start pc and op index) of the
    /// op that may fault next, stored before a helper call or a fault exit: the one that did
    /// after [`STATUS_FAULT`] or [`STATUS_FAULT_FUEL`].
    pub fault_site: u64,
    /// The exception cause after [`STATUS_FAULT`].
    pub exc_cause: u64,
    /// The exception trap value after [`STATUS_FAULT`].
    pub exc_tval: u64,
    /// Exits that went straight to another translation through a linked chain slot.
    pub chained: u64,
    /// Indirect jumps whose target was found in the lookup table.
    pub lookup_hits: u64,
    /// Indirect jumps that missed the lookup table (and returned to the runtime).
    pub lookup_misses: u64,
    /// Bounds masks of the fast memory path for 1-, 2-, 4- and 8-byte accesses: an access at
    /// offset `o` stays in one page of the fast region if `o & mask == 0` (see
    /// [`mem_masks`]). Probe-less loads read them from here rather than as constants, so the
    /// optimizer cannot fold a constant address's test and delete the slow path that the
    /// load's host fault resumes at.
    pub mem_masks: [u64; 4],
    /// MXCSR slots of the flags stubs: [`READ_FP_FLAGS`] stores MXCSR into `[0]`,
    /// [`CLEAR_FP_FLAGS`] loads `[1]`, the guest's control word with no flags
    /// (`vm_fpu::env::GUEST_MXCSR`).
    pub mxcsr: [u32; 2],
}

/// Index in [`JitContext::helpers`] (after the [`RuntimeTable`] wrappers) of a stub that
/// stores MXCSR into [`JitContext::mxcsr`]`[0]`: a `preserve_all (ctx)` function of two
/// instructions. The guest's `fflags` is `cpu.fflags` plus the exception flags accrued in
/// MXCSR since the last clear, which is how compiled code reads it.
pub const READ_FP_FLAGS: usize = RUNTIME_ENTRIES;
/// Index in [`JitContext::helpers`] of a stub that clears MXCSR's accrued flags (loads
/// [`JitContext::mxcsr`]`[1]`), for a write to `fflags` that drops some of them.
pub const CLEAR_FP_FLAGS: usize = RUNTIME_ENTRIES + 1;

/// [`JitContext::mem_masks`] for a fast region of `pages` pages (all ones, so that every
/// access takes the slow path, unless the span is a power of two).
pub fn mem_masks(pages: u64) -> [u64; 4] {
    let span = pages << 12;
    if !span.is_power_of_two() {
        return [u64::MAX; 4];
    }
    [1u64, 2, 4, 8].map(|width| (width - 1) | !(span - 1))
}

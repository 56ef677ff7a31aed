//! Guest loads without a permission probe: the host fault sends them to their slow path.
//!
//! On a guarded memory ([`vm_core::FastMem::guarded`]) every host-readable byte of guest
//! memory is guest-loadable, so an optimized translation checks only that a load is aligned
//! (or, kept in place, within one page) and inside guest memory, then loads. Such a load is
//! the first instruction of the block the bounds test branches to; the test's other edge goes
//! to the load's slow path (the runtime's load helper, which faults the guest or loads). The
//! load and a never-faulting marker load at the start of its slow path carry a pair of trap
//! codes ([`load_codes`]), so [`redirects`] finds both in the compiled code, and names the
//! loads not laid out that way (the caller compiles those again with their probe). The
//! guest-memory base is in the pinned register (the trampoline sets it), read before the
//! branch, so it is never reloaded in front of the load; what still can be is a guest address
//! the register allocator had spilled. (Stores could work the same way, since guarded memory
//! mirrors store permission too, but keep their probe: see `codegen::ops`.)
//!
//! When one of these loads faults on the host (SIGSEGV: the page is unmapped or the guest may
//! not load from it), the process's handler ([`available`] installs it) looks the faulting
//! host pc up in the sites of the thread's running [`Jit`](crate::Jit) ([`Entered`]) and
//! resumes at the slow-path target: the branch's other edge, with every register exactly as the
//! bounds test left it, since the load changed nothing. Any other SIGSEGV — not on this
//! thread's compiled code, or not at a guest address — goes to the handler that was installed
//! before (Rust's stack-overflow report, or the default action).
//!
//! Only x86-64 Linux hosts have the handler; elsewhere [`available`] is false and every
//! translation keeps its probes.

use std::cell::Cell;
use std::collections::BTreeMap;

use cranelift_codegen::ir::TrapCode;
use cranelift_codegen::CompiledCode;

/// Probe-less loads one translation may have; later ones keep their probe.
pub(crate) const MAX_LOADS: u8 = 125;

/// The trap codes of the `i`-th probe-less load of a translation and of the marker load that
/// starts its slow path (`None` past [`MAX_LOADS`]): user codes `1 + i` and `1 + MAX_LOADS + i`.
pub(crate) fn load_codes(i: u8) -> Option<(TrapCode, TrapCode)> {
    if i >= MAX_LOADS {
        return None;
    }
    Some((TrapCode::user(1 + i)?, TrapCode::user(1 + MAX_LOADS + i)?))
}

/// Where host faults of the thread's running translations go.
pub(crate) struct Scope {
    /// Host pc of each probe-less load → host pc of its slow path.
    pub sites: *const BTreeMap<usize, usize>,
    /// Host addresses of guest memory: `[lo, hi)`; faults elsewhere are not the guest's.
    pub lo: usize,
    pub hi: usize,
    /// Faults redirected so far.
    pub faults: *const Cell<u64>,
}

thread_local! {
    /// The scope of the translations running on this thread, or null.
    static SCOPE: Cell<*const Scope> = const { Cell::new(std::ptr::null()) };
}

/// While this lives, host faults of probe-less loads on this thread are redirected through
/// its scope (which it borrows, so the scope outlives it).
pub(crate) struct Entered<'a> {
    prev: *const Scope,
    _scope: std::marker::PhantomData<&'a Scope>,
}

impl<'a> Entered<'a> {
    /// Redirect through `scope` until the guard drops; what its pointers point at must not
    /// change while the guard lives.
    pub(crate) fn new(scope: &'a Scope) -> Entered<'a> {
        Entered { prev: SCOPE.with(|s| s.replace(scope)), _scope: std::marker::PhantomData }
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        SCOPE.with(|s| s.set(self.prev));
    }
}

/// For each probe-less load in `code`: its offset and the offset of its slow path (the start
/// of the block holding its marker, see [`load_codes`]). Loads that cannot be redirected
/// exactly are the error, as a mask of their numbers (bit `i`: the `i`-th load). Needs code
/// compiled with the `machine_code_cfg_info` setting (for the block starts).
///
/// By construction (`codegen`'s `fast_addr`) the load's block has one predecessor, the bounds
/// test, which branches to it or to the slow path, and nothing else reaches the slow path; so
/// no edge moves sit between the branch and the slow path's first instruction. This checks
/// that the load is the first instruction of its block. Then every register and stack slot is
/// as the branch left it when the load faults (the faulting load writes nothing), which is
/// what the slow path expects. Anything before the load — a reload of a spilled address, an
/// edge move — may have overwritten a register that only the slow path still needs (the
/// status value of its fault exit, say), so such a load is not redirectable.
///
/// (Cranelift's `bb_edges` are not used: in 0.135 they pair successor lists with the wrong
/// block starts when a function has cold blocks. The set of block starts is right.)
pub(crate) fn redirects(code: &CompiledCode) -> Result<Vec<(u32, u32)>, u128> {
    let n = usize::from(MAX_LOADS);
    let (mut loads, mut markers) = (vec![None; n], vec![None; n]);
    let mut bad = 0u128;
    for t in code.buffer.traps() {
        // User code `1 + i` (loads) or `1 + MAX_LOADS + i` (markers); anything else is not ours.
        let i = usize::from(t.code.as_raw().get());
        if !(1..=2 * n).contains(&i) {
            continue;
        }
        let (list, at) = if i <= n { (&mut loads, i - 1) } else { (&mut markers, i - 1 - n) };
        if list[at].replace(t.offset).is_some() {
            bad |= 1 << at;
        }
    }
    let mut starts = code.bb_starts.clone();
    starts.sort_unstable();
    let block_of = |at: u32| starts.partition_point(|&b| b <= at).checked_sub(1).map(|i| starts[i]);
    let mut out = Vec::new();
    for (i, (load, marker)) in loads.into_iter().zip(markers).enumerate() {
        let (load, marker) = match (load, marker) {
            (Some(l), Some(m)) => (l, m),
            (None, None) => continue,
            _ => {
                bad |= 1 << i;
                continue;
            }
        };
        match (block_of(load), block_of(marker)) {
            (Some(block), Some(slow)) if block == load => out.push((load, slow)),
            _ => bad |= 1 << i,
        }
    }
    if bad == 0 {
        Ok(out)
    } else {
        Err(bad)
    }
}

/// Whether probe-less loads can be used: the SIGSEGV handler is installed (once per process,
/// at the first call) on a host that has it.
pub(crate) fn available() -> bool {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INSTALLED.get_or_init(install)
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod handler {
    use std::sync::OnceLock;

    /// The SIGSEGV action that was installed before ours.
    pub(super) static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

    /// Install the handler, keeping the previous action to chain to. Whether it worked.
    pub(super) fn install() -> bool {
        // SAFETY: plain sigaction(2) calls with valid, zero-initialised structs; `on_segv` has
        // the SA_SIGINFO signature.
        unsafe {
            let mut prev: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGSEGV, std::ptr::null(), &mut prev) != 0 || PREVIOUS.set(prev).is_err()
            {
                return false;
            }
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_segv as *const () as usize;
            // On the alternate stack if the thread has one, so a host stack overflow still
            // reaches Rust's report through the chain.
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut()) == 0
        }
    }

    /// The SIGSEGV handler: redirect a probe-less guest load, else chain.
    extern "C" fn on_segv(sig: libc::c_int, info: *mut libc::siginfo_t, uctx: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo and ucontext for an SA_SIGINFO handler.
        if unsafe { redirect(info, uctx.cast()) } {
            return;
        }
        // SAFETY: as above; the previous action is called as the kernel would have.
        unsafe { chain(sig, info, uctx) }
    }

    /// If the fault is a probe-less load of this thread's running translations at a guest
    /// address, point the interrupted pc at its slow path. Async-signal-safe: it reads a
    /// thread-local and a map nobody changes while translations run.
    ///
    /// # Safety
    /// `info` and `uc` must be the handler's arguments.
    unsafe fn redirect(info: *mut libc::siginfo_t, uc: *mut libc::ucontext_t) -> bool {
        let Ok(scope) = super::SCOPE.try_with(|s| s.get()) else { return false };
        if scope.is_null() {
            return false;
        }
        // SAFETY: a non-null scope is alive and unchanged while its `Entered` guard lives,
        // which covers all the time translations run on this thread.
        let scope = unsafe { &*scope };
        // Only a fault the kernel raised (si_code > 0: SEGV_MAPERR, SEGV_ACCERR, ...) carries
        // a fault address; a SIGSEGV sent by kill(2) or sigqueue(3) does not, and is not ours.
        // SAFETY: the kernel filled `info` for this signal.
        if unsafe { (*info).si_code } <= 0 {
            return false;
        }
        // SAFETY: SIGSEGV's siginfo carries the fault address.
        let addr = unsafe { (*info).si_addr() } as usize;
        if addr < scope.lo || addr >= scope.hi {
            return false;
        }
        // SAFETY: `uc` is the interrupted context; REG_RIP indexes its register array.
        let rip = unsafe { &mut (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] };
        // SAFETY: the sites map lives as long as the scope (owned by the running Jit).
        match unsafe { &*scope.sites }.get(&(*rip as usize)) {
            Some(&slow) => {
                *rip = slow as i64;
                // SAFETY: the counter lives as long as the scope; only this thread touches it,
                // and the code it interrupted (compiled code) does not.
                let faults = unsafe { &*scope.faults };
                faults.set(faults.get() + 1);
                true
            }
            None => false,
        }
    }

    /// Hand the signal to the previous action: its handler, or (default or ignore) the default
    /// action, restored so that returning re-runs the faulting instruction and the process
    /// dies of SIGSEGV as it would have without us.
    ///
    /// # Safety
    /// The arguments must be the handler's.
    unsafe fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, uctx: *mut libc::c_void) {
        let prev = PREVIOUS.get();
        match prev {
            Some(p) if p.sa_sigaction != libc::SIG_DFL && p.sa_sigaction != libc::SIG_IGN => {
                if p.sa_flags & libc::SA_SIGINFO != 0 {
                    // SAFETY: an SA_SIGINFO action's handler has this signature.
                    let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                        unsafe { std::mem::transmute(p.sa_sigaction) };
                    f(sig, info, uctx);
                } else {
                    // SAFETY: a plain action's handler takes the signal number only.
                    let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(p.sa_sigaction) };
                    f(sig);
                }
            }
            _ => {
                // SAFETY: sigaction(2) is async-signal-safe; a zeroed action is SIG_DFL.
                unsafe {
                    let mut dfl: libc::sigaction = std::mem::zeroed();
                    dfl.sa_sigaction = libc::SIG_DFL;
                    libc::sigaction(sig, &dfl, std::ptr::null_mut());
                }
            }
        }
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn install() -> bool {
    let ok = handler::install();
    tracing::debug!(ok, "SIGSEGV handler for probe-less guest loads");
    ok
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
fn install() -> bool {
    false
}

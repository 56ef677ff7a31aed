//! Running a machine under a debugger: single steps, breakpoints, watchpoints and time slices,
//! on every engine. The GDB stub ([`crate::gdb`]) drives this; it knows nothing of the
//! protocol.
//!
//! - A **step** runs one instruction as an uncached one-instruction block on the interpreter,
//!   whatever the engine: the state afterwards is the interpreter's by construction.
//! - **Breakpoints** live in the block cache: blocks end in front of them, the run loop stops
//!   before dispatching a block that starts at one, and the JIT leaves such blocks out of its
//!   translations (setting one invalidates the translations that cover its address), so
//!   compiled code stops exactly where the interpreter does.
//! - **Watchpoints** run the guest on the interpreter (cached blocks, no compiled code) through
//!   [`Watched`], a memory wrapper that turns the first access to a watched range into a fault
//!   before it happens. The block stops precisely at that instruction; it is then run for real
//!   as a single step and the stop reported after it, as hardware watchpoints do. While no
//!   watchpoint is set, compiled code runs as usual.
//! - **Slices**: a continue runs at most `slice` instructions before returning
//!   [`Stop::Paused`], so the caller can look for a Ctrl-C from the debugger.

use vm_core::{AccessKind, MemFault, MemFaultKind, Mmu, VmError};
use vm_interp::{run_block, Exit};

use crate::cache::MAX_BLOCK_INSNS;
use crate::engine::{self, insn_of_op, run_hot, run_short, Ctx, Machine, Parts, Pending};

/// What accesses a watchpoint stops on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchKind {
    /// Stores (`watch`).
    Write,
    /// Loads (`rwatch`).
    Read,
    /// Both (`awatch`).
    Access,
}

/// A watched guest address range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watch {
    /// First byte.
    pub addr: u64,
    /// Bytes watched.
    pub len: u64,
    /// What stops.
    pub kind: WatchKind,
}

/// Why a resumed guest stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop<O> {
    /// The machine finished (the guest exited or was killed).
    Finished(O),
    /// A single step completed.
    Stepped,
    /// The pc reached a breakpoint (its instruction has not run).
    Breakpoint,
    /// An instruction accessed a watched range; it has run.
    Watch {
        /// The access.
        kind: WatchKind,
        /// The first watched byte it touched.
        addr: u64,
    },
    /// The guest faulted (its instruction did not complete); the signal waits for the
    /// debugger to deliver or drop it.
    Signal(u8),
    /// The slice ran out; nothing to report.
    Paused,
}

/// Guest memory as the interpreter sees it while watchpoints are set: the first load or store
/// that touches a watched range fails (nothing is written) and is recorded in `hit`.
pub struct Watched<'a, M: ?Sized> {
    inner: &'a mut M,
    watches: &'a [Watch],
    /// The access that was stopped, if any.
    pub hit: Option<(WatchKind, u64)>,
}

impl<'a, M: Mmu + ?Sized> Watched<'a, M> {
    /// Watch `watches` on `inner`.
    pub fn new(inner: &'a mut M, watches: &'a [Watch]) -> Self {
        Watched { inner, watches, hit: None }
    }

    /// `Err` (and `hit` set) if `[addr, addr + size)` touches a watch that stops `access`.
    fn check(&mut self, addr: u64, size: u64, access: AccessKind) -> Result<(), MemFault> {
        let end = addr.saturating_add(size);
        for w in self.watches {
            let stops = match w.kind {
                WatchKind::Write => access == AccessKind::Store,
                WatchKind::Read => access == AccessKind::Load,
                WatchKind::Access => true,
            };
            if stops && addr < w.addr.saturating_add(w.len) && w.addr < end {
                let kind = if access == AccessKind::Store { WatchKind::Write } else { WatchKind::Read };
                self.hit = Some((
                    if w.kind == WatchKind::Access { WatchKind::Access } else { kind },
                    addr.max(w.addr),
                ));
                return Err(MemFault { addr, access, kind: MemFaultKind::Unmapped });
            }
        }
        Ok(())
    }
}

macro_rules! watched_load {
    ($name:ident, $size:expr) => {
        fn $name(&mut self, addr: u64) -> Result<u64, MemFault> {
            self.check(addr, $size, AccessKind::Load)?;
            self.inner.$name(addr)
        }
    };
}

macro_rules! watched_store {
    ($name:ident, $size:expr) => {
        fn $name(&mut self, addr: u64, val: u64) -> Result<(), MemFault> {
            self.check(addr, $size, AccessKind::Store)?;
            self.inner.$name(addr, val)
        }
    };
}

impl<M: Mmu + ?Sized> Mmu for Watched<'_, M> {
    watched_load!(load8, 1);
    watched_load!(load16, 2);
    watched_load!(load32, 4);
    watched_load!(load64, 8);
    watched_store!(store8, 1);
    watched_store!(store16, 2);
    watched_store!(store32, 4);
    watched_store!(store64, 8);

    fn fetch16(&mut self, addr: u64) -> Result<u16, MemFault> {
        self.inner.fetch16(addr)
    }

    fn note_code(&mut self, addr: u64, len: u64) {
        self.inner.note_code(addr, len)
    }

    fn take_code_writes(&mut self) -> Option<Vec<u64>> {
        self.inner.take_code_writes()
    }
}

/// Hand a block's exit to the machine and serve what needs attention; `Some` if the machine
/// finished or holds a fault for the debugger.
fn settle<M: Machine>(m: &mut M, pending: Pending) -> Result<Option<Stop<M::Outcome>>, VmError> {
    if let Some((exit, start, marks)) = pending {
        if let Some(o) = m.finish(exit, start, &marks)? {
            return Ok(Some(Stop::Finished(o)));
        }
        if let Some(sig) = m.held_signal() {
            return Ok(Some(Stop::Signal(sig)));
        }
    }
    Ok(m.attend()?.map(Stop::Finished))
}

/// Run one instruction, stopping on a watched access (which then runs unwatched).
fn step_one<M: Machine>(m: &mut M, watches: &[Watch]) -> Result<Stop<M::Outcome>, VmError> {
    let Parts { cpu, mem, csrs, stats, .. } = m.parts();
    let mut w = Watched::new(&mut *mem, watches);
    let pending = run_short(cpu, &mut w, csrs, stats, None, 1);
    let hit = w.hit;
    let pending = match hit {
        // The access was refused before it happened: run the instruction for real.
        Some(_) => run_short(cpu, mem, csrs, stats, None, 1),
        None => pending,
    };
    if let Some(stop) = settle(m, pending)? {
        return Ok(stop);
    }
    Ok(match hit {
        Some((kind, addr)) => Stop::Watch { kind, addr },
        None => Stop::Stepped,
    })
}

/// Run one cached block on the interpreter with `watches` armed. A watched access stops the
/// block at its instruction, which then runs on its own.
fn watched_block<M: Machine>(m: &mut M, watches: &[Watch]) -> Result<Stop<M::Outcome>, VmError> {
    let Parts { cpu, mem, csrs, cache, stats, .. } = m.parts();
    let idx = cache.lookup(cpu.pc, &mut *mem);
    let b = cache.get(idx);
    stats.blocks_executed += 1;
    let mut w = Watched::new(&mut *mem, watches);
    let mut ctx = Ctx { csrs: &mut *csrs, marks: &b.lifted.insns, instret: cpu.instret };
    let exit = run_block(cpu, &mut w, &mut ctx, &b.lifted.block);
    let pending = match (exit, w.hit) {
        (Exit::Next(next), _) => {
            cpu.pc = next;
            cpu.instret += b.n_insns;
            None
        }
        (Exit::Fault { op_index, .. }, Some(_)) => {
            // Everything before the watched instruction ran: account for it, then run it.
            let k = insn_of_op(&b.lifted.insns, op_index);
            cpu.pc = b.lifted.insns[k].pc;
            cpu.instret += k as u64;
            return step_one(m, watches);
        }
        (other, _) => Some((other, b.lifted.block.start_pc, b.lifted.insns.clone())),
    };
    Ok(settle(m, pending)?.unwrap_or(Stop::Paused))
}

/// Resume `m` under a debugger.
///
/// `step`: run one instruction and stop. Otherwise run until a breakpoint, a watched access,
/// the end of the machine, or `slice` instructions. `first_unchecked`: the first instruction
/// runs even if the pc is a breakpoint (a continue from where the guest stopped); a resumed
/// slice passes `false` so a breakpoint at the pc still stops it. `max_insns` is the VM's
/// instruction limit, as in an undebugged run.
pub fn resume<M: Machine>(
    m: &mut M,
    watches: &[Watch],
    step: bool,
    first_unchecked: bool,
    slice: u64,
    max_insns: Option<u64>,
) -> Result<Stop<M::Outcome>, VmError> {
    let limit_check = |m: &mut M| -> Result<u64, VmError> {
        let p = m.parts();
        match max_insns {
            Some(limit) if p.cpu.instret >= limit => Err(VmError::InsnLimit { limit, pc: p.cpu.pc }),
            Some(limit) => Ok(limit - p.cpu.instret),
            None => Ok(u64::MAX),
        }
    };
    if step || first_unchecked {
        limit_check(m)?;
        let stop = step_one(m, watches)?;
        if step || !matches!(stop, Stop::Stepped) {
            return Ok(stop);
        }
    }
    let stop_at = m.parts().cpu.instret.saturating_add(slice);
    loop {
        let budget = limit_check(m)?;
        let p = m.parts();
        if p.cache.is_break(p.cpu.pc) {
            return Ok(Stop::Breakpoint);
        }
        if p.cpu.instret >= stop_at {
            return Ok(Stop::Paused);
        }
        if !watches.is_empty() {
            // Near the instruction limit, one instruction at a time so the limit is exact.
            let stop = if budget < MAX_BLOCK_INSNS as u64 {
                step_one(m, watches)?
            } else {
                watched_block(m, watches)?
            };
            match stop {
                Stop::Stepped | Stop::Paused => continue,
                stop => return Ok(stop),
            }
        }
        let pending = if budget < MAX_BLOCK_INSNS as u64 {
            let Parts { cpu, mem, csrs, stats, .. } = p;
            run_short(cpu, mem, csrs, stats, None, budget as usize)
        } else {
            let end = stop_at.min(p.cpu.instret.saturating_add(budget - MAX_BLOCK_INSNS as u64));
            if p.cache.dumps_exec() {
                run_hot::<M, true>(p, end)
            } else {
                run_hot::<M, false>(p, end)
            }
        };
        if let Some(stop) = settle(m, pending)? {
            return Ok(stop);
        }
    }
}

/// Make `pc` a breakpoint (`on`) or not: the blocks and translations around it are dropped,
/// so they are translated again with a block boundary there (or without one).
pub fn set_breakpoint<M: Machine>(m: &mut M, pc: u64, on: bool) -> bool {
    let p = m.parts();
    let changed = if on { p.cache.breaks_mut().insert(pc) } else { p.cache.breaks_mut().remove(&pc) };
    if changed {
        engine::invalidate(p.cache, p.tier, pc, pc.saturating_add(1));
    }
    changed
}

/// Remove every breakpoint.
pub fn clear_breakpoints<M: Machine>(m: &mut M) {
    let all: Vec<u64> = m.parts().cache.breaks_mut().drain().collect();
    let mut p = m.parts();
    for pc in all {
        engine::invalidate(p.cache, p.tier.as_deref_mut(), pc, pc.saturating_add(1));
    }
}

/// A debugger wrote guest memory in `[lo, hi)`: drop the translations of any code there.
pub fn memory_written<M: Machine>(m: &mut M, lo: u64, hi: u64) {
    let p = m.parts();
    engine::invalidate(p.cache, p.tier, lo, hi);
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_mem::{AddressSpace, Prot};

    fn memory() -> AddressSpace {
        let mut mem = AddressSpace::new().unwrap();
        mem.map_fixed(0x10000, 0x1000, Prot::RWX).unwrap();
        mem
    }

    #[test]
    fn a_write_watch_stops_stores_that_touch_it_and_nothing_else() {
        let mut mem = memory();
        let watches = [Watch { addr: 0x10010, len: 4, kind: WatchKind::Write }];
        let mut w = Watched::new(&mut mem, &watches);
        assert!(w.load32(0x10010).is_ok(), "loads pass a write watch");
        assert!(w.store32(0x10014, 1).is_ok(), "a store next to the range passes");
        assert!(w.hit.is_none());
        // An 8-byte store that overlaps the range's last bytes is stopped before it happens.
        assert!(w.store64(0x1000c, 0x1122_3344_5566_7788).is_err());
        assert_eq!(w.hit, Some((WatchKind::Write, 0x10010)));
        let mut b = [0u8; 8];
        mem.read(0x1000c, &mut b).unwrap();
        assert_eq!(b, [0; 8], "nothing was written");
    }

    #[test]
    fn read_and_access_watches_stop_loads() {
        let mut mem = memory();
        let read = [Watch { addr: 0x10100, len: 8, kind: WatchKind::Read }];
        let mut w = Watched::new(&mut mem, &read);
        assert!(w.store8(0x10100, 1).is_ok(), "stores pass a read watch");
        assert!(w.load8(0x10107).is_err());
        assert_eq!(w.hit, Some((WatchKind::Read, 0x10107)));
        let access = [Watch { addr: 0x10100, len: 8, kind: WatchKind::Access }];
        let mut w = Watched::new(&mut mem, &access);
        assert!(w.store16(0x100ff, 1).is_err());
        assert_eq!(w.hit, Some((WatchKind::Access, 0x10100)));
        assert!(w.fetch16(0x10100).is_ok(), "instruction fetches are never watched");
    }
}

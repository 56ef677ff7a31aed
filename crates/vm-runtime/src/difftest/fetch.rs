//! Which cases the ISA leaves open: RISC-V does not say whether an instruction fetch sees a
//! store to the same bytes unless a `fence.i` came between them (unprivileged spec, Zifencei).
//! Engines differ exactly there: the interpreter decodes a block when it first runs it, the
//! JIT decodes a whole region (several blocks ahead) when it compiles it, and both keep that
//! decode until the next `fence.i`. A random sequence that jumps into the middle of an
//! instruction or computes a pointer into its own code can store over code it is about to run
//! without a `fence.i`; its outcome then depends on when each engine decoded, and comparing
//! engines on it tests nothing.
//!
//! [`fetches_unsynchronized_code`] finds such runs: it steps the interpreter one instruction
//! at a time (each one freshly fetched) and, before each, compares the instruction's bytes
//! with RAM as it was at the last `fence.i` (or at the start).

use vm_core::{ExecMode, GetStats, VmError};
use vm_frontend::riscv64::{decode, Op};

use super::{Case, MAX_INSNS};
use crate::baremetal::BareMetal;

/// Whether running `case` executes an instruction whose bytes changed since the last
/// `fence.i` (so engines may legitimately disagree on it).
pub(super) fn fetches_unsynchronized_code(case: &Case) -> bool {
    let Ok(mut m) = case.machine(ExecMode::Interpreter, 1) else {
        return false;
    };
    let base = m.mem.base();
    let Some(ram) = m.mem.slice(base, m.mem.size()) else {
        return false;
    };
    // RAM as the engines' decoders may have seen it: every decode is newer than the last
    // `fence.i`, which drops them all on a bare-metal machine.
    let mut synced = ram.to_vec();
    while m.cpu.instret < MAX_INSNS {
        let pc = m.cpu.pc;
        if changed_since(&m, &synced, base, pc) {
            return true;
        }
        let raw = m.mem.slice(pc, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let traps = m.get_stats().traps;
        // One instruction (plus, if it traps, the handler's first): the run loop's budget
        // path fetches it afresh.
        m.set_max_insns(Some(m.cpu.instret + 1));
        let result = m.run();
        let trapped = m.get_stats().traps > traps;
        if trapped && changed_since(&m, &synced, base, m.csrs.mtvec & !3) {
            return true;
        }
        if !trapped && raw.is_some_and(|w| decode(w).op == Op::FenceI) {
            if let Some(ram) = m.mem.slice(base, m.mem.size()) {
                synced.copy_from_slice(ram);
            }
        }
        if !matches!(result, Err(VmError::InsnLimit { .. })) {
            return false;
        }
    }
    false
}

/// Whether the instruction at `pc` (as it is now, or as it was in `synced`) has bytes that
/// differ from `synced`, RAM at the last `fence.i`.
fn changed_since(m: &BareMetal, synced: &[u8], base: u64, pc: u64) -> bool {
    let Some(off) = pc.checked_sub(base).map(|o| o as usize).filter(|&o| o < synced.len()) else {
        return false;
    };
    let end = (off + 4).min(synced.len());
    let (Some(now), old) = (m.mem.slice(pc, end - off), &synced[off..end]) else {
        return false;
    };
    let len = |bytes: &[u8]| if bytes[0] & 3 == 3 { 4 } else { 2 };
    let n = len(now).max(len(old)).min(end - off);
    now[..n] != old[..n]
}

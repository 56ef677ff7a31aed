//! Control flow out of a block: edges within the region (with the budget check on backward
//! ones and the held-register moves), dispatch tables for indirect jumps with known targets,
//! chained and indirect exits, fault exits and the shared exit block.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, InstBuilder, JumpTableData, MemFlagsData, TrapCode, Value};
use vm_core::CpuState;
use vm_ir::{Cond, Terminator};

use super::{vm_flags, Counter, Gen, EXIT_FAULT, EXIT_FAULT_FUEL, EXIT_NEXT, EXIT_SIDE, EXIT_TERM};
use crate::context::{JitContext, LookupEntry, LOOKUP_ENTRIES, NO_SLOT};

/// A cold path that leaves the region before op `pc` runs, for the runtime to run it: the slow
/// path of a guest-memory access in user mode, where it means a fault (or a misaligned access,
/// or a store to a page holding translated code: rare), so compiled code need not call a
/// helper and join back.
pub(super) struct SideExit {
    /// Its block (a branch target of the access's fast-path test).
    pub block: Block,
    /// The trap code of a probe-less load's slow-path marker (the `fault` module).
    pub marker: Option<TrapCode>,
    /// Guest pc of the access.
    pub pc: u64,
    /// Instructions of the block before it.
    pub before: u32,
}

impl Gen<'_, '_> {
    /// Whether op `index` of the current block can leave through a side exit when its memory
    /// access misses the fast path: user-mode guest memory (guarded), fuel counting, the op
    /// the first of its instruction (nothing of the instruction has run before it), and the
    /// runtime has not asked for the slow path in place at its pc.
    pub(super) fn side_exit_at(&self, index: usize) -> Option<(u64, u32)> {
        let guarded = self.opts.fast_mem.is_some_and(|f| f.guarded);
        let first =
            index == 0 || self.cur_ops.get(index - 1).map(|o| o.1) != self.cur_ops.get(index).map(|o| o.1);
        match (guarded, self.counter, first) {
            (true, Counter::Fuel(_), true) => {
                self.cur_ops.get(index).copied().filter(|&(pc, _)| self.alloc.side_exit_ok(pc))
            }
            _ => None,
        }
    }

    /// Fill the current block's side exits: each (after a probe-less load's marker) stores the
    /// registers the block holds and wrote, then jumps to the shared tail with its pc.
    pub(super) fn emit_side_exits(&mut self) {
        for exit in std::mem::take(&mut self.side_exits) {
            self.b.switch_to_block(exit.block);
            self.b.set_cold_block(exit.block);
            if let Some(code) = exit.marker {
                // Never faults (the context is valid); only its trap record matters.
                self.b.ins().uload8(I32, MemFlagsData::new().with_trap_code(Some(code)), self.ctx, 0);
            }
            self.store_slots(self.cur_held & self.held_dirty);
            let tail = self.side_tail();
            let pc = self.b.ins().iconst(I64, exit.pc as i64);
            let before = self.b.ins().iconst(I64, i64::from(exit.before));
            self.b.ins().jump(tail, &[pc.into(), before.into()]);
        }
    }

    /// The shared tail of side exits, made at the first use: `instret` is the fuel's count
    /// plus the instructions before the exit in its block; return `STATUS_SIDE` at its pc.
    fn side_tail(&mut self) -> Block {
        match self.side_tail {
            Some(blk) => blk,
            None => {
                let blk = self.tail_block();
                *self.side_tail.insert(blk)
            }
        }
    }

    /// A new block for a shared tail: two `i64` parameters, filled by [`Gen::emit_exit`].
    fn tail_block(&mut self) -> Block {
        let blk = self.b.create_block();
        self.b.append_block_param(blk, I64);
        self.b.append_block_param(blk, I64);
        blk
    }

    /// Jump to the region's shared exit block with exit `code` (an `EXIT_*`); the exit's other
    /// details are already in the context.
    pub(super) fn goto_exit(&mut self, code: u64) {
        let c = self.b.ins().iconst(I64, code as i64);
        self.b.ins().jump(self.exit, &[c.into()]);
    }

    /// Record that op `op_index` of the current block faulted (the helper or the code before
    /// stored the exception) and leave through the exit block.
    pub(super) fn fault_exit(&mut self, op_index: usize) {
        self.sync_out();
        self.record_site(op_index);
        self.goto_exit(EXIT_FAULT);
    }

    /// Before a helper call for op `op_index` of the current block: record the op as the
    /// fault site, and leave what makes `instret` exact there: with fuel, the fuel (which a
    /// helper that lowers the stop word empties, see [`Gen::check`]); a counted `instret`, itself.
    pub(super) fn before_helper(&mut self, op_index: usize) {
        self.record_site(op_index);
        match self.counter {
            Counter::Fuel(var) => {
                let fuel = self.b.use_var(var);
                self.store_ctx(offset_of!(JitContext, fuel_left), fuel);
            }
            Counter::Instret(_) => {
                self.sync_instret();
            }
            Counter::Memory => {}
        }
    }

    /// Store the id of fault site `op_index` of the current block in the context.
    fn record_site(&mut self, op_index: usize) {
        let site = self.alloc.site(self.cur_pc, op_index);
        self.store_ctx_imm(offset_of!(JitContext, fault_site), site);
    }

    /// After a helper ([`Gen::before_helper`]): leave if `status` says it faulted, else go on
    /// to `then` (with its arguments), or to a new block if `None` — the block the builder is
    /// in afterwards. A fault goes straight to the region's fault exit, as the site is recorded
    /// and the registers are in memory, unless the block holds some it wrote (they are stored
    /// first, on a cold path). With `stops` (the helper may lower the stop word) the fuel is
    /// loaded back first: the helper emptied it if so, and the next budget test leaves.
    pub(super) fn check(&mut self, status: Value, stops: bool, then: Option<(Block, &[Value])>) {
        if let (true, Counter::Fuel(var)) = (stops, self.counter) {
            let fuel = self.load_ctx(offset_of!(JitContext, fuel_left));
            self.b.def_var(var, fuel);
        }
        let dirty = self.cur_held & self.held_dirty;
        let fault = if dirty == 0 { self.site_fault_exit() } else { self.new_block() };
        let (cont, args) = match then {
            Some((blk, args)) => (blk, args.iter().map(|&v| v.into()).collect::<Vec<_>>()),
            None => (self.new_block(), Vec::new()),
        };
        self.b.ins().brif(status, fault, &[], cont, &args);
        if dirty != 0 {
            self.b.set_cold_block(fault);
            self.b.switch_to_block(fault);
            self.store_slots(dirty);
            self.goto_exit(self.site_fault_code());
        }
        if then.is_none() {
            self.b.switch_to_block(cont);
        }
    }

    /// The exit code of a fault whose site and count [`Gen::before_helper`] recorded: with
    /// fuel, the runtime derives `instret` from the fuel left.
    fn site_fault_code(&self) -> u64 {
        match self.counter {
            Counter::Fuel(_) => EXIT_FAULT_FUEL,
            _ => EXIT_FAULT,
        }
    }

    /// The region's block that leaves with a fault whose site and count are recorded
    /// ([`Gen::before_helper`]): made at the first use, filled by [`Gen::emit_exit`].
    fn site_fault_exit(&mut self) -> Block {
        *self.site_fault.get_or_insert_with(|| self.b.create_block())
    }

    /// Return to the runtime to continue at `pc` (`STATUS_NEXT`).
    pub(super) fn leave(&mut self, pc: Value) {
        self.sync_out();
        self.leave_synced(pc, NO_SLOT);
    }

    /// [`Gen::leave`] once the state is synced, with the chain `slot` the exit went through:
    /// through the region's shared tail that stores both and returns `STATUS_NEXT`.
    pub(super) fn leave_synced(&mut self, pc: Value, slot: u64) {
        let tail = match self.leave_tail {
            Some(blk) => blk,
            None => {
                let blk = self.tail_block();
                *self.leave_tail.insert(blk)
            }
        };
        let slot = self.b.ins().iconst(I64, slot as i64);
        self.b.ins().jump(tail, &[pc.into(), slot.into()]);
    }

    /// If `instret` reached the stop word (budget spent, or the machine wants control), branch to a cold block that
    /// returns to the runtime at `pc`; otherwise continue in a new block.
    pub(super) fn budget_check(&mut self, pc: u64) {
        if !self.opts.count {
            return;
        }
        let out = self.new_block();
        self.b.set_cold_block(out);
        let step = self.unless_over_budget(out);
        let go = self.b.current_block().expect("in a block");
        self.b.switch_to_block(out);
        let pc = self.b.ins().iconst(I64, pc as i64);
        self.leave(pc);
        self.b.switch_to_block(go);
        self.take_step(step);
    }

    /// Whether `instret` reached the stop word (with fuel: whether the fuel ran out).
    pub(super) fn over_budget(&mut self) -> Value {
        let instret = match self.counter {
            Counter::Fuel(var) => {
                // Right after the block's step, `fuel - n <= 0` as `fuel <= n`: the register
                // allocator then keeps one fuel register (`cmp; jle; sub`) instead of making a
                // copy for the test (`lea; test; jle; sub`).
                let (fuel, n) = match self.fuel_step {
                    Some((before, n)) => (before, n as i64),
                    None => (self.b.use_var(var), 0),
                };
                return self.b.ins().icmp_imm_s(IntCC::SignedLessThanOrEqual, fuel, n);
            }
            Counter::Instret(var) => self.b.use_var(var),
            Counter::Memory => {
                self.b.ins().load(I64, vm_flags(), self.cpu, offset_of!(CpuState, instret) as i32)
            }
        };
        let limit = self.load_ctx(offset_of!(JitContext, stop));
        self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, instret, limit)
    }

    /// Control leaves the current block for constant `target`: jump within the region, or
    /// exit (chaining when allowed).
    pub(super) fn edge(&mut self, target: u64) {
        if let Some((blk, check)) = self.self_loop.filter(|_| target == self.cur_pc) {
            // A copy of a counted loop goes round in itself; the unchecked one without a
            // budget test (its entry test saw the fuel last).
            if check {
                self.budget_check(target);
            }
            self.b.ins().jump(blk, &[]);
            return;
        }
        // Without chaining (the single-block API) every exit returns, even to the block itself;
        // so does a baseline's, whose runs the runtime counts.
        let internal =
            if self.opts.chain && !self.opts.baseline { self.blocks.get(&target).copied() } else { None };
        if let Some(blk) = internal {
            if target <= self.cur_pc || self.opts.check_every_block {
                // A backward edge (every loop has one): stop here if the budget is spent.
                self.budget_check(target);
            }
            self.move_held(target);
            self.b.ins().jump(blk, &[]);
            return;
        }
        if self.opts.chain && !self.opts.baseline {
            self.chain_exit(target);
        } else {
            let pc = self.b.ins().iconst(I64, target as i64);
            self.leave(pc);
        }
    }

    /// The shared exit block: return its status to the runtime; and the shared tails of
    /// exits, side exits and faults that were used.
    pub(super) fn emit_exit(&mut self) {
        if let Some(blk) = self.leave_tail {
            self.b.switch_to_block(blk);
            self.b.set_cold_block(blk);
            let (pc, slot) = (self.b.block_params(blk)[0], self.b.block_params(blk)[1]);
            self.store_ctx(offset_of!(JitContext, next_pc), pc);
            self.store_ctx(offset_of!(JitContext, exit_slot), slot);
            self.goto_exit(EXIT_NEXT);
        }
        if let Some(blk) = self.side_tail {
            self.b.switch_to_block(blk);
            self.b.set_cold_block(blk);
            let (pc, before) = (self.b.block_params(blk)[0], self.b.block_params(blk)[1]);
            // Side exits are only made when counting fuel (`Gen::side_exit_at`).
            self.sync_instret_plus(Some(before));
            self.store_ctx(offset_of!(JitContext, next_pc), pc);
            self.goto_exit(EXIT_SIDE);
        }
        if let Some(blk) = self.site_fault {
            self.b.switch_to_block(blk);
            self.b.set_cold_block(blk);
            self.goto_exit(self.site_fault_code());
        }
        let exit = self.exit;
        self.b.switch_to_block(exit);
        self.b.set_cold_block(exit);
        let code = self.b.block_params(exit)[0];
        self.b.ins().return_(&[code]);
    }

    /// When counting, branch to `out` if the budget is spent; continue in a new block.
    ///
    /// With fuel, running out is not yet the budget: a cold block reads the stop word again
    /// and leaves only if `instret` reached it; otherwise it refills the fuel (at most
    /// `FUEL_SLICE`) and goes on, so a long loop stays in its translation.
    ///
    /// Returns the fuel step still to take in the new block ([`Gen::take_step`]), which the
    /// function builder wants done after any other block the caller emits from here.
    #[must_use]
    pub(super) fn unless_over_budget(&mut self, out: Block) -> Option<u64> {
        if !self.opts.count {
            return None;
        }
        let spent = self.over_budget();
        let go = self.new_block();
        let Counter::Fuel(var) = self.counter else {
            self.b.ins().brif(spent, out, &[], go, &[]);
            self.b.switch_to_block(go);
            return None;
        };
        // Right after the block's step, the fuel goes into the test (and to `go`, which the
        // refill joins) as it was *before* the step, which `go` then takes: so the hot path
        // holds one fuel value (`cmp fuel, n; jle; sub fuel, n`), not the values before and
        // after the step at once. The refill counts the step into the base instead.
        let step = self.fuel_step;
        if let Some((before, _)) = step {
            self.b.def_var(var, before);
        }
        let refill = self.new_block();
        let more = self.new_block();
        self.b.set_cold_block(refill);
        self.b.set_cold_block(more);
        self.b.ins().brif(spent, refill, &[], go, &[]);
        self.b.switch_to_block(refill);
        let mut base = self.load_ctx(offset_of!(JitContext, fuel_base));
        if let Some((_, n)) = step {
            base = self.b.ins().iadd_imm_s(base, n as i64);
            self.store_ctx(offset_of!(JitContext, fuel_base), base);
        }
        let fuel = self.b.use_var(var);
        let instret = self.b.ins().isub(base, fuel);
        let stop = self.load_ctx(offset_of!(JitContext, stop));
        let over = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, instret, stop);
        self.b.ins().brif(over, out, &[], more, &[]);
        self.b.switch_to_block(more);
        self.fill_fuel(var, instret, stop);
        if let Some((_, n)) = step {
            // Undone by the step in `go`.
            let v = self.b.use_var(var);
            let v = self.b.ins().iadd_imm_s(v, n as i64);
            self.b.def_var(var, v);
        }
        self.b.ins().jump(go, &[]);
        self.b.switch_to_block(go);
        step.map(|(_, n)| n)
    }

    /// In the block [`Gen::unless_over_budget`] continued in, take the fuel step it left
    /// (`n` instructions). A caller that emits other blocks first must come back to do it.
    pub(super) fn take_step(&mut self, n: Option<u64>) {
        if let (Some(n), Counter::Fuel(var)) = (n, self.counter) {
            let v = self.b.use_var(var);
            let v = self.b.ins().iadd_imm_s(v, (n as i64).wrapping_neg());
            self.b.def_var(var, v);
        }
    }

    /// At an exit, once the state is synced (`instret`: as [`Gen::sync_out`] stored it): when
    /// counting, branch to `out` if `instret` reached the stop word; continue in a new block.
    /// Fuel needs no refill here: the translation the exit goes to fills its own at entry.
    fn leave_if_over_budget(&mut self, instret: Option<Value>, out: Block) {
        if !self.opts.count {
            return;
        }
        let spent = match instret {
            Some(instret) => {
                let stop = self.load_ctx(offset_of!(JitContext, stop));
                self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, instret, stop)
            }
            None => self.over_budget(),
        };
        let go = self.new_block();
        self.b.ins().brif(spent, out, &[], go, &[]);
        self.b.switch_to_block(go);
    }

    /// Leave for constant `target` outside the region through a fresh chain slot: tail-call the
    /// slot's translation if the runtime linked one and the budget allows, else return
    /// `STATUS_NEXT` with the slot so the runtime can link it. Each exit site has its own host
    /// jump, which the branch predictor tells apart.
    pub(super) fn chain_exit(&mut self, target: u64) {
        let instret = self.sync_out();
        let slot = self.alloc.slot(target);
        let out = self.new_block();
        self.b.set_cold_block(out);
        self.leave_if_over_budget(instret, out);
        let chain = self.ctx_const(offset_of!(JitContext, chain));
        let at = self.b.ins().iadd_imm_s(chain, (slot * 8) as i64);
        let code = self.b.ins().load(I64, MemFlagsData::trusted(), at, 0);
        let linked = self.new_block();
        self.b.ins().brif(code, linked, &[], out, &[]);
        self.b.switch_to_block(linked);
        self.bump(offset_of!(JitContext, chained));
        let sig = self.sigs.region;
        self.b.ins().return_call_indirect(sig, code, &[self.ctx]);
        self.b.switch_to_block(out);
        let pc = self.b.ins().iconst(I64, target as i64);
        self.leave_synced(pc, slot);
    }

    /// Leave for computed `pc` (an indirect jump): tail-call the translation the lookup table
    /// has for it if the budget allows, else return `STATUS_NEXT` to the runtime.
    pub(super) fn indirect_exit(&mut self, pc: Value) {
        let instret = self.sync_out();
        let out = self.new_block();
        self.b.set_cold_block(out);
        self.leave_if_over_budget(instret, out);
        let table = self.ctx_const(offset_of!(JitContext, lookup));
        let idx = self.b.ins().ushr_imm_s(pc, 1);
        let idx = self.b.ins().band_imm_s(idx, (LOOKUP_ENTRIES - 1) as i64);
        let off = self.b.ins().imul_imm_s(idx, std::mem::size_of::<LookupEntry>() as i64);
        let entry = self.b.ins().iadd(table, off);
        let tag = self.b.ins().load(I64, MemFlagsData::trusted(), entry, offset_of!(LookupEntry, pc) as i32);
        let hit = self.b.ins().icmp(IntCC::Equal, tag, pc);
        let found = self.new_block();
        let missed = self.new_block();
        self.b.set_cold_block(missed);
        self.b.ins().brif(hit, found, &[], missed, &[]);
        self.b.switch_to_block(found);
        self.bump(offset_of!(JitContext, lookup_hits));
        let code =
            self.b.ins().load(I64, MemFlagsData::trusted(), entry, offset_of!(LookupEntry, code) as i32);
        let sig = self.sigs.region;
        self.b.ins().return_call_indirect(sig, code, &[self.ctx]);
        self.b.switch_to_block(missed);
        self.bump(offset_of!(JitContext, lookup_misses));
        self.b.ins().jump(out, &[]);
        self.b.switch_to_block(out);
        self.leave_synced(pc, NO_SLOT);
    }

    /// An indirect jump to `pc` (`target` with bit 0 cleared) whose known targets include the
    /// region blocks `internal` (sorted; [`super::dispatch_table_fits`]): a host jump table
    /// indexed by `(pc - first) / 2` reaches them, anything else leaves through the lookup
    /// table.
    pub(super) fn dispatch(&mut self, target: Value, pc: Value, internal: &[u64]) {
        let (first, last) = (internal[0], internal[internal.len() - 1]);
        let miss = self.new_block();
        self.b.set_cold_block(miss);
        let entries = (last - first) / 2 + 1;
        let mut table = vec![miss; entries as usize];
        let mut edges = Vec::new();
        for &t in internal {
            let e = self.new_block();
            table[((t - first) / 2) as usize] = e;
            edges.push((t, e));
        }
        // Below `first`, `pc - first` wraps to a huge value: one test covers both ends. The
        // index is taken from the unmasked `target` (`pc` is it with bit 0 clear): the shift
        // drops that bit anyway (`first` is even), and the mask stays off the jump's data path.
        let rel = self.b.ins().iadd_imm_s(target, (first as i64).wrapping_neg());
        let rel = self.b.ins().ushr_imm_s(rel, 1);
        let inside = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, rel, entries as i64);
        let go = self.new_block();
        self.b.ins().brif(inside, go, &[], miss, &[]);
        self.b.switch_to_block(go);
        let index = self.b.ins().ireduce(I32, rel);
        let dfg = &mut self.b.func.dfg;
        let calls: Vec<_> = table.iter().map(|&blk| dfg.block_call(blk, &[])).collect();
        let data = JumpTableData::new(dfg.block_call(miss, &[]), &calls);
        let jt = self.b.create_jump_table(data);
        self.b.ins().br_table(index, jt);
        for (t, e) in edges {
            self.b.switch_to_block(e);
            self.edge(t);
        }
        self.b.switch_to_block(miss);
        self.indirect_exit(pc);
    }

    pub(super) fn term(&mut self, term: &Terminator, n_insns: u64, ind_targets: &[u64]) {
        let advance = |g: &mut Self| g.retire(n_insns);
        match term {
            Terminator::Jump { target } => {
                advance(self);
                self.edge(*target);
            }
            Terminator::Branch { cond, rs1, rs2, taken, next } => {
                let a = self.get(rs1.0);
                let b = self.get(rs2.0);
                let cc = match cond {
                    Cond::Eq => IntCC::Equal,
                    Cond::Ne => IntCC::NotEqual,
                    Cond::Lt => IntCC::SignedLessThan,
                    Cond::Ge => IntCC::SignedGreaterThanOrEqual,
                    Cond::Ltu => IntCC::UnsignedLessThan,
                    Cond::Geu => IntCC::UnsignedGreaterThanOrEqual,
                };
                if let Some(h) = self.hammocks.remove(&self.cur_pc) {
                    let skip = self.b.ins().icmp(cc, a, b);
                    self.branch_as_selects(skip, &h, n_insns, *next, *taken);
                    return;
                }
                // A loop's backward branch is usually taken: make its edge the branch's second
                // target, which Cranelift lays out right after this block (the loop goes on
                // without a taken jump to its budget check).
                let back = *taken <= self.cur_pc;
                let c = self.b.ins().icmp(if back { cc.complement() } else { cc }, a, b);
                advance(self);
                let t = self.new_block();
                let n = self.new_block();
                if back {
                    self.b.ins().brif(c, n, &[], t, &[]);
                } else {
                    self.b.ins().brif(c, t, &[], n, &[]);
                }
                self.b.switch_to_block(t);
                self.edge(*taken);
                self.b.switch_to_block(n);
                self.edge(*next);
            }
            Terminator::JumpInd { base, off } => {
                let base = self.get(base.0);
                let t = self.b.ins().iadd_imm_s(base, *off);
                let pc = self.b.ins().band_imm_s(t, !1);
                advance(self);
                let mut internal: Vec<u64> =
                    ind_targets.iter().copied().filter(|t| self.blocks.contains_key(t)).collect();
                internal.sort_unstable();
                if self.opts.chain && super::dispatch_table_fits(&internal) {
                    self.dispatch(t, pc, &internal);
                } else if self.opts.chain && !self.opts.baseline {
                    self.indirect_exit(pc);
                } else {
                    self.leave(pc);
                }
            }
            _ => {
                self.sync_out();
                self.store_ctx_imm(offset_of!(JitContext, exit_block), self.cur_pc);
                self.goto_exit(EXIT_TERM);
            }
        }
    }
}

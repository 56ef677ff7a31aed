//! Translation of a *region* — one or more [`IRBlock`]s linked by direct jumps and branches,
//! and by indirect jumps to known targets — into one Cranelift function `fn(ctx: *mut JitContext) -> u64` (a `STATUS_*` code) in the
//! `tail` calling convention, so that one translation can jump straight into another.
//!
//! In a block on a loop, the few guest registers its innermost loop uses most (nested blocks
//! weighted up; [`RegionOpts::promote`]) are *held* in Cranelift variables: an edge into the
//! loop loads them, an edge out of it stores them, and so does every exit and a helper that
//! reads them. Other registers are loaded from `cpu.x` at their first use in each block and
//! written through when set. Holding a set per loop, rather than one set for the whole region,
//! keeps outer loops' values from staying live (and spilling) across inner loops; a block
//! parameter that only ever receives sign-extended 32-bit values is narrowed to 32 bits
//! (`narrow`). `instret` is counted in a variable too (a load-add-store per block chained
//! every block through memory): as *fuel* counted down in an optimized translation (see
//! [`Counter`]). In a user-mode address space (guarded, see `vm_mem`), where missing the
//! fast path means a fault (or a misaligned access, or a store to a page holding translated
//! code), a memory access's slow path is a *side exit*: it leaves the region at the access's
//! pc, `instret` counted up to it, for the runtime to run the instruction (no helper call, no
//! join back: a quarter less code to compile). Other memory slow paths call their helpers
//! through `preserve_all` wrappers, so a call on a cold path clobbers no register and
//! the register allocator need not keep values on the stack around it; so is the whole-op
//! helper (atomics, CSRs other than the FP ones, and FP ops the `fp` module has no fast path
//! for — that module compiles FP arithmetic inline, with the helper on a cold path of each
//! op). Branches between blocks of the
//! region are plain host jumps; a backward one first tests the budget (the fuel, or `instret`
//! against the stop word), so a loop inside compiled code still stops for `--max-insns` and
//! signals. A forward branch over a few ALU instructions whose fall-through and target blocks
//! are both in the region becomes selects instead (`hammock`: no host branch to mispredict).
//! A block that loops on itself counting a register to a fixed limit also gets a copy with
//! no bounds and no budget tests, which runs when a test at the loop's entry finds all its
//! passes safe (`counted`); if its passes only load and add up, four at a time run in the
//! lanes of a host vector first (`lanes`).
//!
//! An exit to a pc outside the region goes through a *chain slot*: a word in the JIT's slot
//! table that the runtime fills with the target translation's address once that exists, so
//! later exits tail-call it directly (and unlinking is storing 0 back). An indirect jump whose
//! known targets ([`RegionBlock::ind_targets`]) are blocks of the region goes through a host
//! jump table to them (a bytecode interpreter's dispatch loop then stays in one translation);
//! other indirect jumps, and targets outside the table, probe the lookup table of region
//! entries. Everything else returns to the runtime. See `ops.rs` for the
//! ops themselves, including the inline guest-memory fast path.

mod consts;
mod counted;
mod flow;
mod fp;
mod hammock;
mod held;
mod lanes;
mod narrow;
mod nest;
mod ops;

use std::collections::HashMap;
use std::mem::offset_of;

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    AbiParam, Block, InstBuilder, MemFlagsData, SigRef, Signature, TrapCode, Type, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use vm_core::cpu::NUM_INT_SLOTS;
use vm_core::{CpuState, FastMem};
use vm_ir::{IRBlock, Slot};

use crate::context::{JitContext, STATUS_FAULT, STATUS_FAULT_FUEL, STATUS_NEXT, STATUS_SIDE, STATUS_TERM};

/// Most entries in the host jump table of an indirect jump with targets in the region.
const MAX_DISPATCH_TABLE: u64 = 1024;

/// Whether an indirect jump to `targets` (even pcs) can reach them through one host jump table
/// indexed by `(pc - lowest) / 2`: they must lie within `MAX_DISPATCH_TABLE` entries.
pub fn dispatch_table_fits(targets: &[u64]) -> bool {
    match (targets.iter().min(), targets.iter().max()) {
        (Some(lo), Some(hi)) => (hi - lo) / 2 < MAX_DISPATCH_TABLE,
        _ => false,
    }
}

/// Exit codes passed to the shared exit block, which returns them as they are.
const EXIT_NEXT: u64 = STATUS_NEXT;
const EXIT_FAULT: u64 = STATUS_FAULT;
const EXIT_TERM: u64 = STATUS_TERM;
const EXIT_FAULT_FUEL: u64 = STATUS_FAULT_FUEL;
const EXIT_SIDE: u64 = STATUS_SIDE;

/// One block of a region, with what codegen needs to know about it.
#[derive(Clone, Copy, Debug)]
pub struct RegionBlock<'a> {
    /// The block.
    pub block: &'a IRBlock,
    /// Per op: the index the CSR handler is given for it (for the runtime: the op's instruction
    /// index in the block, so the handler can work out `instret` at that instruction).
    pub csr_index: &'a [u32],
    /// Per op: the guest pc of its instruction (empty if unknown). With it a forward branch
    /// over a few ALU instructions can become selects (`hammock`).
    pub op_pcs: &'a [u64],
    /// Guest instructions the block retires when it runs to its end.
    pub n_insns: u64,
    /// Where its indirect jump is known to go: those that are blocks of the region are
    /// reached without leaving it (the others through the lookup table).
    pub ind_targets: &'a [u64],
}

/// How a region is compiled.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegionOpts {
    /// Exits to other pcs may chain to other translations and stop at the budget; without it
    /// every exit returns to the caller (the single-block API).
    pub chain: bool,
    /// Add each block's instruction count to `cpu.instret` as it completes, and stop before a
    /// block once `instret` reaches the stop word.
    pub count: bool,
    /// With `count`: check the budget before every block of the region, not only on
    /// backward branches and exits (for an exact `--max-insns`; without it a run of forward
    /// blocks may go past the budget).
    pub check_every_block: bool,
    /// Write temporaries (slots 32–63) back to `cpu.x` at exits (they are dead outside a block;
    /// the single-block API keeps them for exact comparison with the interpreter).
    pub flush_temps: bool,
    /// Guest memory layout for inline loads and stores; `None`: every access calls a helper.
    pub fast_mem: Option<FastMem>,
    /// Counted loops that only load and add up run vector passes (`lanes`), loop nests around
    /// them four outer passes at a time (`nest`).
    pub vector: bool,
    /// Most guest registers kept in host registers across the whole region (the ones used
    /// most, loops weighted up); the others are loaded per block and written through.
    pub promote: u8,
    /// Compile with the backtracking register allocator, and with Cranelift's optimizer
    /// (`opt_level = speed`) if the region has a loop or does not [`RegionOpts::chain`] (a
    /// loop-free region's code runs once per entry). Without either, a translation compiles
    /// in about two thirds of the time.
    pub optimize: bool,
    /// A first-tier translation whose runs the runtime counts, so it must see every entry:
    /// it goes in no indirect-jump lookup table. Every exit returns to the runtime (no chain
    /// slots: less code to compile), so its indirect jump's targets can be recorded there.
    pub baseline: bool,
}

/// What the JIT hands codegen besides the blocks: ids for out-of-line ops and chain slots.
pub(crate) trait Allocator {
    /// Id in the JIT's op table of a single-op block running `op` (of the block at `pc`).
    fn op_id(&mut self, pc: u64, op: &vm_ir::IROp) -> u64;
    /// Id of a fault site: op `op_index` of the block at `block_pc`.
    fn site(&mut self, block_pc: u64, op_index: usize) -> u64;
    /// A fresh chain slot for an exit to `target`.
    fn slot(&mut self, target: u64) -> u64;
    /// Whether a memory access at guest `pc` that misses the fast path may leave through a
    /// side exit (else it runs its slow path in place, see [`crate::Jit::access_in_place`]).
    fn side_exit_ok(&self, pc: u64) -> bool;
}

/// The signature every translation has.
pub(crate) fn region_signature(frontend: TargetFrontendConfig) -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::new(frontend.pointer_type()));
    sig.returns.push(AbiParam::new(I64));
    sig
}

/// The signature of the helper wrappers: `preserve_all (ctx)`, no result (arguments in
/// `ctx.helper_args`).
pub(crate) fn wrapper_signature(frontend: TargetFrontendConfig) -> Signature {
    let mut sig = Signature::new(CallConv::PreserveAll);
    sig.params.push(AbiParam::new(frontend.pointer_type()));
    sig
}

/// Flags for the VM's own data (context, hart state): aligned, never trapping.
pub(crate) fn vm_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Flags for context fields that do not change while compiled code runs: the optimizer may
/// hoist and rematerialize these loads.
fn const_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Flags for guest memory: possibly misaligned, never trapping (checked before).
fn guest_flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Loads from guarded memory (by number, bit `i` for the `i`-th) whose host faults an earlier
/// attempt at a translation could not redirect (the `fault` module), and what to do about it:
/// what [`crate::Jit::install`] asks a region to be translated again with.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadRetry {
    /// Keep the table probe (the register allocator put something before the load: a guest
    /// address it had spilled, reloaded for the load).
    pub(crate) probed: u128,
    /// Failed attempts so far.
    attempts: u8,
}

impl LoadRetry {
    /// The next attempt after this one left loads `bad` unredirectable: they keep their
    /// probe, and after two attempts every load does (the allocator may have moved others).
    pub(crate) fn after(self, bad: u128) -> LoadRetry {
        LoadRetry { probed: self.probed | bad, attempts: self.attempts.saturating_add(1) }
    }

    /// Every load keeps its probe.
    pub(crate) fn probe_all(&self) -> bool {
        self.attempts >= 2
    }
}

/// Flags with trap code `code`: for a guest load from guarded memory (checked only for
/// bounds, so it may fault on the host, which resumes at its slow path) and for the marker
/// load at the start of that slow path (the `fault` module).
fn trap_flags(code: TrapCode) -> MemFlagsData {
    MemFlagsData::new().with_trap_code(Some(code))
}

fn x_offset(slot: u8) -> i32 {
    (offset_of!(CpuState, x) + 8 * slot as usize) as i32
}

pub(crate) fn ctx_offset(field: usize) -> i32 {
    field as i32
}

/// Signatures imported into the function.
struct Sigs {
    /// The helper wrappers'.
    helper: SigRef,
    /// Translations'.
    region: SigRef,
}

/// Builder state for one region.
pub(crate) struct Gen<'a, 'b> {
    b: FunctionBuilder<'a>,
    ptr: Type,
    ctx: Value,
    cpu: Value,
    sigs: Sigs,
    opts: RegionOpts,
    alloc: &'b mut dyn Allocator,
    /// The fast memory path is set up; with the address of its table if that is not at a
    /// fixed distance from guest memory (whose host address is in the pinned register).
    mem: Option<Option<Value>>,
    /// Slots written through to `cpu.x` on every write (guest registers; temporaries too for
    /// the single-block API).
    written: u64,
    /// Host block of each region block, by start pc.
    blocks: HashMap<u64, Block>,
    /// Start pc of the block being emitted.
    cur_pc: u64,
    /// The shared exit block (one parameter: an `EXIT_*` code).
    exit: Block,
    /// The value of each slot in the block being emitted, once loaded or computed.
    local: [Option<Value>; NUM_INT_SLOTS],
    /// Registers known to hold a constant at each region block's start (`consts`), and at
    /// the current block's while the block has not written them.
    consts: HashMap<u64, consts::Known>,
    cur_consts: consts::Known,
    /// Emitting the unchecked copy of a counted loop (`counted`): memory accesses go straight
    /// to the host.
    unchecked: bool,
    /// Emitting a copy of a counted loop: where its edge back to itself goes, and whether
    /// that edge tests the budget.
    self_loop: Option<(Block, bool)>,
    /// The host address of guest memory in the unchecked copy, read before its loop.
    unchecked_host: Option<Value>,
    /// Counted loops emitted so far.
    counted: usize,
    /// Counted loops with vector passes (`lanes`) and loop nests in lanes (`nest`).
    vector_loops: usize,
    /// What the block being emitted knows of each FP register (`fp::FpKnown`).
    fknown: [fp::FpKnown; 32],
    /// Whether the block being emitted knows the FP unit is on and dirty (`mstatus.FS` = 3)
    /// here: an FP op made it so, and no helper that may change it ran since.
    fs_dirty: bool,
    /// Stores made with `fp::kept_store` so far (each gets its own base).
    kept_stores: i32,
    /// The variable of each guest register that some block keeps in a host register.
    vars: [Option<Variable>; 32],
    /// Per region block (by start pc): the guest registers it keeps in variables — those its
    /// innermost loop uses most. In such a block the variable holds the register and `cpu.x`
    /// may be stale; elsewhere `cpu.x` is current. Edges between blocks store and load the
    /// difference, exits store the set.
    held: HashMap<u64, u64>,
    /// `held` of the block being emitted.
    cur_held: u64,
    /// Loads from guarded memory emitted so far: the next one's number, which picks its pair
    /// of trap codes (`fault::load_codes`).
    guarded_loads: u8,
    /// How earlier attempts at this translation went for its loads from guarded memory.
    retry: LoadRetry,
    /// Registers that may be stale in `cpu.x`: held somewhere and written there.
    held_dirty: u64,
    /// How `cpu.instret` is counted while the region runs.
    counter: Counter,
    /// The current block's fuel step once its terminator made it: the fuel before it and
    /// the instructions it counted (the budget tests on its edges compare the value before,
    /// which needs no copy).
    fuel_step: Option<(Value, u64)>,
    /// Branches compiled as selects, by the start pc of the block they end (`hammock`).
    hammocks: HashMap<u64, hammock::Hammock>,
    /// While the skipped instructions of such a branch are emitted: the values they gave the
    /// slots they wrote (which [`Gen::get`] reads and [`Gen::set`] writes instead of the
    /// registers, until the selects merge them).
    shadow: Option<[Option<Value>; NUM_INT_SLOTS]>,
    /// How many branches became selects.
    selects: usize,
    /// The region has a loop (`promote` found one).
    has_loop: bool,
    /// The block that leaves with a recorded fault ([`Gen::check`]), once made.
    site_fault: Option<Block>,
    /// Per op of the block being emitted: the guest pc of its instruction and how many of the
    /// block's instructions come before that one (empty if unknown).
    cur_ops: Vec<(u64, u32)>,
    /// Side exits of the block being emitted, filled after its terminator (`flow.rs`).
    side_exits: Vec<flow::SideExit>,
    /// The shared tail of side exits (parameters: guest pc, instructions before it in the
    /// block), once made.
    side_tail: Option<Block>,
    /// The shared tail of exits to the runtime (parameters: next pc, chain slot), once made.
    leave_tail: Option<Block>,
}

/// How a translation counts retired instructions (`RegionOpts::count`).
#[derive(Clone, Copy, Debug)]
enum Counter {
    /// Not at all, or in `cpu.instret` itself (a load-add-store per block: the single-block API).
    Memory,
    /// `cpu.instret` in a variable, stored back at exits and before helpers that read it; the
    /// budget test compares it with the stop word in memory (a baseline: one block, no loop).
    Instret(Variable),
    /// *Fuel*: the instructions left before [`JitContext::fuel_base`], counted down in a
    /// variable, so that `cpu.instret` is `fuel_base - fuel` and the budget test on a loop's
    /// back edge is one compare of a register with a constant (no load of the stop word).
    /// The entry sets `fuel_base` to the stop word, capped at [`FUEL_SLICE`] instructions
    /// ahead; when the fuel runs out, a cold path reads the stop word and leaves if `instret`
    /// reached it, or fills the fuel again. So a stop that a host signal handler requests while
    /// a loop runs (it lowers `JitContext::stop`) is seen within that many instructions. A
    /// helper that lowers the stop word empties the fuel, which the code keeps in
    /// [`JitContext::fuel_left`] around helper calls.
    Fuel(Variable),
}

/// Most instructions an optimized translation runs before it reads the stop word again
/// (about 0.1 ms at full speed; a refill costs a dozen instructions).
pub(crate) const FUEL_SLICE: i64 = 1 << 18;

/// Build the function for the region `blocks` (the first is the entry) into `func`; returns
/// how many branches it compiled as selects.
pub(crate) fn translate(
    func: &mut cranelift_codegen::ir::Function,
    fctx: &mut FunctionBuilderContext,
    frontend: TargetFrontendConfig,
    blocks: &[RegionBlock<'_>],
    opts: RegionOpts,
    retry: LoadRetry,
    alloc: &mut dyn Allocator,
) -> Translated {
    let ptr = frontend.pointer_type();
    func.signature = region_signature(frontend);
    let mut b = FunctionBuilder::new(func, fctx);
    let sigs = Sigs {
        helper: b.import_signature(wrapper_signature(frontend)),
        region: b.import_signature(region_signature(frontend)),
    };
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let ctx = b.block_params(entry)[0];
    // The context lives inside the hart (`CpuState::engine`): every register access is an
    // offset from the context register, and no host register holds a pointer to the hart.
    let cpu = b.ins().iadd_imm_s(ctx, crate::context::HART_FROM_CTX);
    let exit = b.create_block();
    b.append_block_param(exit, I64);
    let mut g = Gen {
        exit,
        local: [None; NUM_INT_SLOTS],
        consts: HashMap::new(),
        cur_consts: [None; 32],
        fknown: [fp::FpKnown::default(); 32],
        fs_dirty: false,
        kept_stores: 0,
        b,
        ptr,
        ctx,
        cpu,
        sigs,
        opts,
        alloc,
        mem: None,
        unchecked: false,
        self_loop: None,
        unchecked_host: None,
        counted: 0,
        vector_loops: 0,
        written: 0,
        blocks: HashMap::new(),
        cur_pc: blocks[0].block.start_pc,
        vars: [None; 32],
        held: HashMap::new(),
        cur_held: 0,
        guarded_loads: 0,
        retry,
        held_dirty: 0,
        counter: Counter::Memory,
        fuel_step: None,
        hammocks: HashMap::new(),
        shadow: None,
        selects: 0,
        has_loop: false,
        site_fault: None,
        cur_ops: Vec::new(),
        side_exits: Vec::new(),
        side_tail: None,
        leave_tail: None,
    };
    g.prologue(blocks);
    g.promote(blocks);
    if g.if_conversion() {
        g.hammocks = hammock::find(blocks);
        g.hammock_writes_dirty();
    }
    g.consts = consts::at_starts(blocks, &g.hammocks);
    let first = g.blocks[&blocks[0].block.start_pc];
    g.cur_held = 0;
    g.move_held(blocks[0].block.start_pc);
    g.b.ins().jump(first, &[]);
    let nests = if g.counted_applies() && opts.vector { nest::find_all(blocks) } else { Vec::new() };
    for rb in blocks {
        let blk = g.blocks[&rb.block.start_pc];
        g.b.switch_to_block(blk);
        g.begin_block(rb);
        g.nest_head(blocks, rb, &nests);
        let counted = if g.counted_applies() && !g.hammocks.contains_key(&rb.block.start_pc) {
            counted::analyze(rb.block)
        } else {
            None
        };
        match counted {
            Some(c) => g.counted_loop(rb, &c),
            None => g.block_body(rb),
        }
    }
    g.emit_exit();
    let made = Translated {
        selects: g.selects,
        counted: g.counted,
        vector_loops: g.vector_loops,
        has_loop: g.has_loop,
    };
    g.b.seal_all_blocks();
    g.b.finalize(frontend);
    if opts.optimize {
        let n = narrow::narrow_params(func);
        tracing::trace!("region {:#x}: {n} block parameters narrowed to 32 bits", blocks[0].block.start_pc);
    }
    made
}

/// What [`translate`] made besides the function.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Translated {
    /// Branches compiled as selects.
    pub selects: usize,
    /// Counted loops compiled with an unchecked copy.
    pub counted: usize,
    /// Counted loops with vector passes and loop nests in lanes.
    pub vector_loops: usize,
    /// The region has a loop (only looked for in regions that chain and hold registers).
    pub has_loop: bool,
}

/// The integer slots `ops` write, one bit each.
pub(super) fn int_writes<'o>(ops: impl IntoIterator<Item = &'o vm_ir::IROp>) -> u64 {
    let mut writes = 0u64;
    for op in ops {
        op.visit_slots(&mut |slot, access| {
            if let (Slot::Int(n), vm_ir::Access::Write) = (slot, access) {
                writes |= 1 << n;
            }
        });
    }
    writes
}

impl Gen<'_, '_> {
    /// Start emitting region block `rb` in the current host block: nothing is known yet of
    /// the registers' values.
    fn begin_block(&mut self, rb: &RegionBlock<'_>) {
        self.cur_pc = rb.block.start_pc;
        self.cur_held = self.held.get(&self.cur_pc).copied().unwrap_or(0);
        self.local = [None; NUM_INT_SLOTS];
        self.cur_consts = self.consts.get(&self.cur_pc).copied().unwrap_or([None; 32]);
        self.fknown = [fp::FpKnown::default(); 32];
        self.fs_dirty = false;
        self.fuel_step = None;
        self.cur_ops = if rb.op_pcs.len() == rb.block.ops.len() && rb.csr_index.len() == rb.block.ops.len() {
            rb.op_pcs.iter().copied().zip(rb.csr_index.iter().copied()).collect()
        } else {
            Vec::new()
        };
    }

    /// If region block `rb` heads one of `nests` (none of whose blocks became selects): its
    /// test and lanes, then on in a new host block where the test fails.
    fn nest_head(&mut self, blocks: &[RegionBlock<'_>], rb: &RegionBlock<'_>, nests: &[(u64, nest::Nest)]) {
        let Some((_, n)) = nests.iter().find(|(pc, _)| *pc == rb.block.start_pc) else { return };
        let vm_ir::Terminator::Branch { taken, next, .. } = rb.block.term else { return };
        let find = |pc: u64| blocks.iter().find(|b| b.block.start_pc == pc);
        let (Some(inner), Some(latch)) = (find(taken), find(next)) else { return };
        if [rb, inner, latch].iter().any(|b| self.hammocks.contains_key(&b.block.start_pc)) {
            return;
        }
        let scalar = self.new_block();
        self.nest_lanes([rb, inner, latch], n, scalar);
        self.b.switch_to_block(scalar);
        self.begin_block(rb);
    }

    /// Emit the ops and the terminator of region block `rb`, and its side exits.
    fn block_body(&mut self, rb: &RegionBlock<'_>) {
        for (i, op) in rb.block.ops.iter().enumerate() {
            self.op(i, op, rb.csr_index.get(i).copied().unwrap_or(i as u32));
        }
        self.term(&rb.block.term, rb.n_insns, rb.ind_targets);
        self.emit_side_exits();
    }

    /// Find the written slots, create the host blocks, set up the fast memory path and budget.
    fn prologue(&mut self, blocks: &[RegionBlock<'_>]) {
        let mut written = 0u64;
        for rb in blocks {
            written |= int_writes(&rb.block.ops);
            let blk = self.b.create_block();
            self.blocks.entry(rb.block.start_pc).or_insert(blk);
        }
        if !self.opts.flush_temps {
            written &= 0xffff_ffff;
        }
        self.written = written & !1;
        if let Some(fm) = self.opts.fast_mem {
            // Only loaded when the table is not at a fixed distance from guest memory.
            let table = if i32::try_from((fm.table as i64).wrapping_sub(fm.host as i64)).is_ok() {
                None
            } else {
                Some(self.ctx_const(offset_of!(JitContext, mem_table)))
            };
            self.mem = Some(table);
        }
    }

    /// Load a pointer field of the context that is constant while the code runs.
    fn ctx_const(&mut self, field: usize) -> Value {
        self.b.ins().load(self.ptr, const_flags(), self.ctx, ctx_offset(field))
    }

    fn load_ctx(&mut self, field: usize) -> Value {
        self.b.ins().load(I64, vm_flags(), self.ctx, ctx_offset(field))
    }

    fn store_ctx(&mut self, field: usize, v: Value) {
        self.b.ins().store(vm_flags(), v, self.ctx, ctx_offset(field));
    }

    fn store_ctx_imm(&mut self, field: usize, v: u64) {
        let c = self.b.ins().iconst(I64, v as i64);
        self.store_ctx(field, c);
    }

    /// Add one to a counter field of the context.
    fn bump(&mut self, field: usize) {
        let v = self.load_ctx(field);
        let v = self.b.ins().iadd_imm_s(v, 1);
        self.store_ctx(field, v);
    }

    /// Current value of integer slot `slot`.
    fn get(&mut self, slot: u8) -> Value {
        if slot == 0 {
            return self.b.ins().iconst(I64, 0);
        }
        if let Some(v) = self.shadow.as_ref().and_then(|s| s[slot as usize]) {
            return v;
        }
        if let Some(var) = self.var(slot) {
            return self.b.use_var(var);
        }
        if let Some(v) = self.local[slot as usize] {
            return v;
        }
        let v = match self.cur_consts.get(slot as usize).copied().flatten() {
            Some(k) => self.b.ins().iconst(I64, k),
            None => self.b.ins().load(I64, vm_flags(), self.cpu, x_offset(slot)),
        };
        self.local[slot as usize] = Some(v);
        v
    }

    /// Set integer slot `slot` (writes to x0 are dropped). Guest registers are written
    /// through to `cpu.x` at once, so memory always holds the architectural state: exits and
    /// faults need not write registers back, and the variables stay live only as long as the
    /// code reads them (long-lived values at every exit made the register allocator spill
    /// everything).
    fn set(&mut self, slot: u8, v: Value) {
        if slot == 0 {
            return;
        }
        if let Some(shadow) = self.shadow.as_mut() {
            shadow[slot as usize] = Some(v);
            return;
        }
        if let Some(var) = self.var(slot) {
            self.b.def_var(var, v);
            return;
        }
        self.local[slot as usize] = Some(v);
        if self.written & (1 << slot) != 0 {
            self.b.ins().store(vm_flags(), v, self.cpu, x_offset(slot));
        }
    }

    /// The variable of slot `slot`, if the current block holds it in one.
    fn var(&self, slot: u8) -> Option<Variable> {
        if slot < 32 && self.cur_held & (1 << slot) != 0 {
            self.vars[slot as usize]
        } else {
            None
        }
    }

    /// Slots the current block holds in variables (their `cpu.x` may be stale).
    fn promoted_mask(&self) -> u64 {
        self.cur_held
    }

    /// Store `instret` from its variable, so a helper or the runtime sees it.
    /// Returns the value stored (`None`: nothing to store, `instret` is counted in memory).
    fn sync_instret(&mut self) -> Option<Value> {
        self.sync_instret_plus(None)
    }

    /// [`Gen::sync_instret`] with `extra` instructions more (retired in the current block
    /// before a side exit).
    fn sync_instret_plus(&mut self, extra: Option<Value>) -> Option<Value> {
        let v = match self.counter {
            Counter::Memory => return None,
            Counter::Instret(var) => self.b.use_var(var),
            Counter::Fuel(var) => {
                let fuel = self.b.use_var(var);
                let base = self.load_ctx(offset_of!(JitContext, fuel_base));
                self.b.ins().isub(base, fuel)
            }
        };
        let v = match extra {
            Some(n) => self.b.ins().iadd(v, n),
            None => v,
        };
        self.b.ins().store(vm_flags(), v, self.cpu, offset_of!(CpuState, instret) as i32);
        Some(v)
    }

    /// Count the `n` instructions of the block that just completed.
    fn retire(&mut self, n: u64) {
        match self.counter {
            Counter::Memory if self.opts.count => {
                let at = offset_of!(CpuState, instret) as i32;
                let v = self.b.ins().load(I64, vm_flags(), self.cpu, at);
                let v = self.b.ins().iadd_imm_s(v, n as i64);
                self.b.ins().store(vm_flags(), v, self.cpu, at);
            }
            Counter::Memory => {}
            Counter::Instret(var) => {
                let v = self.b.use_var(var);
                let v = self.b.ins().iadd_imm_s(v, n as i64);
                self.b.def_var(var, v);
            }
            // The unchecked copy of a counted loop counted all its passes at its entry.
            Counter::Fuel(_) if self.unchecked => {}
            Counter::Fuel(var) => {
                let before = self.b.use_var(var);
                let v = self.b.ins().iadd_imm_s(before, (n as i64).wrapping_neg());
                self.b.def_var(var, v);
                self.fuel_step = Some((before, n));
            }
        }
    }

    /// Set the fuel variable `var` for `instret` now and stop word `stop`: up to the stop word,
    /// at most [`FUEL_SLICE`] instructions.
    fn fill_fuel(&mut self, var: Variable, instret: Value, stop: Value) {
        let cap = self.b.ins().iadd_imm_s(instret, FUEL_SLICE);
        let base = self.b.ins().umin(stop, cap);
        self.store_ctx(offset_of!(JitContext, fuel_base), base);
        let fuel = self.b.ins().isub(base, instret);
        self.b.def_var(var, fuel);
    }

    /// Make `cpu` architecturally current before control leaves compiled code: store the
    /// promoted registers the region writes and `instret`.
    /// Returns `instret` as stored (see [`Gen::sync_instret`]).
    fn sync_out(&mut self) -> Option<Value> {
        self.store_slots(self.cur_held & self.held_dirty);
        self.sync_instret()
    }

    /// Switch to a new block (sealed later).
    fn new_block(&mut self) -> Block {
        self.b.create_block()
    }
}

/// Whether [`Gen::op`] emits `op` as a call of the whole-op helper: atomics, CSR accesses and
/// the FP ops the `fp` module does not compile (FP loads, stores and moves are inline too).
pub(crate) fn out_of_line(op: &vm_ir::IROp) -> bool {
    use vm_ir::IROp;
    if matches!(
        op,
        IROp::FMvToInt { .. }
            | IROp::FMvFromInt { .. }
            | IROp::Flw { .. }
            | IROp::Fld { .. }
            | IROp::Fsw { .. }
            | IROp::Fsd { .. }
    ) || fp::inline(op)
    {
        return false;
    }
    if let IROp::Csr { csr, .. } | IROp::CsrI { csr, .. } = op {
        return !fp::is_fp_csr(csr.0);
    }
    if matches!(op, IROp::Lr { .. } | IROp::Sc { .. } | IROp::Amo { .. }) {
        return true;
    }
    let mut fp = false;
    op.visit_slots(&mut |slot, _| fp |= matches!(slot, Slot::Fp(_)));
    fp
}

#[cfg(test)]
mod tests {
    use super::LoadRetry;

    /// An unredirectable load keeps its probe at the next attempt; after two failed attempts
    /// every load keeps its probe.
    #[test]
    fn a_load_retry_escalates_per_load_then_for_all() {
        let first = LoadRetry::default().after(0b01);
        assert_eq!((first.probed, first.probe_all()), (0b01, false));
        let second = first.after(0b10);
        assert_eq!((second.probed, second.probe_all()), (0b11, true));
    }
}

//! The instruction budget of an optimized region (the fuel it counts down): a loop runs inside
//! its translation until it ends, however long, with `instret` exact; it stops at the first
//! loop edge at or past the stop word; and a stop word lowered while it runs (as a host signal
//! handler does) is seen within the fuel slice.

use vm_core::CpuState;
use vm_engine_jit::{EnterEnv, Jit, RegionBlock, RegionExit, RegionOpts};
use vm_interp::UserCsrs;
use vm_ir::{parse_block, IRBlock};
use vm_mem::PhysMem;

const RAM: u64 = 0x8000_0000;

/// `x10 += 1; x11 = (x11 + 3) as i32; loop while x10 != x12` (3 instructions per iteration;
/// the `addiw` result is a loop value the JIT narrows to 32 bits), then a `ret` block.
fn counting_loop() -> (IRBlock, IRBlock) {
    let body = parse_block(
        "block 0x1000:
            addi x10, x10, 1
            addiw x11, x11, 3
            branch ne, x10, x12, 0x1000, 0x100c",
    )
    .unwrap();
    let done = parse_block("block 0x100c:\n ret").unwrap();
    (body, done)
}

/// Compile the loop as one optimized, counting region.
fn compile(jit: &mut Jit, body: &IRBlock, done: &IRBlock) -> vm_engine_jit::RegionId {
    let ci = [0u32, 1, 2];
    let blocks = [
        RegionBlock { block: body, csr_index: &ci, op_pcs: &[], n_insns: 3, ind_targets: &[] },
        RegionBlock { block: done, csr_index: &ci[..0], op_pcs: &[], n_insns: 1, ind_targets: &[] },
    ];
    let opts = RegionOpts {
        chain: true,
        count: true,
        check_every_block: false,
        flush_temps: false,
        fast_mem: None,
        promote: 6,
        optimize: true,
        vector: false,
        baseline: false,
    };
    jit.compile_region(&blocks, opts).expect("compiles")
}

fn start(iterations: u64) -> CpuState {
    let mut cpu = CpuState { pc: 0x1000, instret: 1000, ..Default::default() };
    cpu.x[11] = 0x7fff_fff0; // `addiw` wraps past i32::MAX on the first iterations
    cpu.x[12] = iterations;
    cpu
}

/// `x11` after `n` iterations, as RV64 `addiw` computes it.
fn expected_x11(n: u64) -> u64 {
    (0x7fff_fff0u32.wrapping_add((3 * n) as u32) as i32) as i64 as u64
}

#[test]
fn a_loop_longer_than_the_fuel_slice_runs_in_one_entry() {
    let (body, done) = counting_loop();
    let mut jit = Jit::new();
    let id = compile(&mut jit, &body, &done);
    // 3 million instructions: many fuel slices, every one refilled inside the translation.
    let n = 1_000_000;
    let mut cpu = start(n);
    let mut mem = PhysMem::new(RAM, 0x1000).unwrap();
    let never = u64::MAX;
    let exit = jit.enter(id, &mut cpu, &mut mem, &mut UserCsrs, EnterEnv { stop: &never });
    assert!(matches!(exit, RegionExit::Term { block_pc: 0x100c }), "{exit:?}");
    assert_eq!(cpu.x[10], n);
    assert_eq!(cpu.x[11], expected_x11(n));
    // The `ret` block's instruction is counted by the runtime when it handles the terminator.
    assert_eq!(cpu.instret, 1000 + 3 * n);
}

#[test]
fn the_loop_stops_at_the_first_edge_at_or_past_the_stop_word() {
    let (body, done) = counting_loop();
    let mut jit = Jit::new();
    let id = compile(&mut jit, &body, &done);
    let mut mem = PhysMem::new(RAM, 0x1000).unwrap();
    // Below, within and far beyond the first fuel slice (2^18 instructions).
    for budget in [1u64, 2, 3, 4, 100, 262_143, 262_144, 262_146, 1_000_001] {
        let mut cpu = start(10_000_000);
        let stop = 1000 + budget;
        let exit = jit.enter(id, &mut cpu, &mut mem, &mut UserCsrs, EnterEnv { stop: &stop });
        assert!(matches!(exit, RegionExit::Next { pc: 0x1000, .. }), "budget {budget}: {exit:?}");
        // Whole iterations only: the first count of 3 at or past the budget.
        let ran = budget.div_ceil(3);
        assert_eq!(cpu.instret, 1000 + 3 * ran, "budget {budget}");
        assert_eq!(cpu.x[10], ran, "budget {budget}");
        assert_eq!(cpu.x[11], expected_x11(ran), "budget {budget}");
    }
}

extern "C" fn on_usr2(_: libc::c_int) {
    vm_core::stop::request_stop();
}

#[test]
fn a_stop_requested_while_the_loop_runs_is_seen_within_a_slice() {
    let (body, done) = counting_loop();
    let mut jit = Jit::new();
    let id = compile(&mut jit, &body, &done);
    let mut mem = PhysMem::new(RAM, 0x1000).unwrap();
    // What the `vm` command's host signal forwarding does: the handler, on the thread running
    // the code, lowers the stop word published for the entry.
    // SAFETY: a plain sigaction for a handler that is async-signal-safe (`request_stop`).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_usr2 as extern "C" fn(libc::c_int) as usize;
        assert_eq!(libc::sigaction(libc::SIGUSR2, &sa, std::ptr::null_mut()), 0);
    }
    // SAFETY: the calling thread's own id.
    let me = unsafe { libc::pthread_self() };
    let mut cpu = start(u64::MAX);
    let never = u64::MAX;
    std::thread::scope(|s| {
        s.spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            // SAFETY: `me` is blocked in `enter` below until this signal stops it.
            assert_eq!(unsafe { libc::pthread_kill(me, libc::SIGUSR2) }, 0);
        });
        // The loop never ends on its own: returning at all shows the request was seen.
        let exit = jit.enter(id, &mut cpu, &mut mem, &mut UserCsrs, EnterEnv { stop: &never });
        assert!(matches!(exit, RegionExit::Next { pc: 0x1000, .. }), "{exit:?}");
    });
    assert!(cpu.x[10] > 0);
    assert_eq!(cpu.instret, 1000 + 3 * cpu.x[10]);
    assert_eq!(cpu.x[11], expected_x11(cpu.x[10]));
}

/// `x10 += 1; [x13] = x10; x13 += 8; loop while x10 != x12` (4 instructions per iteration),
/// compiled as one optimized, counting region; the store goes through its helper (no fast
/// memory path).
fn storing_loop(jit: &mut Jit) -> vm_engine_jit::RegionId {
    let body = parse_block(
        "block 0x1000:
            addi x10, x10, 1
            sd x10, x13, 0
            addi x13, x13, 8
            branch ne, x10, x12, 0x1000, 0x1010",
    )
    .unwrap();
    let done = parse_block("block 0x1010:\n ret").unwrap();
    let ci = [0u32, 1, 2, 3];
    let blocks = [
        RegionBlock { block: &body, csr_index: &ci, op_pcs: &[], n_insns: 4, ind_targets: &[] },
        RegionBlock { block: &done, csr_index: &ci[..0], op_pcs: &[], n_insns: 1, ind_targets: &[] },
    ];
    let opts = RegionOpts { chain: true, count: true, promote: 6, optimize: true, ..RegionOpts::default() };
    jit.compile_region(&blocks, opts).expect("compiles")
}

#[test]
fn a_store_that_lowers_the_stop_word_stops_the_loop_at_its_next_edge() {
    let mut jit = Jit::new();
    let id = storing_loop(&mut jit);
    let mut mem = PhysMem::new(RAM, 0x1000).unwrap();
    // Stores to the second half of RAM hit the watch window (as a bare-metal guest's
    // `tohost`), which lowers the machine's stop word: the helper empties the loop's fuel.
    mem.set_watch(RAM + 0x800, 0x800);
    let mut cpu = CpuState { pc: 0x1000, instret: 1000, ..Default::default() };
    cpu.x[12] = 1_000_000;
    cpu.x[13] = RAM + 0x800 - 3 * 8;
    let stop = mem.stop_word(u64::MAX);
    // SAFETY: `stop` points into `mem`, which outlives the call and is not moved.
    let exit = jit.enter(id, &mut cpu, &mut mem, &mut UserCsrs, EnterEnv { stop: unsafe { &*stop } });
    // Three iterations store below the window; the fourth stores into it and is the last.
    assert!(matches!(exit, RegionExit::Next { pc: 0x1000, .. }), "{exit:?}");
    assert_eq!(cpu.x[10], 4);
    assert_eq!(cpu.instret, 1000 + 4 * 4);
    assert!(mem.take_watch_hit());
}

#[test]
fn a_store_fault_inside_the_loop_leaves_exact_registers_and_instret() {
    let mut jit = Jit::new();
    let id = storing_loop(&mut jit);
    let mut mem = PhysMem::new(RAM, 0x1000).unwrap();
    let mut cpu = CpuState { pc: 0x1000, instret: 1000, ..Default::default() };
    cpu.x[12] = 1_000_000;
    // Two stores fit below the end of RAM; the third faults.
    cpu.x[13] = RAM + 0x1000 - 2 * 8;
    let never = u64::MAX;
    let exit = jit.enter(id, &mut cpu, &mut mem, &mut UserCsrs, EnterEnv { stop: &never });
    match exit {
        RegionExit::Fault { block_pc: 0x1000, op_index: 1, .. } => {}
        other => panic!("expected the store (op 1) to fault: {other:?}"),
    }
    // As the interpreter leaves it: the third iteration's `addi` ran, nothing after it; the
    // instructions counted are the two whole iterations (the runtime adds the block's ops
    // before the fault).
    assert_eq!(cpu.x[10], 3);
    assert_eq!(cpu.x[13], RAM + 0x1000);
    assert_eq!(cpu.instret, 1000 + 2 * 4);
}

//! Probe-less loads on a guarded user address space, against the interpreter.
//!
//! An optimized region compiled for a [`vm_mem::AddressSpace`] (guarded: host protections
//! mirror guest permissions) loads with only a bounds test and lets the host fault (SIGSEGV)
//! send a load the page does not allow to its slow path; stores keep their probe. Random
//! blocks whose memory ops hit a window of pages with random protections (read-write, some
//! holding translated code, read-only, none, execute-only, unmapped), near page edges and
//! misaligned, must leave the same exit, registers, memory and reported code writes as the
//! interpreter on an identical address space. So must the same blocks in a
//! region that counts fuel, where an access off the fast path is a side exit at its pc that
//! the interpreter finishes, as the runtime does, or (accesses the runtime asked to keep in
//! place) runs the slow path where it is, and makes misaligned loads within a page on the
//! host.

use proptest::prelude::*;
use vm_core::{CpuState, Mmu};
use vm_engine_jit::{EnterEnv, Jit, RegionBlock, RegionExit, RegionOpts};
use vm_interp::{run_block, Exit, UserCsrs};
use vm_ir::{Dst, IRBlock, IROp, Reg};
use vm_mem::{AddressSpace, Prot, PAGE_SIZE};

mod window;
use window::*;

/// Point every memory op at x5–x8, re-set (mostly) right before it to a window address near a
/// page edge: `sel` picks the page and the distance from its start or end (mostly aligned).
fn aim_at_window(block: IRBlock, sel: &[u16]) -> IRBlock {
    let mut ops = Vec::with_capacity(block.ops.len() * 2);
    for (i, mut op) in block.ops.into_iter().enumerate() {
        let n = (i % 4) as u8;
        let ptr = Reg(5 + n);
        let mut is_mem = true;
        use IROp::*;
        match &mut op {
            Lb { base, off, .. }
            | Lh { base, off, .. }
            | Lw { base, off, .. }
            | Ld { base, off, .. }
            | Lbu { base, off, .. }
            | Lhu { base, off, .. }
            | Lwu { base, off, .. }
            | Sb { base, off, .. }
            | Sh { base, off, .. }
            | Sw { base, off, .. }
            | Sd { base, off, .. }
            | Flw { base, off, .. }
            | Fld { base, off, .. }
            | Fsw { base, off, .. }
            | Fsd { base, off, .. } => {
                *base = ptr;
                // Mostly aligned for any width (misaligned accesses take the slow path anyway).
                *off = if *off % 8 == 0 { off.rem_euclid(24) - 8 } else { 8 * off.rem_euclid(3) - 8 };
            }
            Lr { addr, .. } | Sc { addr, .. } | Amo { addr, .. } => *addr = ptr,
            Csr { .. } | CsrI { .. } => continue,
            _ => is_mem = false,
        }
        if is_mem && i % 5 != 0 {
            let s = u64::from(sel[i % sel.len()]);
            let page = WINDOW + (s % (PAGES + 1)) * PAGE_SIZE;
            let delta = if s & 7 == 0 { (s >> 9) % 16 } else { 8 * ((s >> 9) % 2) };
            let at = if s & 0x100 != 0 { page - 16 + delta } else { page + delta };
            ops.push(Li { rd: Dst(5 + n), imm: at as i64 });
        }
        ops.push(op);
    }
    IRBlock { ops, ..block }
}

/// Run `block` as an optimized region on `m` (its fast path: guarded), as the interpreter's
/// [`run_block`] would report it.
fn run_jit(jit: &mut Jit, cpu: &mut CpuState, m: &mut AddressSpace, block: &IRBlock) -> Exit {
    let csr_index: Vec<u32> = (0..block.ops.len() as u32).collect();
    let rb = RegionBlock { block, csr_index: &csr_index, op_pcs: &[], n_insns: 0, ind_targets: &[] };
    let opts = RegionOpts {
        chain: false,
        count: false,
        check_every_block: false,
        flush_temps: true,
        fast_mem: m.fast_mem(),
        promote: 8,
        optimize: true,
        vector: false,
        baseline: false,
    };
    let id = jit.compile_region(&[rb], opts).expect("valid block compiles");
    let never = u64::MAX;
    match jit.enter(id, cpu, m, &mut UserCsrs, EnterEnv { stop: &never }) {
        RegionExit::Next { pc, .. } => Exit::Next(pc),
        RegionExit::Fault { op_index, exc, .. } => Exit::Fault { op_index, exc },
        RegionExit::Term { .. } => Exit::Term(block.term.clone()),
        RegionExit::Side { pc } => panic!("a region that counts nothing left by a side exit at {pc:#x}"),
    }
}

/// Random registers, with the pointers x5–x8 in the window.
fn arb_cpu() -> impl Strategy<Value = CpuState> {
    (
        prop::collection::vec(any::<u64>(), 64),
        prop::collection::vec(any::<u64>(), 32),
        prop::collection::vec(0..PAGES * PAGE_SIZE / 8, 4),
    )
        .prop_map(|(x, f, ptrs)| {
            let mut cpu = CpuState::default();
            cpu.x[1..64].copy_from_slice(&x[1..]);
            for (i, p) in ptrs.iter().enumerate() {
                cpu.x[5 + i] = WINDOW + 8 * p;
            }
            cpu.f.copy_from_slice(&f);
            cpu.fs = 1;
            cpu.pc = 0x1234;
            cpu
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn probe_less_loads_match_the_interpreter(
        block in vm_ir::arbitrary::valid_block(32),
        sel in prop::collection::vec(any::<u16>(), 1..16),
        pages in arb_pages(),
        cpu in arb_cpu(),
        seed in any::<u64>(),
    ) {
        let block = aim_at_window(block, &sel);
        prop_assume!(vm_ir::verify(&block).is_ok());
        let (mut icpu, mut imem) = (cpu.clone(), space(&pages, seed));
        let cpu0 = cpu.clone();
        let (mut jcpu, mut jmem) = (cpu, space(&pages, seed));
        let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, &block);
        let mut jit = Jit::new();
        let jexit = run_jit(&mut jit, &mut jcpu, &mut jmem, &block);
        prop_assert_eq!(&jexit, &iexit, "exit differs for {:?}\n{}", pages, block);
        prop_assert_eq!(&jcpu, &icpu, "state differs for {:?}\n{}", pages, block);
        let icode = code_writes(&mut imem);
        prop_assert_eq!(&code_writes(&mut jmem), &icode, "code writes differ for {:?}\n{}", pages, block);
        prop_assert!(window(&mut jmem) == window(&mut imem), "memory differs for {:?}\n{}", pages, block);

        // The same block in a region that counts fuel, where an access that misses the fast
        // path (a fault, a misaligned access) leaves at its pc with exact state and `instret`
        // for the interpreter to finish; one pass, as the interpreter makes (no edge back to
        // the block's start).
        if !block.term.successors().contains(&block.start_pc) {
            // Some accesses run their slow path in place, as the runtime asks for accesses
            // that keep leaving (misaligned within a page: straight to the host).
            for i in 0..block.ops.len() as u64 {
                if seed.rotate_right(i as u32 * 7) & 3 == 0 {
                    jit.access_in_place(block.start_pc + 4 * i);
                }
            }
            let (mut ccpu, mut cmem) = (cpu0.clone(), space(&pages, seed));
            let (cexit, counted, side) = run_jit_counting(&mut jit, &mut ccpu, &mut cmem, &block);
            prop_assert_eq!(&cexit, &iexit, "counting: exit differs for {:?}\n{}", pages, block);
            // Without a side exit the region counted the block if it ran to its end (a fault
            // counts nothing here: the runtime counts the ops before it).
            if !side && matches!(iexit, Exit::Next(_)) {
                prop_assert_eq!(counted, block.ops.len() as u64, "instret differs for {:?}\n{}", pages, block);
            }
            ccpu.instret = icpu.instret;
            prop_assert_eq!(&ccpu, &icpu, "counting: state differs for {:?}\n{}", pages, block);
            prop_assert_eq!(&code_writes(&mut cmem), &icode, "counting: code writes differ for {:?}\n{}", pages, block);
            prop_assert!(window(&mut cmem) == window(&mut imem), "counting: memory differs for {:?}\n{}", pages, block);
        }
    }
}

/// A load at `x5` (op 0), then one a page further on (op 2).
fn loads_a_page_apart() -> IRBlock {
    vm_ir::parse_block(
        "block 0x1000:
            ld x10, x5, 0
            addi x5, x5, 4096
            lw x11, x5, 8
            addi x12, x11, 1
            ret",
    )
    .unwrap()
}

/// A load from each kind of unloadable page faults exactly as in the interpreter, through the
/// host fault of a probe-less load (counted), and leaves the registers as they were.
#[test]
fn unloadable_pages_fault_through_the_host() {
    for prot in [None, Some(Prot::NONE), Some(Prot::EXEC)] {
        let pages = [Some(Prot::RW), prot, Some(Prot::READ), None, None, None];
        let block = loads_a_page_apart();
        let mut cpu = CpuState::default();
        cpu.x[5] = WINDOW + 0x10;
        let (mut icpu, mut imem) = (cpu.clone(), space(&pages, 7));
        let (mut jcpu, mut jmem) = (cpu, space(&pages, 7));
        let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, &block);
        let mut jit = Jit::new();
        let jexit = run_jit(&mut jit, &mut jcpu, &mut jmem, &block);
        assert!(matches!(iexit, Exit::Fault { op_index: 2, .. }), "{prot:?}: {iexit:?}");
        assert_eq!(jexit, iexit, "{prot:?}");
        assert_eq!(jcpu, icpu, "{prot:?}");
        assert_eq!(jit.counters().load_faults, 1, "{prot:?}: the fault came from the host");
        // The page made readable: the same translation now loads from it, without a fault.
        for m in [&mut imem, &mut jmem] {
            if prot.is_none() {
                m.map_fixed(WINDOW + PAGE_SIZE, PAGE_SIZE, Prot::READ).unwrap();
            } else {
                m.protect(WINDOW + PAGE_SIZE, PAGE_SIZE, Prot::READ).unwrap();
            }
        }
        let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, &block);
        let jexit = run_jit(&mut jit, &mut jcpu, &mut jmem, &block);
        assert_eq!(jexit, Exit::Term(vm_ir::Terminator::Ret), "{prot:?}");
        assert_eq!(jexit, iexit, "{prot:?}");
        assert_eq!(jcpu, icpu, "{prot:?}");
        assert_eq!(jit.counters().load_faults, 1, "{prot:?}");
    }
}

/// Run `block` from `cpu` on the interpreter and as an optimized region, each on its own copy
/// of a space with `pages`; assert both end the same (exit and registers). The exit, and the
/// JIT for its counters.
fn same_as_interpreter(pages: &[Option<Prot>], block: &IRBlock, cpu: CpuState) -> (Exit, Jit) {
    let (mut icpu, mut imem) = (cpu.clone(), space(pages, 7));
    let (mut jcpu, mut jmem) = (cpu, space(pages, 7));
    let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, block);
    let mut jit = Jit::new();
    let jexit = run_jit(&mut jit, &mut jcpu, &mut jmem, block);
    assert_eq!(jexit, iexit);
    assert_eq!(jcpu, icpu);
    (iexit, jit)
}

/// Found by the property test: on the fault path, the translation's exit status was a constant
/// kept in a register since the block's start, which the load's own path no longer needed; a
/// reload of the guest-memory base right before the load reused that register, so resuming
/// the slow path after the load faulted returned the wrong status (the block seemed to run to
/// its end). Loads with anything before them in their block are not redirected now.
#[test]
fn a_register_only_the_slow_path_needs_survives_the_fault() {
    let pages =
        [Some(Prot::NONE), Some(Prot::RW), Some(Prot::RW), Some(Prot::RW), Some(Prot::RW), Some(Prot::RW)];
    let block = vm_ir::parse_block(
        "block 0x0:
            fmv.to s, x1, f0
            li v0, 0
            remu x1, v0, v0
            addw x1, x0, x0
            li v1, 0
            slti x1, v1, 9223372036854775807
            li v2, 0
            mul x1, v2, x0
            li v3, 0
            lh x1, x7, -8
            jump 0x80000000",
    )
    .unwrap();
    let mut cpu = CpuState::default();
    cpu.x[7] = WINDOW;
    let (exit, jit) = same_as_interpreter(&pages, &block, cpu);
    assert!(matches!(exit, Exit::Fault { op_index: 9, .. }), "{exit:?}");
    assert_eq!(jit.counters().load_faults, 1);
}

/// Straight-line loads (none of their blocks dominates the next one's) are redirectable at the
/// first attempt: the guest-memory base is in the pinned register, not loaded again in front
/// of each load (as a movable context load it was, and nearly every optimized region compiled
/// twice). The last load faults through the host, so the redirects are used too.
#[test]
fn straight_line_loads_compile_once() {
    let pages = [Some(Prot::RW), Some(Prot::NONE), None, None, None, None];
    let block = vm_ir::parse_block(
        "block 0x2000:
            ld x10, x5, 0
            lw x11, x5, 8
            lhu x12, x5, 16
            lb x13, x5, 24
            add x14, x10, x11
            ld x15, x5, 32
            addi x5, x5, 4096
            ld x16, x5, 0
            ret",
    )
    .unwrap();
    let mut cpu = CpuState::default();
    cpu.x[5] = WINDOW + 0x40;
    let (exit, jit) = same_as_interpreter(&pages, &block, cpu);
    assert!(matches!(exit, Exit::Fault { op_index: 7, .. }), "{exit:?}");
    assert_eq!(jit.counters().load_faults, 1, "the last load faulted on the host");
    assert_eq!(jit.counters().retranslations, 0, "compiled at the first attempt");
}

/// Run `block` as an optimized region that counts fuel, with one instruction per op at pc
/// `start + 4 i` (so a memory access that misses the fast path leaves through a side exit at
/// its pc), then, after a side exit at op `k`, the rest of the block on the interpreter as the
/// runtime does; reported as the interpreter's [`run_block`] reports the whole block. Returns
/// the exit, the instructions counted and whether a side exit was taken.
fn run_jit_counting(
    jit: &mut Jit,
    cpu: &mut CpuState,
    m: &mut AddressSpace,
    block: &IRBlock,
) -> (Exit, u64, bool) {
    let (id, pcs) = compile_counting(jit, m, block);
    let never = u64::MAX;
    let before = cpu.instret;
    let exit = jit.enter(id, cpu, m, &mut UserCsrs, EnterEnv { stop: &never });
    let counted = cpu.instret - before;
    match exit {
        RegionExit::Side { pc } => {
            let k = ((pc - block.start_pc) / 4) as usize;
            assert_eq!((pc, counted), (pcs[k], k as u64), "a side exit leaves at its op's pc");
            let rest = IRBlock { start_pc: pc, ops: block.ops[k..].to_vec(), term: block.term.clone() };
            let exit = match run_block(cpu, m, &mut UserCsrs, &rest) {
                Exit::Fault { op_index, exc } => Exit::Fault { op_index: k + op_index, exc },
                other => other,
            };
            (exit, counted, true)
        }
        RegionExit::Next { pc, .. } => (Exit::Next(pc), counted, false),
        RegionExit::Fault { op_index, exc, .. } => (Exit::Fault { op_index, exc }, counted, false),
        RegionExit::Term { .. } => (Exit::Term(block.term.clone()), counted, false),
    }
}

/// In a region counting fuel, a load from an unloadable page (through its host fault) and a
/// misaligned load (the fast path's test) leave at the load's pc, with the instructions
/// before it counted, for the runtime to run it.
#[test]
fn a_load_off_the_fast_path_leaves_at_its_pc() {
    for (ptr, host_faults) in [(WINDOW + 0x10, 1), (WINDOW + 0x11, 0)] {
        let pages = [Some(Prot::RW), Some(Prot::NONE), None, None, None, None];
        let (counted, side, jit) = counting_like_interpreter(&pages, ptr, &[]);
        let first = if host_faults == 0 { 0 } else { 2 };
        assert!(side && counted == first, "{ptr:#x}: side exit {side} after {counted}");
        assert_eq!(jit.counters().load_faults, host_faults, "{ptr:#x}");
    }
}

/// Run [`loads_a_page_apart`] with `x5 = ptr` on the interpreter and as a fuel-counting
/// region (accesses at the pcs `in_place` kept in place), each on its own space with `pages`;
/// assert both end the same. The instructions the region counted, whether it left by a side
/// exit, and the JIT.
fn counting_like_interpreter(pages: &[Option<Prot>], ptr: u64, in_place: &[u64]) -> (u64, bool, Jit) {
    let block = loads_a_page_apart();
    let mut cpu = CpuState::default();
    cpu.x[5] = ptr;
    let (mut icpu, mut imem) = (cpu.clone(), space(pages, 7));
    let (mut jcpu, mut jmem) = (cpu, space(pages, 7));
    let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, &block);
    let mut jit = Jit::new();
    for &pc in in_place {
        jit.access_in_place(pc);
    }
    let (jexit, counted, side) = run_jit_counting(&mut jit, &mut jcpu, &mut jmem, &block);
    assert_eq!(jexit, iexit, "{ptr:#x}");
    jcpu.instret = icpu.instret;
    assert_eq!(jcpu, icpu, "{ptr:#x}");
    (counted, side, jit)
}

/// Stores: one to a writable page goes straight to memory; one to a writable page holding
/// translated code takes its slow path, which stores and reports the code write; one to a
/// read-only page faults the guest. All as the interpreter does it.
#[test]
fn stores_to_code_and_read_only_pages_take_the_slow_path() {
    let pages = [Some(Prot::RW), Some(Prot::RW), Some(Prot::READ), None, None, None];
    // Bit 3 + 1: page 1 holds translated code (see `space`).
    let seed = 1 << 4 | 1;
    let block = vm_ir::parse_block(
        "block 0x3000:
            sd x10, x5, 0
            addi x5, x5, 4096
            sd x11, x5, 8
            addi x5, x5, 4096
            sw x12, x5, 16
            ret",
    )
    .unwrap();
    let mut cpu = CpuState::default();
    (cpu.x[5], cpu.x[10], cpu.x[11], cpu.x[12]) = (WINDOW + 0x20, 0x1111, 0x2222, 0x3333);
    let (mut icpu, mut imem) = (cpu.clone(), space(&pages, seed));
    let (mut jcpu, mut jmem) = (cpu, space(&pages, seed));
    let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, &block);
    let mut jit = Jit::new();
    let jexit = run_jit(&mut jit, &mut jcpu, &mut jmem, &block);
    assert!(matches!(iexit, Exit::Fault { op_index: 4, .. }), "{iexit:?}");
    assert_eq!(jexit, iexit);
    assert_eq!(jcpu, icpu);
    assert_eq!(jit.counters().retranslations, 0, "compiled at the first attempt");
    assert_eq!(code_writes(&mut imem), [WINDOW + PAGE_SIZE]);
    assert_eq!(code_writes(&mut jmem), [WINDOW + PAGE_SIZE]);
    assert_eq!(jmem.load64(WINDOW + PAGE_SIZE + 0x28), Ok(0x2222));
    assert!(window(&mut jmem) == window(&mut imem), "memory differs");
    // The write cleared the page's mark: a store there is not reported again.
    jcpu.x[5] = WINDOW + 0x20;
    let again = run_jit(&mut jit, &mut jcpu, &mut jmem, &block);
    assert_eq!(again, iexit);
    assert!(code_writes(&mut jmem).is_empty());
}

/// Accesses the runtime asked to keep in place (they kept leaving by side exits): misaligned
/// within a page, they go straight to the host; straddling a page, they take the slow path
/// where they are. Neither leaves the region, and both load what the interpreter loads.
#[test]
fn accesses_kept_in_place_do_not_leave() {
    let pc = loads_a_page_apart().start_pc;
    for ptr in [WINDOW + 0x11, WINDOW + 0xffd] {
        let pages = [Some(Prot::RW), Some(Prot::RW), Some(Prot::RW), None, None, None];
        let (_, side, jit) = counting_like_interpreter(&pages, ptr, &[pc, pc + 8]);
        assert!(!side, "{ptr:#x}: left by a side exit");
        assert_eq!(jit.counters().load_faults, 0, "{ptr:#x}");
    }
}

//! The indirect-jump lookup table: two translations whose pcs share a slot take turns in it,
//! and the one the runtime enters takes the slot back, so indirect jumps to it stay in
//! compiled code instead of returning to the runtime every time.

use vm_core::CpuState;
use vm_engine_jit::{EnterEnv, Jit, RegionBlock, RegionExit, RegionId, RegionOpts};
use vm_interp::UserCsrs;
use vm_ir::{parse_block, IRBlock};
use vm_mem::PhysMem;

const RAM: u64 = 0x8000_0000;

/// As the runtime compiles regions: chained, counted, optimized.
fn compile(jit: &mut Jit, block: &IRBlock) -> RegionId {
    let ci: Vec<u32> = (0..block.ops.len() as u32).collect();
    let rb = RegionBlock { block, csr_index: &ci, op_pcs: &[], n_insns: ci.len() as u64, ind_targets: &[] };
    let opts = RegionOpts { chain: true, count: true, promote: 6, optimize: true, ..RegionOpts::default() };
    jit.compile_region(&[rb], opts).expect("compiles")
}

fn run(jit: &mut Jit, id: RegionId, cpu: &mut CpuState) -> RegionExit {
    let mut mem = PhysMem::new(RAM, 0x1000).unwrap();
    let never = u64::MAX;
    jit.enter(id, cpu, &mut mem, &mut UserCsrs, EnterEnv { stop: &never })
}

#[test]
fn the_translation_entered_takes_its_lookup_slot_back() {
    // `a` and `b` are 2 * LOOKUP_ENTRIES bytes apart: the same slot.
    let (a_pc, b_pc) = (0x10_0000u64, 0x10_0000 + 2 * vm_engine_jit::context::LOOKUP_ENTRIES as u64);
    let a = parse_block(&format!("block {a_pc:#x}:\n addi x10, x10, 1\n ret")).unwrap();
    let b = parse_block(&format!("block {b_pc:#x}:\n addi x11, x11, 1\n ret")).unwrap();
    // Jumps to the address in x5.
    let jump = parse_block("block 0x1000:\n addi x12, x12, 1\n jump.ind x5, 0").unwrap();
    let mut jit = Jit::new();
    let ra = compile(&mut jit, &a);
    let rj = compile(&mut jit, &jump);
    let _rb = compile(&mut jit, &b); // takes the slot from `a`
    let mut cpu = CpuState { pc: 0x1000, ..Default::default() };
    cpu.x[5] = a_pc;
    // `a` is not in the table: the jump leaves to the runtime.
    let exit = run(&mut jit, rj, &mut cpu);
    assert!(matches!(exit, RegionExit::Next { pc, .. } if pc == a_pc), "{exit:?}");
    assert_eq!(jit.counters().lookup_misses, 1);
    // The runtime enters `a`, which takes the slot back...
    let exit = run(&mut jit, ra, &mut cpu);
    assert!(matches!(exit, RegionExit::Term { block_pc } if block_pc == a_pc), "{exit:?}");
    assert_eq!(cpu.x[10], 1);
    // ...so the next jump runs `a` straight from the jump's translation.
    let exit = run(&mut jit, rj, &mut cpu);
    assert!(matches!(exit, RegionExit::Term { block_pc } if block_pc == a_pc), "{exit:?}");
    assert_eq!((cpu.x[10], cpu.x[11], cpu.x[12]), (2, 0, 2));
    assert_eq!(jit.counters().lookup_hits, 1);
    assert_eq!(jit.counters().lookup_misses, 1);
}

//! What the guarded-memory tests share: a window of pages with random protections at a fixed
//! guest address, how to look at it, and how to run a counted loop in a fuel-counting region
//! against the interpreter.

#![allow(dead_code)]

use proptest::prelude::*;
use vm_core::{CpuState, Mmu};
use vm_engine_jit::{EnterEnv, Jit, RegionBlock, RegionExit, RegionOpts};
use vm_interp::{run_block, Exit, UserCsrs};
use vm_ir::IRBlock;
use vm_mem::{AddressSpace, Prot, PAGE_SIZE};

/// The window of pages the memory ops aim at.
pub const WINDOW: u64 = 0x40_0000;
pub const PAGES: u64 = 6;

pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

/// A page's state: a protection, or (`None`) unmapped.
pub fn arb_pages() -> impl Strategy<Value = Vec<Option<Prot>>> {
    let page = prop_oneof![
        4 => Just(Some(Prot::RW)),
        3 => Just(Some(Prot::READ)),
        1 => Just(Some(Prot::NONE)),
        1 => Just(Some(Prot::EXEC)),
        1 => Just(None),
    ];
    prop::collection::vec(page, PAGES as usize)
}

/// An address space with the window's pages mapped as `pages` and filled from `seed`.
pub fn space(pages: &[Option<Prot>], seed: u64) -> AddressSpace {
    let mut m = AddressSpace::new().unwrap();
    let mut s = seed | 1;
    for (i, prot) in pages.iter().enumerate() {
        let Some(prot) = *prot else { continue };
        let at = WINDOW + i as u64 * PAGE_SIZE;
        m.map_fixed(at, PAGE_SIZE, prot).unwrap();
        let bytes: Vec<u8> = (0..PAGE_SIZE)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s as u8
            })
            .collect();
        m.write_force(at, &bytes).unwrap();
        if prot == Prot::RW && (seed >> (i + 3)) & 1 != 0 {
            // Translated code on a writable page: a store takes its slow path, which reports
            // the write.
            m.note_code(at, PAGE_SIZE);
        }
    }
    m
}

/// The pages holding code that were written, in order.
pub fn code_writes(m: &mut AddressSpace) -> Vec<u64> {
    let mut pages = m.take_code_writes().expect("a user address space tracks code writes");
    pages.sort_unstable();
    pages
}

/// The window's contents and protections (pages made readable to look at them).
pub fn window(m: &mut AddressSpace) -> Vec<(u64, Option<Prot>, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..PAGES {
        let at = WINDOW + i * PAGE_SIZE;
        let prot = m.prot_of(at);
        let mut bytes = vec![0; PAGE_SIZE as usize];
        if let Some(p) = prot {
            m.protect(at, PAGE_SIZE, Prot::READ).unwrap();
            m.read(at, &mut bytes).unwrap();
            m.protect(at, PAGE_SIZE, p).unwrap();
        }
        out.push((at, prot, bytes));
    }
    out
}

/// Compile `block` for `m` as an optimized region that counts fuel, with one instruction per
/// op at pc `start + 4 i` (vector passes on, as the runtime has them): the translation and
/// those pcs.
pub fn compile_counting(
    jit: &mut Jit,
    m: &AddressSpace,
    block: &IRBlock,
) -> (vm_engine_jit::RegionId, Vec<u64>) {
    let n = block.ops.len();
    let csr_index: Vec<u32> = (0..n as u32).collect();
    let pcs: Vec<u64> = (0..n as u64).map(|i| block.start_pc + 4 * i).collect();
    let rb = RegionBlock { block, csr_index: &csr_index, op_pcs: &pcs, n_insns: n as u64, ind_targets: &[] };
    (jit.compile_region(&[rb], counting_opts(m)).expect("valid block compiles"), pcs)
}

/// An optimized region for `m` that counts fuel, vector passes on (as the runtime has them).
pub fn counting_opts(m: &AddressSpace) -> RegionOpts {
    RegionOpts {
        chain: true,
        count: true,
        flush_temps: true,
        fast_mem: m.fast_mem(),
        promote: 8,
        optimize: true,
        vector: true,
        ..RegionOpts::default()
    }
}

/// Run the counted loop `block` as a fuel-counting region with stop word `instret + budget`
/// from `cpu` on `m`; then the interpreter from `cpu0` on `m0` for as many passes as the region
/// counted (and, after a side exit, the ops before it): both must agree.
pub fn counted_like_interpreter(
    block: &IRBlock,
    (cpu, mut m): (CpuState, AddressSpace),
    (cpu0, mut m0): (CpuState, AddressSpace),
    budget: u64,
) -> Result<Jit, TestCaseError> {
    let mut jit = Jit::new();
    let n = block.ops.len();
    let (id, pcs) = compile_counting(&mut jit, &m, block);
    let mut jcpu = cpu;
    let stop = jcpu.instret + budget;
    let exit = jit.enter(id, &mut jcpu, &mut m, &mut UserCsrs, EnterEnv { stop: &stop });
    let counted = jcpu.instret - cpu0.instret;
    let (passes, part) = (counted / n as u64, (counted % n as u64) as usize);
    let mut icpu = cpu0;
    let mut last = None;
    for _ in 0..passes {
        let e = run_block(&mut icpu, &mut m0, &mut UserCsrs, block);
        prop_assert!(matches!(e, Exit::Next(_)), "pass ended by {:?}\n{}", e, block);
        last = Some(e);
    }
    if part > 0 {
        let prefix = IRBlock {
            start_pc: block.start_pc,
            ops: block.ops[..part].to_vec(),
            term: vm_ir::Terminator::Ret,
        };
        let e = run_block(&mut icpu, &mut m0, &mut UserCsrs, &prefix);
        prop_assert_eq!(e, Exit::Term(vm_ir::Terminator::Ret), "prefix of a pass\n{}", block);
    }
    match exit {
        RegionExit::Side { pc } => prop_assert_eq!(pc, pcs[part], "side exit at its op's pc"),
        RegionExit::Next { pc, .. } => {
            prop_assert_eq!(part, 0, "left in the middle of a pass");
            let expect = last.unwrap_or(Exit::Next(block.start_pc));
            prop_assert_eq!(Exit::Next(pc), expect, "exit differs\n{}", block);
            if pc == block.start_pc {
                prop_assert!(jcpu.instret >= stop, "left the loop before the budget\n{}", block);
            }
        }
        // A load kept in place after its translation was made again (`LoadRetry`) faults
        // where it is, reported as the interpreter reports a block that faults (`instret` at
        // the block's start).
        RegionExit::Fault { op_index, exc, .. } => {
            prop_assert_eq!(part, 0, "a fault leaves at the start of its pass\n{}", block);
            let e = run_block(&mut icpu, &mut m0, &mut UserCsrs, block);
            prop_assert_eq!(e, Exit::Fault { op_index, exc }, "fault differs\n{}", block);
        }
        other => prop_assert!(false, "unexpected exit {:?}\n{}", other, block),
    }
    icpu.instret = jcpu.instret;
    same_end((&jcpu, &mut m), (&icpu, &mut m0), &block.to_string())?;
    Ok(jit)
}

/// The region and the interpreter left the same registers, code writes and window contents
/// (`text`: what ran, for the message).
pub fn same_end(
    (jcpu, m): (&CpuState, &mut AddressSpace),
    (icpu, m0): (&CpuState, &mut AddressSpace),
    text: &str,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(jcpu, icpu, "state differs\n{}", text);
    prop_assert_eq!(code_writes(m), code_writes(m0), "code writes differ\n{}", text);
    prop_assert!(window(m) == window(m0), "memory differs\n{}", text);
    Ok(())
}

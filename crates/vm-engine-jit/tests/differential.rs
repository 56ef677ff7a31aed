//! Differential property test: the JIT against the IR interpreter (the oracle).
//!
//! Random valid blocks (from `vm_ir::arbitrary::valid_block`, three quarters of them with memory and
//! atomic ops re-aimed at a scratch RAM region through pointer registers x5–x8) run from the same
//! random hart state and memory on both engines; the exit, the whole `CpuState` (integer slots
//! including temporaries, FP registers, frm/fflags/fs, reservation) and memory must agree, on a
//! first run and on a second one from the resulting state (which reuses the cached code).
//!
//! Case count: 1000 by default (a few seconds in a debug build); set `PROPTEST_CASES` to change.

use std::cell::RefCell;

use proptest::prelude::*;
use vm_core::CpuState;
use vm_engine_jit::Jit;
use vm_interp::{run_block, UserCsrs};
use vm_ir::{Dst, IRBlock, IROp, Reg};
use vm_mem::PhysMem;

const RAM_BASE: u64 = 0x8000_0000;
const RAM_SIZE: usize = 0x1000;

thread_local! {
    static JIT: RefCell<Jit> = RefCell::new(Jit::new());
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

/// Point memory operands at x5–x8 (which hold scratch-RAM addresses) with small offsets, and
/// CSR ops at user CSRs. Before two thirds of the memory ops the pointer is re-set with `li` (other
/// ops may have overwritten it), so most accesses hit RAM and the rest fault.
fn aim_at_ram(block: IRBlock) -> IRBlock {
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
                *off = off.rem_euclid(0x200) - 0x40;
            }
            Lr { addr, .. } | Sc { addr, .. } | Amo { addr, .. } => *addr = ptr,
            // Mostly CSRs that exist in user mode, so later ops still run.
            Csr { csr, .. } | CsrI { csr, .. } => {
                const USER: [u16; 7] = [0x001, 0x002, 0x003, 0xc00, 0xc01, 0xc02, 0x300];
                csr.0 = USER[csr.0 as usize % USER.len()];
                is_mem = false;
            }
            _ => is_mem = false,
        }
        if is_mem && i % 3 != 0 {
            ops.push(Li { rd: Dst(5 + n), imm: (RAM_BASE + 0x100 + 0x40 * i as u64) as i64 });
        }
        ops.push(op);
    }
    IRBlock { ops, ..block }
}

fn arb_block() -> impl Strategy<Value = IRBlock> {
    prop_oneof![vm_ir::arbitrary::valid_block(24), vm_ir::arbitrary::valid_block(32).prop_map(aim_at_ram),]
}

fn arb_cpu() -> impl Strategy<Value = CpuState> {
    (
        prop::collection::vec(any::<u64>(), 64),
        prop::collection::vec(0u64..0x120, 4),
        prop::collection::vec(any::<u64>(), 32),
        prop_oneof![4 => 0u8..5, 1 => 5u8..8],
        0u8..32,
        prop_oneof![1 => Just(0u8), 8 => 1u8..4],
        prop::option::of(0u64..0x120),
    )
        .prop_map(|(x, ptrs, f, frm, fflags, fs, res)| {
            let mut cpu = CpuState::default();
            cpu.x[1..64].copy_from_slice(&x[1..]);
            for (i, p) in ptrs.iter().enumerate() {
                cpu.x[5 + i] = RAM_BASE + 0x100 + 8 * p;
            }
            cpu.f.copy_from_slice(&f);
            cpu.frm = frm;
            cpu.fflags = fflags;
            cpu.fs = fs;
            // Often reserve one of the pointer registers' addresses so SC can succeed.
            cpu.reservation =
                res.map(|r| if r % 2 == 0 { cpu.x[5 + (r as usize / 2) % 4] } else { RAM_BASE + r });
            cpu.pc = 0x1234;
            cpu
        })
}

fn ram(seed: u64) -> PhysMem {
    let mut m = PhysMem::new(RAM_BASE, RAM_SIZE).unwrap();
    let mut s = seed | 1;
    let bytes: Vec<u8> = (0..RAM_SIZE)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect();
    m.write_bytes(RAM_BASE, &bytes).unwrap();
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn jit_matches_interpreter(block in arb_block(), cpu in arb_cpu(), seed in any::<u64>()) {
        let (mut icpu, mut imem) = (cpu.clone(), ram(seed));
        let (mut jcpu, mut jmem) = (cpu, ram(seed));
        // Twice: the second run starts from the first one's results and uses the cached code.
        for round in 0..2 {
            let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, &block);
            let jexit = JIT.with(|j| j.borrow_mut().run_with(&mut jcpu, &mut jmem, &mut UserCsrs, &block));
            let jexit = jexit.expect("valid block compiles");

            prop_assert_eq!(&jexit, &iexit, "exit differs in round {} for\n{}", round, block);
            prop_assert_eq!(&jcpu, &icpu, "state differs in round {} for\n{}", round, block);
            prop_assert!(
                jmem.slice(RAM_BASE, RAM_SIZE) == imem.slice(RAM_BASE, RAM_SIZE),
                "memory differs in round {} for\n{}",
                round,
                block
            );
        }
    }
}

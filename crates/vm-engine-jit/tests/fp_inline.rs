//! Differential test of the inline FP ops (`codegen::fp`): random blocks of F and D
//! arithmetic, fused multiply-adds, comparisons, min/max, sign injection and conversions,
//! with `fflags` reads between them, on operands drawn from the values where IEEE and RISC-V
//! rules bite (zeros, subnormals, the smallest normals, infinities, quiet and signalling NaNs
//! with payloads, improperly boxed singles, conversion bounds, inexact and exact values), run on
//! the JIT and on the interpreter (with accesses to `fflags`, `frm` and `fcsr` between them) (the exact `vm-fpu` code), which must agree on every
//! register, `fflags` included. The FP unit is mostly on and dirty with `frm` = RNE, the fast
//! path's precondition; the rest of the time the cold path runs.
//!
//! Case count: 2000 by default; set `PROPTEST_CASES` to change.

use std::cell::RefCell;

use proptest::prelude::*;
use vm_core::CpuState;
use vm_engine_jit::Jit;
use vm_interp::{run_block, UserCsrs};
use vm_ir::{CsrNum, CsrOp, Dst, FReg, Fmt, IRBlock, IROp, IntKind, Reg, Rm, Terminator};
use vm_mem::PhysMem;

const RAM: u64 = 0x8000_0000;

thread_local! {
    static JIT: RefCell<Jit> = RefCell::new(Jit::new());
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(2000)
}

/// Doubles where the rules differ: signed zeros, subnormals, the normal boundary, huge values,
/// infinities, NaNs (quiet, signalling, with payloads), conversion bounds, and plain values.
fn special_d() -> impl Strategy<Value = u64> {
    const V: [u64; 26] = [
        0x0000_0000_0000_0000, // +0
        0x8000_0000_0000_0000, // -0
        0x3ff0_0000_0000_0000, // 1
        0xbff8_0000_0000_0000, // -1.5
        0x3fd5_5555_5555_5555, // 1/3
        0x0000_0000_0000_0001, // smallest subnormal
        0x000f_ffff_ffff_ffff, // largest subnormal
        0x0010_0000_0000_0000, // smallest normal
        0x0010_0000_0000_0001,
        0x7fef_ffff_ffff_ffff, // largest finite
        0xffef_ffff_ffff_ffff,
        0x7ff0_0000_0000_0000, // +inf
        0xfff0_0000_0000_0000, // -inf
        0x7ff8_0000_0000_0000, // canonical NaN
        0xfff8_0000_0000_1234, // quiet NaN with payload
        0x7ff0_0000_0000_0001, // signalling NaN
        0x41df_ffff_ffc0_0000, // 2^31 - 1
        0x41e0_0000_0000_0000, // 2^31
        0xc1e0_0000_0000_0000, // -2^31
        0xc1e0_0000_0020_0000, // -2^31 - 1
        0xc1e0_0000_0010_0000, // -2^31 - 0.5
        0x43e0_0000_0000_0000, // 2^63
        0xc3e0_0000_0000_0000, // -2^63
        0x4005_bf0a_8b14_5769, // e
        0x3ff0_0000_0000_0001, // 1 + ulp
        0x3e50_0000_0000_0000, // 2^-26
    ];
    prop_oneof![
        3 => (0..V.len()).prop_map(|i| V[i]),
        2 => (-1_000_000i64..1_000_000, 0u32..8).prop_map(|(n, s)| (n as f64 / f64::from(1u32 << s)).to_bits()),
        1 => any::<u64>(),
    ]
}

/// Singles, NaN-boxed (mostly), as in `special_d`.
fn special_s() -> impl Strategy<Value = u64> {
    const V: [u32; 20] = [
        0x0000_0000,
        0x8000_0000,
        0x3f80_0000,
        0xbfc0_0000,
        0x3eaa_aaab,
        0x0000_0001,
        0x007f_ffff,
        0x0080_0000,
        0x0080_0001,
        0x7f7f_ffff,
        0xff7f_ffff,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0xffc0_1234,
        0x7f80_0001,
        0x4f00_0000,
        0xcf00_0000,
        0x5f00_0000,
        0xdf00_0000,
    ];
    prop_oneof![
        6 => (0..V.len()).prop_map(|i| 0xffff_ffff_0000_0000 | u64::from(V[i])),
        4 => (-100_000i32..100_000, 0u32..8)
            .prop_map(|(n, s)| 0xffff_ffff_0000_0000 | u64::from((n as f32 / (1u32 << s) as f32).to_bits())),
        1 => any::<u32>().prop_map(|b| 0xffff_ffff_0000_0000 | u64::from(b)),
        1 => any::<u64>(),
    ]
}

fn special_int() -> impl Strategy<Value = u64> {
    const V: [u64; 10] = [
        0,
        1,
        u64::MAX,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff_8000_0000,
        0xffff_ffff,
        0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0000,
        0x0100_0001, // 2^24 + 1: inexact as a single
    ];
    prop_oneof![2 => (0..V.len()).prop_map(|i| V[i]), 1 => any::<u64>(), 1 => (-5000i64..5000).prop_map(|v| v as u64)]
}

fn fmt() -> impl Strategy<Value = Fmt> {
    prop_oneof![Just(Fmt::S), Just(Fmt::D)]
}

fn rm() -> impl Strategy<Value = Rm> {
    prop_oneof![8 => Just(Rm::Dyn), 4 => Just(Rm::Rne), 1 => Just(Rm::Rtz), 1 => Just(Rm::Rup), 1 => Just(Rm::Rmm)]
}

fn kind() -> impl Strategy<Value = IntKind> {
    prop_oneof![Just(IntKind::W), Just(IntKind::Wu), Just(IntKind::L), Just(IntKind::Lu)]
}

/// One FP op on f0–f7 and x10–x13.
fn fp_op() -> impl Strategy<Value = IROp> {
    let f = || (0u8..8).prop_map(FReg);
    let d = || (10u8..14).prop_map(Dst);
    use IROp::*;
    prop_oneof![
        (fmt(), f(), f(), f(), rm()).prop_map(|(fmt, fd, a, b, rm)| FAdd { fmt, fd, a, b, rm }),
        (fmt(), f(), f(), f(), rm()).prop_map(|(fmt, fd, a, b, rm)| FSub { fmt, fd, a, b, rm }),
        (fmt(), f(), f(), f(), rm()).prop_map(|(fmt, fd, a, b, rm)| FMul { fmt, fd, a, b, rm }),
        (fmt(), f(), f(), f(), rm()).prop_map(|(fmt, fd, a, b, rm)| FDiv { fmt, fd, a, b, rm }),
        (fmt(), f(), f(), rm()).prop_map(|(fmt, fd, a, rm)| FSqrt { fmt, fd, a, rm }),
        (fmt(), f(), f(), f(), f(), rm()).prop_map(|(fmt, fd, a, b, c, rm)| FMadd { fmt, fd, a, b, c, rm }),
        (fmt(), f(), f(), f(), f(), rm()).prop_map(|(fmt, fd, a, b, c, rm)| FMsub { fmt, fd, a, b, c, rm }),
        (fmt(), f(), f(), f(), f(), rm()).prop_map(|(fmt, fd, a, b, c, rm)| FNmsub { fmt, fd, a, b, c, rm }),
        (fmt(), f(), f(), f(), f(), rm()).prop_map(|(fmt, fd, a, b, c, rm)| FNmadd { fmt, fd, a, b, c, rm }),
        (fmt(), f(), f(), f()).prop_map(|(fmt, fd, a, b)| FSgnj { fmt, fd, a, b }),
        (fmt(), f(), f(), f()).prop_map(|(fmt, fd, a, b)| FSgnjn { fmt, fd, a, b }),
        (fmt(), f(), f(), f()).prop_map(|(fmt, fd, a, b)| FSgnjx { fmt, fd, a, b }),
        (fmt(), f(), f(), f()).prop_map(|(fmt, fd, a, b)| FMin { fmt, fd, a, b }),
        (fmt(), f(), f(), f()).prop_map(|(fmt, fd, a, b)| FMax { fmt, fd, a, b }),
        (fmt(), d(), f(), f()).prop_map(|(fmt, rd, a, b)| FEq { fmt, rd, a, b }),
        (fmt(), d(), f(), f()).prop_map(|(fmt, rd, a, b)| FLt { fmt, rd, a, b }),
        (fmt(), d(), f(), f()).prop_map(|(fmt, rd, a, b)| FLe { fmt, rd, a, b }),
        (fmt(), kind(), d(), f(), prop_oneof![3 => Just(Rm::Rtz), 1 => rm()])
            .prop_map(|(fmt, kind, rd, a, rm)| FCvtToInt { fmt, kind, rd, a, rm }),
        (fmt(), kind(), f(), (10u8..16).prop_map(Reg), rm())
            .prop_map(|(fmt, kind, fd, rs, rm)| FCvtFromInt { fmt, kind, fd, rs, rm }),
        (fmt(), f(), f(), rm()).prop_map(|(to, fd, a, rm)| FCvtFF { to, fd, a, rm }),
        (fmt(), d(), f()).prop_map(|(fmt, rd, a)| FClass { fmt, rd, a }),
        // Moves, loads and stores between the arithmetic: other writers of FP registers.
        (fmt(), f(), (10u8..16).prop_map(Reg)).prop_map(|(fmt, fd, rs)| FMvFromInt { fmt, fd, rs }),
        (fmt(), d(), f()).prop_map(|(fmt, rd, a)| FMvToInt { fmt, rd, a }),
        (f(), 0i64..16).prop_map(|(fd, o)| Fld { fd, base: Reg(16), off: 8 * o }),
        (f(), 0i64..16).prop_map(|(fd, o)| Flw { fd, base: Reg(16), off: 4 * o }),
        (f(), 0i64..16).prop_map(|(src, o)| Fsd { src, base: Reg(16), off: 8 * o }),
        (f(), 0i64..16).prop_map(|(src, o)| Fsw { src, base: Reg(16), off: 4 * o }),
        // Read and clear the flags mid-block: `csrrw x13, fflags, x0`.
        Just(Csr { op: CsrOp::Rw, rd: Reg(13), csr: CsrNum(0x001), src: Reg(0) }),
        // Read them: `csrrs x12, fflags, x0` (`frflags`).
        Just(Csr { op: CsrOp::Rs, rd: Reg(12), csr: CsrNum(0x001), src: Reg(0) }),
        // Any access to fflags, frm or fcsr (a write to frm changes which ops run inline).
        (csr_op(), (0u8..16).prop_map(Reg), 1u16..4, prop_oneof![Just(Reg(0)), (10u8..16).prop_map(Reg)])
            .prop_map(|(op, rd, csr, src)| Csr { op, rd, csr: CsrNum(csr), src }),
        (csr_op(), (0u8..16).prop_map(Reg), 1u16..4, 0i64..32).prop_map(|(op, rd, csr, uimm)| CsrI {
            op,
            rd,
            csr: CsrNum(csr),
            uimm
        }),
    ]
}

fn csr_op() -> impl Strategy<Value = CsrOp> {
    prop_oneof![Just(CsrOp::Rw), Just(CsrOp::Rs), Just(CsrOp::Rc)]
}

fn fp_block() -> impl Strategy<Value = IRBlock> {
    prop::collection::vec(fp_op(), 1..12).prop_map(|ops| IRBlock {
        start_pc: 0x1000,
        ops,
        term: Terminator::Ret,
    })
}

fn fp_cpu() -> impl Strategy<Value = CpuState> {
    (
        prop::collection::vec(prop_oneof![special_d(), special_s()], 8),
        prop::collection::vec(special_int(), 6),
        prop_oneof![12 => Just(0u8), 1 => 1u8..8],
        0u8..32,
        prop_oneof![12 => Just(3u8), 1 => 0u8..3],
    )
        .prop_map(|(f, x, frm, fflags, fs)| {
            let mut cpu = CpuState::default();
            cpu.f[..8].copy_from_slice(&f);
            cpu.x[10..16].copy_from_slice(&x);
            cpu.x[16] = RAM + 0x100;
            cpu.frm = frm;
            cpu.fflags = fflags;
            cpu.fs = fs;
            cpu.pc = 0x1000;
            cpu
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn inline_fp_matches_interpreter(
        block in fp_block(),
        cpu in fp_cpu(),
        data in prop::collection::vec(prop_oneof![special_d(), special_s()], 16),
    ) {
        let mem = || {
            let mut m = PhysMem::new(RAM, 0x1000).unwrap();
            let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
            m.write_bytes(RAM + 0x100, &bytes).unwrap();
            m
        };
        let (mut icpu, mut imem) = (cpu.clone(), mem());
        let (mut jcpu, mut jmem) = (cpu, mem());
        // Twice: the second run starts from the first one's results (flags accrued, registers
        // overwritten) and uses the cached code.
        for round in 0..2 {
            let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, &block);
            let jexit = JIT.with(|j| j.borrow_mut().run_with(&mut jcpu, &mut jmem, &mut UserCsrs, &block));
            let jexit = jexit.expect("valid block compiles");
            prop_assert_eq!(&jexit, &iexit, "exit differs in round {} for\n{}", round, block);
            prop_assert_eq!(&jcpu, &icpu, "state differs in round {} for\n{}", round, block);
            prop_assert!(jmem.slice(RAM, 0x1000) == imem.slice(RAM, 0x1000), "memory differs for\n{}", block);
        }
    }
}

/// The fast path is what runs here: a block of plain double arithmetic with the unit dirty and
/// RNE accrues exactly the flags of the interpreter (NX from 1/3, read and cleared by the
/// inline `csrrw`, then NV from inf - inf).
#[test]
fn flags_accrue_on_the_fast_path() {
    let mut cpu = CpuState { fs: 3, frm: 0, ..CpuState::default() };
    cpu.f[1] = 1f64.to_bits();
    cpu.f[2] = 3f64.to_bits();
    cpu.f[3] = f64::INFINITY.to_bits();
    use IROp::*;
    let block = IRBlock {
        start_pc: 0x1000,
        ops: vec![
            FDiv { fmt: Fmt::D, fd: FReg(4), a: FReg(1), b: FReg(2), rm: Rm::Dyn },
            Csr { op: CsrOp::Rw, rd: Reg(10), csr: CsrNum(0x001), src: Reg(0) },
            FSub { fmt: Fmt::D, fd: FReg(5), a: FReg(3), b: FReg(3), rm: Rm::Rne },
        ],
        term: Terminator::Ret,
    };
    assert!(block.ops.iter().all(|op| !vm_engine_jit::runs_out_of_line(op)), "all three compile inline");
    let mut mem = PhysMem::new(RAM, 0x1000).unwrap();
    Jit::new().run_with(&mut cpu, &mut mem, &mut UserCsrs, &block).unwrap();
    assert_eq!(cpu.f[4], (1.0f64 / 3.0).to_bits());
    assert_eq!(cpu.x[10], u64::from(vm_fpu::NX), "csrrw read the flags of 1/3");
    assert_eq!(cpu.f[5], vm_fpu::CANONICAL_NAN_D);
    assert_eq!(cpu.fflags, vm_fpu::NV, "inf - inf after the flags were cleared");
}

/// An FP result that is overwritten before anything reads it, or never read, still raises its
/// flags: the optimizer must not drop the operation with its dead store (or unused temporary).
#[test]
fn dead_results_still_raise_flags() {
    let snan = 0x7ff0_0000_0000_0001u64;
    for (text, want) in [
        // (Found by the random test.)
        (
            "fmv.to s, x10, f0\n fsub s, f0, f1, f0, dyn\n fadd d, f3, f1, f2, rne\n fsgnj s, f3, f0, f0",
            vm_fpu::NV,
        ),
        ("fsub d, f5, f2, f2, rne\n fadd d, f3, f1, f2, rne\n fsgnj d, f3, f0, f0", vm_fpu::NV),
        ("fsub d, f5, f2, f2, rne\n fcvt.to d, w, v3, f4, rtz", vm_fpu::NX),
        ("fsub d, f5, f2, f2, rne\n fcvt.to d, l, x10, f4, rtz\n li x10, 1", vm_fpu::NX),
    ] {
        let block = vm_ir::parse_block(&format!("block 0x1000:\n {text}\n ret")).unwrap();
        let mut cpu = CpuState { fs: 3, ..CpuState::default() };
        cpu.f[0] = 0xffff_ffff_8000_0000;
        cpu.f[1] = snan;
        cpu.f[2] = 2f64.to_bits();
        cpu.f[4] = 2.5f64.to_bits();
        let mut mem = PhysMem::new(RAM, 0x1000).unwrap();
        let mut icpu = cpu.clone();
        run_block(&mut icpu, &mut mem, &mut UserCsrs, &block);
        Jit::new().run_with(&mut cpu, &mut mem, &mut UserCsrs, &block).unwrap();
        assert_eq!(icpu.fflags, want, "{block}");
        assert_eq!(cpu, icpu, "{block}");
    }
}

//! Unit tests per op family: each block runs on the JIT and on the interpreter, which must agree;
//! the interesting results are also checked against their RISC-V values.

use vm_core::CpuState;
use vm_engine_jit::Jit;
use vm_interp::{run_block, Exception, Exit, UserCsrs};
use vm_ir::{parse_block, Dst, IRBlock, IROp, Reg, Terminator};
use vm_mem::PhysMem;

const RAM: u64 = 0x8000_0000;

/// Run `text` (IR text form) from `cpu` on both engines; assert they agree; return the JIT's
/// exit and state.
fn both(text: &str, cpu: &CpuState) -> (Exit, CpuState, PhysMem) {
    let block = parse_block(text).unwrap();
    let (mut icpu, mut imem) = (cpu.clone(), PhysMem::new(RAM, 0x1000).unwrap());
    let iexit = run_block(&mut icpu, &mut imem, &mut UserCsrs, &block);
    let (mut jcpu, mut jmem) = (cpu.clone(), PhysMem::new(RAM, 0x1000).unwrap());
    let jexit = Jit::new().run_with(&mut jcpu, &mut jmem, &mut UserCsrs, &block).unwrap();
    assert_eq!(jexit, iexit, "{block}");
    assert_eq!(jcpu, icpu, "{block}");
    assert!(jmem.slice(RAM, 0x1000) == imem.slice(RAM, 0x1000), "{block}");
    (jexit, jcpu, jmem)
}

fn cpu_with(regs: &[(usize, u64)]) -> CpuState {
    let mut cpu = CpuState::default();
    for &(r, v) in regs {
        cpu.x[r] = v;
    }
    cpu
}

#[test]
fn alu_and_immediates() {
    let cpu = cpu_with(&[(1, 0xffff_ffff_8000_0001), (2, 70), (3, u64::MAX)]);
    let (exit, c, _) = both(
        "block 0x1000:
            add x10, x1, x2
            sub x11, x2, x1
            sll x12, x1, x2
            srl x13, x1, x2
            sra x14, x1, x2
            slt x15, x1, x2
            sltu x16, x1, x2
            xori x17, x1, -1
            slti x18, x3, 0
            sltiu x19, x2, -1
            srai x20, x1, 65
            addiw x21, x1, 5
            sllw x22, x1, x2
            srlw x23, x1, x2
            sraw x24, x1, x2
            slliw x25, x3, 31
            addw x26, x1, x1
            ret",
        &cpu,
    );
    assert_eq!(exit, Exit::Term(Terminator::Ret));
    let x1 = 0xffff_ffff_8000_0001u64;
    assert_eq!(c.x[10], x1.wrapping_add(70));
    assert_eq!(c.x[12], x1 << 6);
    assert_eq!(c.x[14], ((x1 as i64) >> 6) as u64);
    assert_eq!(c.x[15], 1);
    assert_eq!(c.x[16], 0);
    assert_eq!(c.x[18], 1);
    assert_eq!(c.x[19], 1);
    assert_eq!(c.x[21], 0xffff_ffff_8000_0006);
    assert_eq!(c.x[25], 0xffff_ffff_8000_0000);
    assert_eq!(c.x[26], 2);
}

/// Bitwise ops on W results run on the low halves (see `Gen::bitwise`): the results must
/// still be the 64-bit RISC-V values, for every mix of W and full-width operands.
#[test]
fn bitwise_ops_on_w_results() {
    let cpu = cpu_with(&[(1, 0xffff_ffff_8000_0001), (2, 0x1234_5678_9abc_def0), (3, 0x7fff_ffff)]);
    let (_, c, _) = both(
        "block 0x1000:
            addw x4, x1, x0
            addiw x5, x3, 1
            andi x10, x4, -16
            ori x11, x5, 2047
            xori x12, x4, -1
            and x13, x4, x5
            or x14, x4, x5
            xor x15, x4, x5
            and x16, x4, x2
            xor x17, x2, x5
            andi x18, x4, 127
            mulw x19, x18, x5
            ret",
        &cpu,
    );
    let (w4, w5) = (0xffff_ffff_8000_0001u64, 0xffff_ffff_8000_0000u64);
    assert_eq!(c.x[10], w4 & !15);
    assert_eq!(c.x[11], w5 | 2047);
    assert_eq!(c.x[12], !w4);
    assert_eq!((c.x[13], c.x[14], c.x[15]), (w4 & w5, w4 | w5, w4 ^ w5));
    assert_eq!((c.x[16], c.x[17]), (w4 & 0x1234_5678_9abc_def0, 0x1234_5678_9abc_def0 ^ w5));
    assert_eq!(c.x[18], 1);
    assert_eq!(c.x[19], w5);
}

#[test]
fn mul_div_rem_edge_cases() {
    let min = i64::MIN as u64;
    let cpu = cpu_with(&[(1, min), (2, u64::MAX), (3, 0), (4, 7), (5, 0xffff_ffff_8000_0000)]);
    let (_, c, _) = both(
        "block 0x1000:
            div x10, x1, x2
            rem x11, x1, x2
            div x12, x4, x3
            divu x13, x4, x3
            rem x14, x4, x3
            remu x15, x4, x3
            divw x16, x5, x2
            remw x17, x5, x2
            divuw x18, x4, x3
            remuw x19, x5, x3
            mulh x20, x1, x2
            mulhu x21, x2, x2
            mulhsu x22, x2, x4
            mulw x23, x5, x4
            mul x24, x2, x4
            ret",
        &cpu,
    );
    assert_eq!(c.x[10], min);
    assert_eq!(c.x[11], 0);
    assert_eq!(c.x[12], u64::MAX);
    assert_eq!(c.x[13], u64::MAX);
    assert_eq!(c.x[14], 7);
    assert_eq!(c.x[15], 7);
    assert_eq!(c.x[16], 0xffff_ffff_8000_0000);
    assert_eq!(c.x[17], 0);
    assert_eq!(c.x[18], u64::MAX);
    assert_eq!(c.x[19], 0xffff_ffff_8000_0000);
    assert_eq!(c.x[22], u64::MAX); // -1 * 7 = -7: high half all ones
}

#[test]
fn loads_and_stores() {
    let cpu = cpu_with(&[(5, RAM + 0x100), (6, 0x8899_aabb_ccdd_eeff)]);
    let (exit, c, m) = both(
        "block 0x1000:
            sd x6, x5, 0
            sb x6, x5, 9
            lb x10, x5, 0
            lbu x11, x5, 0
            lh x12, x5, 2
            lhu x13, x5, 2
            lw x14, x5, 4
            lwu x15, x5, 4
            ld x16, x5, 8
            sw x6, x5, 17
            ld x17, x5, 16
            jump 0x2000",
        &cpu,
    );
    assert_eq!(exit, Exit::Next(0x2000));
    assert_eq!(c.x[10], 0xffff_ffff_ffff_ffff);
    assert_eq!(c.x[11], 0xff);
    assert_eq!(c.x[12], 0xffff_ffff_ffff_ccdd);
    assert_eq!(c.x[13], 0xccdd);
    assert_eq!(c.x[14], 0xffff_ffff_8899_aabb);
    assert_eq!(c.x[15], 0x8899_aabb);
    assert_eq!(c.x[16], 0xff00);
    assert_eq!(c.x[17], 0x00cc_ddee_ff00);
    assert_eq!(m.slice(RAM + 0x100, 1).unwrap(), &[0xff]);
}

#[test]
fn atomics() {
    let cpu = cpu_with(&[(5, RAM + 0x200), (6, 5), (7, RAM + 0x204)]);
    let (_, c, _) = both(
        "block 0x1000:
            sd x6, x5, 0
            lr d, x10, x5
            amo add, d, x11, x5, x6
            sc d, x12, x5, x6
            lr w, x13, x5
            sc w, x14, x7, x6
            amo maxu, w, x15, x7, x6
            ret",
        &cpu,
    );
    assert_eq!((c.x[10], c.x[11], c.x[12]), (5, 5, 0));
    assert_eq!(c.x[13], 5);
    assert_eq!(c.x[14], 1); // reservation was on another address
    assert_eq!(c.reservation, None);
}

#[test]
fn fp_and_csr() {
    let mut cpu = cpu_with(&[(5, RAM + 0x300), (6, 0x40)]);
    cpu.f[1] = 1.5f64.to_bits();
    cpu.f[2] = 0.1f64.to_bits();
    cpu.frm = 0;
    let (_, c, _) = both(
        "block 0x1000:
            fadd d, f3, f1, f2, dyn
            fdiv d, f4, f1, f2, rne
            fsd f3, x5, 0
            fld f5, x5, 0
            flt d, x10, f2, f1
            fcvt.to d, w, x11, f4, rtz
            csr rs, x12, csr:0x1, x0
            csri rw, x13, csr:0x2, 3
            fmv.to d, x14, f5
            fmv.from s, f6, x5
            fmv.to s, x15, f6
            fmv.from d, f7, x5
            ret",
        &cpu,
    );
    assert_eq!(f64::from_bits(c.f[3]), 1.5 + 0.1);
    assert_eq!(c.x[10], 1);
    assert_eq!(c.x[11], 15);
    assert_eq!(c.x[12], 1); // inexact
    assert_eq!(c.frm, 3);
    assert_eq!(c.fs, 3);
    assert_eq!(c.x[14], c.f[3]);
    assert_eq!(c.f[6], 0xffff_ffff_8000_0300);
    assert_eq!(c.x[15], 0xffff_ffff_8000_0300);
    assert_eq!(c.f[7], RAM + 0x300);
}

#[test]
fn terminators() {
    let cpu = cpu_with(&[(1, 3), (2, u64::MAX)]);
    assert_eq!(both("block 0x10:\n branch ltu, x1, x2, 0x100, 0x14", &cpu).0, Exit::Next(0x100));
    assert_eq!(both("block 0x10:\n branch lt, x1, x2, 0x100, 0x14", &cpu).0, Exit::Next(0x14));
    assert_eq!(both("block 0x10:\n addi x3, x1, 4\n jump.ind x3, 0", &cpu).0, Exit::Next(6));
    assert_eq!(
        both("block 0x10:\n li x17, 93\n ecall 0x10", &cpu).0,
        Exit::Term(Terminator::Ecall { pc: 0x10 })
    );
    let (exit, c, _) = both("block 0x10:\n li x1, 9\n trap 0x2, 0x1234, 0x10", &cpu);
    assert_eq!(exit, Exit::Term(Terminator::Trap { cause: 2, tval: 0x1234, pc: 0x10 }));
    assert_eq!(c.x[1], 9);
}

#[test]
fn fault_mid_block_keeps_earlier_effects() {
    let cpu = cpu_with(&[(5, RAM), (6, 0x42)]);
    let (exit, c, m) = both(
        "block 0x1000:
            li x10, 1
            sd x6, x5, 8
            addi x11, x10, 1
            ld x12, x5, -8
            li x13, 3
            ret",
        &cpu,
    );
    assert_eq!(exit, Exit::Fault { op_index: 3, exc: Exception { cause: 5, tval: RAM - 8 } });
    assert_eq!((c.x[10], c.x[11], c.x[12], c.x[13]), (1, 2, 0, 0));
    assert_eq!(m.slice(RAM + 8, 1).unwrap(), &[0x42]);

    // A faulting helper op (inaccessible CSR) after register writes.
    let (exit, c, _) =
        both("block 0x1000:\n li x10, 7\n csr rw, x11, csr:0x300, x10\n li x12, 1\n ret", &cpu);
    assert_eq!(exit, Exit::Fault { op_index: 1, exc: Exception::illegal(0) });
    assert_eq!((c.x[10], c.x[11], c.x[12]), (7, 0, 0));

    // FP disabled.
    let mut off = cpu.clone();
    off.fs = 0;
    let (exit, _, _) = both("block 0x1000:\n li x10, 7\n fsgnj d, f1, f2, f2\n ret", &off);
    assert_eq!(exit, Exit::Fault { op_index: 1, exc: Exception::illegal(0) });
    let (exit, c, _) = both("block 0x1000:\n li x10, 7\n fmv.to d, x11, f2\n ret", &off);
    assert_eq!(exit, Exit::Fault { op_index: 1, exc: Exception::illegal(0) });
    assert_eq!((c.x[10], c.x[11]), (7, 0));
    let (exit, c, _) = both("block 0x1000:\n li x10, 7\n fmv.from s, f2, x10\n ret", &off);
    assert_eq!(exit, Exit::Fault { op_index: 1, exc: Exception::illegal(0) });
    assert_eq!((c.f[2], c.fs), (0, 0));
}

#[test]
fn invalid_block_is_rejected() {
    let mut jit = Jit::new();
    let mut mmu = PhysMem::new(RAM, 0x1000).unwrap();
    let writes_x0 =
        IRBlock { start_pc: 0x1000, ops: vec![IROp::Li { rd: Dst(0), imm: 1 }], term: Terminator::Ret };
    assert!(matches!(jit.run(&mut mmu, &writes_x0), Err(vm_core::error::VmError::InvalidIr { .. })));
    let reads_unset_temp = IRBlock {
        start_pc: 0x1000,
        ops: vec![IROp::AddI { rd: Dst(10), rs1: Reg::temp(3), imm: 1 }],
        term: Terminator::Ret,
    };
    assert!(jit.try_run(&mut mmu, &reads_unset_temp).is_err());
    assert_eq!(jit.cached_blocks(), 0);
    assert_eq!(jit.cpu, CpuState::default());
}

#[test]
fn run_moves_pc_and_caches() {
    let mut jit = Jit::new();
    let mut mmu = PhysMem::new(RAM, 0x1000).unwrap();
    let block = parse_block("block 0x1000:\n addi x10, x10, 1\n jump 0x1004").unwrap();
    for _ in 0..3 {
        assert_eq!(jit.run(&mut mmu, &block).unwrap(), Exit::Next(0x1004));
    }
    assert_eq!(jit.cpu.x[10], 3);
    assert_eq!(jit.cpu.pc, 0x1004);
    assert_eq!(jit.cached_blocks(), 1);
    let other = parse_block("block 0x1000:\n addi x10, x10, 2\n jump 0x1004").unwrap();
    jit.run(&mut mmu, &other).unwrap();
    assert_eq!(jit.cpu.x[10], 5);
    assert_eq!(jit.cached_blocks(), 2);
}

/// Records the op index of every CSR access and allows them all (reads return 0x55).
struct Recorder(Vec<usize>);

impl vm_interp::CsrHandler for Recorder {
    fn csr(
        &mut self,
        _cpu: &mut CpuState,
        op_index: usize,
        _csr: u16,
        _op: vm_ir::CsrOp,
        _src: u64,
        _read: bool,
        _write: bool,
    ) -> Result<u64, Exception> {
        self.0.push(op_index);
        Ok(0x55)
    }
}

#[test]
fn csr_handler_sees_the_real_op_index() {
    let block =
        parse_block("block 0x1000:\n li x10, 1\n csr rw, x11, csr:0x300, x10\n addi x12, x11, 1\n csri rs, x13, csr:0x341, 1\n ret")
            .unwrap();
    let mut cpu = CpuState::default();
    let mut mmu = PhysMem::new(RAM, 0x1000).unwrap();
    let mut csrs = Recorder(Vec::new());
    let exit = Jit::new().run_with(&mut cpu, &mut mmu, &mut csrs, &block).unwrap();
    assert_eq!(exit, Exit::Term(Terminator::Ret));
    assert_eq!(csrs.0, vec![1, 3]);
    assert_eq!((cpu.x[11], cpu.x[12], cpu.x[13]), (0x55, 0x56, 0x55));
}

#[test]
fn compiled_handles_run_without_lookup() {
    let mut jit = Jit::new();
    let block =
        parse_block("block 0x1000:\n addi x10, x10, 3\n branch ltu, x10, x11, 0x1000, 0x1008").unwrap();
    let h = jit.compile(&block).unwrap();
    assert_eq!(jit.compile(&block).unwrap(), h);
    let mut cpu = cpu_with(&[(11, 7)]);
    let mut mmu = PhysMem::new(RAM, 0x1000).unwrap();
    let exits: Vec<Exit> = (0..3).map(|_| jit.run_compiled(h, &mut cpu, &mut mmu, &mut UserCsrs)).collect();
    assert_eq!(exits, vec![Exit::Next(0x1000), Exit::Next(0x1000), Exit::Next(0x1008)]);
    assert_eq!(cpu.x[10], 9);
}

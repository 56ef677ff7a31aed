//! Tests of the lifter: every opcode lifts to well-formed IR, representative instructions lift
//! to the expected text form, and `lift_block` ends blocks and reports fetch faults correctly.

use std::collections::HashMap;

use vm_core::{AccessKind, MemFault, MemFaultKind};
use vm_ir::{IROp, Terminator};

use super::{lift_block, lift_block_with, lift_insn, InsnMark, LiftedBlock};
use crate::riscv64::{Insn, Op};

const RAW: u32 = 0xdead_beef;

fn ins(op: Op, rd: u8, rs1: u8, rs2: u8, imm: i64) -> Insn {
    Insn { op, rd, rs1, rs2, rs3: 0, imm, rm: 0, len: 4, raw: RAW }
}

/// Lift `insn` at `pc` and return its ops and terminator in text form.
fn lift_text(insn: &Insn, pc: u64) -> Vec<String> {
    let mut ops = Vec::new();
    let term = lift_insn(insn, pc, &mut ops);
    ops.iter().map(IROp::to_string).chain(term.map(|t| t.to_string())).collect()
}

fn assert_lifts(insn: Insn, pc: u64, expected: &[&str]) {
    assert_eq!(lift_text(&insn, pc), expected, "lifting {insn:?} at {pc:#x}");
}

/// Integer slots an op or terminator reads and writes, from the `Debug` form of its operands
/// (`rs1: Reg(10)` reads slot 10, `rd: Dst(63)` writes slot 63; `FReg` is not an integer slot).
fn slots(debug: &str) -> (Vec<u8>, Vec<u8>) {
    let grab = |tag: &str| -> Vec<u8> {
        debug
            .match_indices(tag)
            .filter_map(|(i, _)| {
                let rest = &debug[i + tag.len()..];
                rest[..rest.find(')')?].parse().ok()
            })
            .collect()
    };
    (grab(": Reg("), grab(": Dst("))
}

/// Opcodes with no side effect: to x0 they must lift to nothing.
fn is_pure(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Lui | Auipc
            | Addi
            | Slti
            | Sltiu
            | Xori
            | Ori
            | Andi
            | Slli
            | Srli
            | Srai
            | Add
            | Sub
            | Sll
            | Slt
            | Sltu
            | Xor
            | Srl
            | Sra
            | Or
            | And
            | Addiw
            | Slliw
            | Srliw
            | Sraiw
            | Addw
            | Subw
            | Sllw
            | Srlw
            | Sraw
            | Mul
            | Mulh
            | Mulhsu
            | Mulhu
            | Div
            | Divu
            | Rem
            | Remu
            | Mulw
            | Divw
            | Divuw
            | Remw
            | Remuw
            | FmvXW
            | FmvXD
            | FclassS
            | FclassD
    )
}

#[test]
fn every_opcode_lifts_to_well_formed_ir() {
    let regs: &[(u8, u8, u8, u8)] = &[
        (0, 0, 0, 0),
        (0, 5, 6, 7),
        (1, 0, 0, 0),
        (5, 5, 6, 7),
        (10, 11, 12, 13),
        (31, 31, 31, 31),
        (32, 1, 2, 3),
        (1, 40, 2, 3),
        (255, 255, 255, 255),
    ];
    let imms = [0, -1, 4, 2047, -2048, 0x300, 0xfff, 0x1000, 0x1234_5000, i64::MIN, i64::MAX];
    let sentinel = IROp::Li { rd: vm_ir::Dst(9), imm: 99 };
    let mut count = 0;
    for &op in Op::ALL {
        for &(rd, rs1, rs2, rs3) in regs {
            for &imm in &imms {
                for rm in 0..8 {
                    for len in [2, 4] {
                        for pc in [0x8000_0000, u64::MAX - 1] {
                            let insn = Insn { op, rd, rs1, rs2, rs3, imm, rm, len, raw: RAW };
                            let mut ops = vec![sentinel.clone()];
                            let term = lift_insn(&insn, pc, &mut ops);
                            assert_eq!(ops[0], sentinel, "{insn:?} touched earlier ops");
                            let new = &ops[1..];
                            check_insn_ir(&insn, new, term.as_ref());
                            count += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(count > 10_000);
}

fn check_insn_ir(insn: &Insn, ops: &[IROp], term: Option<&Terminator>) {
    let ctx = || format!("{insn:?} → {ops:?} / {term:?}");
    let mut written = [false; 64];
    let debugs = ops.iter().map(|o| format!("{o:?}")).chain(term.map(|t| format!("{t:?}")));
    for op in ops {
        op.check().unwrap_or_else(|e| panic!("{e}: {}", ctx()));
    }
    if let Some(t) = term {
        t.check().unwrap_or_else(|e| panic!("{e}: {}", ctx()));
    }
    for d in debugs {
        let (reads, writes) = slots(&d);
        for r in reads {
            assert!(r < 64, "slot {r} out of range: {}", ctx());
            assert!(r < 32 || written[r as usize], "v{} read before written: {}", r - 32, ctx());
        }
        for w in writes {
            assert!(w != 0 && w < 64, "bad write of slot {w}: {}", ctx());
            written[w as usize] = true;
        }
    }
    let trap = matches!(term, Some(Terminator::Trap { .. }));
    if trap {
        assert!(ops.is_empty(), "a trapping instruction has ops: {}", ctx());
        assert_eq!(term, Some(&Terminator::Trap { cause: 2, tval: RAW as u64, pc: trap_pc(term) }));
    }
    let bad_regs = insn.rd >= 32 || insn.rs1 >= 32 || insn.rs2 >= 32 || insn.rs3 >= 32;
    if bad_regs || matches!(insn.op, Op::Illegal | Op::Sret | Op::SfenceVma) {
        assert!(trap, "should be illegal: {}", ctx());
    } else if insn.rd == 0 && is_pure(insn.op) {
        assert!(ops.is_empty() && term.is_none(), "pure op to x0 not dropped: {}", ctx());
    }
}

fn trap_pc(term: Option<&Terminator>) -> u64 {
    match term {
        Some(Terminator::Trap { pc, .. }) => *pc,
        _ => 0,
    }
}

#[test]
fn reserved_rounding_modes_are_illegal() {
    use Op::*;
    for op in [FaddS, FsqrtD, FmaddD, FcvtWS, FcvtSLu, FcvtDS, FcvtSD, FcvtDW] {
        for rm in [5, 6] {
            let insn = Insn { rm, ..ins(op, 1, 2, 3, 0) };
            assert_lifts(insn, 0x100, &["trap 0x2, 0xdeadbeef, 0x100"]);
        }
    }
    // Ops without a rounding-mode field ignore `rm` (it selects the op and was decoded).
    let insn = Insn { rm: 5, ..ins(FsgnjxD, 1, 2, 3, 0) };
    assert_lifts(insn, 0x100, &["fsgnjx d, f1, f2, f3"]);
}

#[test]
fn integer_instructions() {
    use Op::*;
    let pc = 0x1000;
    assert_lifts(ins(Addi, 10, 10, 0, -1), pc, &["addi x10, x10, -1"]);
    assert_lifts(ins(Addi, 0, 0, 0, 0), pc, &[]); // nop
    assert_lifts(ins(Add, 0, 1, 2, 0), pc, &[]);
    assert_lifts(ins(Sub, 3, 1, 2, 0), pc, &["sub x3, x1, x2"]);
    assert_lifts(ins(Slli, 5, 6, 0, 63), pc, &["slli x5, x6, 63"]);
    assert_lifts(ins(Sraiw, 5, 6, 0, 31), pc, &["sraiw x5, x6, 31"]);
    assert_lifts(ins(Mulhsu, 5, 6, 7, 0), pc, &["mulhsu x5, x6, x7"]);
    assert_lifts(ins(Remuw, 5, 6, 7, 0), pc, &["remuw x5, x6, x7"]);
    assert_lifts(ins(Lui, 5, 0, 0, 0x1234_5000), pc, &["li x5, 305418240"]);
    assert_lifts(ins(Lui, 5, 0, 0, -4096), pc, &["li x5, -4096"]);
    assert_lifts(ins(Lui, 0, 0, 0, 0x1000), pc, &[]);
    assert_lifts(ins(Auipc, 5, 0, 0, 0x2000), pc, &["li x5, 12288"]);
    assert_lifts(ins(Auipc, 5, 0, 0, -0x1000), pc, &["li x5, 0"]);
    assert_lifts(ins(Auipc, 0, 0, 0, 0x2000), pc, &[]);
    assert_lifts(ins(Fence, 0, 0, 0, 0), pc, &[]);
}

#[test]
fn memory_instructions() {
    use Op::*;
    let pc = 0x1000;
    assert_lifts(ins(Ld, 10, 2, 0, 16), pc, &["ld x10, x2, 16"]);
    assert_lifts(ins(Lbu, 1, 1, 0, -1), pc, &["lbu x1, x1, -1"]);
    // A load to x0 can still fault, so it happens, into the discard temp.
    assert_lifts(ins(Lw, 0, 2, 0, 8), pc, &["lw v31, x2, 8"]);
    assert_lifts(ins(Sd, 0, 2, 1, -8), pc, &["sd x1, x2, -8"]);
    assert_lifts(ins(Sb, 0, 2, 0, 0), pc, &["sb x0, x2, 0"]);
    assert_lifts(ins(Fld, 3, 2, 0, 24), pc, &["fld f3, x2, 24"]);
    assert_lifts(ins(Fsw, 0, 2, 4, 4), pc, &["fsw f4, x2, 4"]);
    assert_lifts(ins(LrW, 5, 6, 0, 0), pc, &["lr w, x5, x6"]);
    assert_lifts(ins(ScD, 0, 6, 7, 0), pc, &["sc d, v31, x6, x7"]);
    assert_lifts(ins(AmoaddW, 5, 6, 7, 0), pc, &["amo add, w, x5, x6, x7"]);
    assert_lifts(ins(AmomaxuD, 0, 6, 7, 0), pc, &["amo maxu, d, v31, x6, x7"]);
    assert_lifts(ins(AmoswapW, 6, 6, 6, 0), pc, &["amo swap, w, x6, x6, x6"]);
}

#[test]
fn control_flow() {
    use Op::*;
    let pc = 0x1000;
    assert_lifts(ins(Jal, 1, 0, 0, 0x20), pc, &["li x1, 4100", "jump 0x1020"]);
    assert_lifts(ins(Jal, 0, 0, 0, -0x10), pc, &["jump 0xff0"]);
    // Compressed: the link is pc + 2.
    let c_jal = Insn { len: 2, ..ins(Jal, 1, 0, 0, 0x20) };
    assert_lifts(c_jal, pc, &["li x1, 4098", "jump 0x1020"]);
    let c_jalr = Insn { len: 2, ..ins(Jalr, 1, 5, 0, 0) };
    assert_lifts(c_jalr, pc, &["li x1, 4098", "jump.ind x5, 0"]);
    assert_lifts(ins(Jalr, 0, 1, 0, 0), pc, &["jump.ind x1, 0"]); // ret
    assert_lifts(ins(Jalr, 1, 6, 0, 8), pc, &["li x1, 4100", "jump.ind x6, 8"]);
    // rd == rs1: the target is computed before the link overwrites the base.
    assert_lifts(ins(Jalr, 6, 6, 0, -4), pc, &["addi v0, x6, -4", "li x6, 4100", "jump.ind v0, 0"]);
    assert_lifts(ins(Beq, 0, 10, 0, -8), pc, &["branch eq, x10, x0, 0xff8, 0x1004"]);
    assert_lifts(ins(Bgeu, 0, 1, 2, 0x100), pc, &["branch geu, x1, x2, 0x1100, 0x1004"]);
    let c_bnez = Insn { len: 2, ..ins(Bne, 0, 8, 0, 4) };
    assert_lifts(c_bnez, pc, &["branch ne, x8, x0, 0x1004, 0x1002"]);
    assert_lifts(ins(Ecall, 0, 0, 0, 0), pc, &["ecall 0x1000"]);
    assert_lifts(ins(Ebreak, 0, 0, 0, 0), pc, &["ebreak 0x1000"]);
    assert_lifts(ins(Mret, 0, 0, 0, 0), pc, &["mret 0x1000"]);
    assert_lifts(ins(Wfi, 0, 0, 0, 0), pc, &["wfi 0x1000, 0x1004"]);
    assert_lifts(ins(FenceI, 0, 0, 0, 0), pc, &["fence.i 0x1004"]);
    let trap = ["trap 0x2, 0xdeadbeef, 0x1000"];
    assert_lifts(ins(Illegal, 0, 0, 0, 0), pc, &trap);
    assert_lifts(ins(Sret, 0, 0, 0, 0), pc, &trap);
    assert_lifts(ins(SfenceVma, 0, 1, 2, 0), pc, &trap);
    assert_lifts(Insn::illegal(0, 2), pc, &["trap 0x2, 0x0, 0x1000"]);
    // Wrap-around at the top of the address space never panics.
    assert_lifts(ins(Jal, 1, 0, 0, 8), u64::MAX - 3, &["li x1, 0", "jump 0x4"]);
}

#[test]
fn csr_instructions() {
    use Op::*;
    let pc = 0x1000;
    assert_lifts(ins(Csrrw, 5, 6, 0, 0x305), pc, &["csr rw, x5, csr:0x305, x6"]);
    assert_lifts(ins(Csrrs, 5, 0, 0, 0x300), pc, &["csr rs, x5, csr:0x300, x0"]); // csrr
    assert_lifts(ins(Csrrc, 0, 7, 0, 0x344), pc, &["csr rc, x0, csr:0x344, x7"]);
    assert_lifts(ins(Csrrwi, 0, 31, 0, 0x001), pc, &["csri rw, x0, csr:0x1, 31"]);
    assert_lifts(ins(Csrrsi, 1, 8, 0, 0x300), pc, &["csri rs, x1, csr:0x300, 8"]);
    assert_lifts(ins(Csrrci, 1, 0, 0, 0xfff), pc, &["csri rc, x1, csr:0xfff, 0"]);
    // A CSR number that does not fit 12 bits cannot come from the decoder: illegal.
    assert_lifts(ins(Csrrw, 1, 2, 0, 0x1000), pc, &["trap 0x2, 0xdeadbeef, 0x1000"]);
}

#[test]
fn fp_instructions() {
    use Op::*;
    let pc = 0x1000;
    let r = |op, rd, rs1, rs2, rm| Insn { rm, ..ins(op, rd, rs1, rs2, 0) };
    assert_lifts(r(FaddS, 1, 2, 3, 0), pc, &["fadd s, f1, f2, f3, rne"]);
    assert_lifts(r(FdivD, 1, 2, 3, 7), pc, &["fdiv d, f1, f2, f3, dyn"]);
    assert_lifts(r(FsqrtS, 0, 2, 0, 1), pc, &["fsqrt s, f0, f2, rtz"]);
    assert_lifts(r(FminD, 1, 2, 3, 0), pc, &["fmin d, f1, f2, f3"]);
    assert_lifts(r(FsgnjnS, 1, 2, 2, 1), pc, &["fsgnjn s, f1, f2, f2"]);
    let fma = Insn { rs3: 4, ..r(FnmaddD, 1, 2, 3, 4) };
    assert_lifts(fma, pc, &["fnmadd d, f1, f2, f3, f4, rmm"]);
    let fma = Insn { rs3: 9, ..r(FmsubS, 1, 2, 3, 3) };
    assert_lifts(fma, pc, &["fmsub s, f1, f2, f3, f9, rup"]);
    assert_lifts(r(FeqS, 10, 1, 2, 2), pc, &["feq s, x10, f1, f2"]);
    // Compares and conversions set fflags, so they run even when the result goes to x0.
    assert_lifts(r(FltD, 0, 1, 2, 1), pc, &["flt d, v31, f1, f2"]);
    assert_lifts(r(FcvtWS, 0, 1, 0, 1), pc, &["fcvt.to s, w, v31, f1, rtz"]);
    assert_lifts(r(FcvtLuD, 5, 1, 0, 7), pc, &["fcvt.to d, lu, x5, f1, dyn"]);
    assert_lifts(r(FcvtSLu, 1, 5, 0, 0), pc, &["fcvt.from s, lu, f1, x5, rne"]);
    assert_lifts(r(FcvtDW, 1, 0, 0, 0), pc, &["fcvt.from d, w, f1, x0, rne"]);
    assert_lifts(r(FcvtDS, 1, 2, 0, 0), pc, &["fcvt.ff d, f1, f2, rne"]);
    assert_lifts(r(FcvtSD, 1, 2, 0, 2), pc, &["fcvt.ff s, f1, f2, rdn"]);
    assert_lifts(r(FmvXW, 5, 1, 0, 0), pc, &["fmv.to s, x5, f1"]);
    assert_lifts(r(FmvXD, 0, 1, 0, 0), pc, &[]);
    assert_lifts(r(FclassD, 5, 1, 0, 1), pc, &["fclass d, x5, f1"]);
    assert_lifts(r(FclassS, 0, 1, 0, 1), pc, &[]);
    assert_lifts(r(FmvWX, 1, 5, 0, 0), pc, &["fmv.from s, f1, x5"]);
    assert_lifts(r(FmvDX, 1, 0, 0, 0), pc, &["fmv.from d, f1, x0"]);
    assert_lifts(r(FaddD, 1, 2, 3, 5), pc, &["trap 0x2, 0xdeadbeef, 0x1000"]);
    assert_lifts(r(FcvtWD, 1, 2, 0, 6), pc, &["trap 0x2, 0xdeadbeef, 0x1000"]);
}

// ---- lift_block ----

/// Assembled with `riscv64-linux-gnu-as -march=rv64gc` (mixing `.option rvc/norvc`), at BASE:
/// ```text
/// 0x1000  fff50513  addi a0, a0, -1
/// 0x1004  0585      c.addi a1, 1
/// 0x1006  00b50633  add a2, a0, a1
/// 0x100a  fe051be3  bnez a0, 0x1000
/// 0x100e  00000073  ecall
/// 0x1012  00812003  lw zero, 8(sp)
/// ```
const CODE: [u8; 22] = [
    0x13, 0x05, 0xf5, 0xff, 0x85, 0x05, 0x33, 0x06, 0xb5, 0x00, 0xe3, 0x1b, 0x05, 0xfe, 0x73, 0x00, 0x00,
    0x00, 0x03, 0x20, 0x81, 0x00,
];
const BASE: u64 = 0x1000;

/// A stand-in decoder that knows exactly the instructions of [`CODE`] (the real one is
/// developed separately); everything else is illegal.
fn table_decode(raw: u32) -> Insn {
    let table: HashMap<u32, Insn> = [
        (0xfff5_0513, ins(Op::Addi, 10, 10, 0, -1)),
        (0x0585, Insn { len: 2, raw: 0x0585, ..ins(Op::Addi, 11, 11, 0, 1) }),
        (0x00b5_0633, ins(Op::Add, 12, 10, 11, 0)),
        (0xfe05_1be3, ins(Op::Bne, 0, 10, 0, -10)),
        (0x0000_0073, ins(Op::Ecall, 0, 0, 0, 0)),
        (0x0081_2003, ins(Op::Lw, 0, 2, 0, 8)),
    ]
    .into_iter()
    .map(|(raw, insn)| (raw, Insn { raw, ..insn }))
    .collect();
    let len = if raw & 3 == 3 { 4 } else { 2 };
    table.get(&raw).copied().unwrap_or(Insn::illegal(raw, len))
}

/// Fetch 16-bit parcels from the first `n` bytes of [`CODE`] at [`BASE`].
fn fetcher(n: usize) -> impl FnMut(u64) -> Result<u16, MemFault> {
    move |addr| {
        let fault = MemFault { addr, access: AccessKind::Fetch, kind: MemFaultKind::Unmapped };
        let i = addr.checked_sub(BASE).ok_or(fault)? as usize;
        match (CODE[..n].get(i), CODE[..n].get(i + 1)) {
            (Some(&lo), Some(&hi)) => Ok(u16::from_le_bytes([lo, hi])),
            _ => Err(fault),
        }
    }
}

fn lift_at(n: usize, pc: u64, max: usize) -> LiftedBlock {
    lift_block_with(fetcher(n), table_decode, pc, max)
}

fn mark(pc: u64, first_op: u32, len: u8, raw: u32) -> InsnMark {
    InsnMark { pc, first_op, len, raw }
}

fn block_text(b: &LiftedBlock) -> Vec<String> {
    b.block.ops.iter().map(IROp::to_string).chain([b.block.term.to_string()]).collect()
}

#[test]
fn block_ends_at_branch() {
    let b = lift_at(CODE.len(), BASE, 64);
    assert_eq!(b.block.start_pc, BASE);
    assert_eq!(
        block_text(&b),
        ["addi x10, x10, -1", "addi x11, x11, 1", "add x12, x10, x11", "branch ne, x10, x0, 0x1000, 0x100e"]
    );
    assert_eq!(
        b.insns,
        [
            mark(0x1000, 0, 4, 0xfff5_0513),
            mark(0x1004, 1, 2, 0x0585),
            mark(0x1006, 2, 4, 0x00b5_0633),
            mark(0x100a, 3, 4, 0xfe05_1be3),
        ]
    );
}

#[test]
fn block_ends_after_max_insns() {
    let b = lift_at(CODE.len(), BASE, 2);
    assert_eq!(block_text(&b), ["addi x10, x10, -1", "addi x11, x11, 1", "jump 0x1006"]);
    assert_eq!(b.insns.len(), 2);
    let b = lift_at(CODE.len(), BASE + 4, 1);
    assert_eq!(block_text(&b), ["addi x11, x11, 1", "jump 0x1006"]);
    assert_eq!(b.insns, [mark(0x1004, 0, 2, 0x0585)]);
    // 0 is treated as 1.
    let b = lift_at(CODE.len(), BASE, 0);
    assert_eq!(block_text(&b), ["addi x10, x10, -1", "jump 0x1004"]);
}

#[test]
fn block_of_one_terminator() {
    let b = lift_at(CODE.len(), 0x100e, 64);
    assert_eq!(block_text(&b), ["ecall 0x100e"]);
    assert_eq!(b.insns, [mark(0x100e, 0, 4, 0x73)]);
}

#[test]
fn fetch_fault_later_ends_block_before_it() {
    // The load to x0 is lifted; the next pc is past the end of the code.
    let b = lift_at(CODE.len(), 0x1012, 64);
    assert_eq!(block_text(&b), ["lw v31, x2, 8", "jump 0x1016"]);
    assert_eq!(b.insns, [mark(0x1012, 0, 4, 0x0081_2003)]);
    // Only the low parcel of `add` (at 0x1006) is readable: it counts as unfetchable.
    let b = lift_at(8, BASE, 64);
    assert_eq!(block_text(&b), ["addi x10, x10, -1", "addi x11, x11, 1", "jump 0x1006"]);
    assert_eq!(b.insns.len(), 2);
}

#[test]
fn fetch_fault_at_first_insn_traps() {
    let b = lift_at(CODE.len(), 0x1016, 64);
    assert!(b.block.ops.is_empty() && b.insns.is_empty());
    assert_eq!(b.block.term, Terminator::Trap { cause: 1, tval: 0x1016, pc: 0x1016 });
    // Second parcel of the first instruction missing: tval is the parcel's address.
    let b = lift_at(2, BASE, 64);
    assert!(b.block.ops.is_empty() && b.insns.is_empty());
    assert_eq!(b.block.term, Terminator::Trap { cause: 1, tval: 0x1002, pc: 0x1000 });
    // The public entry point (real decoder) handles fetch faults the same way.
    let b = lift_block(fetcher(0), 0x2000, 8);
    assert_eq!(block_text(&b), ["trap 0x1, 0x2000, 0x2000"]);
}

#[test]
fn illegal_and_length_mismatch_trap_with_raw_bits() {
    // All-zero parcel: illegal by definition (the table decoder does not know it).
    let zeros = |_addr: u64| Ok(0u16);
    let b = lift_block_with(zeros, table_decode, 0x3000, 8);
    assert_eq!(block_text(&b), ["trap 0x2, 0x0, 0x3000"]);
    assert_eq!(b.insns, [mark(0x3000, 0, 2, 0)]);
    // A decoder that claims the wrong length is not trusted.
    let bad = |raw: u32| Insn { raw, ..ins(Op::Addi, 1, 1, 0, 1) };
    let b = lift_block_with(zeros, bad, 0x3000, 8);
    assert_eq!(block_text(&b), ["trap 0x2, 0x0, 0x3000"]);
}

#[test]
fn real_decoder_block_is_consistent() {
    // Whatever the decoder says, marks are in order, cover the ops, and nothing panics.
    for n in [0, 2, 4, 8, CODE.len()] {
        for start in [BASE, BASE + 4, BASE + 6, BASE + 0x12] {
            let b = lift_block(fetcher(n), start, 16);
            assert_eq!(b.block.start_pc, start);
            let mut pc = start;
            let mut prev = 0;
            for m in &b.insns {
                assert_eq!(m.pc, pc);
                assert!(m.first_op >= prev && m.first_op as usize <= b.block.ops.len());
                prev = m.first_op;
                pc += m.len as u64;
            }
            assert!(b.insns.len() <= 16);
        }
    }
}

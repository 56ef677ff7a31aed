//! Unit tests for [`super::decode`]: a hand-written table with at least one encoding of every
//! [`Op`] (each compressed form included), reserved encodings, and property tests that
//! decoding and disassembling never panic.
//!
//! The raw words were produced by assembling the mnemonic in each comment with GNU `as`; the
//! expected fields were written by hand from the ISA manual.

use super::decode;
use crate::riscv64::disasm::disasm;
use crate::riscv64::insn::{Insn, Op};
use proptest::prelude::*;
use std::collections::HashSet;

/// One table row: raw bits, opcode, `[rd, rs1, rs2, rs3]`, imm, rm.
struct Case {
    raw: u32,
    op: Op,
    regs: [u8; 4],
    imm: i64,
    rm: u8,
}

fn t(raw: u32, op: Op, regs: [u8; 4], imm: i64, rm: u8) -> Case {
    Case { raw, op, regs, imm, rm }
}

fn table() -> Vec<Case> {
    vec![
        // lui a0,0x12345
        t(0x12345537, Op::Lui, [10, 0, 0, 0], 305418240, 0),
        // lui a0,0xfffff
        t(0xfffff537, Op::Lui, [10, 0, 0, 0], -4096, 0),
        // auipc a1,0x80000
        t(0x80000597, Op::Auipc, [11, 0, 0, 0], -2147483648, 0),
        // jal ra,.+2048
        t(0x001000ef, Op::Jal, [1, 0, 0, 0], 2048, 0),
        // jal zero,.-4
        t(0xffdff06f, Op::Jal, [0, 0, 0, 0], -4, 0),
        // jalr a0,-8(a1)
        t(0xff858567, Op::Jalr, [10, 11, 0, 0], -8, 0),
        // beq a0,a1,.+16
        t(0x00b50863, Op::Beq, [0, 10, 11, 0], 16, 0),
        // bne a0,a1,.-4096
        t(0x80b51063, Op::Bne, [0, 10, 11, 0], -4096, 0),
        // blt a2,a3,.+4094
        t(0x7ed64fe3, Op::Blt, [0, 12, 13, 0], 4094, 0),
        // bge a2,a3,.-2
        t(0xfed65fe3, Op::Bge, [0, 12, 13, 0], -2, 0),
        // bltu t0,t1,.+8
        t(0x0062e463, Op::Bltu, [0, 5, 6, 0], 8, 0),
        // bgeu t0,t1,.+8
        t(0x0062f463, Op::Bgeu, [0, 5, 6, 0], 8, 0),
        // lb a0,-2048(a1)
        t(0x80058503, Op::Lb, [10, 11, 0, 0], -2048, 0),
        // lh a0,2047(a1)
        t(0x7ff59503, Op::Lh, [10, 11, 0, 0], 2047, 0),
        // lw a0,4(a1)
        t(0x0045a503, Op::Lw, [10, 11, 0, 0], 4, 0),
        // ld a0,8(a1)
        t(0x0085b503, Op::Ld, [10, 11, 0, 0], 8, 0),
        // lbu a0,1(a1)
        t(0x0015c503, Op::Lbu, [10, 11, 0, 0], 1, 0),
        // lhu a0,2(a1)
        t(0x0025d503, Op::Lhu, [10, 11, 0, 0], 2, 0),
        // lwu a0,4(a1)
        t(0x0045e503, Op::Lwu, [10, 11, 0, 0], 4, 0),
        // sb a0,-1(a1)
        t(0xfea58fa3, Op::Sb, [0, 11, 10, 0], -1, 0),
        // sh a0,2(a1)
        t(0x00a59123, Op::Sh, [0, 11, 10, 0], 2, 0),
        // sw a0,-2048(a1)
        t(0x80a5a023, Op::Sw, [0, 11, 10, 0], -2048, 0),
        // sd a0,2040(sp)
        t(0x7ea13c23, Op::Sd, [0, 2, 10, 0], 2040, 0),
        // addi a0,a1,-1
        t(0xfff58513, Op::Addi, [10, 11, 0, 0], -1, 0),
        // slti a0,a1,5
        t(0x0055a513, Op::Slti, [10, 11, 0, 0], 5, 0),
        // sltiu a0,a1,-5
        t(0xffb5b513, Op::Sltiu, [10, 11, 0, 0], -5, 0),
        // xori a0,a1,-1
        t(0xfff5c513, Op::Xori, [10, 11, 0, 0], -1, 0),
        // ori a0,a1,0x7ff
        t(0x7ff5e513, Op::Ori, [10, 11, 0, 0], 2047, 0),
        // andi a0,a1,-16
        t(0xff05f513, Op::Andi, [10, 11, 0, 0], -16, 0),
        // slli a0,a1,63
        t(0x03f59513, Op::Slli, [10, 11, 0, 0], 63, 0),
        // srli a0,a1,32
        t(0x0205d513, Op::Srli, [10, 11, 0, 0], 32, 0),
        // srai a0,a1,1
        t(0x4015d513, Op::Srai, [10, 11, 0, 0], 1, 0),
        // add a0,a1,a2
        t(0x00c58533, Op::Add, [10, 11, 12, 0], 0, 0),
        // sub a0,a1,a2
        t(0x40c58533, Op::Sub, [10, 11, 12, 0], 0, 0),
        // sll a0,a1,a2
        t(0x00c59533, Op::Sll, [10, 11, 12, 0], 0, 0),
        // slt a0,a1,a2
        t(0x00c5a533, Op::Slt, [10, 11, 12, 0], 0, 0),
        // sltu a0,a1,a2
        t(0x00c5b533, Op::Sltu, [10, 11, 12, 0], 0, 0),
        // xor a0,a1,a2
        t(0x00c5c533, Op::Xor, [10, 11, 12, 0], 0, 0),
        // srl a0,a1,a2
        t(0x00c5d533, Op::Srl, [10, 11, 12, 0], 0, 0),
        // sra a0,a1,a2
        t(0x40c5d533, Op::Sra, [10, 11, 12, 0], 0, 0),
        // or a0,a1,a2
        t(0x00c5e533, Op::Or, [10, 11, 12, 0], 0, 0),
        // and a0,a1,a2
        t(0x00c5f533, Op::And, [10, 11, 12, 0], 0, 0),
        // addiw a0,a1,-7
        t(0xff95851b, Op::Addiw, [10, 11, 0, 0], -7, 0),
        // slliw a0,a1,31
        t(0x01f5951b, Op::Slliw, [10, 11, 0, 0], 31, 0),
        // srliw a0,a1,3
        t(0x0035d51b, Op::Srliw, [10, 11, 0, 0], 3, 0),
        // sraiw a0,a1,3
        t(0x4035d51b, Op::Sraiw, [10, 11, 0, 0], 3, 0),
        // addw a0,a1,a2
        t(0x00c5853b, Op::Addw, [10, 11, 12, 0], 0, 0),
        // subw a0,a1,a2
        t(0x40c5853b, Op::Subw, [10, 11, 12, 0], 0, 0),
        // sllw a0,a1,a2
        t(0x00c5953b, Op::Sllw, [10, 11, 12, 0], 0, 0),
        // srlw a0,a1,a2
        t(0x00c5d53b, Op::Srlw, [10, 11, 12, 0], 0, 0),
        // sraw a0,a1,a2
        t(0x40c5d53b, Op::Sraw, [10, 11, 12, 0], 0, 0),
        // fence rw,w
        t(0x0310000f, Op::Fence, [0, 0, 0, 0], 0, 49),
        // fence.tso
        t(0x8330000f, Op::Fence, [0, 0, 0, 0], 0, 51),
        // fence.i
        t(0x0000100f, Op::FenceI, [0, 0, 0, 0], 0, 0),
        // ecall
        t(0x00000073, Op::Ecall, [0, 0, 0, 0], 0, 0),
        // ebreak
        t(0x00100073, Op::Ebreak, [0, 0, 0, 0], 0, 0),
        // mret
        t(0x30200073, Op::Mret, [0, 0, 0, 0], 0, 0),
        // sret
        t(0x10200073, Op::Sret, [0, 0, 0, 0], 0, 0),
        // wfi
        t(0x10500073, Op::Wfi, [0, 0, 0, 0], 0, 0),
        // sfence.vma a0,a1
        t(0x12b50073, Op::SfenceVma, [0, 10, 11, 0], 0, 0),
        // csrrw a0,mscratch,a1
        t(0x34059573, Op::Csrrw, [10, 11, 0, 0], 832, 0),
        // csrrs a0,mhartid,zero
        t(0xf1402573, Op::Csrrs, [10, 0, 0, 0], 3860, 0),
        // csrrc a0,sstatus,a1
        t(0x1005b573, Op::Csrrc, [10, 11, 0, 0], 256, 0),
        // csrrwi a0,0xfff,31
        t(0xffffd573, Op::Csrrwi, [10, 31, 0, 0], 4095, 0),
        // csrrsi zero,mstatus,8
        t(0x30046073, Op::Csrrsi, [0, 8, 0, 0], 768, 0),
        // csrrci a0,fflags,1
        t(0x0010f573, Op::Csrrci, [10, 1, 0, 0], 1, 0),
        // mul a0,a1,a2
        t(0x02c58533, Op::Mul, [10, 11, 12, 0], 0, 0),
        // mulh a0,a1,a2
        t(0x02c59533, Op::Mulh, [10, 11, 12, 0], 0, 0),
        // mulhsu a0,a1,a2
        t(0x02c5a533, Op::Mulhsu, [10, 11, 12, 0], 0, 0),
        // mulhu a0,a1,a2
        t(0x02c5b533, Op::Mulhu, [10, 11, 12, 0], 0, 0),
        // div a0,a1,a2
        t(0x02c5c533, Op::Div, [10, 11, 12, 0], 0, 0),
        // divu a0,a1,a2
        t(0x02c5d533, Op::Divu, [10, 11, 12, 0], 0, 0),
        // rem a0,a1,a2
        t(0x02c5e533, Op::Rem, [10, 11, 12, 0], 0, 0),
        // remu a0,a1,a2
        t(0x02c5f533, Op::Remu, [10, 11, 12, 0], 0, 0),
        // mulw a0,a1,a2
        t(0x02c5853b, Op::Mulw, [10, 11, 12, 0], 0, 0),
        // divw a0,a1,a2
        t(0x02c5c53b, Op::Divw, [10, 11, 12, 0], 0, 0),
        // divuw a0,a1,a2
        t(0x02c5d53b, Op::Divuw, [10, 11, 12, 0], 0, 0),
        // remw a0,a1,a2
        t(0x02c5e53b, Op::Remw, [10, 11, 12, 0], 0, 0),
        // remuw a0,a1,a2
        t(0x02c5f53b, Op::Remuw, [10, 11, 12, 0], 0, 0),
        // lr.w a0,(a1)
        t(0x1005a52f, Op::LrW, [10, 11, 0, 0], 0, 0),
        // lr.w.aq a0,(a1)
        t(0x1405a52f, Op::LrW, [10, 11, 0, 0], 0, 2),
        // sc.w.rl a0,a2,(a1)
        t(0x1ac5a52f, Op::ScW, [10, 11, 12, 0], 0, 1),
        // amoswap.w.aqrl a0,a2,(a1)
        t(0x0ec5a52f, Op::AmoswapW, [10, 11, 12, 0], 0, 3),
        // amoadd.w a0,a2,(a1)
        t(0x00c5a52f, Op::AmoaddW, [10, 11, 12, 0], 0, 0),
        // amoxor.w a0,a2,(a1)
        t(0x20c5a52f, Op::AmoxorW, [10, 11, 12, 0], 0, 0),
        // amoand.w a0,a2,(a1)
        t(0x60c5a52f, Op::AmoandW, [10, 11, 12, 0], 0, 0),
        // amoor.w a0,a2,(a1)
        t(0x40c5a52f, Op::AmoorW, [10, 11, 12, 0], 0, 0),
        // amomin.w a0,a2,(a1)
        t(0x80c5a52f, Op::AmominW, [10, 11, 12, 0], 0, 0),
        // amomax.w a0,a2,(a1)
        t(0xa0c5a52f, Op::AmomaxW, [10, 11, 12, 0], 0, 0),
        // amominu.w a0,a2,(a1)
        t(0xc0c5a52f, Op::AmominuW, [10, 11, 12, 0], 0, 0),
        // amomaxu.w a0,a2,(a1)
        t(0xe0c5a52f, Op::AmomaxuW, [10, 11, 12, 0], 0, 0),
        // lr.d a0,(a1)
        t(0x1005b52f, Op::LrD, [10, 11, 0, 0], 0, 0),
        // lr.d.aq a0,(a1)
        t(0x1405b52f, Op::LrD, [10, 11, 0, 0], 0, 2),
        // sc.d.rl a0,a2,(a1)
        t(0x1ac5b52f, Op::ScD, [10, 11, 12, 0], 0, 1),
        // amoswap.d.aqrl a0,a2,(a1)
        t(0x0ec5b52f, Op::AmoswapD, [10, 11, 12, 0], 0, 3),
        // amoadd.d a0,a2,(a1)
        t(0x00c5b52f, Op::AmoaddD, [10, 11, 12, 0], 0, 0),
        // amoxor.d a0,a2,(a1)
        t(0x20c5b52f, Op::AmoxorD, [10, 11, 12, 0], 0, 0),
        // amoand.d a0,a2,(a1)
        t(0x60c5b52f, Op::AmoandD, [10, 11, 12, 0], 0, 0),
        // amoor.d a0,a2,(a1)
        t(0x40c5b52f, Op::AmoorD, [10, 11, 12, 0], 0, 0),
        // amomin.d a0,a2,(a1)
        t(0x80c5b52f, Op::AmominD, [10, 11, 12, 0], 0, 0),
        // amomax.d a0,a2,(a1)
        t(0xa0c5b52f, Op::AmomaxD, [10, 11, 12, 0], 0, 0),
        // amominu.d a0,a2,(a1)
        t(0xc0c5b52f, Op::AmominuD, [10, 11, 12, 0], 0, 0),
        // amomaxu.d a0,a2,(a1)
        t(0xe0c5b52f, Op::AmomaxuD, [10, 11, 12, 0], 0, 0),
        // flw fa0,-8(a1)
        t(0xff85a507, Op::Flw, [10, 11, 0, 0], -8, 0),
        // fsw fa0,16(a1)
        t(0x00a5a827, Op::Fsw, [0, 11, 10, 0], 16, 0),
        // fmadd.s fa0,fa1,fa2,fa3,rtz
        t(0x68c59543, Op::FmaddS, [10, 11, 12, 13], 0, 1),
        // fmsub.s fa0,fa1,fa2,fa3
        t(0x68c5f547, Op::FmsubS, [10, 11, 12, 13], 0, 7),
        // fnmsub.s fa0,fa1,fa2,fa3,rne
        t(0x68c5854b, Op::FnmsubS, [10, 11, 12, 13], 0, 0),
        // fnmadd.s fa0,fa1,fa2,fa3,rmm
        t(0x68c5c54f, Op::FnmaddS, [10, 11, 12, 13], 0, 4),
        // fadd.s fa0,fa1,fa2
        t(0x00c5f553, Op::FaddS, [10, 11, 12, 0], 0, 7),
        // fsub.s fa0,fa1,fa2,rdn
        t(0x08c5a553, Op::FsubS, [10, 11, 12, 0], 0, 2),
        // fmul.s fa0,fa1,fa2,rup
        t(0x10c5b553, Op::FmulS, [10, 11, 12, 0], 0, 3),
        // fdiv.s fa0,fa1,fa2
        t(0x18c5f553, Op::FdivS, [10, 11, 12, 0], 0, 7),
        // fsqrt.s fa0,fa1,rtz
        t(0x58059553, Op::FsqrtS, [10, 11, 0, 0], 0, 1),
        // fsgnj.s fa0,fa1,fa2
        t(0x20c58553, Op::FsgnjS, [10, 11, 12, 0], 0, 0),
        // fsgnjn.s fa0,fa1,fa2
        t(0x20c59553, Op::FsgnjnS, [10, 11, 12, 0], 0, 0),
        // fsgnjx.s fa0,fa1,fa2
        t(0x20c5a553, Op::FsgnjxS, [10, 11, 12, 0], 0, 0),
        // fmin.s fa0,fa1,fa2
        t(0x28c58553, Op::FminS, [10, 11, 12, 0], 0, 0),
        // fmax.s fa0,fa1,fa2
        t(0x28c59553, Op::FmaxS, [10, 11, 12, 0], 0, 0),
        // fcvt.w.s a0,fa1,rtz
        t(0xc0059553, Op::FcvtWS, [10, 11, 0, 0], 0, 1),
        // fcvt.wu.s a0,fa1
        t(0xc015f553, Op::FcvtWuS, [10, 11, 0, 0], 0, 7),
        // fcvt.l.s a0,fa1,rne
        t(0xc0258553, Op::FcvtLS, [10, 11, 0, 0], 0, 0),
        // fcvt.lu.s a0,fa1,rtz
        t(0xc0359553, Op::FcvtLuS, [10, 11, 0, 0], 0, 1),
        // feq.s a0,fa1,fa2
        t(0xa0c5a553, Op::FeqS, [10, 11, 12, 0], 0, 0),
        // flt.s a0,fa1,fa2
        t(0xa0c59553, Op::FltS, [10, 11, 12, 0], 0, 0),
        // fle.s a0,fa1,fa2
        t(0xa0c58553, Op::FleS, [10, 11, 12, 0], 0, 0),
        // fclass.s a0,fa1
        t(0xe0059553, Op::FclassS, [10, 11, 0, 0], 0, 0),
        // fcvt.s.l fa0,a1
        t(0xd025f553, Op::FcvtSL, [10, 11, 0, 0], 0, 7),
        // fcvt.s.lu fa0,a1,rup
        t(0xd035b553, Op::FcvtSLu, [10, 11, 0, 0], 0, 3),
        // fld fa0,-8(a1)
        t(0xff85b507, Op::Fld, [10, 11, 0, 0], -8, 0),
        // fsd fa0,16(a1)
        t(0x00a5b827, Op::Fsd, [0, 11, 10, 0], 16, 0),
        // fmadd.d fa0,fa1,fa2,fa3,rtz
        t(0x6ac59543, Op::FmaddD, [10, 11, 12, 13], 0, 1),
        // fmsub.d fa0,fa1,fa2,fa3
        t(0x6ac5f547, Op::FmsubD, [10, 11, 12, 13], 0, 7),
        // fnmsub.d fa0,fa1,fa2,fa3,rne
        t(0x6ac5854b, Op::FnmsubD, [10, 11, 12, 13], 0, 0),
        // fnmadd.d fa0,fa1,fa2,fa3,rmm
        t(0x6ac5c54f, Op::FnmaddD, [10, 11, 12, 13], 0, 4),
        // fadd.d fa0,fa1,fa2
        t(0x02c5f553, Op::FaddD, [10, 11, 12, 0], 0, 7),
        // fsub.d fa0,fa1,fa2,rdn
        t(0x0ac5a553, Op::FsubD, [10, 11, 12, 0], 0, 2),
        // fmul.d fa0,fa1,fa2,rup
        t(0x12c5b553, Op::FmulD, [10, 11, 12, 0], 0, 3),
        // fdiv.d fa0,fa1,fa2
        t(0x1ac5f553, Op::FdivD, [10, 11, 12, 0], 0, 7),
        // fsqrt.d fa0,fa1,rtz
        t(0x5a059553, Op::FsqrtD, [10, 11, 0, 0], 0, 1),
        // fsgnj.d fa0,fa1,fa2
        t(0x22c58553, Op::FsgnjD, [10, 11, 12, 0], 0, 0),
        // fsgnjn.d fa0,fa1,fa2
        t(0x22c59553, Op::FsgnjnD, [10, 11, 12, 0], 0, 0),
        // fsgnjx.d fa0,fa1,fa2
        t(0x22c5a553, Op::FsgnjxD, [10, 11, 12, 0], 0, 0),
        // fmin.d fa0,fa1,fa2
        t(0x2ac58553, Op::FminD, [10, 11, 12, 0], 0, 0),
        // fmax.d fa0,fa1,fa2
        t(0x2ac59553, Op::FmaxD, [10, 11, 12, 0], 0, 0),
        // fcvt.w.d a0,fa1,rtz
        t(0xc2059553, Op::FcvtWD, [10, 11, 0, 0], 0, 1),
        // fcvt.wu.d a0,fa1
        t(0xc215f553, Op::FcvtWuD, [10, 11, 0, 0], 0, 7),
        // fcvt.l.d a0,fa1,rne
        t(0xc2258553, Op::FcvtLD, [10, 11, 0, 0], 0, 0),
        // fcvt.lu.d a0,fa1,rtz
        t(0xc2359553, Op::FcvtLuD, [10, 11, 0, 0], 0, 1),
        // feq.d a0,fa1,fa2
        t(0xa2c5a553, Op::FeqD, [10, 11, 12, 0], 0, 0),
        // flt.d a0,fa1,fa2
        t(0xa2c59553, Op::FltD, [10, 11, 12, 0], 0, 0),
        // fle.d a0,fa1,fa2
        t(0xa2c58553, Op::FleD, [10, 11, 12, 0], 0, 0),
        // fclass.d a0,fa1
        t(0xe2059553, Op::FclassD, [10, 11, 0, 0], 0, 0),
        // fcvt.d.l fa0,a1
        t(0xd225f553, Op::FcvtDL, [10, 11, 0, 0], 0, 7),
        // fcvt.d.lu fa0,a1,rup
        t(0xd235b553, Op::FcvtDLu, [10, 11, 0, 0], 0, 3),
        // fcvt.s.w fa0,a1
        t(0xd005f553, Op::FcvtSW, [10, 11, 0, 0], 0, 7),
        // fcvt.s.wu fa0,a1,rtz
        t(0xd0159553, Op::FcvtSWu, [10, 11, 0, 0], 0, 1),
        // fcvt.d.w fa0,a1
        t(0xd2058553, Op::FcvtDW, [10, 11, 0, 0], 0, 0),
        // fcvt.d.wu fa0,a1
        t(0xd2158553, Op::FcvtDWu, [10, 11, 0, 0], 0, 0),
        // fcvt.s.d fa0,fa1
        t(0x4015f553, Op::FcvtSD, [10, 11, 0, 0], 0, 7),
        // fcvt.d.s fa0,fa1
        t(0x42058553, Op::FcvtDS, [10, 11, 0, 0], 0, 0),
        // fmv.x.w a0,fa1
        t(0xe0058553, Op::FmvXW, [10, 11, 0, 0], 0, 0),
        // fmv.w.x fa0,a1
        t(0xf0058553, Op::FmvWX, [10, 11, 0, 0], 0, 0),
        // fmv.x.d a0,fa1
        t(0xe2058553, Op::FmvXD, [10, 11, 0, 0], 0, 0),
        // fmv.d.x fa0,a1
        t(0xf2058553, Op::FmvDX, [10, 11, 0, 0], 0, 0),
        // c.addi4spn a0,sp,1020
        t(0x1fe8, Op::Addi, [10, 2, 0, 0], 1020, 0),
        // c.fld fa0,248(a1)
        t(0x3de8, Op::Fld, [10, 11, 0, 0], 248, 0),
        // c.lw a0,124(a1)
        t(0x5de8, Op::Lw, [10, 11, 0, 0], 124, 0),
        // c.ld a0,248(a1)
        t(0x7de8, Op::Ld, [10, 11, 0, 0], 248, 0),
        // c.fsd fa0,8(a1)
        t(0xa588, Op::Fsd, [0, 11, 10, 0], 8, 0),
        // c.sw a0,64(a1)
        t(0xc1a8, Op::Sw, [0, 11, 10, 0], 64, 0),
        // c.sd a0,128(a1)
        t(0xe1c8, Op::Sd, [0, 11, 10, 0], 128, 0),
        // c.nop
        t(0x0001, Op::Addi, [0, 0, 0, 0], 0, 0),
        // c.addi a0,-32
        t(0x1501, Op::Addi, [10, 10, 0, 0], -32, 0),
        // c.addiw a0,31
        t(0x257d, Op::Addiw, [10, 10, 0, 0], 31, 0),
        // c.li a5,-1
        t(0x57fd, Op::Addi, [15, 0, 0, 0], -1, 0),
        // c.addi16sp sp,-512
        t(0x7101, Op::Addi, [2, 2, 0, 0], -512, 0),
        // c.addi16sp sp,496
        t(0x617d, Op::Addi, [2, 2, 0, 0], 496, 0),
        // c.lui a5,0xfffe0
        t(0x7781, Op::Lui, [15, 0, 0, 0], -131072, 0),
        // c.lui a5,0x1f
        t(0x67fd, Op::Lui, [15, 0, 0, 0], 126976, 0),
        // c.srli a0,63
        t(0x917d, Op::Srli, [10, 10, 0, 0], 63, 0),
        // c.srai a1,1
        t(0x8585, Op::Srai, [11, 11, 0, 0], 1, 0),
        // c.andi a2,-1
        t(0x9a7d, Op::Andi, [12, 12, 0, 0], -1, 0),
        // c.sub s0,s1
        t(0x8c05, Op::Sub, [8, 8, 9, 0], 0, 0),
        // c.xor s0,s1
        t(0x8c25, Op::Xor, [8, 8, 9, 0], 0, 0),
        // c.or s0,s1
        t(0x8c45, Op::Or, [8, 8, 9, 0], 0, 0),
        // c.and s0,s1
        t(0x8c65, Op::And, [8, 8, 9, 0], 0, 0),
        // c.subw s0,s1
        t(0x9c05, Op::Subw, [8, 8, 9, 0], 0, 0),
        // c.addw s0,s1
        t(0x9c25, Op::Addw, [8, 8, 9, 0], 0, 0),
        // c.j .-2048
        t(0xb001, Op::Jal, [0, 0, 0, 0], -2048, 0),
        // c.j .+2046
        t(0xaffd, Op::Jal, [0, 0, 0, 0], 2046, 0),
        // c.beqz a0,.-256
        t(0xd101, Op::Beq, [0, 10, 0, 0], -256, 0),
        // c.bnez s1,.+254
        t(0xecfd, Op::Bne, [0, 9, 0, 0], 254, 0),
        // c.slli t0,63
        t(0x12fe, Op::Slli, [5, 5, 0, 0], 63, 0),
        // c.fldsp fs0,504(sp)
        t(0x347e, Op::Fld, [8, 2, 0, 0], 504, 0),
        // c.lwsp ra,252(sp)
        t(0x50fe, Op::Lw, [1, 2, 0, 0], 252, 0),
        // c.ldsp ra,504(sp)
        t(0x70fe, Op::Ld, [1, 2, 0, 0], 504, 0),
        // c.jr ra
        t(0x8082, Op::Jalr, [0, 1, 0, 0], 0, 0),
        // c.mv a0,t6
        t(0x857e, Op::Add, [10, 0, 31, 0], 0, 0),
        // c.ebreak
        t(0x9002, Op::Ebreak, [0, 0, 0, 0], 0, 0),
        // c.jalr a5
        t(0x9782, Op::Jalr, [1, 15, 0, 0], 0, 0),
        // c.add a0,t6
        t(0x957e, Op::Add, [10, 10, 31, 0], 0, 0),
        // c.fsdsp fs1,504(sp)
        t(0xbfa6, Op::Fsd, [0, 2, 9, 0], 504, 0),
        // c.swsp s1,252(sp)
        t(0xdfa6, Op::Sw, [0, 2, 9, 0], 252, 0),
        // c.sdsp s1,504(sp)
        t(0xffa6, Op::Sd, [0, 2, 9, 0], 504, 0),
    ]
}

#[test]
fn table_decodes_to_expected_fields() {
    for c in table() {
        let len = if c.raw & 3 == 3 { 4 } else { 2 };
        let want = Insn {
            op: c.op,
            rd: c.regs[0],
            rs1: c.regs[1],
            rs2: c.regs[2],
            rs3: c.regs[3],
            imm: c.imm,
            rm: c.rm,
            len,
            raw: c.raw,
        };
        assert_eq!(decode(c.raw), want, "raw {:#x}", c.raw);
    }
}

#[test]
fn table_covers_every_op() {
    let seen: HashSet<Op> = table().iter().map(|c| c.op).collect();
    for op in Op::ALL {
        if *op != Op::Illegal {
            assert!(seen.contains(op), "no test encoding for {op:?}");
        }
    }
}

#[test]
fn fence_reserved_fields_are_ignored() {
    // rd = 1, rs1 = 1, fm = 1: still a fence iorw,iorw; fence.i with imm/rs1/rd set.
    let f = decode(0x1ff0_808f);
    assert_eq!((f.op, f.rd, f.rs1, f.rm), (Op::Fence, 0, 0, 0xff));
    assert_eq!(decode(0x0010_908f).op, Op::FenceI);
    assert_eq!(disasm(&f, 0), ".4byte\t0x1ff0808f");
}

#[test]
fn compressed_upper_bits_are_ignored() {
    // c.addi a0,-32 (0x1501) with garbage in the upper half.
    let i = decode(0xdead_1501);
    assert_eq!((i.op, i.len, i.raw, i.imm), (Op::Addi, 2, 0x1501, -32));
}

#[test]
fn reserved_encodings_are_illegal() {
    let cases: &[(u32, u8)] = &[
        (0x0000, 2),      // all-zero parcel
        (0x0010, 2),      // c.addi4spn with nzuimm = 0
        (0x6101, 2),      // c.addi16sp with imm = 0
        (0x6781, 2),      // c.lui a5 with imm = 0
        (0x8002, 2),      // c.jr with rs1 = 0
        (0x2001, 2),      // c.addiw with rd = 0
        (0x4002, 2),      // c.lwsp with rd = 0
        (0x6002, 2),      // c.ldsp with rd = 0
        (0x8000, 2),      // quadrant 0, funct3 = 100
        (0x9c41, 2),      // quadrant 1 reserved ALU form (c.subw slot, funct2 = 10)
        (0xffff_ffff, 4), // longer-than-32-bit prefix
        (0x0000_007f, 4),
        (0x0000_2063, 4),           // branch funct3 = 2
        (0x0000_7003, 4),           // load funct3 = 7
        (0x0000_4023, 4),           // store funct3 = 4
        (0x0000_1067, 4),           // jalr funct3 = 1
        (0x0405_1513, 4),           // slli with imm[11:6] = 1
        (0x0205_951b, 4),           // slliw with shamt[5] set
        (0x8000_0033, 4),           // OP with funct7 = 0x40
        (0x1005_b52f | 1 << 20, 4), // lr.d with rs2 != 0
        (0x5a15_f553, 4),           // fsqrt.d with rs2 = 1
        (0x0600_0053, 4),           // OP-FP fmt = 3 (Q)
        (0x0600_0043, 4),           // fmadd.q
        (0x22c5_b553, 4),           // fsgnj.d funct3 = 3
        (0xe005_a553, 4),           // fmv.x.w funct3 = 2
        (0x0000_4073, 4),           // SYSTEM funct3 = 4
        (0x0020_0073, 4),           // unknown SYSTEM funct12
        (0x0000_500f, 4),           // MISC-MEM funct3 = 5
        (0x0000_000b, 4),           // custom-0
    ];
    for &(raw, len) in cases {
        let i = decode(raw);
        assert_eq!(i.op, Op::Illegal, "{raw:#x} decoded as {i:?}");
        assert_eq!(i.len, len, "{raw:#x}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn decode_and_disasm_never_panic(raw in any::<u32>(), pc in any::<u64>()) {
        let i = decode(raw);
        prop_assert!(i.len == 2 || i.len == 4);
        let text = disasm(&i, pc);
        prop_assert!(!text.is_empty());
    }

    #[test]
    fn disasm_never_panics_on_any_field_values(
        op_index in 0..Op::ALL.len(),
        regs in any::<[u8; 4]>(),
        imm in any::<i64>(),
        rm in any::<u8>(),
        len in prop::sample::select(vec![2u8, 4]),
        raw in any::<u32>(),
        pc in any::<u64>(),
    ) {
        let op = Op::ALL.get(op_index).copied().unwrap_or(Op::Illegal);
        let i = Insn { op, rd: regs[0], rs1: regs[1], rs2: regs[2], rs3: regs[3], imm, rm, len, raw };
        let _ = disasm(&i, pc);
    }
}

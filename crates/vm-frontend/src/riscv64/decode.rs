//! RV64GC decoder: raw instruction bits → [`Insn`].
//!
//! [`decode`] handles the 32-bit base encodings (RV64I, M, A, F, D, Zicsr, Zifencei and the
//! privileged instructions a kernel needs) and hands 16-bit parcels to
//! the `decode_c` module, which expands compressed forms to their base opcode. Reserved and
//! unknown encodings decode to [`Op::Illegal`]; decoding never panics.
//!
//! Field conventions beyond those documented on [`Insn`]:
//! * FP ops whose funct3 selects the operation (`fsgnj*`, `fmin`/`fmax`, compares,
//!   `fclass`, `fmv.*`) have `rm = 0`; all other FP ops carry bits 14:12 in `rm` unchecked
//!   (values 5 and 6 are left to the lifter).
//! * The rs2 field of `fsqrt`/`fcvt`/`fmv`/`fclass` is an opcode selector: it is checked
//!   here and reported as `rs2 = 0`.
//! * `fence`/`fence.i` ignore the rd, rs1, `fm` and immediate bits the ISA manual reserves
//!   for future fences (it requires base implementations to do so).

use super::decode_c::decode_compressed;
use super::insn::{Insn, Op};

/// Decodes one instruction. If `raw & 3 != 3` only the low 16 bits are used (compressed).
pub fn decode(raw: u32) -> Insn {
    if raw & 3 != 3 {
        decode_compressed((raw & 0xffff) as u16)
    } else {
        decode32(raw)
    }
}

/// Extracts bits `hi..=lo` of `raw` (as an unsigned value).
#[inline]
pub(crate) fn bits(raw: u32, hi: u32, lo: u32) -> u32 {
    (raw >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}

/// Sign-extends the low `width` bits of `v`.
#[inline]
pub(crate) fn sext(v: u32, width: u32) -> i64 {
    let shift = 64 - width;
    ((v as u64) << shift) as i64 >> shift
}

/// A fresh instruction with every operand field zero.
#[inline]
pub(crate) fn insn(op: Op, raw: u32, len: u8) -> Insn {
    Insn { op, rd: 0, rs1: 0, rs2: 0, rs3: 0, imm: 0, rm: 0, len, raw }
}

fn rd(raw: u32) -> u8 {
    bits(raw, 11, 7) as u8
}
fn rs1(raw: u32) -> u8 {
    bits(raw, 19, 15) as u8
}
fn rs2(raw: u32) -> u8 {
    bits(raw, 24, 20) as u8
}
fn rs3(raw: u32) -> u8 {
    bits(raw, 31, 27) as u8
}
fn funct3(raw: u32) -> u32 {
    bits(raw, 14, 12)
}
fn funct7(raw: u32) -> u32 {
    bits(raw, 31, 25)
}
fn imm_i(raw: u32) -> i64 {
    (raw as i32 >> 20) as i64
}
fn imm_s(raw: u32) -> i64 {
    sext(bits(raw, 31, 25) << 5 | bits(raw, 11, 7), 12)
}
fn imm_b(raw: u32) -> i64 {
    let v = bits(raw, 31, 31) << 12 | bits(raw, 7, 7) << 11 | bits(raw, 30, 25) << 5 | bits(raw, 11, 8) << 1;
    sext(v, 13)
}
fn imm_j(raw: u32) -> i64 {
    let v =
        bits(raw, 31, 31) << 20 | bits(raw, 19, 12) << 12 | bits(raw, 20, 20) << 11 | bits(raw, 30, 21) << 1;
    sext(v, 21)
}

/// Builds an R-type instruction (rd, rs1, rs2).
fn r(op: Op, raw: u32) -> Insn {
    Insn { rd: rd(raw), rs1: rs1(raw), rs2: rs2(raw), ..insn(op, raw, 4) }
}

/// Builds an I-type instruction (rd, rs1, imm).
fn i(op: Op, raw: u32, imm: i64) -> Insn {
    Insn { rd: rd(raw), rs1: rs1(raw), imm, ..insn(op, raw, 4) }
}

fn decode32(raw: u32) -> Insn {
    let ill = Insn::illegal(raw, 4);
    let f3 = funct3(raw);
    let f7 = funct7(raw);
    match raw & 0x7f {
        0x37 => Insn { rd: rd(raw), imm: (raw & 0xffff_f000) as i32 as i64, ..insn(Op::Lui, raw, 4) },
        0x17 => Insn { rd: rd(raw), imm: (raw & 0xffff_f000) as i32 as i64, ..insn(Op::Auipc, raw, 4) },
        0x6f => Insn { rd: rd(raw), imm: imm_j(raw), ..insn(Op::Jal, raw, 4) },
        0x67 if f3 == 0 => i(Op::Jalr, raw, imm_i(raw)),
        0x63 => {
            let op = match f3 {
                0 => Op::Beq,
                1 => Op::Bne,
                4 => Op::Blt,
                5 => Op::Bge,
                6 => Op::Bltu,
                7 => Op::Bgeu,
                _ => return ill,
            };
            Insn { rs1: rs1(raw), rs2: rs2(raw), imm: imm_b(raw), ..insn(op, raw, 4) }
        }
        0x03 => {
            let op = match f3 {
                0 => Op::Lb,
                1 => Op::Lh,
                2 => Op::Lw,
                3 => Op::Ld,
                4 => Op::Lbu,
                5 => Op::Lhu,
                6 => Op::Lwu,
                _ => return ill,
            };
            i(op, raw, imm_i(raw))
        }
        0x23 => {
            let op = match f3 {
                0 => Op::Sb,
                1 => Op::Sh,
                2 => Op::Sw,
                3 => Op::Sd,
                _ => return ill,
            };
            Insn { rs1: rs1(raw), rs2: rs2(raw), imm: imm_s(raw), ..insn(op, raw, 4) }
        }
        0x13 => decode_op_imm(raw, f3),
        0x1b => decode_op_imm32(raw, f3, f7),
        0x33 => decode_op(raw, f3, f7),
        0x3b => decode_op32(raw, f3, f7),
        0x0f => decode_misc_mem(raw, f3),
        0x73 => decode_system(raw, f3, f7),
        0x2f => decode_amo(raw, f3),
        0x07 | 0x27 => decode_fp_mem(raw, f3),
        0x43 | 0x47 | 0x4b | 0x4f => decode_fma(raw),
        0x53 => decode_op_fp(raw, f3, f7),
        _ => ill,
    }
}

fn decode_op_imm(raw: u32, f3: u32) -> Insn {
    let imm = imm_i(raw);
    let shamt = bits(raw, 25, 20) as i64;
    let hi6 = bits(raw, 31, 26);
    let op = match f3 {
        0 => Op::Addi,
        2 => Op::Slti,
        3 => Op::Sltiu,
        4 => Op::Xori,
        6 => Op::Ori,
        7 => Op::Andi,
        1 if hi6 == 0 => return i(Op::Slli, raw, shamt),
        5 if hi6 == 0 => return i(Op::Srli, raw, shamt),
        5 if hi6 == 0x10 => return i(Op::Srai, raw, shamt),
        _ => return Insn::illegal(raw, 4),
    };
    i(op, raw, imm)
}

fn decode_op_imm32(raw: u32, f3: u32, f7: u32) -> Insn {
    let shamt = bits(raw, 24, 20) as i64;
    match (f3, f7) {
        (0, _) => i(Op::Addiw, raw, imm_i(raw)),
        (1, 0) => i(Op::Slliw, raw, shamt),
        (5, 0) => i(Op::Srliw, raw, shamt),
        (5, 0x20) => i(Op::Sraiw, raw, shamt),
        _ => Insn::illegal(raw, 4),
    }
}

fn decode_op(raw: u32, f3: u32, f7: u32) -> Insn {
    let op = match (f7, f3) {
        (0, 0) => Op::Add,
        (0, 1) => Op::Sll,
        (0, 2) => Op::Slt,
        (0, 3) => Op::Sltu,
        (0, 4) => Op::Xor,
        (0, 5) => Op::Srl,
        (0, 6) => Op::Or,
        (0, 7) => Op::And,
        (0x20, 0) => Op::Sub,
        (0x20, 5) => Op::Sra,
        (1, 0) => Op::Mul,
        (1, 1) => Op::Mulh,
        (1, 2) => Op::Mulhsu,
        (1, 3) => Op::Mulhu,
        (1, 4) => Op::Div,
        (1, 5) => Op::Divu,
        (1, 6) => Op::Rem,
        (1, 7) => Op::Remu,
        _ => return Insn::illegal(raw, 4),
    };
    r(op, raw)
}

fn decode_op32(raw: u32, f3: u32, f7: u32) -> Insn {
    let op = match (f7, f3) {
        (0, 0) => Op::Addw,
        (0, 1) => Op::Sllw,
        (0, 5) => Op::Srlw,
        (0x20, 0) => Op::Subw,
        (0x20, 5) => Op::Sraw,
        (1, 0) => Op::Mulw,
        (1, 4) => Op::Divw,
        (1, 5) => Op::Divuw,
        (1, 6) => Op::Remw,
        (1, 7) => Op::Remuw,
        _ => return Insn::illegal(raw, 4),
    };
    r(op, raw)
}

fn decode_misc_mem(raw: u32, f3: u32) -> Insn {
    // The ISA manual reserves rd, rs1, unknown `fm` values (and, for fence.i, imm) for
    // future finer-grained fences and requires base implementations to ignore them, so those
    // bits do not make the instruction illegal. (objdump prints such words as `.4byte`.)
    match f3 {
        0 => Insn { rm: bits(raw, 27, 20) as u8, ..insn(Op::Fence, raw, 4) },
        1 => insn(Op::FenceI, raw, 4),
        _ => Insn::illegal(raw, 4),
    }
}

fn decode_system(raw: u32, f3: u32, f7: u32) -> Insn {
    let csr = bits(raw, 31, 20) as i64;
    match f3 {
        0 => {
            if rd(raw) != 0 {
                return Insn::illegal(raw, 4);
            }
            if f7 == 0x09 {
                return Insn { rs1: rs1(raw), rs2: rs2(raw), ..insn(Op::SfenceVma, raw, 4) };
            }
            let op = match raw {
                0x0000_0073 => Op::Ecall,
                0x0010_0073 => Op::Ebreak,
                0x1020_0073 => Op::Sret,
                0x3020_0073 => Op::Mret,
                0x1050_0073 => Op::Wfi,
                _ => return Insn::illegal(raw, 4),
            };
            insn(op, raw, 4)
        }
        1 => i(Op::Csrrw, raw, csr),
        2 => i(Op::Csrrs, raw, csr),
        3 => i(Op::Csrrc, raw, csr),
        5 => i(Op::Csrrwi, raw, csr),
        6 => i(Op::Csrrsi, raw, csr),
        7 => i(Op::Csrrci, raw, csr),
        _ => Insn::illegal(raw, 4),
    }
}

fn decode_amo(raw: u32, f3: u32) -> Insn {
    let f5 = bits(raw, 31, 27);
    let d = match f3 {
        2 => false,
        3 => true,
        _ => return Insn::illegal(raw, 4),
    };
    let op = match (f5, d) {
        (0b00010, false) => Op::LrW,
        (0b00011, false) => Op::ScW,
        (0b00001, false) => Op::AmoswapW,
        (0b00000, false) => Op::AmoaddW,
        (0b00100, false) => Op::AmoxorW,
        (0b01100, false) => Op::AmoandW,
        (0b01000, false) => Op::AmoorW,
        (0b10000, false) => Op::AmominW,
        (0b10100, false) => Op::AmomaxW,
        (0b11000, false) => Op::AmominuW,
        (0b11100, false) => Op::AmomaxuW,
        (0b00010, true) => Op::LrD,
        (0b00011, true) => Op::ScD,
        (0b00001, true) => Op::AmoswapD,
        (0b00000, true) => Op::AmoaddD,
        (0b00100, true) => Op::AmoxorD,
        (0b01100, true) => Op::AmoandD,
        (0b01000, true) => Op::AmoorD,
        (0b10000, true) => Op::AmominD,
        (0b10100, true) => Op::AmomaxD,
        (0b11000, true) => Op::AmominuD,
        (0b11100, true) => Op::AmomaxuD,
        _ => return Insn::illegal(raw, 4),
    };
    if f5 == 0b00010 && rs2(raw) != 0 {
        return Insn::illegal(raw, 4);
    }
    Insn { rm: bits(raw, 26, 25) as u8, ..r(op, raw) }
}

fn decode_fp_mem(raw: u32, f3: u32) -> Insn {
    let store = raw & 0x7f == 0x27;
    let op = match (store, f3) {
        (false, 2) => Op::Flw,
        (false, 3) => Op::Fld,
        (true, 2) => Op::Fsw,
        (true, 3) => Op::Fsd,
        _ => return Insn::illegal(raw, 4),
    };
    if store {
        Insn { rs1: rs1(raw), rs2: rs2(raw), imm: imm_s(raw), ..insn(op, raw, 4) }
    } else {
        i(op, raw, imm_i(raw))
    }
}

fn decode_fma(raw: u32) -> Insn {
    let double = match bits(raw, 26, 25) {
        0 => false,
        1 => true,
        _ => return Insn::illegal(raw, 4),
    };
    let op = match (raw & 0x7f, double) {
        (0x43, false) => Op::FmaddS,
        (0x47, false) => Op::FmsubS,
        (0x4b, false) => Op::FnmsubS,
        (0x4f, false) => Op::FnmaddS,
        (0x43, true) => Op::FmaddD,
        (0x47, true) => Op::FmsubD,
        (0x4b, true) => Op::FnmsubD,
        _ => Op::FnmaddD,
    };
    Insn { rs3: rs3(raw), rm: funct3(raw) as u8, ..r(op, raw) }
}

fn decode_op_fp(raw: u32, f3: u32, f7: u32) -> Insn {
    let ill = Insn::illegal(raw, 4);
    let rs2v = rs2(raw);
    // Two-source arithmetic with a rounding mode.
    let arith = |op: Op| Insn { rm: f3 as u8, ..r(op, raw) };
    // Two-source ops where funct3 selects the operation (no rounding mode).
    let plain = |op: Op| r(op, raw);
    // One-source ops with a rounding mode (rs2 is a selector, reported as 0).
    let unary_rm = |op: Op| Insn { rd: rd(raw), rs1: rs1(raw), rm: f3 as u8, ..insn(op, raw, 4) };
    let unary = |op: Op| Insn { rd: rd(raw), rs1: rs1(raw), ..insn(op, raw, 4) };
    match f7 {
        0x00 => arith(Op::FaddS),
        0x01 => arith(Op::FaddD),
        0x04 => arith(Op::FsubS),
        0x05 => arith(Op::FsubD),
        0x08 => arith(Op::FmulS),
        0x09 => arith(Op::FmulD),
        0x0c => arith(Op::FdivS),
        0x0d => arith(Op::FdivD),
        0x2c if rs2v == 0 => unary_rm(Op::FsqrtS),
        0x2d if rs2v == 0 => unary_rm(Op::FsqrtD),
        0x10 | 0x11 => {
            let d = f7 == 0x11;
            let op = match (f3, d) {
                (0, false) => Op::FsgnjS,
                (1, false) => Op::FsgnjnS,
                (2, false) => Op::FsgnjxS,
                (0, true) => Op::FsgnjD,
                (1, true) => Op::FsgnjnD,
                (2, true) => Op::FsgnjxD,
                _ => return ill,
            };
            plain(op)
        }
        0x14 | 0x15 => {
            let d = f7 == 0x15;
            let op = match (f3, d) {
                (0, false) => Op::FminS,
                (1, false) => Op::FmaxS,
                (0, true) => Op::FminD,
                (1, true) => Op::FmaxD,
                _ => return ill,
            };
            plain(op)
        }
        0x50 | 0x51 => {
            let d = f7 == 0x51;
            let op = match (f3, d) {
                (0, false) => Op::FleS,
                (1, false) => Op::FltS,
                (2, false) => Op::FeqS,
                (0, true) => Op::FleD,
                (1, true) => Op::FltD,
                (2, true) => Op::FeqD,
                _ => return ill,
            };
            plain(op)
        }
        0x20 if rs2v == 1 => unary_rm(Op::FcvtSD),
        0x21 if rs2v == 0 => unary_rm(Op::FcvtDS),
        0x60 | 0x61 | 0x68 | 0x69 => {
            let op = match (f7, rs2v) {
                (0x60, 0) => Op::FcvtWS,
                (0x60, 1) => Op::FcvtWuS,
                (0x60, 2) => Op::FcvtLS,
                (0x60, 3) => Op::FcvtLuS,
                (0x61, 0) => Op::FcvtWD,
                (0x61, 1) => Op::FcvtWuD,
                (0x61, 2) => Op::FcvtLD,
                (0x61, 3) => Op::FcvtLuD,
                (0x68, 0) => Op::FcvtSW,
                (0x68, 1) => Op::FcvtSWu,
                (0x68, 2) => Op::FcvtSL,
                (0x68, 3) => Op::FcvtSLu,
                (0x69, 0) => Op::FcvtDW,
                (0x69, 1) => Op::FcvtDWu,
                (0x69, 2) => Op::FcvtDL,
                (0x69, 3) => Op::FcvtDLu,
                _ => return ill,
            };
            unary_rm(op)
        }
        0x70 | 0x71 if rs2v == 0 => {
            let op = match (f7, f3) {
                (0x70, 0) => Op::FmvXW,
                (0x70, 1) => Op::FclassS,
                (0x71, 0) => Op::FmvXD,
                (0x71, 1) => Op::FclassD,
                _ => return ill,
            };
            unary(op)
        }
        0x78 if rs2v == 0 && f3 == 0 => unary(Op::FmvWX),
        0x79 if rs2v == 0 && f3 == 0 => unary(Op::FmvDX),
        _ => ill,
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;

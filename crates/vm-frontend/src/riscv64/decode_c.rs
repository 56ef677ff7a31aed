//! RVC (compressed, 16-bit) decoder: expands each compressed form to the base [`Op`] it
//! stands for, with `len == 2`. Reserved encodings decode to [`Op::Illegal`].

use super::decode::{bits, insn, sext};
use super::insn::{Insn, Op};

/// Register number of a 3-bit compressed register field (x8..x15 / f8..f15).
fn creg(v: u32) -> u8 {
    (v + 8) as u8
}

/// Decodes one 16-bit parcel (whose low two bits are not `11`).
pub(crate) fn decode_compressed(half: u16) -> Insn {
    let raw = half as u32;
    let ill = Insn::illegal(raw, 2);
    let f3 = bits(raw, 15, 13);
    let base = |op: Op| insn(op, raw, 2);
    match (raw & 3, f3) {
        // ---- Quadrant 0 ----
        (0, 0) => {
            // c.addi4spn
            let imm =
                bits(raw, 12, 11) << 4 | bits(raw, 10, 7) << 6 | bits(raw, 6, 6) << 2 | bits(raw, 5, 5) << 3;
            if imm == 0 {
                return ill;
            }
            Insn { rd: creg(bits(raw, 4, 2)), rs1: 2, imm: imm as i64, ..base(Op::Addi) }
        }
        (0, 1) | (0, 3) => {
            // c.fld / c.ld
            let imm = bits(raw, 12, 10) << 3 | bits(raw, 6, 5) << 6;
            let op = if f3 == 1 { Op::Fld } else { Op::Ld };
            Insn { rd: creg(bits(raw, 4, 2)), rs1: creg(bits(raw, 9, 7)), imm: imm as i64, ..base(op) }
        }
        (0, 2) => {
            // c.lw
            let imm = bits(raw, 12, 10) << 3 | bits(raw, 6, 6) << 2 | bits(raw, 5, 5) << 6;
            Insn { rd: creg(bits(raw, 4, 2)), rs1: creg(bits(raw, 9, 7)), imm: imm as i64, ..base(Op::Lw) }
        }
        (0, 5) | (0, 7) => {
            // c.fsd / c.sd
            let imm = bits(raw, 12, 10) << 3 | bits(raw, 6, 5) << 6;
            let op = if f3 == 5 { Op::Fsd } else { Op::Sd };
            Insn { rs1: creg(bits(raw, 9, 7)), rs2: creg(bits(raw, 4, 2)), imm: imm as i64, ..base(op) }
        }
        (0, 6) => {
            // c.sw
            let imm = bits(raw, 12, 10) << 3 | bits(raw, 6, 6) << 2 | bits(raw, 5, 5) << 6;
            Insn { rs1: creg(bits(raw, 9, 7)), rs2: creg(bits(raw, 4, 2)), imm: imm as i64, ..base(Op::Sw) }
        }
        (0, _) => ill,
        // ---- Quadrant 1 ----
        (1, 0) | (1, 1) | (1, 2) => {
            // c.addi / c.addiw / c.li
            let r = bits(raw, 11, 7) as u8;
            let imm = sext(bits(raw, 12, 12) << 5 | bits(raw, 6, 2), 6);
            match f3 {
                0 => Insn { rd: r, rs1: r, imm, ..base(Op::Addi) },
                1 if r != 0 => Insn { rd: r, rs1: r, imm, ..base(Op::Addiw) },
                2 => Insn { rd: r, imm, ..base(Op::Addi) },
                _ => ill,
            }
        }
        (1, 3) => {
            let r = bits(raw, 11, 7) as u8;
            if r == 2 {
                // c.addi16sp
                let v = bits(raw, 12, 12) << 9
                    | bits(raw, 6, 6) << 4
                    | bits(raw, 5, 5) << 6
                    | bits(raw, 4, 3) << 7
                    | bits(raw, 2, 2) << 5;
                if v == 0 {
                    return ill;
                }
                Insn { rd: 2, rs1: 2, imm: sext(v, 10), ..base(Op::Addi) }
            } else {
                // c.lui
                let v = bits(raw, 12, 12) << 17 | bits(raw, 6, 2) << 12;
                if v == 0 {
                    return ill;
                }
                Insn { rd: r, imm: sext(v, 18), ..base(Op::Lui) }
            }
        }
        (1, 4) => decode_c_alu(raw),
        (1, 5) => {
            // c.j
            Insn { imm: cj_offset(raw), ..base(Op::Jal) }
        }
        (1, 6) | (1, 7) => {
            // c.beqz / c.bnez
            let v = bits(raw, 12, 12) << 8
                | bits(raw, 11, 10) << 3
                | bits(raw, 6, 5) << 6
                | bits(raw, 4, 3) << 1
                | bits(raw, 2, 2) << 5;
            Insn {
                rs1: creg(bits(raw, 9, 7)),
                imm: sext(v, 9),
                ..base(if f3 == 6 { Op::Beq } else { Op::Bne })
            }
        }
        // ---- Quadrant 2 ----
        (2, 0) => {
            // c.slli
            let r = bits(raw, 11, 7) as u8;
            Insn { rd: r, rs1: r, imm: (bits(raw, 12, 12) << 5 | bits(raw, 6, 2)) as i64, ..base(Op::Slli) }
        }
        (2, 1) | (2, 3) => {
            // c.fldsp / c.ldsp
            let r = bits(raw, 11, 7) as u8;
            if f3 == 3 && r == 0 {
                return ill;
            }
            let imm = bits(raw, 12, 12) << 5 | bits(raw, 6, 5) << 3 | bits(raw, 4, 2) << 6;
            Insn { rd: r, rs1: 2, imm: imm as i64, ..base(if f3 == 1 { Op::Fld } else { Op::Ld }) }
        }
        (2, 2) => {
            // c.lwsp
            let r = bits(raw, 11, 7) as u8;
            if r == 0 {
                return ill;
            }
            let imm = bits(raw, 12, 12) << 5 | bits(raw, 6, 4) << 2 | bits(raw, 3, 2) << 6;
            Insn { rd: r, rs1: 2, imm: imm as i64, ..base(Op::Lw) }
        }
        (2, 4) => {
            let r1 = bits(raw, 11, 7) as u8;
            let r2 = bits(raw, 6, 2) as u8;
            match (bits(raw, 12, 12), r1, r2) {
                (0, 0, 0) => ill,
                (0, _, 0) => Insn { rs1: r1, ..base(Op::Jalr) },
                (0, _, _) => Insn { rd: r1, rs2: r2, ..base(Op::Add) },
                (_, 0, 0) => base(Op::Ebreak),
                (_, _, 0) => Insn { rd: 1, rs1: r1, ..base(Op::Jalr) },
                _ => Insn { rd: r1, rs1: r1, rs2: r2, ..base(Op::Add) },
            }
        }
        (2, 5) | (2, 7) => {
            // c.fsdsp / c.sdsp
            let imm = bits(raw, 12, 10) << 3 | bits(raw, 9, 7) << 6;
            Insn {
                rs1: 2,
                rs2: bits(raw, 6, 2) as u8,
                imm: imm as i64,
                ..base(if f3 == 5 { Op::Fsd } else { Op::Sd })
            }
        }
        (2, 6) => {
            // c.swsp
            let imm = bits(raw, 12, 9) << 2 | bits(raw, 8, 7) << 6;
            Insn { rs1: 2, rs2: bits(raw, 6, 2) as u8, imm: imm as i64, ..base(Op::Sw) }
        }
        _ => ill,
    }
}

/// Offset of `c.j` (and RV32's `c.jal`).
fn cj_offset(raw: u32) -> i64 {
    let v = bits(raw, 12, 12) << 11
        | bits(raw, 11, 11) << 4
        | bits(raw, 10, 9) << 8
        | bits(raw, 8, 8) << 10
        | bits(raw, 7, 7) << 6
        | bits(raw, 6, 6) << 7
        | bits(raw, 5, 3) << 1
        | bits(raw, 2, 2) << 5;
    sext(v, 12)
}

/// Quadrant 1, funct3 = 100: shifts, `c.andi` and the register-register ALU forms.
fn decode_c_alu(raw: u32) -> Insn {
    let r = creg(bits(raw, 9, 7));
    let r2 = creg(bits(raw, 4, 2));
    let shamt = (bits(raw, 12, 12) << 5 | bits(raw, 6, 2)) as i64;
    let with_imm = |op: Op, imm: i64| Insn { rd: r, rs1: r, imm, ..insn(op, raw, 2) };
    let with_reg = |op: Op| Insn { rd: r, rs1: r, rs2: r2, ..insn(op, raw, 2) };
    match bits(raw, 11, 10) {
        0 => with_imm(Op::Srli, shamt),
        1 => with_imm(Op::Srai, shamt),
        2 => with_imm(Op::Andi, sext(bits(raw, 12, 12) << 5 | bits(raw, 6, 2), 6)),
        _ => match (bits(raw, 12, 12), bits(raw, 6, 5)) {
            (0, 0) => with_reg(Op::Sub),
            (0, 1) => with_reg(Op::Xor),
            (0, 2) => with_reg(Op::Or),
            (0, _) => with_reg(Op::And),
            (_, 0) => with_reg(Op::Subw),
            (_, 1) => with_reg(Op::Addw),
            _ => Insn::illegal(raw, 2),
        },
    }
}

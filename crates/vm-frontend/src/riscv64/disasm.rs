//! RV64GC disassembler: [`Insn`] → text in exactly the form GNU `objdump -d` (binutils 2.40)
//! prints after the raw-bytes column, i.e. mnemonic, a tab, operands, including objdump's
//! aliases (`li`, `mv`, `ret`, `beqz`, `csrr`, `fmv.d`, …) and rounding-mode rules.
//!
//! Branch and jump targets are printed as absolute hex addresses (no `0x`, no `<symbol>`).

use super::disasm_names::{csr_name, f, x};
use super::insn::{Insn, Op};

/// Disassembles `insn`, located at guest address `pc`, in GNU objdump's syntax.
pub fn disasm(insn: &Insn, pc: u64) -> String {
    let i = insn;
    let (rd, rs1, rs2, rs3, imm) = (i.rd, i.rs1, i.rs2, i.rs3, i.imm);
    let target = || format!("{:x}", pc.wrapping_add(imm as u64));
    let compressed = i.len == 2;
    if compressed {
        if let Some(text) = compressed_hint(i) {
            return text;
        }
    }
    match i.op {
        Op::Illegal => illegal(i),
        Op::Lui | Op::Auipc => format!("{}\t{},0x{:x}", mnemonic(i.op), x(rd), (imm as u64 >> 12) & 0xfffff),
        Op::Jal => match rd {
            0 => format!("j\t{}", target()),
            1 => format!("jal\t{}", target()),
            _ => format!("jal\t{},{}", x(rd), target()),
        },
        Op::Jalr => {
            let addr = if imm == 0 { x(rs1).to_string() } else { format!("{}({})", imm, x(rs1)) };
            match (rd, rs1, imm) {
                (0, 1, 0) => "ret".to_string(),
                (0, _, _) => format!("jr\t{addr}"),
                (1, _, _) => format!("jalr\t{addr}"),
                _ => format!("jalr\t{},{addr}", x(rd)),
            }
        }
        Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu => branch(i, &target()),
        Op::Lb | Op::Lh | Op::Lw | Op::Ld | Op::Lbu | Op::Lhu | Op::Lwu => {
            format!("{}\t{},{}({})", mnemonic(i.op), x(rd), imm, x(rs1))
        }
        Op::Sb | Op::Sh | Op::Sw | Op::Sd => {
            format!("{}\t{},{}({})", mnemonic(i.op), x(rs2), imm, x(rs1))
        }
        Op::Flw | Op::Fld => format!("{}\t{},{}({})", mnemonic(i.op), f(rd), imm, x(rs1)),
        Op::Fsw | Op::Fsd => format!("{}\t{},{}({})", mnemonic(i.op), f(rs2), imm, x(rs1)),
        Op::Addi => {
            if rd == 0 && rs1 == 0 && imm == 0 {
                "nop".to_string()
            } else if compressed && rd == 0 && rs1 == 0 {
                format!("c.nop\t{imm}")
            } else if rs1 == 0 {
                format!("li\t{},{imm}", x(rd))
            } else if imm == 0 && !compressed {
                format!("mv\t{},{}", x(rd), x(rs1))
            } else {
                format!("add\t{},{},{imm}", x(rd), x(rs1))
            }
        }
        Op::Slti => format!("slti\t{},{},{imm}", x(rd), x(rs1)),
        Op::Sltiu if imm == 1 => format!("seqz\t{},{}", x(rd), x(rs1)),
        Op::Sltiu => format!("sltiu\t{},{},{imm}", x(rd), x(rs1)),
        Op::Xori if imm == -1 => format!("not\t{},{}", x(rd), x(rs1)),
        Op::Andi if imm == 255 => format!("zext.b\t{},{}", x(rd), x(rs1)),
        Op::Xori | Op::Ori | Op::Andi => {
            format!("{}\t{},{},{imm}", imm_form_name(i.op), x(rd), x(rs1))
        }
        Op::Addiw if imm == 0 => format!("sext.w\t{},{}", x(rd), x(rs1)),
        Op::Addiw => format!("addw\t{},{},{imm}", x(rd), x(rs1)),
        Op::Slli | Op::Srli | Op::Srai | Op::Slliw | Op::Srliw | Op::Sraiw => {
            format!("{}\t{},{},0x{:x}", imm_form_name(i.op), x(rd), x(rs1), imm)
        }
        Op::Add if compressed && rs1 == 0 => format!("mv\t{},{}", x(rd), x(rs2)),
        Op::Sub if rs1 == 0 => format!("neg\t{},{}", x(rd), x(rs2)),
        Op::Subw if rs1 == 0 => format!("negw\t{},{}", x(rd), x(rs2)),
        Op::Slt if rs2 == 0 => format!("sltz\t{},{}", x(rd), x(rs1)),
        Op::Slt if rs1 == 0 => format!("sgtz\t{},{}", x(rd), x(rs2)),
        Op::Sltu if rs1 == 0 => format!("snez\t{},{}", x(rd), x(rs2)),
        Op::Add
        | Op::Sub
        | Op::Sll
        | Op::Slt
        | Op::Sltu
        | Op::Xor
        | Op::Srl
        | Op::Sra
        | Op::Or
        | Op::And
        | Op::Addw
        | Op::Subw
        | Op::Sllw
        | Op::Srlw
        | Op::Sraw
        | Op::Mul
        | Op::Mulh
        | Op::Mulhsu
        | Op::Mulhu
        | Op::Div
        | Op::Divu
        | Op::Rem
        | Op::Remu
        | Op::Mulw
        | Op::Divw
        | Op::Divuw
        | Op::Remw
        | Op::Remuw => format!("{}\t{},{},{}", mnemonic(i.op), x(rd), x(rs1), x(rs2)),
        Op::Fence => fence(i),
        Op::FenceI if i.raw != 0x0000_100f => illegal(i),
        Op::FenceI | Op::Ecall | Op::Ebreak | Op::Mret | Op::Sret | Op::Wfi => mnemonic(i.op).to_string(),
        Op::SfenceVma => match (rs1, rs2) {
            (0, 0) => "sfence.vma".to_string(),
            (_, 0) => format!("sfence.vma\t{}", x(rs1)),
            _ => format!("sfence.vma\t{},{}", x(rs1), x(rs2)),
        },
        Op::Csrrw | Op::Csrrs | Op::Csrrc | Op::Csrrwi | Op::Csrrsi | Op::Csrrci => csr(i),
        Op::LrW | Op::LrD => format!("{}{}\t{},({})", mnemonic(i.op), aqrl(i.rm), x(rd), x(rs1)),
        Op::ScW
        | Op::ScD
        | Op::AmoswapW
        | Op::AmoaddW
        | Op::AmoxorW
        | Op::AmoandW
        | Op::AmoorW
        | Op::AmominW
        | Op::AmomaxW
        | Op::AmominuW
        | Op::AmomaxuW
        | Op::AmoswapD
        | Op::AmoaddD
        | Op::AmoxorD
        | Op::AmoandD
        | Op::AmoorD
        | Op::AmominD
        | Op::AmomaxD
        | Op::AmominuD
        | Op::AmomaxuD => format!("{}{}\t{},{},({})", mnemonic(i.op), aqrl(i.rm), x(rd), x(rs2), x(rs1)),
        Op::FmaddS
        | Op::FmsubS
        | Op::FnmsubS
        | Op::FnmaddS
        | Op::FmaddD
        | Op::FmsubD
        | Op::FnmsubD
        | Op::FnmaddD => {
            format!("{}\t{},{},{},{}{}", mnemonic(i.op), f(rd), f(rs1), f(rs2), f(rs3), rm_suffix(i.rm))
        }
        Op::FaddS | Op::FsubS | Op::FmulS | Op::FdivS | Op::FaddD | Op::FsubD | Op::FmulD | Op::FdivD => {
            format!("{}\t{},{},{}{}", mnemonic(i.op), f(rd), f(rs1), f(rs2), rm_suffix(i.rm))
        }
        Op::FsqrtS | Op::FsqrtD | Op::FcvtSD => {
            format!("{}\t{},{}{}", mnemonic(i.op), f(rd), f(rs1), rm_suffix(i.rm))
        }
        Op::FcvtDS => format!("fcvt.d.s\t{},{}", f(rd), f(rs1)),
        Op::FsgnjS | Op::FsgnjnS | Op::FsgnjxS | Op::FsgnjD | Op::FsgnjnD | Op::FsgnjxD if rs1 == rs2 => {
            let name = match i.op {
                Op::FsgnjS => "fmv.s",
                Op::FsgnjnS => "fneg.s",
                Op::FsgnjxS => "fabs.s",
                Op::FsgnjD => "fmv.d",
                Op::FsgnjnD => "fneg.d",
                _ => "fabs.d",
            };
            format!("{name}\t{},{}", f(rd), f(rs1))
        }
        Op::FsgnjS
        | Op::FsgnjnS
        | Op::FsgnjxS
        | Op::FsgnjD
        | Op::FsgnjnD
        | Op::FsgnjxD
        | Op::FminS
        | Op::FmaxS
        | Op::FminD
        | Op::FmaxD => format!("{}\t{},{},{}", mnemonic(i.op), f(rd), f(rs1), f(rs2)),
        Op::FeqS | Op::FltS | Op::FleS | Op::FeqD | Op::FltD | Op::FleD => {
            format!("{}\t{},{},{}", mnemonic(i.op), x(rd), f(rs1), f(rs2))
        }
        Op::FcvtWS
        | Op::FcvtWuS
        | Op::FcvtLS
        | Op::FcvtLuS
        | Op::FcvtWD
        | Op::FcvtWuD
        | Op::FcvtLD
        | Op::FcvtLuD => format!("{}\t{},{}{}", mnemonic(i.op), x(rd), f(rs1), rm_suffix(i.rm)),
        Op::FcvtSW | Op::FcvtSWu | Op::FcvtSL | Op::FcvtSLu | Op::FcvtDL | Op::FcvtDLu => {
            format!("{}\t{},{}{}", mnemonic(i.op), f(rd), x(rs1), rm_suffix(i.rm))
        }
        Op::FcvtDW | Op::FcvtDWu | Op::FmvWX | Op::FmvDX => {
            format!("{}\t{},{}", mnemonic(i.op), f(rd), x(rs1))
        }
        Op::FmvXW | Op::FmvXD | Op::FclassS | Op::FclassD => {
            format!("{}\t{},{}", mnemonic(i.op), x(rd), f(rs1))
        }
    }
}

/// Compressed HINT encodings, which objdump prints under their `c.` names.
fn compressed_hint(i: &Insn) -> Option<String> {
    let (rd, rs2, imm) = (i.rd, i.rs2, i.imm);
    let quadrant_f3 = (i.raw & 3, (i.raw >> 13) & 7);
    let text = match (i.op, quadrant_f3) {
        (Op::Slli, _) if imm == 0 => format!("c.slli64\t{}", x(rd)),
        (Op::Srli, _) if imm == 0 => format!("c.srli64\t{}", x(rd)),
        (Op::Srai, _) if imm == 0 => format!("c.srai64\t{}", x(rd)),
        (Op::Slli, _) if rd == 0 => format!("c.slli\tzero,0x{imm:x}"),
        (Op::Add, _) if rd == 0 && i.raw & 0x1000 == 0 => format!("c.mv\tzero,{}", x(rs2)),
        (Op::Add, _) if rd == 0 => format!("c.add\tzero,{}", x(rs2)),
        (Op::Addi, (1, 2)) if rd == 0 => format!("c.li\tzero,{imm}"),
        (Op::Lui, _) if rd == 0 => format!("c.lui\tzero,0x{:x}", (imm as u64 >> 12) & 0xfffff),
        _ => return None,
    };
    Some(text)
}

/// Text objdump prints for a word it cannot decode.
fn illegal(i: &Insn) -> String {
    match (i.len, i.raw) {
        (2, 0) => "unimp".to_string(),
        (2, raw) => format!(".2byte\t0x{:x}", raw & 0xffff),
        (_, raw) => format!(".4byte\t0x{raw:x}"),
    }
}

/// Conditional branches, with objdump's compare-with-zero aliases.
fn branch(i: &Insn, target: &str) -> String {
    let (rs1, rs2) = (i.rs1, i.rs2);
    let zero_alias = match (i.op, rs1, rs2) {
        (Op::Beq, _, 0) => Some(("beqz", rs1)),
        (Op::Bne, _, 0) => Some(("bnez", rs1)),
        (Op::Blt, _, 0) => Some(("bltz", rs1)),
        (Op::Blt, 0, _) => Some(("bgtz", rs2)),
        (Op::Bge, 0, _) => Some(("blez", rs2)),
        (Op::Bge, _, 0) => Some(("bgez", rs1)),
        _ => None,
    };
    match zero_alias {
        Some((name, r)) => format!("{name}\t{},{target}", x(r)),
        None => format!("{}\t{},{},{target}", mnemonic(i.op), x(rs1), x(rs2)),
    }
}

/// `fence` and its forms (`rm` holds `pred << 4 | succ`).
fn fence(i: &Insn) -> String {
    // objdump only decodes the canonical forms: rd = rs1 = 0 and fm = 0 (or fence.tso).
    if i.raw & 0x000f_8f80 != 0 {
        return illegal(i);
    }
    match i.raw >> 28 {
        0 => {}
        8 if i.rm == 0x33 => return "fence.tso".to_string(),
        _ => return illegal(i),
    }
    let (pred, succ) = (i.rm >> 4, i.rm & 15);
    if pred == 15 && succ == 15 {
        return "fence".to_string();
    }
    format!("fence\t{},{}", fence_set(pred), fence_set(succ))
}

/// One `fence` ordering set, e.g. `iorw`; the empty set prints as `unknown`.
fn fence_set(v: u8) -> String {
    if v & 15 == 0 {
        return "unknown".to_string();
    }
    let mut s = String::new();
    for (bit, c) in [(8, 'i'), (4, 'o'), (2, 'r'), (1, 'w')] {
        if v & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// CSR instructions with objdump's aliases.
fn csr(i: &Insn) -> String {
    let num = (i.imm & 0xfff) as u16;
    let name = csr_name(num).map_or_else(|| format!("0x{num:x}"), str::to_string);
    let (rd, rs1) = (i.rd, i.rs1);
    let uimm = rs1 & 31;
    match i.op {
        Op::Csrrw if num == 0xc00 && rd == 0 && rs1 == 0 => "unimp".to_string(),
        Op::Csrrw => match (num, rd) {
            (3, 0) => format!("fscsr\t{}", x(rs1)),
            (2, 0) => format!("fsrm\t{}", x(rs1)),
            (1, 0) => format!("fsflags\t{}", x(rs1)),
            (3, _) => format!("fscsr\t{},{}", x(rd), x(rs1)),
            (2, _) => format!("fsrm\t{},{}", x(rd), x(rs1)),
            (1, _) => format!("fsflags\t{},{}", x(rd), x(rs1)),
            (_, 0) => format!("csrw\t{name},{}", x(rs1)),
            _ => format!("csrrw\t{},{name},{}", x(rd), x(rs1)),
        },
        Op::Csrrs => match (num, rs1, rd) {
            (3, 0, _) => format!("frcsr\t{}", x(rd)),
            (2, 0, _) => format!("frrm\t{}", x(rd)),
            (1, 0, _) => format!("frflags\t{}", x(rd)),
            (0xc00, 0, _) => format!("rdcycle\t{}", x(rd)),
            (0xc01, 0, _) => format!("rdtime\t{}", x(rd)),
            (0xc02, 0, _) => format!("rdinstret\t{}", x(rd)),
            (_, 0, _) => format!("csrr\t{},{name}", x(rd)),
            (_, _, 0) => format!("csrs\t{name},{}", x(rs1)),
            _ => format!("csrrs\t{},{name},{}", x(rd), x(rs1)),
        },
        Op::Csrrc => match rd {
            0 => format!("csrc\t{name},{}", x(rs1)),
            _ => format!("csrrc\t{},{name},{}", x(rd), x(rs1)),
        },
        Op::Csrrwi => match (num, rd) {
            (2, _) => format!("fsrmi\t{},{uimm}", x(rd)),
            (1, _) => format!("fsflagsi\t{},{uimm}", x(rd)),
            (_, 0) => format!("csrw\t{name},{uimm}"),
            _ => format!("csrrw\t{},{name},{uimm}", x(rd)),
        },
        Op::Csrrsi => match rd {
            0 => format!("csrs\t{name},{uimm}"),
            _ => format!("csrrs\t{},{name},{uimm}", x(rd)),
        },
        _ => match rd {
            0 => format!("csrc\t{name},{uimm}"),
            _ => format!("csrrc\t{},{name},{uimm}", x(rd)),
        },
    }
}

/// `.aq` / `.rl` / `.aqrl` suffix of an atomic (`rm = aq << 1 | rl`).
fn aqrl(rm: u8) -> &'static str {
    match rm & 3 {
        0 => "",
        1 => ".rl",
        2 => ".aq",
        _ => ".aqrl",
    }
}

/// objdump (binutils 2.40) prints register-immediate ALU ops under the register form's name.
fn imm_form_name(op: Op) -> &'static str {
    match op {
        Op::Xori => "xor",
        Op::Ori => "or",
        Op::Andi => "and",
        Op::Slli => "sll",
        Op::Srli => "srl",
        Op::Srai => "sra",
        Op::Slliw => "sllw",
        Op::Srliw => "srlw",
        Op::Sraiw => "sraw",
        other => mnemonic(other),
    }
}

/// Rounding-mode operand suffix: omitted for `dyn`.
fn rm_suffix(rm: u8) -> &'static str {
    match rm & 7 {
        0 => ",rne",
        1 => ",rtz",
        2 => ",rdn",
        3 => ",rup",
        4 => ",rmm",
        7 => "",
        _ => ",unknown",
    }
}

/// The base mnemonic of `op` (the `.insn` spelling for [`Op::Illegal`]).
pub fn mnemonic(op: Op) -> &'static str {
    super::disasm_names::mnemonic(op)
}

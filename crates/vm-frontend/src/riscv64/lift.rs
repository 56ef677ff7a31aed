//! Lifter: decoded RV64GC instructions → vm IR.
//!
//! [`lift_insn`] turns one [`Insn`] into IR ops (usually exactly one) and, for instructions that
//! end a block (jumps, branches, traps, `ecall`, …), a [`Terminator`]. [`lift_block`] fetches,
//! decodes and lifts a straight-line run of instructions into an [`IRBlock`], recording per guest
//! instruction where its ops start ([`InsnMark`]) so an engine can map a faulting op back to a pc
//! and count retired instructions.
//!
//! Conventions:
//! - An instruction whose guest destination is `x0` and that has no side effect (ALU ops, `lui`,
//!   `auipc`, `fmv.x.*`, `fclass`) lifts to no ops; one with side effects (loads, atomics, FP
//!   compares and float→int conversions, which set `fflags`) writes [`Dst::DISCARD`] instead.
//! - Illegal encodings (including reserved FP rounding modes, `sret` and `sfence.vma`, which need
//!   S-mode) lift to `Trap { cause: 2, tval: raw, pc }`.
//! - FP instructions are lifted in the private `lift_fp` module.

use vm_core::MemFault;
use vm_ir::{AmoOp, Cond, CsrNum, CsrOp, Dst, IRBlock, IROp, Reg, Terminator, Width};

use super::insn::{Insn, Op};

/// RISC-V exception cause: instruction access fault.
const CAUSE_FETCH_ACCESS: u64 = 1;
/// RISC-V exception cause: illegal instruction.
const CAUSE_ILLEGAL: u64 = 2;

/// One guest instruction inside a lifted block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsnMark {
    /// Guest pc of the instruction.
    pub pc: u64,
    /// Index in `block.ops` of the instruction's first op (= number of ops before it).
    pub first_op: u32,
    /// Instruction length in bytes (2 or 4).
    pub len: u8,
    /// Raw instruction bits (16-bit parcels zero-extended).
    pub raw: u32,
}

/// A lifted block plus, per guest instruction in order, where its ops start (so an engine can
/// map a faulting op index back to the guest pc and count retired instructions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiftedBlock {
    /// The IR.
    pub block: IRBlock,
    /// One mark per lifted guest instruction, in order.
    pub insns: Vec<InsnMark>,
}

/// The illegal-instruction trap for `insn` at `pc`.
pub(super) fn illegal(insn: &Insn, pc: u64) -> Option<Terminator> {
    Some(Terminator::Trap { cause: CAUSE_ILLEGAL, tval: insn.raw as u64, pc })
}

/// Destination for a side-effect-free op: `None` when the guest destination is x0.
pub(super) fn dst(rd: u8) -> Option<Dst> {
    (rd != 0).then_some(Dst(rd))
}

/// Destination for an op with side effects: x0 becomes [`Dst::DISCARD`].
pub(super) fn dst_or_discard(rd: u8) -> Dst {
    dst(rd).unwrap_or(Dst::DISCARD)
}

/// `pc + len` as an immediate (the link value of `jal`/`jalr`).
fn link(insn: &Insn, pc: u64) -> i64 {
    pc.wrapping_add(insn.len as u64) as i64
}

/// Lift one instruction into `ops`; returns `Some(terminator)` if it ends the block.
///
/// Never panics: out-of-range register numbers or CSR numbers are treated as illegal.
pub fn lift_insn(insn: &Insn, pc: u64, ops: &mut Vec<IROp>) -> Option<Terminator> {
    if insn.rd >= 32 || insn.rs1 >= 32 || insn.rs2 >= 32 || insn.rs3 >= 32 {
        return illegal(insn, pc);
    }
    let (rd, rs1, rs2) = (insn.rd, Reg(insn.rs1), Reg(insn.rs2));
    let imm = insn.imm;
    let next = pc.wrapping_add(insn.len as u64);
    let target = pc.wrapping_add(imm as u64);

    macro_rules! alu {
        ($v:ident) => {{
            if let Some(rd) = dst(rd) {
                ops.push(IROp::$v { rd, rs1, rs2 });
            }
            None
        }};
    }
    macro_rules! alui {
        ($v:ident) => {{
            if let Some(rd) = dst(rd) {
                ops.push(IROp::$v { rd, rs1, imm });
            }
            None
        }};
    }
    macro_rules! load {
        ($v:ident) => {{
            ops.push(IROp::$v { rd: dst_or_discard(rd), base: rs1, off: imm });
            None
        }};
    }
    macro_rules! store {
        ($v:ident) => {{
            ops.push(IROp::$v { src: rs2, base: rs1, off: imm });
            None
        }};
    }
    macro_rules! branch {
        ($c:ident) => {
            Some(Terminator::Branch { cond: Cond::$c, rs1, rs2, taken: target, next })
        };
    }
    macro_rules! amo {
        ($op:ident, $w:ident) => {{
            ops.push(IROp::Amo { op: AmoOp::$op, w: Width::$w, rd: dst_or_discard(rd), addr: rs1, src: rs2 });
            None
        }};
    }

    match insn.op {
        Op::Illegal | Op::Sret | Op::SfenceVma => illegal(insn, pc),

        Op::Lui => {
            if let Some(rd) = dst(rd) {
                ops.push(IROp::Li { rd, imm });
            }
            None
        }
        Op::Auipc => {
            if let Some(rd) = dst(rd) {
                ops.push(IROp::Li { rd, imm: target as i64 });
            }
            None
        }
        Op::Jal => {
            if let Some(rd) = dst(rd) {
                ops.push(IROp::Li { rd, imm: link(insn, pc) });
            }
            Some(Terminator::Jump { target })
        }
        Op::Jalr => match dst(rd) {
            None => Some(Terminator::JumpInd { base: rs1, off: imm }),
            Some(d) if insn.rd != insn.rs1 => {
                ops.push(IROp::Li { rd: d, imm: link(insn, pc) });
                Some(Terminator::JumpInd { base: rs1, off: imm })
            }
            Some(d) => {
                // rd == rs1: compute the target before the link overwrites the base.
                ops.push(IROp::AddI { rd: Dst::temp(0), rs1, imm });
                ops.push(IROp::Li { rd: d, imm: link(insn, pc) });
                Some(Terminator::JumpInd { base: Reg::temp(0), off: 0 })
            }
        },

        Op::Beq => branch!(Eq),
        Op::Bne => branch!(Ne),
        Op::Blt => branch!(Lt),
        Op::Bge => branch!(Ge),
        Op::Bltu => branch!(Ltu),
        Op::Bgeu => branch!(Geu),

        Op::Lb => load!(Lb),
        Op::Lh => load!(Lh),
        Op::Lw => load!(Lw),
        Op::Ld => load!(Ld),
        Op::Lbu => load!(Lbu),
        Op::Lhu => load!(Lhu),
        Op::Lwu => load!(Lwu),
        Op::Sb => store!(Sb),
        Op::Sh => store!(Sh),
        Op::Sw => store!(Sw),
        Op::Sd => store!(Sd),

        Op::Addi => alui!(AddI),
        Op::Slti => alui!(SltI),
        Op::Sltiu => alui!(SltuI),
        Op::Xori => alui!(XorI),
        Op::Ori => alui!(OrI),
        Op::Andi => alui!(AndI),
        Op::Slli => alui!(SllI),
        Op::Srli => alui!(SrlI),
        Op::Srai => alui!(SraI),
        Op::Addiw => alui!(AddIW),
        Op::Slliw => alui!(SllIW),
        Op::Srliw => alui!(SrlIW),
        Op::Sraiw => alui!(SraIW),

        Op::Add => alu!(Add),
        Op::Sub => alu!(Sub),
        Op::Sll => alu!(Sll),
        Op::Slt => alu!(Slt),
        Op::Sltu => alu!(Sltu),
        Op::Xor => alu!(Xor),
        Op::Srl => alu!(Srl),
        Op::Sra => alu!(Sra),
        Op::Or => alu!(Or),
        Op::And => alu!(And),
        Op::Addw => alu!(AddW),
        Op::Subw => alu!(SubW),
        Op::Sllw => alu!(SllW),
        Op::Srlw => alu!(SrlW),
        Op::Sraw => alu!(SraW),
        Op::Mul => alu!(Mul),
        Op::Mulh => alu!(Mulh),
        Op::Mulhsu => alu!(Mulhsu),
        Op::Mulhu => alu!(Mulhu),
        Op::Div => alu!(Div),
        Op::Divu => alu!(Divu),
        Op::Rem => alu!(Rem),
        Op::Remu => alu!(Remu),
        Op::Mulw => alu!(MulW),
        Op::Divw => alu!(DivW),
        Op::Divuw => alu!(DivuW),
        Op::Remw => alu!(RemW),
        Op::Remuw => alu!(RemuW),

        // Single hart, in-order memory: data fences are no-ops.
        Op::Fence => None,
        Op::FenceI => Some(Terminator::FenceI { next }),
        Op::Ecall => Some(Terminator::Ecall { pc }),
        Op::Ebreak => Some(Terminator::Ebreak { pc }),
        Op::Mret => Some(Terminator::Mret { pc }),
        Op::Wfi => Some(Terminator::Wfi { pc, next }),

        Op::Csrrw | Op::Csrrs | Op::Csrrc | Op::Csrrwi | Op::Csrrsi | Op::Csrrci => {
            let csr = match u16::try_from(imm) {
                Ok(n) if n < 0x1000 => CsrNum(n),
                _ => return illegal(insn, pc),
            };
            let rd = Reg(rd);
            ops.push(match insn.op {
                Op::Csrrw => IROp::Csr { op: CsrOp::Rw, rd, csr, src: rs1 },
                Op::Csrrs => IROp::Csr { op: CsrOp::Rs, rd, csr, src: rs1 },
                Op::Csrrc => IROp::Csr { op: CsrOp::Rc, rd, csr, src: rs1 },
                Op::Csrrwi => IROp::CsrI { op: CsrOp::Rw, rd, csr, uimm: insn.rs1 as i64 },
                Op::Csrrsi => IROp::CsrI { op: CsrOp::Rs, rd, csr, uimm: insn.rs1 as i64 },
                _ => IROp::CsrI { op: CsrOp::Rc, rd, csr, uimm: insn.rs1 as i64 },
            });
            None
        }

        Op::LrW | Op::LrD => {
            let w = if insn.op == Op::LrW { Width::W } else { Width::D };
            ops.push(IROp::Lr { w, rd: dst_or_discard(rd), addr: rs1 });
            None
        }
        Op::ScW | Op::ScD => {
            let w = if insn.op == Op::ScW { Width::W } else { Width::D };
            ops.push(IROp::Sc { w, rd: dst_or_discard(rd), addr: rs1, src: rs2 });
            None
        }
        Op::AmoswapW => amo!(Swap, W),
        Op::AmoaddW => amo!(Add, W),
        Op::AmoxorW => amo!(Xor, W),
        Op::AmoandW => amo!(And, W),
        Op::AmoorW => amo!(Or, W),
        Op::AmominW => amo!(Min, W),
        Op::AmomaxW => amo!(Max, W),
        Op::AmominuW => amo!(Minu, W),
        Op::AmomaxuW => amo!(Maxu, W),
        Op::AmoswapD => amo!(Swap, D),
        Op::AmoaddD => amo!(Add, D),
        Op::AmoxorD => amo!(Xor, D),
        Op::AmoandD => amo!(And, D),
        Op::AmoorD => amo!(Or, D),
        Op::AmominD => amo!(Min, D),
        Op::AmomaxD => amo!(Max, D),
        Op::AmominuD => amo!(Minu, D),
        Op::AmomaxuD => amo!(Maxu, D),

        _ => super::lift_fp::lift_fp(insn, pc, ops),
    }
}

/// Fetch one instruction at `pc`: its raw bits and length, or the fault.
fn fetch(fetch16: &mut impl FnMut(u64) -> Result<u16, MemFault>, pc: u64) -> Result<(u32, u8), MemFault> {
    let lo = fetch16(pc)?;
    if lo & 3 != 3 {
        return Ok((lo as u32, 2));
    }
    let hi = fetch16(pc.wrapping_add(2))?;
    Ok((lo as u32 | (hi as u32) << 16, 4))
}

/// Decode and lift a block starting at `pc`: at most `max_insns` instructions (0 counts as 1).
///
/// `fetch16(addr)` reads one 16-bit parcel (a 32-bit instruction is two parcels, low first).
/// If the first instruction cannot be fetched the block is just an instruction-access-fault
/// trap; if a later one cannot, the block ends before it with a jump to its pc (it faults when
/// that block is lifted).
pub fn lift_block(
    fetch16: impl FnMut(u64) -> Result<u16, MemFault>,
    pc: u64,
    max_insns: usize,
) -> LiftedBlock {
    lift_block_with(fetch16, super::decode::decode, pc, max_insns)
}

/// [`lift_block`] with the decoder as a parameter (tests use a table instead of the decoder).
pub(crate) fn lift_block_with(
    mut fetch16: impl FnMut(u64) -> Result<u16, MemFault>,
    decode: impl Fn(u32) -> Insn,
    start_pc: u64,
    max_insns: usize,
) -> LiftedBlock {
    let mut ops = Vec::new();
    let mut insns = Vec::new();
    let mut pc = start_pc;
    let term = loop {
        let (raw, len) = match fetch(&mut fetch16, pc) {
            Ok(f) => f,
            Err(fault) if insns.is_empty() => {
                break Terminator::Trap { cause: CAUSE_FETCH_ACCESS, tval: fault.addr, pc };
            }
            Err(_) => break Terminator::Jump { target: pc },
        };
        let mut insn = decode(raw);
        if insn.len != len {
            // A decoder disagreeing with the fetched length would desynchronise the pc.
            insn = Insn::illegal(raw, len);
        }
        insns.push(InsnMark { pc, first_op: ops.len() as u32, len, raw });
        if let Some(term) = lift_insn(&insn, pc, &mut ops) {
            break term;
        }
        pc = pc.wrapping_add(len as u64);
        if insns.len() >= max_insns {
            break Terminator::Jump { target: pc };
        }
    };
    LiftedBlock { block: IRBlock { start_pc, ops, term }, insns }
}

#[cfg(test)]
#[path = "lift_tests.rs"]
mod tests;

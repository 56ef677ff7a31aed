//! The dispatch loop: one `match` arm per IR op.

use vm_core::{AccessKind, CpuState, MemFault, MemFaultKind, Mmu};
use vm_ir::{AmoOp, CsrOp, IRBlock, IROp, Terminator, Width};

use crate::csr::{CsrHandler, UserCsrs};
use crate::fp;

/// A guest exception raised by an op: RISC-V cause code and trap value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exception {
    /// `mcause` exception code.
    pub cause: u64,
    /// `mtval`.
    pub tval: u64,
}

impl Exception {
    /// Illegal instruction (cause 2).
    pub fn illegal(tval: u64) -> Exception {
        Exception { cause: 2, tval }
    }
}

impl From<MemFault> for Exception {
    fn from(f: MemFault) -> Exception {
        Exception { cause: f.riscv_cause(), tval: f.addr }
    }
}

/// Why [`run_block`] returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The block finished; continue at this pc.
    Next(u64),
    /// Op number `op_index` raised `exc`; ops before it took effect, it and later ones did not.
    Fault {
        /// Index into `block.ops`.
        op_index: usize,
        /// The exception.
        exc: Exception,
    },
    /// The block ended in a terminator that needs the machine (ecall, trap, mret, wfi, …).
    Term(Terminator),
}

macro_rules! x {
    ($cpu:ident, $r:expr) => {
        $cpu.x[$r.0 as usize]
    };
}

#[inline(always)]
fn sext32(v: u64) -> u64 {
    v as i32 as i64 as u64
}

/// Execute `block` from its first op. `cpu.pc` is not touched: the caller owns control flow.
#[inline(always)]
pub fn run_block<M: Mmu + ?Sized, C: CsrHandler + ?Sized>(
    cpu: &mut CpuState,
    mmu: &mut M,
    csrs: &mut C,
    block: &IRBlock,
) -> Exit {
    for (i, op) in block.ops.iter().enumerate() {
        if let Err(exc) = step(cpu, mmu, csrs, i, op) {
            return Exit::Fault { op_index: i, exc };
        }
    }
    match &block.term {
        Terminator::Jump { target } => Exit::Next(*target),
        Terminator::Branch { cond, rs1, rs2, taken, next } => {
            Exit::Next(if cond.eval(x!(cpu, rs1), x!(cpu, rs2)) { *taken } else { *next })
        }
        Terminator::JumpInd { base, off } => Exit::Next(x!(cpu, base).wrapping_add(*off as u64) & !1),
        other => Exit::Term(other.clone()),
    }
}

#[inline(always)]
fn step<M: Mmu + ?Sized, C: CsrHandler + ?Sized>(
    cpu: &mut CpuState,
    mmu: &mut M,
    csrs: &mut C,
    index: usize,
    op: &IROp,
) -> Result<(), Exception> {
    macro_rules! rr {
        ($rd:ident, $a:ident, $b:ident, |$x:ident, $y:ident| $e:expr) => {{
            let $x = x!(cpu, $a);
            let $y = x!(cpu, $b);
            x!(cpu, $rd) = $e;
        }};
    }
    macro_rules! ri {
        ($rd:ident, $a:ident, $imm:ident, |$x:ident, $y:ident| $e:expr) => {{
            let $x = x!(cpu, $a);
            let $y = *$imm as u64;
            x!(cpu, $rd) = $e;
        }};
    }
    macro_rules! ea {
        ($base:ident, $off:ident) => {
            x!(cpu, $base).wrapping_add(*$off as u64)
        };
    }
    use IROp::*;
    match op {
        Li { rd, imm } => x!(cpu, rd) = *imm as u64,
        Add { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a.wrapping_add(b)),
        Sub { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a.wrapping_sub(b)),
        Sll { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a << (b & 63)),
        Slt { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| ((a as i64) < (b as i64)) as u64),
        Sltu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| (a < b) as u64),
        Xor { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a ^ b),
        Srl { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a >> (b & 63)),
        Sra { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| ((a as i64) >> (b & 63)) as u64),
        Or { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a | b),
        And { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a & b),
        Mul { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a.wrapping_mul(b)),
        Mulh { rd, rs1, rs2 } => {
            rr!(rd, rs1, rs2, |a, b| ((a as i64 as i128 * b as i64 as i128) >> 64) as u64)
        }
        Mulhsu { rd, rs1, rs2 } => {
            rr!(rd, rs1, rs2, |a, b| ((a as i64 as i128).wrapping_mul(b as i128) >> 64) as u64)
        }
        Mulhu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| ((a as u128 * b as u128) >> 64) as u64),
        Div { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| div(a as i64, b as i64) as u64),
        Divu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| a.checked_div(b).unwrap_or(u64::MAX)),
        Rem { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| rem(a as i64, b as i64) as u64),
        Remu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| if b == 0 { a } else { a % b }),
        AddW { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| sext32(a.wrapping_add(b))),
        SubW { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| sext32(a.wrapping_sub(b))),
        SllW { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| sext32(((a as u32) << (b & 31)) as u64)),
        SrlW { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| sext32(((a as u32) >> (b & 31)) as u64)),
        SraW { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| ((a as i32) >> (b & 31)) as i64 as u64),
        MulW { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |a, b| sext32(a.wrapping_mul(b))),
        DivW { rd, rs1, rs2 } => {
            rr!(rd, rs1, rs2, |a, b| div(a as i32 as i64, b as i32 as i64) as i32 as i64 as u64)
        }
        DivuW { rd, rs1, rs2 } => {
            rr!(rd, rs1, rs2, |a, b| sext32((a as u32).checked_div(b as u32).unwrap_or(u32::MAX) as u64))
        }
        RemW { rd, rs1, rs2 } => {
            rr!(rd, rs1, rs2, |a, b| rem(a as i32 as i64, b as i32 as i64) as i32 as i64 as u64)
        }
        RemuW { rd, rs1, rs2 } => {
            rr!(
                rd,
                rs1,
                rs2,
                |a, b| sext32(if b as u32 == 0 { a as u32 } else { a as u32 % b as u32 } as u64)
            )
        }
        AddI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| a.wrapping_add(b)),
        SltI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| ((a as i64) < (b as i64)) as u64),
        SltuI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| (a < b) as u64),
        XorI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| a ^ b),
        OrI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| a | b),
        AndI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| a & b),
        SllI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| a << (b & 63)),
        SrlI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| a >> (b & 63)),
        SraI { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| ((a as i64) >> (b & 63)) as u64),
        AddIW { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| sext32(a.wrapping_add(b))),
        SllIW { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| sext32(((a as u32) << (b & 31)) as u64)),
        SrlIW { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| sext32(((a as u32) >> (b & 31)) as u64)),
        SraIW { rd, rs1, imm } => ri!(rd, rs1, imm, |a, b| ((a as i32) >> (b & 31)) as i64 as u64),

        Lb { rd, base, off } => x!(cpu, rd) = mmu.load8(ea!(base, off))? as i8 as i64 as u64,
        Lh { rd, base, off } => x!(cpu, rd) = mmu.load16(ea!(base, off))? as i16 as i64 as u64,
        Lw { rd, base, off } => x!(cpu, rd) = sext32(mmu.load32(ea!(base, off))?),
        Ld { rd, base, off } => x!(cpu, rd) = mmu.load64(ea!(base, off))?,
        Lbu { rd, base, off } => x!(cpu, rd) = mmu.load8(ea!(base, off))?,
        Lhu { rd, base, off } => x!(cpu, rd) = mmu.load16(ea!(base, off))?,
        Lwu { rd, base, off } => x!(cpu, rd) = mmu.load32(ea!(base, off))?,
        Sb { src, base, off } => mmu.store8(ea!(base, off), x!(cpu, src))?,
        Sh { src, base, off } => mmu.store16(ea!(base, off), x!(cpu, src))?,
        Sw { src, base, off } => mmu.store32(ea!(base, off), x!(cpu, src))?,
        Sd { src, base, off } => mmu.store64(ea!(base, off), x!(cpu, src))?,
        Flw { fd, base, off } => {
            fp::enabled(cpu)?;
            cpu.f[fd.0 as usize] = vm_fpu::nan_box(mmu.load32(ea!(base, off))? as u32);
            cpu.fs = 3;
        }
        Fld { fd, base, off } => {
            fp::enabled(cpu)?;
            cpu.f[fd.0 as usize] = mmu.load64(ea!(base, off))?;
            cpu.fs = 3;
        }
        Fsw { src, base, off } => {
            fp::enabled(cpu)?;
            mmu.store32(ea!(base, off), cpu.f[src.0 as usize])?
        }
        Fsd { src, base, off } => {
            fp::enabled(cpu)?;
            mmu.store64(ea!(base, off), cpu.f[src.0 as usize])?
        }

        Lr { w, rd, addr } => {
            let a = x!(cpu, addr);
            let v = match w {
                Width::W => sext32(aligned(a, 4, AccessKind::Load).and_then(|a| mmu.load32(a))?),
                Width::D => aligned(a, 8, AccessKind::Load).and_then(|a| mmu.load64(a))?,
            };
            cpu.reservation = Some(a);
            x!(cpu, rd) = v;
        }
        Sc { w, rd, addr, src } => {
            let a = x!(cpu, addr);
            let size = if *w == Width::W { 4 } else { 8 };
            aligned(a, size, AccessKind::Store)?;
            let ok = cpu.reservation.take() == Some(a);
            if ok {
                let v = x!(cpu, src);
                match w {
                    Width::W => mmu.store32(a, v)?,
                    Width::D => mmu.store64(a, v)?,
                }
            }
            x!(cpu, rd) = (!ok) as u64;
        }
        Amo { op, w, rd, addr, src } => {
            let a = x!(cpu, addr);
            let s = x!(cpu, src);
            x!(cpu, rd) = amo(mmu, *op, *w, a, s)?;
        }

        Csr { op, rd, csr, src } => {
            let write = *op == CsrOp::Rw || src.0 != 0;
            let read = *op != CsrOp::Rw || rd.0 != 0;
            let v = x!(cpu, src);
            let old = csrs.csr(cpu, index, csr.0, *op, v, read, write)?;
            if rd.0 != 0 {
                x!(cpu, rd) = old;
            }
        }
        CsrI { op, rd, csr, uimm } => {
            let write = *op == CsrOp::Rw || *uimm != 0;
            let read = *op != CsrOp::Rw || rd.0 != 0;
            let old = csrs.csr(cpu, index, csr.0, *op, *uimm as u64, read, write)?;
            if rd.0 != 0 {
                x!(cpu, rd) = old;
            }
        }
        _ => fp::step(cpu, op)?,
    }
    Ok(())
}

#[inline(always)]
fn div(a: i64, b: i64) -> i64 {
    if b == 0 {
        -1
    } else {
        a.wrapping_div(b)
    }
}

#[inline(always)]
fn rem(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        a.wrapping_rem(b)
    }
}

fn aligned(addr: u64, size: u64, access: AccessKind) -> Result<u64, MemFault> {
    if addr.is_multiple_of(size) {
        Ok(addr)
    } else {
        Err(MemFault { addr, access, kind: MemFaultKind::Misaligned })
    }
}

/// Atomic read-modify-write; faults of either half are store/AMO faults.
fn amo<M: Mmu + ?Sized>(mmu: &mut M, op: AmoOp, w: Width, addr: u64, src: u64) -> Result<u64, MemFault> {
    let as_store = |f: MemFault| MemFault { access: AccessKind::Store, ..f };
    let size = if w == Width::W { 4 } else { 8 };
    aligned(addr, size, AccessKind::Store)?;
    let old = match w {
        Width::W => sext32(mmu.load32(addr).map_err(as_store)?),
        Width::D => mmu.load64(addr).map_err(as_store)?,
    };
    let (o, s) = match w {
        Width::W => (old, sext32(src)),
        Width::D => (old, src),
    };
    let new = match op {
        AmoOp::Swap => s,
        AmoOp::Add => o.wrapping_add(s),
        AmoOp::Xor => o ^ s,
        AmoOp::And => o & s,
        AmoOp::Or => o | s,
        AmoOp::Min => (o as i64).min(s as i64) as u64,
        AmoOp::Max => (o as i64).max(s as i64) as u64,
        AmoOp::Minu => {
            if w == Width::W {
                (o as u32).min(s as u32) as u64
            } else {
                o.min(s)
            }
        }
        AmoOp::Maxu => {
            if w == Width::W {
                (o as u32).max(s as u32) as u64
            } else {
                o.max(s)
            }
        }
    };
    match w {
        Width::W => mmu.store32(addr, new)?,
        Width::D => mmu.store64(addr, new)?,
    }
    Ok(old)
}

/// The engine object of the user guide: an interpreter holding one hart's state.
#[derive(Debug, Default, Clone)]
pub struct Interpreter {
    /// The hart the blocks run on.
    pub cpu: CpuState,
}

impl Interpreter {
    /// An interpreter with a zeroed hart.
    pub fn new() -> Self {
        Self::default()
    }

    /// Run `block` with only user-level CSRs; on [`Exit::Next`] `cpu.pc` moves to the next pc.
    pub fn run<M: Mmu + ?Sized>(&mut self, mmu: &mut M, block: &IRBlock) -> Exit {
        let exit = run_block(&mut self.cpu, mmu, &mut UserCsrs, block);
        if let Exit::Next(pc) = exit {
            self.cpu.pc = pc;
        }
        exit
    }
}

//! [`IRBuilder`]: assemble an [`IRBlock`] op by op, handing out temporaries.
//!
//! ```
//! use vm_ir::{IRBuilder, Dst, Reg, Terminator};
//!
//! let mut b = IRBuilder::new(0x8000_0000);
//! let t = b.new_temp().unwrap();
//! b.li(t, 0x10).add(Dst(10), Reg(10), t.as_reg());
//! let block = b.finish_verified(Terminator::Jump { target: 0x8000_0008 }).unwrap();
//! assert_eq!(block.ops.len(), 2);
//! ```

use vm_core::error::VmError;

use crate::block::IRBlock;
use crate::op::{IROp, Terminator};
use crate::operand::{Dst, Reg};
use crate::verify::verify;

/// Temporaries the builder hands out: `v0`–`v30` (`v31` is [`Dst::DISCARD`]).
pub const NUM_BUILDER_TEMPS: u8 = 31;

/// Collects ops for one block; [`finish`](IRBuilder::finish) adds the terminator.
#[derive(Clone, Debug)]
pub struct IRBuilder {
    start_pc: u64,
    ops: Vec<IROp>,
    next_temp: u8,
}

/// Generates a convenience method per three-register op.
macro_rules! rrr {
    ($($(#[$m:meta])* $fn:ident => $op:ident),* $(,)?) => {$(
        $(#[$m])*
        pub fn $fn(&mut self, rd: Dst, rs1: Reg, rs2: Reg) -> &mut Self {
            self.push(IROp::$op { rd, rs1, rs2 })
        }
    )*};
}

/// Generates a convenience method per register-immediate op (loads included: `rs1` is the base).
macro_rules! rri {
    ($($(#[$m:meta])* $fn:ident => $op:ident { $r:ident, $i:ident }),* $(,)?) => {$(
        $(#[$m])*
        pub fn $fn(&mut self, rd: Dst, $r: Reg, $i: i64) -> &mut Self {
            self.push(IROp::$op { rd, $r, $i })
        }
    )*};
}

/// Generates a convenience method per integer store.
macro_rules! store {
    ($($(#[$m:meta])* $fn:ident => $op:ident),* $(,)?) => {$(
        $(#[$m])*
        pub fn $fn(&mut self, src: Reg, base: Reg, off: i64) -> &mut Self {
            self.push(IROp::$op { src, base, off })
        }
    )*};
}

impl IRBuilder {
    /// An empty block starting at guest pc `start_pc`.
    pub fn new(start_pc: u64) -> IRBuilder {
        IRBuilder { start_pc, ops: Vec::new(), next_temp: 0 }
    }

    /// The block's start pc.
    pub fn start_pc(&self) -> u64 {
        self.start_pc
    }

    /// The ops pushed so far.
    pub fn ops(&self) -> &[IROp] {
        &self.ops
    }

    /// Append an op.
    pub fn push(&mut self, op: IROp) -> &mut Self {
        self.ops.push(op);
        self
    }

    /// A fresh temporary `v0`–`v30`, each handed out once per block; `InvalidIr` when all 31
    /// are taken. The caller must write it before reading it.
    pub fn new_temp(&mut self) -> Result<Dst, VmError> {
        if self.next_temp >= NUM_BUILDER_TEMPS {
            return Err(VmError::InvalidIr {
                start_pc: self.start_pc,
                reason: format!("block needs more than {NUM_BUILDER_TEMPS} temporaries"),
            });
        }
        let t = Dst::temp(self.next_temp);
        self.next_temp += 1;
        Ok(t)
    }

    /// How many temporaries [`new_temp`](Self::new_temp) has handed out.
    pub fn temps_used(&self) -> u8 {
        self.next_temp
    }

    /// `rd = imm`
    pub fn li(&mut self, rd: Dst, imm: i64) -> &mut Self {
        self.push(IROp::Li { rd, imm })
    }

    /// `rd = rs1`, as `addi rd, rs1, 0`.
    pub fn mv(&mut self, rd: Dst, rs1: Reg) -> &mut Self {
        self.addi(rd, rs1, 0)
    }

    rrr! {
        /// `rd = rs1 + rs2`
        add => Add,
        /// `rd = rs1 - rs2`
        sub => Sub,
        /// `rd = rs1 & rs2`
        and => And,
        /// `rd = rs1 | rs2`
        or => Or,
        /// `rd = rs1 ^ rs2`
        xor => Xor,
        /// `rd = rs1 << (rs2 & 63)`
        sll => Sll,
        /// `rd = rs1 >>u (rs2 & 63)`
        srl => Srl,
        /// `rd = rs1 >>s (rs2 & 63)`
        sra => Sra,
        /// `rd = (rs1 <s rs2) as u64`
        slt => Slt,
        /// `rd = (rs1 <u rs2) as u64`
        sltu => Sltu,
        /// Low 64 bits of `rs1 * rs2`.
        mul => Mul,
    }

    rri! {
        /// `rd = rs1 + imm`
        addi => AddI { rs1, imm },
        /// `rd = rs1 & imm`
        andi => AndI { rs1, imm },
        /// `rd = rs1 | imm`
        ori => OrI { rs1, imm },
        /// `rd = rs1 ^ imm`
        xori => XorI { rs1, imm },
        /// `rd = rs1 << (imm & 63)`
        slli => SllI { rs1, imm },
        /// `rd = rs1 >>u (imm & 63)`
        srli => SrlI { rs1, imm },
        /// `rd = rs1 >>s (imm & 63)`
        srai => SraI { rs1, imm },
        /// 32-bit `rd = rs1 + imm`, sign-extended.
        addiw => AddIW { rs1, imm },
        /// Load a sign-extended byte from `base + off`.
        lb => Lb { base, off },
        /// Load a sign-extended halfword from `base + off`.
        lh => Lh { base, off },
        /// Load a sign-extended word from `base + off`.
        lw => Lw { base, off },
        /// Load a doubleword from `base + off`.
        ld => Ld { base, off },
        /// Load a zero-extended byte from `base + off`.
        lbu => Lbu { base, off },
        /// Load a zero-extended halfword from `base + off`.
        lhu => Lhu { base, off },
        /// Load a zero-extended word from `base + off`.
        lwu => Lwu { base, off },
    }

    store! {
        /// Store the low byte of `src` to `base + off`.
        sb => Sb,
        /// Store the low halfword of `src` to `base + off`.
        sh => Sh,
        /// Store the low word of `src` to `base + off`.
        sw => Sw,
        /// Store `src` to `base + off`.
        sd => Sd,
    }

    /// End the block with `term`. Does not verify; see [`finish_verified`](Self::finish_verified).
    pub fn finish(self, term: Terminator) -> IRBlock {
        IRBlock { start_pc: self.start_pc, ops: self.ops, term }
    }

    /// End the block with `term` and [`verify`] it.
    pub fn finish_verified(self, term: Terminator) -> Result<IRBlock, VmError> {
        let block = self.finish(term);
        verify(&block)?;
        Ok(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temps_run_out_after_v30() {
        let mut b = IRBuilder::new(0x1000);
        for n in 0..31 {
            assert_eq!(b.new_temp().unwrap(), Dst::temp(n));
        }
        assert_eq!(b.temps_used(), 31);
        assert!(matches!(b.new_temp(), Err(VmError::InvalidIr { start_pc: 0x1000, .. })));
    }

    #[test]
    fn helpers_build_the_expected_ops() {
        let mut b = IRBuilder::new(0x2000);
        let t = b.new_temp().unwrap();
        b.li(t, -1).ld(Dst(5), Reg(2), 8).sd(t.as_reg(), Reg(2), -8).mv(Dst(6), Reg(5));
        let block = b.finish_verified(Terminator::Ret).unwrap();
        assert_eq!(
            block.ops,
            vec![
                IROp::Li { rd: Dst::temp(0), imm: -1 },
                IROp::Ld { rd: Dst(5), base: Reg(2), off: 8 },
                IROp::Sd { src: Reg::temp(0), base: Reg(2), off: -8 },
                IROp::AddI { rd: Dst(6), rs1: Reg(5), imm: 0 },
            ]
        );
    }

    #[test]
    fn finish_verified_rejects_unwritten_temp() {
        let mut b = IRBuilder::new(0x3000);
        let t = b.new_temp().unwrap();
        b.add(Dst(1), t.as_reg(), Reg(0));
        assert!(b.finish_verified(Terminator::Ret).is_err());
    }
}

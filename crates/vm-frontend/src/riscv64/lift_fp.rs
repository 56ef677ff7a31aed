//! Lifter, F and D extensions: FP loads/stores, arithmetic, compares, conversions and moves.
//!
//! Every instruction that has a rounding-mode field checks it, including those the rounding
//! mode cannot affect (`fcvt.d.s`, `fcvt.d.w`): the spec makes reserved values (5, 6) illegal
//! for all of them. `fmv.x.*` and `fclass` to x0 lift to nothing; compares and float→int
//! conversions to x0 still run (they set `fflags`) and write [`vm_ir::Dst::DISCARD`].

use vm_ir::{FReg, Fmt, IROp, IntKind, Reg, Rm, Terminator};

use super::insn::{Insn, Op};
use super::lift::{dst, dst_or_discard, illegal};

/// Lift an F/D instruction (any other opcode is illegal). Register numbers are already checked.
pub(super) fn lift_fp(insn: &Insn, pc: u64, ops: &mut Vec<IROp>) -> Option<Terminator> {
    use Fmt::{D, S};
    let (fd, a, b, c) = (FReg(insn.rd), FReg(insn.rs1), FReg(insn.rs2), FReg(insn.rs3));
    let (rd, off) = (insn.rd, insn.imm);
    let base = Reg(insn.rs1);
    // Only used by ops that have a rounding-mode field.
    let rm_field = Rm::from_bits(insn.rm);

    // `with_rm!(rm => op)`: push `op` with `rm` bound to the rounding mode, or trap if reserved.
    macro_rules! with_rm {
        ($rm:ident => $op:expr) => {{
            let Some($rm) = rm_field else {
                return illegal(insn, pc);
            };
            ops.push($op);
            None
        }};
    }
    macro_rules! arith {
        ($v:ident, $fmt:ident) => {
            with_rm!(rm => IROp::$v { fmt: $fmt, fd, a, b, rm })
        };
    }
    macro_rules! fma {
        ($v:ident, $fmt:ident) => {
            with_rm!(rm => IROp::$v { fmt: $fmt, fd, a, b, c, rm })
        };
    }
    macro_rules! plain {
        ($v:ident, $fmt:ident) => {{
            ops.push(IROp::$v { fmt: $fmt, fd, a, b });
            None
        }};
    }
    macro_rules! cmp {
        ($v:ident, $fmt:ident) => {{
            ops.push(IROp::$v { fmt: $fmt, rd: dst_or_discard(rd), a, b });
            None
        }};
    }
    macro_rules! to_int {
        ($fmt:ident, $kind:ident) => {
            with_rm!(rm => IROp::FCvtToInt { fmt: $fmt, kind: IntKind::$kind, rd: dst_or_discard(rd), a, rm })
        };
    }
    macro_rules! from_int {
        ($fmt:ident, $kind:ident) => {
            with_rm!(rm => IROp::FCvtFromInt { fmt: $fmt, kind: IntKind::$kind, fd, rs: base, rm })
        };
    }
    macro_rules! pure_to_x {
        ($v:ident, $fmt:ident) => {{
            if let Some(rd) = dst(rd) {
                ops.push(IROp::$v { fmt: $fmt, rd, a });
            }
            None
        }};
    }

    match insn.op {
        Op::Flw => {
            ops.push(IROp::Flw { fd, base, off });
            None
        }
        Op::Fld => {
            ops.push(IROp::Fld { fd, base, off });
            None
        }
        Op::Fsw => {
            ops.push(IROp::Fsw { src: b, base, off });
            None
        }
        Op::Fsd => {
            ops.push(IROp::Fsd { src: b, base, off });
            None
        }

        Op::FaddS => arith!(FAdd, S),
        Op::FsubS => arith!(FSub, S),
        Op::FmulS => arith!(FMul, S),
        Op::FdivS => arith!(FDiv, S),
        Op::FaddD => arith!(FAdd, D),
        Op::FsubD => arith!(FSub, D),
        Op::FmulD => arith!(FMul, D),
        Op::FdivD => arith!(FDiv, D),
        Op::FsqrtS => with_rm!(rm => IROp::FSqrt { fmt: S, fd, a, rm }),
        Op::FsqrtD => with_rm!(rm => IROp::FSqrt { fmt: D, fd, a, rm }),

        Op::FminS => plain!(FMin, S),
        Op::FmaxS => plain!(FMax, S),
        Op::FsgnjS => plain!(FSgnj, S),
        Op::FsgnjnS => plain!(FSgnjn, S),
        Op::FsgnjxS => plain!(FSgnjx, S),
        Op::FminD => plain!(FMin, D),
        Op::FmaxD => plain!(FMax, D),
        Op::FsgnjD => plain!(FSgnj, D),
        Op::FsgnjnD => plain!(FSgnjn, D),
        Op::FsgnjxD => plain!(FSgnjx, D),

        Op::FmaddS => fma!(FMadd, S),
        Op::FmsubS => fma!(FMsub, S),
        Op::FnmsubS => fma!(FNmsub, S),
        Op::FnmaddS => fma!(FNmadd, S),
        Op::FmaddD => fma!(FMadd, D),
        Op::FmsubD => fma!(FMsub, D),
        Op::FnmsubD => fma!(FNmsub, D),
        Op::FnmaddD => fma!(FNmadd, D),

        Op::FeqS => cmp!(FEq, S),
        Op::FltS => cmp!(FLt, S),
        Op::FleS => cmp!(FLe, S),
        Op::FeqD => cmp!(FEq, D),
        Op::FltD => cmp!(FLt, D),
        Op::FleD => cmp!(FLe, D),
        Op::FclassS => pure_to_x!(FClass, S),
        Op::FclassD => pure_to_x!(FClass, D),
        Op::FmvXW => pure_to_x!(FMvToInt, S),
        Op::FmvXD => pure_to_x!(FMvToInt, D),
        Op::FmvWX => {
            ops.push(IROp::FMvFromInt { fmt: S, fd, rs: base });
            None
        }
        Op::FmvDX => {
            ops.push(IROp::FMvFromInt { fmt: D, fd, rs: base });
            None
        }

        Op::FcvtWS => to_int!(S, W),
        Op::FcvtWuS => to_int!(S, Wu),
        Op::FcvtLS => to_int!(S, L),
        Op::FcvtLuS => to_int!(S, Lu),
        Op::FcvtWD => to_int!(D, W),
        Op::FcvtWuD => to_int!(D, Wu),
        Op::FcvtLD => to_int!(D, L),
        Op::FcvtLuD => to_int!(D, Lu),
        Op::FcvtSW => from_int!(S, W),
        Op::FcvtSWu => from_int!(S, Wu),
        Op::FcvtSL => from_int!(S, L),
        Op::FcvtSLu => from_int!(S, Lu),
        Op::FcvtDW => from_int!(D, W),
        Op::FcvtDWu => from_int!(D, Wu),
        Op::FcvtDL => from_int!(D, L),
        Op::FcvtDLu => from_int!(D, Lu),
        Op::FcvtSD => with_rm!(rm => IROp::FCvtFF { to: S, fd, a, rm }),
        Op::FcvtDS => with_rm!(rm => IROp::FCvtFF { to: D, fd, a, rm }),

        _ => illegal(insn, pc),
    }
}

//! The op table: every IR op and terminator, with its text mnemonic and operands.
//!
//! Most RISC-V instructions lift to exactly one op whose operands name guest registers,
//! temporaries or immediates directly, so an interpreter dispatches once per guest instruction.
//! Integer ops work on 64-bit slots; `*W` ops compute on the low 32 bits and sign-extend, as the
//! RV64 `*w` instructions do. Loads and stores carry their width and signedness in the op.

use crate::operand::*;

/// Generates an enum whose variants have named operands, plus its text form and checks.
///
/// A variant without operands is written without braces and becomes a unit variant
/// (`Terminator::Ret`).
///
/// A field may be followed by `=> write` when the op writes a slot whose operand kind is
/// normally read (`fd: FReg => write`, the `rd: Reg` of CSR ops); [`IROp::visit_slots`] reports it so.
macro_rules! op_table {
    (@visit $x:ident, $sink:ident) => {
        Operand::visit_slots($x, $sink)
    };
    (@visit $x:ident, $sink:ident, write) => {
        Operand::visit_slots($x, &mut |s, _| $sink(s, Access::Write))
    };
    (
        $(#[$em:meta])* pub enum $enum:ident {
            $( $(#[$m:meta])* $name:ident = $text:literal $({
                $($f:ident : $t:ty $(=> $role:ident)?),* $(,)?
            })? ),* $(,)?
        }
    ) => {
        $(#[$em])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum $enum {
            $( $(#[$m])* $name $({ $( #[allow(missing_docs)] $f: $t ),* })? ),*
        }

        impl $enum {
            /// Every mnemonic of this table, in declaration order.
            pub const MNEMONICS: &'static [&'static str] = &[$($text),*];

            /// The mnemonic used by the text form.
            pub fn mnemonic(&self) -> &'static str {
                match self { $( $enum::$name { .. } => $text ),* }
            }

            /// Append the text form (`mnemonic op, op, …`).
            pub fn write_text(&self, out: &mut String) {
                match self {
                    $( $enum::$name { $($($f),*)? } => {
                        out.push_str($text);
                        #[allow(unused_mut)]
                        let mut first = true;
                        $($(
                            out.push_str(if first { " " } else { ", " });
                            first = false;
                            Operand::write_text($f, out);
                        )*)?
                        let _ = first;
                    } ),*
                }
            }

            /// Parse from a mnemonic and its operand strings.
            pub fn parse_parts(mnemonic: &str, operands: &[&str]) -> Result<Self, String> {
                match mnemonic {
                    $( $text => {
                        const N: usize = { let names: &[&str] = &[$($(stringify!($f)),*)?]; names.len() };
                        if operands.len() != N {
                            return Err(format!("`{}` takes {} operands, found {}", $text, N, operands.len()));
                        }
                        #[allow(unused_mut, unused_variables)]
                        let mut it = operands.iter();
                        Ok($enum::$name { $($( $f: {
                            let text = it.next().copied().unwrap_or_default();
                            <$t as Operand>::parse_text(text).map_err(|e| {
                                format!("operand `{}` of `{}`: {}", stringify!($f), $text, e)
                            })?
                        } ),*)? })
                    } )*
                    other => Err(format!("unknown mnemonic `{other}`")),
                }
            }

            /// Report every register slot the op names, with whether it is read or written.
            /// All reads happen before any write of the same op.
            pub fn visit_slots(&self, sink: &mut dyn FnMut(Slot, Access)) {
                match self {
                    $( $enum::$name { $($($f),*)? } => {
                        $($( op_table!(@visit $f, sink $(, $role)?); )*)?
                        let _ = sink;
                    } ),*
                }
            }

            /// One proptest strategy per variant (in declaration order). With `valid`, operands
            /// pass [`Operand::check`]; otherwise they range over every representable value.
            #[cfg(any(test, feature = "proptest"))]
            #[allow(unused_parens)] // `(())` for variants without operands
            pub(crate) fn variant_strategies(
                valid: bool,
            ) -> Vec<proptest::strategy::BoxedStrategy<Self>> {
                use proptest::strategy::{Just, Strategy};
                #[allow(unused_imports)]
                use crate::arbitrary::ArbOperand;
                vec![ $( (
                    $($( <$t as ArbOperand>::arb(valid), )*)? Just(())
                ).prop_map(|( $($($f,)*)? () )| $enum::$name { $($($f),*)? }).boxed() ),* ]
            }

            /// Check every operand.
            pub fn check(&self) -> Result<(), String> {
                match self {
                    $( $enum::$name { $($($f),*)? } => {
                        $($( Operand::check($f).map_err(|e| format!("`{}`: {}", $text, e))?; )*)?
                        Ok(())
                    } ),*
                }
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut s = String::new();
                self.write_text(&mut s);
                f.write_str(&s)
            }
        }
    };
}

op_table! {
    /// One IR operation. See the module doc for conventions.
    pub enum IROp {
        /// `rd = imm`
        Li = "li" { rd: Dst, imm: i64 },

        /// `rd = rs1 + rs2`
        Add = "add" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = rs1 - rs2`
        Sub = "sub" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = rs1 << (rs2 & 63)`
        Sll = "sll" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = (rs1 <s rs2) as u64`
        Slt = "slt" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = (rs1 <u rs2) as u64`
        Sltu = "sltu" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = rs1 ^ rs2`
        Xor = "xor" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = rs1 >>u (rs2 & 63)`
        Srl = "srl" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = rs1 >>s (rs2 & 63)`
        Sra = "sra" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = rs1 | rs2`
        Or = "or" { rd: Dst, rs1: Reg, rs2: Reg },
        /// `rd = rs1 & rs2`
        And = "and" { rd: Dst, rs1: Reg, rs2: Reg },
        /// Low 64 bits of the product.
        Mul = "mul" { rd: Dst, rs1: Reg, rs2: Reg },
        /// High 64 bits of signed × signed.
        Mulh = "mulh" { rd: Dst, rs1: Reg, rs2: Reg },
        /// High 64 bits of signed × unsigned.
        Mulhsu = "mulhsu" { rd: Dst, rs1: Reg, rs2: Reg },
        /// High 64 bits of unsigned × unsigned.
        Mulhu = "mulhu" { rd: Dst, rs1: Reg, rs2: Reg },
        /// Signed division (÷0 = −1, MIN÷−1 = MIN).
        Div = "div" { rd: Dst, rs1: Reg, rs2: Reg },
        /// Unsigned division (÷0 = all ones).
        Divu = "divu" { rd: Dst, rs1: Reg, rs2: Reg },
        /// Signed remainder (%0 = rs1, MIN%−1 = 0).
        Rem = "rem" { rd: Dst, rs1: Reg, rs2: Reg },
        /// Unsigned remainder (%0 = rs1).
        Remu = "remu" { rd: Dst, rs1: Reg, rs2: Reg },

        /// 32-bit add, sign-extended.
        AddW = "addw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit subtract, sign-extended.
        SubW = "subw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit shift left by `rs2 & 31`, sign-extended.
        SllW = "sllw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit logical shift right by `rs2 & 31`, sign-extended.
        SrlW = "srlw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit arithmetic shift right by `rs2 & 31`, sign-extended.
        SraW = "sraw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit multiply, sign-extended.
        MulW = "mulw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit signed division, sign-extended.
        DivW = "divw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit unsigned division, sign-extended.
        DivuW = "divuw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit signed remainder, sign-extended.
        RemW = "remw" { rd: Dst, rs1: Reg, rs2: Reg },
        /// 32-bit unsigned remainder, sign-extended.
        RemuW = "remuw" { rd: Dst, rs1: Reg, rs2: Reg },

        /// `rd = rs1 + imm`
        AddI = "addi" { rd: Dst, rs1: Reg, imm: i64 },
        /// `rd = (rs1 <s imm) as u64`
        SltI = "slti" { rd: Dst, rs1: Reg, imm: i64 },
        /// `rd = (rs1 <u imm as u64) as u64`
        SltuI = "sltiu" { rd: Dst, rs1: Reg, imm: i64 },
        /// `rd = rs1 ^ imm`
        XorI = "xori" { rd: Dst, rs1: Reg, imm: i64 },
        /// `rd = rs1 | imm`
        OrI = "ori" { rd: Dst, rs1: Reg, imm: i64 },
        /// `rd = rs1 & imm`
        AndI = "andi" { rd: Dst, rs1: Reg, imm: i64 },
        /// `rd = rs1 << (imm & 63)`
        SllI = "slli" { rd: Dst, rs1: Reg, imm: i64 },
        /// `rd = rs1 >>u (imm & 63)`
        SrlI = "srli" { rd: Dst, rs1: Reg, imm: i64 },
        /// `rd = rs1 >>s (imm & 63)`
        SraI = "srai" { rd: Dst, rs1: Reg, imm: i64 },
        /// 32-bit add immediate, sign-extended.
        AddIW = "addiw" { rd: Dst, rs1: Reg, imm: i64 },
        /// 32-bit shift left immediate, sign-extended.
        SllIW = "slliw" { rd: Dst, rs1: Reg, imm: i64 },
        /// 32-bit logical shift right immediate, sign-extended.
        SrlIW = "srliw" { rd: Dst, rs1: Reg, imm: i64 },
        /// 32-bit arithmetic shift right immediate, sign-extended.
        SraIW = "sraiw" { rd: Dst, rs1: Reg, imm: i64 },

        /// Load a sign-extended byte from `base + off`.
        Lb = "lb" { rd: Dst, base: Reg, off: i64 },
        /// Load a sign-extended halfword.
        Lh = "lh" { rd: Dst, base: Reg, off: i64 },
        /// Load a sign-extended word.
        Lw = "lw" { rd: Dst, base: Reg, off: i64 },
        /// Load a doubleword.
        Ld = "ld" { rd: Dst, base: Reg, off: i64 },
        /// Load a zero-extended byte.
        Lbu = "lbu" { rd: Dst, base: Reg, off: i64 },
        /// Load a zero-extended halfword.
        Lhu = "lhu" { rd: Dst, base: Reg, off: i64 },
        /// Load a zero-extended word.
        Lwu = "lwu" { rd: Dst, base: Reg, off: i64 },
        /// Store a byte to `base + off`.
        Sb = "sb" { src: Reg, base: Reg, off: i64 },
        /// Store a halfword.
        Sh = "sh" { src: Reg, base: Reg, off: i64 },
        /// Store a word.
        Sw = "sw" { src: Reg, base: Reg, off: i64 },
        /// Store a doubleword.
        Sd = "sd" { src: Reg, base: Reg, off: i64 },
        /// Load a single into an FP register (NaN-boxed).
        Flw = "flw" { fd: FReg => write, base: Reg, off: i64 },
        /// Load a double into an FP register.
        Fld = "fld" { fd: FReg => write, base: Reg, off: i64 },
        /// Store the low 32 bits of an FP register.
        Fsw = "fsw" { src: FReg, base: Reg, off: i64 },
        /// Store an FP register.
        Fsd = "fsd" { src: FReg, base: Reg, off: i64 },

        /// Load-reserved from `addr` (must be aligned).
        Lr = "lr" { w: Width, rd: Dst, addr: Reg },
        /// Store-conditional: `rd = 0` on success, 1 on failure.
        Sc = "sc" { w: Width, rd: Dst, addr: Reg, src: Reg },
        /// Atomic read-modify-write: `rd = old; mem = op(old, src)`.
        Amo = "amo" { op: AmoOp, w: Width, rd: Dst, addr: Reg, src: Reg },

        /// CSR access: `rd` (if not x0) gets the old value; the CSR gets `src` per `op`
        /// (not written when `op` is set/clear and `src` is x0, not read when `rd` is x0 and `op` is rw).
        Csr = "csr" { op: CsrOp, rd: Reg => write, csr: CsrNum, src: Reg },
        /// CSR access with a 5-bit immediate instead of `src` (no write when it is 0 for set/clear).
        CsrI = "csri" { op: CsrOp, rd: Reg => write, csr: CsrNum, uimm: i64 },

        /// `fd = a + b`
        FAdd = "fadd" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg, rm: Rm },
        /// `fd = a - b`
        FSub = "fsub" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg, rm: Rm },
        /// `fd = a * b`
        FMul = "fmul" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg, rm: Rm },
        /// `fd = a / b`
        FDiv = "fdiv" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg, rm: Rm },
        /// `fd = sqrt(a)`
        FSqrt = "fsqrt" { fmt: Fmt, fd: FReg => write, a: FReg, rm: Rm },
        /// IEEE 754-2019 minimumNumber.
        FMin = "fmin" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg },
        /// IEEE 754-2019 maximumNumber.
        FMax = "fmax" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg },
        /// Magnitude of `a`, sign of `b`.
        FSgnj = "fsgnj" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg },
        /// Magnitude of `a`, opposite sign of `b`.
        FSgnjn = "fsgnjn" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg },
        /// Magnitude of `a`, sign of `a` xor sign of `b`.
        FSgnjx = "fsgnjx" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg },
        /// `fd = a * b + c`, one rounding.
        FMadd = "fmadd" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg, c: FReg, rm: Rm },
        /// `fd = a * b - c`
        FMsub = "fmsub" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg, c: FReg, rm: Rm },
        /// `fd = -(a * b) + c`
        FNmsub = "fnmsub" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg, c: FReg, rm: Rm },
        /// `fd = -(a * b) - c`
        FNmadd = "fnmadd" { fmt: Fmt, fd: FReg => write, a: FReg, b: FReg, c: FReg, rm: Rm },
        /// `rd = (a == b)` (quiet).
        FEq = "feq" { fmt: Fmt, rd: Dst, a: FReg, b: FReg },
        /// `rd = (a < b)` (signalling).
        FLt = "flt" { fmt: Fmt, rd: Dst, a: FReg, b: FReg },
        /// `rd = (a <= b)` (signalling).
        FLe = "fle" { fmt: Fmt, rd: Dst, a: FReg, b: FReg },
        /// `rd` = the fclass mask of `a`.
        FClass = "fclass" { fmt: Fmt, rd: Dst, a: FReg },
        /// Float to integer, saturating.
        FCvtToInt = "fcvt.to" { fmt: Fmt, kind: IntKind, rd: Dst, a: FReg, rm: Rm },
        /// Integer to float.
        FCvtFromInt = "fcvt.from" { fmt: Fmt, kind: IntKind, fd: FReg => write, rs: Reg, rm: Rm },
        /// Float to float: `to` is the result format, `a` is in the other one.
        FCvtFF = "fcvt.ff" { to: Fmt, fd: FReg => write, a: FReg, rm: Rm },
        /// Raw bits of an FP register (`fmv.x.w` sign-extends the low 32 bits).
        FMvToInt = "fmv.to" { fmt: Fmt, rd: Dst, a: FReg },
        /// Raw bits into an FP register (`fmv.w.x` NaN-boxes).
        FMvFromInt = "fmv.from" { fmt: Fmt, fd: FReg => write, rs: Reg },
    }
}

op_table! {
    /// How a block ends: where control goes next, or why it leaves guest code.
    pub enum Terminator {
        /// Continue at a known pc.
        Jump = "jump" { target: u64 },
        /// Go to `taken` if `cond(rs1, rs2)`, else to `next`.
        Branch = "branch" { cond: Cond, rs1: Reg, rs2: Reg, taken: u64, next: u64 },
        /// Go to `(base + off) & !1`.
        JumpInd = "jump.ind" { base: Reg, off: i64 },
        /// Environment call at `pc`.
        Ecall = "ecall" { pc: u64 },
        /// Breakpoint at `pc`.
        Ebreak = "ebreak" { pc: u64 },
        /// Return from a machine-mode trap (`mret` at `pc`).
        Mret = "mret" { pc: u64 },
        /// Wait for interrupt at `pc`, then continue at `next`.
        Wfi = "wfi" { pc: u64, next: u64 },
        /// Instruction-fetch barrier: drop stale translations, continue at `next`.
        FenceI = "fence.i" { next: u64 },
        /// Raise exception `cause` with trap value `tval` at `pc` (illegal instruction, fetch fault).
        Trap = "trap" { cause: u64, tval: u64, pc: u64 },
        /// Return to whoever ran the block (hand-built blocks; no next pc).
        Ret = "ret",
    }
}

impl IROp {
    /// Whether this op may raise a guest exception (memory access, CSR access, dynamic rounding).
    pub fn may_trap(&self) -> bool {
        use IROp::*;
        match self {
            Lb { .. }
            | Lh { .. }
            | Lw { .. }
            | Ld { .. }
            | Lbu { .. }
            | Lhu { .. }
            | Lwu { .. }
            | Sb { .. }
            | Sh { .. }
            | Sw { .. }
            | Sd { .. }
            | Flw { .. }
            | Fld { .. }
            | Fsw { .. }
            | Fsd { .. }
            | Lr { .. }
            | Sc { .. }
            | Amo { .. }
            | Csr { .. }
            | CsrI { .. } => true,
            FAdd { rm, .. }
            | FSub { rm, .. }
            | FMul { rm, .. }
            | FDiv { rm, .. }
            | FSqrt { rm, .. }
            | FMadd { rm, .. }
            | FMsub { rm, .. }
            | FNmsub { rm, .. }
            | FNmadd { rm, .. }
            | FCvtToInt { rm, .. }
            | FCvtFromInt { rm, .. }
            | FCvtFF { rm, .. } => *rm == Rm::Dyn,
            _ => false,
        }
    }
}

impl Terminator {
    /// The statically known successors of a block ending here.
    pub fn successors(&self) -> Vec<u64> {
        match self {
            Terminator::Wfi { next, .. } | Terminator::FenceI { next } => vec![*next],
            t => t.jump_targets(),
        }
    }

    /// The successors reached by a direct jump or branch: the edges a translation may follow
    /// inside itself (the other terminators return to the machine).
    pub fn jump_targets(&self) -> Vec<u64> {
        match self {
            Terminator::Jump { target } => vec![*target],
            Terminator::Branch { taken, next, .. } => vec![*taken, *next],
            _ => Vec::new(),
        }
    }
}

//! FP ops inline: RISC-V F and D arithmetic, fused multiply-adds, comparisons, min/max, sign
//! injection and conversions compiled to SSE instructions.
//!
//! The fast path covers round-to-nearest-even (a static `rne`, or `dyn` while `frm` is RNE)
//! with the FP unit on and already dirty; the host's sticky MXCSR flags accrue the guest's
//! `fflags` (`vm_fpu::env`: x86 raises the same flags as RISC-V for these operations, and
//! NaN results are replaced by the canonical NaN here). Everything else — another rounding
//! mode, the unit off or clean, a NaN reaching a comparison, min/max or fused multiply-add,
//! equal min/max operands (the sign of zero), a conversion out of range — takes a cold path
//! through the whole-op helper, which runs the exact `vm-fpu` code. Every test that leads to
//! the cold path comes before the first instruction that could raise a flag the cold path
//! would not (a comparison raises invalid only for a signalling NaN, which the exact code
//! raises too).
//!
//! The optimizer must neither fold nor drop an FP operation, or its flags would be lost:
//! operands reach the operations only as F64 loads (or through [`Gen::opaque`]), which no
//! store of ours forwards to, since every store writes integers; every result is stored
//! with [`Gen::kept_store`], which dead-store elimination cannot see as overwritten.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I32, I64, I8};
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, Type, Value};
use vm_core::CpuState;
use vm_fpu::{DZ, NV, NX, OF, UF};
use vm_interp::csr::num::{FCSR, FFLAGS, FRM};
use vm_ir::{CsrOp, Fmt, IROp, IntKind, Rm};

use super::{ctx_offset, vm_flags, Gen};
use crate::context::{JitContext, CLEAR_FP_FLAGS, READ_FP_FLAGS};

/// Offset of FP register `reg` in the hart.
pub(super) fn f_offset(reg: u8) -> i32 {
    (offset_of!(CpuState, f) + 8 * reg as usize) as i32
}

/// Upper half of a NaN-boxed single.
const BOX: i64 = 0xffff_ffff_0000_0000u64 as i64;

fn float_type(fmt: Fmt) -> Type {
    match fmt {
        Fmt::S => F32,
        Fmt::D => F64,
    }
}

/// Whether the host has FMA3, which Cranelift's `fma` needs to stay one inline instruction
/// (without it, it would call a library function the translation cannot reach).
fn host_fma() -> bool {
    std::arch::is_x86_feature_detected!("fma")
}

/// Whether [`Gen::fp_op`] compiles `op` (the other FP ops go through the whole-op helper).
pub(crate) fn inline(op: &IROp) -> bool {
    use IROp::*;
    let rne = |rm: &Rm| matches!(rm, Rm::Rne | Rm::Dyn);
    match op {
        FAdd { rm, .. } | FSub { rm, .. } | FMul { rm, .. } | FDiv { rm, .. } | FSqrt { rm, .. } => rne(rm),
        FCvtFF { rm, .. } => rne(rm),
        FMadd { rm, .. } | FMsub { rm, .. } | FNmsub { rm, .. } | FNmadd { rm, .. } => rne(rm) && host_fma(),
        FSgnj { .. } | FSgnjn { .. } | FSgnjx { .. } | FMin { .. } | FMax { .. } => true,
        FEq { .. } | FLt { .. } | FLe { .. } => true,
        FCvtFromInt { kind, rm, .. } => *kind != IntKind::Lu && rne(rm),
        FCvtToInt { kind, rm, .. } => matches!(kind, IntKind::W | IntKind::L) && *rm == Rm::Rtz,
        _ => false,
    }
}

/// Whether CSR `csr` is one of the FP CSRs, whose accesses [`Gen::fp_csr`] compiles.
pub(crate) fn is_fp_csr(csr: u16) -> bool {
    matches!(csr, FFLAGS | FRM | FCSR)
}

/// What the block being emitted knows of an FP register, so that a result feeds the next op
/// without a trip through memory (which stays current: every write goes through). `bits` is
/// the register's exact content; `float` its value as a float of a format, equal as an
/// operand though a NaN's payload may differ from the canonical one `bits` holds. A float is
/// only ever taken from an FP operation or an F64 load, never from integer bits (see the
/// module doc on folding).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct FpKnown {
    bits: Option<Value>,
    float: Option<(Fmt, Value)>,
}

/// A fast path's result.
enum Fast {
    /// For an integer register.
    Int(Value),
    /// For an FP register: the float and the bits written (see [`FpKnown`]).
    Fp { float: Value, bits: Value },
}

impl Gen<'_, '_> {
    /// Compile `op` (one [`inline`] accepts): the fast path, and the whole-op helper on a cold
    /// path.
    pub(super) fn fp_op(&mut self, index: usize, op: &IROp, csr_index: u32) {
        use IROp::*;
        let dest = match op {
            FEq { rd, .. } | FLt { rd, .. } | FLe { rd, .. } | FCvtToInt { rd, .. } => Err(rd.0),
            FCvtFF { to, fd, .. } => Ok((fd.0, *to)),
            FAdd { fmt, fd, .. }
            | FSub { fmt, fd, .. }
            | FMul { fmt, fd, .. }
            | FDiv { fmt, fd, .. }
            | FSqrt { fmt, fd, .. }
            | FMadd { fmt, fd, .. }
            | FMsub { fmt, fd, .. }
            | FNmsub { fmt, fd, .. }
            | FNmadd { fmt, fd, .. }
            | FSgnj { fmt, fd, .. }
            | FSgnjn { fmt, fd, .. }
            | FSgnjx { fmt, fd, .. }
            | FMin { fmt, fd, .. }
            | FMax { fmt, fd, .. }
            | FCvtFromInt { fmt, fd, .. } => Ok((fd.0, *fmt)),
            other => unreachable!("{other} is not an inline FP op"),
        };
        let dynamic = matches!(
            op,
            FAdd { rm: Rm::Dyn, .. }
                | FSub { rm: Rm::Dyn, .. }
                | FMul { rm: Rm::Dyn, .. }
                | FDiv { rm: Rm::Dyn, .. }
                | FSqrt { rm: Rm::Dyn, .. }
                | FCvtFF { rm: Rm::Dyn, .. }
                | FMadd { rm: Rm::Dyn, .. }
                | FMsub { rm: Rm::Dyn, .. }
                | FNmsub { rm: Rm::Dyn, .. }
                | FNmadd { rm: Rm::Dyn, .. }
                | FCvtFromInt { rm: Rm::Dyn, .. }
        );
        // Operands are read here, where they dominate both paths and the code after them, so
        // later ops find them too (`get` and `read_f` remember).
        self.read_operands(op);
        let known = self.fknown;
        let slow = self.new_block();
        let done = self.new_block();
        match dest {
            Err(_) => {
                self.b.append_block_param(done, I64);
            }
            Ok((_, fmt)) => {
                self.b.append_block_param(done, float_type(fmt));
                self.b.append_block_param(done, I64);
            }
        }
        if let Some(bad) = self.fp_state_bad(dynamic) {
            self.continue_unless(bad, slow);
        }
        match self.fp_fast(op, slow) {
            Fast::Int(v) => self.b.ins().jump(done, &[v.into()]),
            Fast::Fp { float, bits } => self.b.ins().jump(done, &[float.into(), bits.into()]),
        };
        // What the fast path learnt is not known on the slow one, nor after the join.
        self.fknown = known;
        self.b.set_cold_block(slow);
        self.b.switch_to_block(slow);
        self.out_of_line(index, op, csr_index);
        match dest {
            Err(rd) => {
                let v = self.get(rd);
                self.b.ins().jump(done, &[v.into()])
            }
            Ok((fd, fmt)) => {
                let float = self.load_f(fmt, fd);
                let bits = self.b.ins().load(I64, vm_flags(), self.cpu, f_offset(fd));
                self.b.ins().jump(done, &[float.into(), bits.into()])
            }
        };
        self.b.switch_to_block(done);
        self.fknown = known;
        // Both paths leave the unit dirty (the helper marks it, as the interpreter does).
        self.fs_dirty = true;
        let params = self.b.block_params(done).to_vec();
        match dest {
            Err(rd) => self.set(rd, params[0]),
            Ok((fd, fmt)) => {
                self.fknown[fd as usize] = FpKnown { bits: Some(params[1]), float: Some((fmt, params[0])) }
            }
        }
    }

    /// Read (and so remember) the FP operands of `op`, and its integer source.
    fn read_operands(&mut self, op: &IROp) {
        use IROp::*;
        match op {
            FAdd { fmt, a, b, .. }
            | FSub { fmt, a, b, .. }
            | FMul { fmt, a, b, .. }
            | FDiv { fmt, a, b, .. }
            | FMin { fmt, a, b, .. }
            | FMax { fmt, a, b, .. }
            | FEq { fmt, a, b, .. }
            | FLt { fmt, a, b, .. }
            | FLe { fmt, a, b, .. } => {
                self.read_f(*fmt, a.0);
                self.read_f(*fmt, b.0);
            }
            FMadd { fmt, a, b, c, .. }
            | FMsub { fmt, a, b, c, .. }
            | FNmsub { fmt, a, b, c, .. }
            | FNmadd { fmt, a, b, c, .. } => {
                self.read_f(*fmt, a.0);
                self.read_f(*fmt, b.0);
                self.read_f(*fmt, c.0);
            }
            FSqrt { fmt, a, .. } | FCvtToInt { fmt, a, .. } => {
                self.read_f(*fmt, a.0);
            }
            FCvtFF { to, a, .. } => {
                let from = if *to == Fmt::D { Fmt::S } else { Fmt::D };
                self.read_f(from, a.0);
            }
            FSgnj { fmt, a, b, .. } | FSgnjn { fmt, a, b, .. } | FSgnjx { fmt, a, b, .. } => {
                self.read_bits(*fmt, a.0);
                self.read_bits(*fmt, b.0);
            }
            FCvtFromInt { rs, .. } => {
                self.get(rs.0);
            }
            _ => {}
        }
    }

    /// Whether the fast path's precondition fails, unless the block knows it holds: the
    /// unit off or not yet dirty (so nothing needs marking), or, when the op reads `frm`
    /// (`dynamic`), `frm` not RNE. (Separate byte loads: a wider one would wait for the byte
    /// store that marked the unit dirty.)
    fn fp_state_bad(&mut self, dynamic: bool) -> Option<Value> {
        let fs_bad = (!self.fs_dirty).then(|| {
            let fs = self.b.ins().uload8(I32, vm_flags(), self.cpu, offset_of!(CpuState, fs) as i32);
            self.b.ins().icmp_imm_s(IntCC::NotEqual, fs, 3)
        });
        let frm_bad = dynamic.then(|| {
            let frm = self.b.ins().uload8(I32, vm_flags(), self.cpu, offset_of!(CpuState, frm) as i32);
            self.b.ins().icmp_imm_s(IntCC::NotEqual, frm, 0)
        });
        match (fs_bad, frm_bad) {
            (Some(a), Some(b)) => Some(self.b.ins().bor(a, b)),
            (a, b) => a.or(b),
        }
    }

    /// Branch to `slow` if `cond`, else go on in a new block.
    fn continue_unless(&mut self, cond: Value, slow: Block) {
        let next = self.new_block();
        self.b.ins().brif(cond, slow, &[], next, &[]);
        self.b.switch_to_block(next);
    }

    /// The fast path of `op` (an FP result is stored here too).
    fn fp_fast(&mut self, op: &IROp, slow: Block) -> Fast {
        use IROp::*;
        match op {
            FAdd { fmt, fd, a, b, .. }
            | FSub { fmt, fd, a, b, .. }
            | FMul { fmt, fd, a, b, .. }
            | FDiv { fmt, fd, a, b, .. } => {
                let (x, y) = (self.read_f(*fmt, a.0), self.read_f(*fmt, b.0));
                let r = match op {
                    FAdd { .. } => self.b.ins().fadd(x, y),
                    FSub { .. } => self.b.ins().fsub(x, y),
                    FMul { .. } => self.b.ins().fmul(x, y),
                    _ => self.b.ins().fdiv(x, y),
                };
                self.write_f(*fmt, fd.0, r)
            }
            FSqrt { fmt, fd, a, .. } => {
                let x = self.read_f(*fmt, a.0);
                let r = self.b.ins().sqrt(x);
                self.write_f(*fmt, fd.0, r)
            }
            FMadd { fmt, fd, a, b, c, .. }
            | FMsub { fmt, fd, a, b, c, .. }
            | FNmsub { fmt, fd, a, b, c, .. }
            | FNmadd { fmt, fd, a, b, c, .. } => {
                let (x, y, z) = (self.read_f(*fmt, a.0), self.read_f(*fmt, b.0), self.read_f(*fmt, c.0));
                // x86 and RISC-V differ on `inf * 0 + qNaN`: NaN inputs take the exact path.
                let xy = self.b.ins().fcmp(FloatCC::Unordered, x, y);
                let zz = self.b.ins().fcmp(FloatCC::Unordered, z, z);
                let nan = self.b.ins().bor(xy, zz);
                self.continue_unless(nan, slow);
                // Negation is exact and RNE is symmetric, so -(x*y) ± z = fma(-x, y, ±z).
                let x = if matches!(op, FNmsub { .. } | FNmadd { .. }) { self.b.ins().fneg(x) } else { x };
                let z = if matches!(op, FMsub { .. } | FNmadd { .. }) { self.b.ins().fneg(z) } else { z };
                let r = self.b.ins().fma(x, y, z);
                self.write_f(*fmt, fd.0, r)
            }
            FSgnj { fmt, fd, a, b } | FSgnjn { fmt, fd, a, b } | FSgnjx { fmt, fd, a, b } => {
                let (ty, sign) = match fmt {
                    Fmt::S => (I32, i64::from(i32::MIN)),
                    Fmt::D => (I64, i64::MIN),
                };
                let (x, y) = (self.read_bits(*fmt, a.0), self.read_bits(*fmt, b.0));
                let r = match op {
                    FSgnjx { .. } => {
                        let s = self.b.ins().band_imm_s(y, sign);
                        self.b.ins().bxor(x, s)
                    }
                    _ => {
                        let y = if matches!(op, FSgnjn { .. }) { self.b.ins().bnot(y) } else { y };
                        let s = self.b.ins().band_imm_s(y, sign);
                        let m = self.b.ins().band_imm_s(x, !sign);
                        self.b.ins().bor(m, s)
                    }
                };
                debug_assert_eq!(self.b.func.dfg.value_type(r), ty);
                self.write_bits(*fmt, fd.0, r)
            }
            FMin { fmt, fd, a, b } | FMax { fmt, fd, a, b } => {
                let (x, y) = (self.read_f(*fmt, a.0), self.read_f(*fmt, b.0));
                // Equal operands (±0) and NaNs need RISC-V's rules: the exact path.
                let differ = self.b.ins().fcmp(FloatCC::OrderedNotEqual, x, y);
                let same = self.b.ins().bxor_imm_s(differ, 1);
                self.continue_unless(same, slow);
                let lt = self.b.ins().fcmp(FloatCC::LessThan, x, y);
                let r = if matches!(op, FMin { .. }) {
                    self.b.ins().select(lt, x, y)
                } else {
                    self.b.ins().select(lt, y, x)
                };
                self.write_f(*fmt, fd.0, r)
            }
            FEq { fmt, a, b, .. } | FLt { fmt, a, b, .. } | FLe { fmt, a, b, .. } => {
                let (x, y) = (self.read_f(*fmt, a.0), self.read_f(*fmt, b.0));
                let nan = self.b.ins().fcmp(FloatCC::Unordered, x, y);
                self.continue_unless(nan, slow);
                let cc = match op {
                    FEq { .. } => FloatCC::Equal,
                    FLt { .. } => FloatCC::LessThan,
                    _ => FloatCC::LessThanOrEqual,
                };
                let c = self.b.ins().fcmp(cc, x, y);
                Fast::Int(self.b.ins().uextend(I64, c))
            }
            FCvtFF { to, fd, a, .. } => {
                let r = match to {
                    Fmt::D => {
                        let x = self.read_f(Fmt::S, a.0);
                        self.b.ins().fpromote(F64, x)
                    }
                    Fmt::S => {
                        let x = self.read_f(Fmt::D, a.0);
                        self.b.ins().fdemote(F32, x)
                    }
                };
                self.write_f(*to, fd.0, r)
            }
            FCvtFromInt { fmt, kind, fd, rs, .. } => {
                let x = self.get(rs.0);
                let x = self.opaque(x);
                let ty = float_type(*fmt);
                let r = match kind {
                    IntKind::W => {
                        let w = self.b.ins().ireduce(I32, x);
                        self.b.ins().fcvt_from_sint(ty, w)
                    }
                    IntKind::Wu => {
                        let w = self.b.ins().band_imm_u(x, 0xffff_ffff);
                        self.b.ins().fcvt_from_sint(ty, w)
                    }
                    _ => self.b.ins().fcvt_from_sint(ty, x),
                };
                self.write_f(*fmt, fd.0, r)
            }
            FCvtToInt { fmt, kind, a, .. } => {
                let x = self.read_f(*fmt, a.0);
                // In range after truncation (NaN is not): the hardware conversion is exact but
                // for the fraction it drops, which it reports as inexact like RISC-V.
                let (lo_cc, lo, hi) = match (kind, fmt) {
                    (IntKind::W, Fmt::D) => (FloatCC::GreaterThan, -2_147_483_649.0, 2_147_483_648.0),
                    (IntKind::W, Fmt::S) => (FloatCC::GreaterThanOrEqual, -2_147_483_648.0, 2_147_483_648.0),
                    _ => (
                        FloatCC::GreaterThanOrEqual,
                        -9_223_372_036_854_775_808.0,
                        9_223_372_036_854_775_808.0,
                    ),
                };
                let (lo, hi) = match fmt {
                    Fmt::S => (self.b.ins().f32const(lo as f32), self.b.ins().f32const(hi as f32)),
                    Fmt::D => (self.b.ins().f64const(lo), self.b.ins().f64const(hi)),
                };
                let above = self.b.ins().fcmp(lo_cc, x, lo);
                let below = self.b.ins().fcmp(FloatCC::LessThan, x, hi);
                let ok = self.b.ins().band(above, below);
                let out = self.b.ins().bxor_imm_s(ok, 1);
                self.continue_unless(out, slow);
                let v = match kind {
                    IntKind::W => {
                        let w = self.b.ins().fcvt_to_sint(I32, x);
                        self.b.ins().sextend(I64, w)
                    }
                    _ => self.b.ins().fcvt_to_sint(I64, x),
                };
                // The conversion may raise inexact even when its result is never used (an
                // overwritten or zero `rd`).
                self.kept_store(v, self.ctx, ctx_offset(offset_of!(JitContext, value)));
                Fast::Int(v)
            }
            other => unreachable!("{other} is not an inline FP op"),
        }
    }

    /// `x` (an I64) through memory, typed so that Cranelift's store-to-load forwarding (which
    /// matches types) cannot see it: the optimizer would fold an FP operation on a constant
    /// at compile time, and its flags would never reach MXCSR.
    fn opaque(&mut self, x: Value) -> Value {
        let field = ctx_offset(offset_of!(JitContext, value));
        self.b.ins().store(vm_flags(), x, self.ctx, field);
        let f = self.b.ins().load(F64, vm_flags(), self.ctx, field);
        self.b.ins().bitcast(I64, MemFlagsData::new(), f)
    }

    /// The exact 64-bit content of FP register `reg`.
    pub(super) fn fp_raw(&mut self, reg: u8) -> Value {
        if let Some(v) = self.fknown[reg as usize].bits {
            return v;
        }
        let v = self.b.ins().load(I64, vm_flags(), self.cpu, f_offset(reg));
        self.fknown[reg as usize].bits = Some(v);
        v
    }

    /// FP register `reg` as raw bits of format `fmt`: an I64, or for singles the unboxed I32
    /// (an improperly boxed value reads as the canonical NaN).
    fn read_bits(&mut self, fmt: Fmt, reg: u8) -> Value {
        let v = self.fp_raw(reg);
        match fmt {
            Fmt::D => v,
            Fmt::S => self.unbox(v),
        }
    }

    fn unbox(&mut self, v: Value) -> Value {
        let hi = self.b.ins().ushr_imm_u(v, 32);
        let boxed = self.b.ins().icmp_imm_u(IntCC::Equal, hi, 0xffff_ffff);
        let lo = self.b.ins().ireduce(I32, v);
        let nan = self.b.ins().iconst(I32, i64::from(vm_fpu::CANONICAL_NAN_S));
        self.b.ins().select(boxed, lo, nan)
    }

    /// FP register `reg` as a float of format `fmt`.
    fn read_f(&mut self, fmt: Fmt, reg: u8) -> Value {
        match self.fknown[reg as usize].float {
            Some((f, v)) if f == fmt => v,
            _ => {
                let v = self.load_f(fmt, reg);
                self.fknown[reg as usize].float = Some((fmt, v));
                v
            }
        }
    }

    /// FP register `reg` as a float of format `fmt`, from memory, as an F64 load (which no
    /// integer store forwards to: see [`Self::opaque`]).
    fn load_f(&mut self, fmt: Fmt, reg: u8) -> Value {
        let f = self.b.ins().load(F64, vm_flags(), self.cpu, f_offset(reg));
        match fmt {
            Fmt::D => f,
            Fmt::S => {
                let v = self.b.ins().bitcast(I64, MemFlagsData::new(), f);
                let bits = self.unbox(v);
                self.b.ins().bitcast(F32, MemFlagsData::new(), bits)
            }
        }
    }

    /// Store raw bits of format `fmt` (I64, or I32 for singles, which are boxed), computed
    /// by bit operations from register contents.
    fn write_bits(&mut self, fmt: Fmt, reg: u8, bits: Value) -> Fast {
        let (v, ty) = match fmt {
            Fmt::D => (bits, F64),
            Fmt::S => {
                let w = self.b.ins().uextend(I64, bits);
                (self.b.ins().bor_imm_s(w, BOX), F32)
            }
        };
        self.b.ins().store(vm_flags(), v, self.cpu, f_offset(reg));
        // Only the join's block parameter carries this float on (see `FpKnown`).
        let float = self.b.ins().bitcast(ty, MemFlagsData::new(), bits);
        Fast::Fp { float, bits: v }
    }

    /// Store an arithmetic result: a NaN becomes the canonical NaN.
    fn write_f(&mut self, fmt: Fmt, reg: u8, r: Value) -> Fast {
        let (ty, canonical) = match fmt {
            Fmt::S => (I32, i64::from(vm_fpu::CANONICAL_NAN_S)),
            Fmt::D => (I64, vm_fpu::CANONICAL_NAN_D as i64),
        };
        let bits = self.b.ins().bitcast(ty, MemFlagsData::new(), r);
        let nan = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        let canonical = self.b.ins().iconst(ty, canonical);
        let bits = self.b.ins().select(nan, canonical, bits);
        let v = match fmt {
            Fmt::D => bits,
            Fmt::S => {
                let w = self.b.ins().uextend(I64, bits);
                self.b.ins().bor_imm_s(w, BOX)
            }
        };
        self.kept_store(v, self.cpu, f_offset(reg));
        Fast::Fp { float: r, bits: v }
    }

    /// Store `v` at `base + offset` so that the optimizer never drops the store, and with
    /// it the FP operation that computed `v` and the flags it raises: Cranelift removes a
    /// store that a later one to the same address overwrites (`fadd f3, …` then
    /// `fsgnj f3, …`), and it recognises the same address by the same SSA base and offset.
    /// Each kept store gets a base of its own (`base + 8k`, folded into the addressing
    /// mode, so it costs nothing).
    fn kept_store(&mut self, v: Value, base: Value, offset: i32) {
        self.kept_stores += 1;
        let k = 8 * self.kept_stores;
        let own = self.b.ins().iadd_imm_s(base, i64::from(k));
        self.b.ins().store(vm_flags(), v, own, offset - k);
    }

    /// Record that FP register `reg` now holds `bits` (written by other code than this
    /// module's: a load, a move from an integer register), known only as bits.
    pub(super) fn fp_wrote(&mut self, reg: u8, bits: Option<Value>) {
        self.fknown[reg as usize] = FpKnown { bits, float: None };
    }

    /// An access to `fflags`, `frm` or `fcsr` (the FP CSRs, which every CSR handler leaves
    /// to `vm_interp::user_csr`'s rules: illegal while the unit is off, a write marks it
    /// dirty), inline. The guest's `fflags` is `cpu.fflags` plus the flags accrued in MXCSR
    /// ([`READ_FP_FLAGS`]); a write stores the new value in `cpu.fflags` and clears MXCSR's
    /// flags only if the new value drops some of them. glibc brackets each quiet comparison
    /// with `frflags` / `fsflags` (which restores what it read, so MXCSR keeps its flags),
    /// which makes these hot in FP code.
    pub(super) fn fp_csr(&mut self, index: usize, op: &IROp) {
        let (kind, rd, csr, src, write) = match op {
            IROp::Csr { op, rd, csr, src } => {
                let v = self.get(src.0);
                (*op, rd.0, csr.0, v, *op == CsrOp::Rw || src.0 != 0)
            }
            IROp::CsrI { op, rd, csr, uimm } => {
                let v = self.b.ins().iconst(I64, *uimm);
                (*op, rd.0, csr.0, v, *op == CsrOp::Rw || *uimm != 0)
            }
            other => unreachable!("{other} is not a CSR access"),
        };
        self.fp_enabled(index);
        // MXCSR's flags (IE ZE OE UE PE in bits 0, 2, 3, 4, 5) as fflags bits (NV DZ OF UF NX
        // in bits 4, 3, 2, 1, 0).
        self.call_stub(READ_FP_FLAGS);
        let m = self.b.ins().uload32(vm_flags(), self.ctx, ctx_offset(offset_of!(JitContext, mxcsr)));
        let mut accrued = self.b.ins().iconst(I64, 0);
        for (shift, bit) in [(-5, NX), (-3, UF), (-1, OF), (1, DZ), (4, NV)] {
            let moved = if shift < 0 {
                self.b.ins().ushr_imm_u(m, -shift)
            } else {
                self.b.ins().ishl_imm_u(m, shift)
            };
            let f = self.b.ins().band_imm_s(moved, i64::from(bit));
            accrued = self.b.ins().bor(accrued, f);
        }
        let fflags_at = offset_of!(CpuState, fflags) as i32;
        let frm_at = offset_of!(CpuState, frm) as i32;
        let stored = self.b.ins().uload8(I64, vm_flags(), self.cpu, fflags_at);
        let flags = self.b.ins().bor(stored, accrued);
        let old = match csr {
            FFLAGS => flags,
            FRM => self.b.ins().uload8(I64, vm_flags(), self.cpu, frm_at),
            _ => {
                let frm = self.b.ins().uload8(I64, vm_flags(), self.cpu, frm_at);
                let hi = self.b.ins().ishl_imm_u(frm, 5);
                self.b.ins().bor(hi, flags)
            }
        };
        if write {
            self.fp_dirty();
            let new = match kind {
                CsrOp::Rw => src,
                CsrOp::Rs => self.b.ins().bor(old, src),
                CsrOp::Rc => {
                    let keep = self.b.ins().bnot(src);
                    self.b.ins().band(old, keep)
                }
            };
            if csr != FRM {
                let new_flags = self.b.ins().band_imm_u(new, 0x1f);
                let byte = self.b.ins().ireduce(I8, new_flags);
                self.b.ins().store(vm_flags(), byte, self.cpu, fflags_at);
                let kept = self.b.ins().bnot(new_flags);
                let dropped = self.b.ins().band(accrued, kept);
                let clear = self.new_block();
                let cont = self.new_block();
                self.b.ins().brif(dropped, clear, &[], cont, &[]);
                self.b.set_cold_block(clear);
                self.b.switch_to_block(clear);
                self.call_stub(CLEAR_FP_FLAGS);
                self.b.ins().jump(cont, &[]);
                self.b.switch_to_block(cont);
            }
            if csr != FFLAGS {
                let frm = if csr == FRM { new } else { self.b.ins().ushr_imm_u(new, 5) };
                let frm = self.b.ins().band_imm_u(frm, 7);
                let frm = self.b.ins().ireduce(I8, frm);
                self.b.ins().store(vm_flags(), frm, self.cpu, frm_at);
            }
        }
        self.set(rd, old);
    }

    /// Call flags stub `stub` ([`READ_FP_FLAGS`] or [`CLEAR_FP_FLAGS`]).
    fn call_stub(&mut self, stub: usize) {
        let table = self.b.ins().load(self.ptr, vm_flags(), self.ctx, offset_of!(JitContext, helpers) as i32);
        let f = self.b.ins().load(self.ptr, vm_flags(), table, (8 * stub) as i32);
        let sig = self.sigs.helper;
        self.b.ins().call_indirect(sig, f, &[self.ctx]);
    }

    /// Mark the FP unit dirty (`mstatus.FS` = 3), as every FP register write does.
    pub(super) fn fp_dirty(&mut self) {
        if self.fs_dirty {
            return;
        }
        self.fs_dirty = true;
        let dirty = self.b.ins().iconst(I8, 3);
        self.b.ins().store(vm_flags(), dirty, self.cpu, offset_of!(CpuState, fs) as i32);
    }
}

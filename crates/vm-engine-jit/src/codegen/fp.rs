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
//! store of ours forwards to, since every store writes integers; results are always stored,
//! and stores without an alias region (all of ours) are never removed as dead.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I32, I64, I8};
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, Type, Value};
use vm_core::CpuState;
use vm_fpu::{DZ, NV, NX, OF, UF};
use vm_interp::csr::num::{FCSR, FFLAGS, FRM};
use vm_ir::{CsrOp, Fmt, IROp, IntKind, Rm};

use super::{ctx_offset, vm_flags, Gen};
use crate::context::{JitContext, TAKE_FP_FLAGS};

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

impl Gen<'_, '_> {
    /// Compile `op` (one [`inline`] accepts): the fast path, and the whole-op helper on a cold
    /// path.
    pub(super) fn fp_op(&mut self, index: usize, op: &IROp, csr_index: u32) {
        use IROp::*;
        let int_rd = match op {
            FEq { rd, .. } | FLt { rd, .. } | FLe { rd, .. } | FCvtToInt { rd, .. } => Some(rd.0),
            _ => None,
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
        if let FCvtFromInt { rs, .. } = op {
            // Read here, where it dominates both paths and the code after them (`get` caches).
            self.get(rs.0);
        }
        let slow = self.new_block();
        let done = self.new_block();
        if int_rd.is_some() {
            self.b.append_block_param(done, I64);
        }
        // The unit on and dirty (so nothing needs marking), and RNE when the op reads `frm`.
        let fs = self.b.ins().uload8(I32, vm_flags(), self.cpu, offset_of!(CpuState, fs) as i32);
        let mut bad = self.b.ins().icmp_imm_s(IntCC::NotEqual, fs, 3);
        if dynamic {
            let frm = self.b.ins().uload8(I32, vm_flags(), self.cpu, offset_of!(CpuState, frm) as i32);
            let not_rne = self.b.ins().icmp_imm_s(IntCC::NotEqual, frm, 0);
            bad = self.b.ins().bor(bad, not_rne);
        }
        self.continue_unless(bad, slow);
        let v = self.fp_fast(op, slow);
        match v {
            Some(v) => self.b.ins().jump(done, &[v.into()]),
            None => self.b.ins().jump(done, &[]),
        };
        self.b.set_cold_block(slow);
        self.b.switch_to_block(slow);
        self.out_of_line(index, op, csr_index);
        match int_rd {
            Some(rd) => {
                let v = self.get(rd);
                self.b.ins().jump(done, &[v.into()])
            }
            None => self.b.ins().jump(done, &[]),
        };
        self.b.switch_to_block(done);
        if let Some(rd) = int_rd {
            let v = self.b.block_params(done)[0];
            self.set(rd, v);
        }
    }

    /// Branch to `slow` if `cond`, else go on in a new block.
    fn continue_unless(&mut self, cond: Value, slow: Block) {
        let next = self.new_block();
        self.b.ins().brif(cond, slow, &[], next, &[]);
        self.b.switch_to_block(next);
    }

    /// The fast path of `op`; returns the integer result of the ops that have one (the FP
    /// result is stored here).
    fn fp_fast(&mut self, op: &IROp, slow: Block) -> Option<Value> {
        use IROp::*;
        match op {
            FAdd { fmt, fd, a, b, .. } | FSub { fmt, fd, a, b, .. } | FMul { fmt, fd, a, b, .. } | FDiv { fmt, fd, a, b, .. } => {
                let (x, y) = (self.read_f(*fmt, a.0), self.read_f(*fmt, b.0));
                let r = match op {
                    FAdd { .. } => self.b.ins().fadd(x, y),
                    FSub { .. } => self.b.ins().fsub(x, y),
                    FMul { .. } => self.b.ins().fmul(x, y),
                    _ => self.b.ins().fdiv(x, y),
                };
                self.write_f(*fmt, fd.0, r);
            }
            FSqrt { fmt, fd, a, .. } => {
                let x = self.read_f(*fmt, a.0);
                let r = self.b.ins().sqrt(x);
                self.write_f(*fmt, fd.0, r);
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
                self.write_f(*fmt, fd.0, r);
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
                self.write_bits(*fmt, fd.0, r);
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
                self.write_f(*fmt, fd.0, r);
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
                return Some(self.b.ins().uextend(I64, c));
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
                self.write_f(*to, fd.0, r);
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
                self.write_f(*fmt, fd.0, r);
            }
            FCvtToInt { fmt, kind, a, .. } => {
                let x = self.read_f(*fmt, a.0);
                // In range after truncation (NaN is not): the hardware conversion is exact but
                // for the fraction it drops, which it reports as inexact like RISC-V.
                let (lo_cc, lo, hi) = match (kind, fmt) {
                    (IntKind::W, Fmt::D) => (FloatCC::GreaterThan, -2_147_483_649.0, 2_147_483_648.0),
                    (IntKind::W, Fmt::S) => (FloatCC::GreaterThanOrEqual, -2_147_483_648.0, 2_147_483_648.0),
                    _ => (FloatCC::GreaterThanOrEqual, -9_223_372_036_854_775_808.0, 9_223_372_036_854_775_808.0),
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
                return Some(match kind {
                    IntKind::W => {
                        let w = self.b.ins().fcvt_to_sint(I32, x);
                        self.b.ins().sextend(I64, w)
                    }
                    _ => self.b.ins().fcvt_to_sint(I64, x),
                });
            }
            other => unreachable!("{other} is not an inline FP op"),
        }
        None
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

    /// FP register `reg` as raw bits of format `fmt`: an I64, or for singles the unboxed I32
    /// (an improperly boxed value reads as the canonical NaN). `float` loads it as an F64,
    /// which no integer store forwards to (see [`Self::opaque`]).
    fn read_bits(&mut self, fmt: Fmt, reg: u8) -> Value {
        self.read_bits_as(fmt, reg, false)
    }

    fn read_bits_as(&mut self, fmt: Fmt, reg: u8, float: bool) -> Value {
        let v = if float {
            let f = self.b.ins().load(F64, vm_flags(), self.cpu, f_offset(reg));
            self.b.ins().bitcast(I64, MemFlagsData::new(), f)
        } else {
            self.b.ins().load(I64, vm_flags(), self.cpu, f_offset(reg))
        };
        match fmt {
            Fmt::D => v,
            Fmt::S => {
                let hi = self.b.ins().ushr_imm_u(v, 32);
                let boxed = self.b.ins().icmp_imm_u(IntCC::Equal, hi, 0xffff_ffff);
                let lo = self.b.ins().ireduce(I32, v);
                let nan = self.b.ins().iconst(I32, i64::from(vm_fpu::CANONICAL_NAN_S));
                self.b.ins().select(boxed, lo, nan)
            }
        }
    }

    /// FP register `reg` as a float of format `fmt`.
    fn read_f(&mut self, fmt: Fmt, reg: u8) -> Value {
        match fmt {
            Fmt::D => self.b.ins().load(F64, vm_flags(), self.cpu, f_offset(reg)),
            Fmt::S => {
                let bits = self.read_bits_as(fmt, reg, true);
                self.b.ins().bitcast(F32, MemFlagsData::new(), bits)
            }
        }
    }

    /// Store raw bits of format `fmt` (I64, or I32 for singles, which are boxed).
    fn write_bits(&mut self, fmt: Fmt, reg: u8, bits: Value) {
        let v = match fmt {
            Fmt::D => bits,
            Fmt::S => {
                let w = self.b.ins().uextend(I64, bits);
                self.b.ins().bor_imm_s(w, BOX)
            }
        };
        self.b.ins().store(vm_flags(), v, self.cpu, f_offset(reg));
    }

    /// Store an arithmetic result: a NaN becomes the canonical NaN.
    fn write_f(&mut self, fmt: Fmt, reg: u8, r: Value) {
        let (ty, canonical) = match fmt {
            Fmt::S => (I32, i64::from(vm_fpu::CANONICAL_NAN_S)),
            Fmt::D => (I64, vm_fpu::CANONICAL_NAN_D as i64),
        };
        let bits = self.b.ins().bitcast(ty, MemFlagsData::new(), r);
        let nan = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        let canonical = self.b.ins().iconst(ty, canonical);
        let bits = self.b.ins().select(nan, canonical, bits);
        self.write_bits(fmt, reg, bits);
    }

    /// An access to `fflags`, `frm` or `fcsr` (the FP CSRs, which every CSR handler leaves
    /// to `vm_interp::user_csr`'s rules: illegal while the unit is off, a write marks it
    /// dirty), inline: the flags stub moves the flags accrued in MXCSR into `fflags` first.
    /// glibc brackets each quiet comparison with `frflags` / `fsflags`, so these are hot in FP
    /// code.
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
        // Fold MXCSR's flags (IE ZE OE UE PE in bits 0, 2, 3, 4, 5) into fflags (NV DZ OF UF
        // NX in bits 4, 3, 2, 1, 0).
        let wrappers = self.b.ins().load(self.ptr, vm_flags(), self.ctx, offset_of!(JitContext, helpers) as i32);
        let stub = self.b.ins().load(self.ptr, vm_flags(), wrappers, (8 * TAKE_FP_FLAGS) as i32);
        let sig = self.sigs.helper;
        self.b.ins().call_indirect(sig, stub, &[self.ctx]);
        let m = self.b.ins().uload32(vm_flags(), self.ctx, ctx_offset(offset_of!(JitContext, mxcsr)));
        let mut accrued = self.b.ins().iconst(I64, 0);
        for (shift, bit) in [(-5, NX), (-3, UF), (-1, OF), (1, DZ), (4, NV)] {
            let moved =
                if shift < 0 { self.b.ins().ushr_imm_u(m, -shift) } else { self.b.ins().ishl_imm_u(m, shift) };
            let f = self.b.ins().band_imm_s(moved, i64::from(bit));
            accrued = self.b.ins().bor(accrued, f);
        }
        let fflags_at = offset_of!(CpuState, fflags) as i32;
        let frm_at = offset_of!(CpuState, frm) as i32;
        let old_flags = self.b.ins().uload8(I64, vm_flags(), self.cpu, fflags_at);
        let flags = self.b.ins().bor(old_flags, accrued);
        let old = match csr {
            FFLAGS => flags,
            FRM => self.b.ins().uload8(I64, vm_flags(), self.cpu, frm_at),
            _ => {
                let frm = self.b.ins().uload8(I64, vm_flags(), self.cpu, frm_at);
                let hi = self.b.ins().ishl_imm_u(frm, 5);
                self.b.ins().bor(hi, flags)
            }
        };
        let (new_flags, new_frm) = if write {
            self.fp_dirty();
            let new = match kind {
                CsrOp::Rw => src,
                CsrOp::Rs => self.b.ins().bor(old, src),
                CsrOp::Rc => {
                    let keep = self.b.ins().bnot(src);
                    self.b.ins().band(old, keep)
                }
            };
            match csr {
                FFLAGS => (new, None),
                FRM => (flags, Some(new)),
                _ => {
                    let frm = self.b.ins().ushr_imm_u(new, 5);
                    (new, Some(frm))
                }
            }
        } else {
            (flags, None)
        };
        let new_flags = self.b.ins().band_imm_u(new_flags, 0x1f);
        let new_flags = self.b.ins().ireduce(I8, new_flags);
        self.b.ins().store(vm_flags(), new_flags, self.cpu, fflags_at);
        if let Some(frm) = new_frm {
            let frm = self.b.ins().band_imm_u(frm, 7);
            let frm = self.b.ins().ireduce(I8, frm);
            self.b.ins().store(vm_flags(), frm, self.cpu, frm_at);
        }
        self.set(rd, old);
    }

    /// Mark the FP unit dirty (`mstatus.FS` = 3), as every FP register write does.
    pub(super) fn fp_dirty(&mut self) {
        let dirty = self.b.ins().iconst(I8, 3);
        self.b.ins().store(vm_flags(), dirty, self.cpu, offset_of!(CpuState, fs) as i32);
    }
}

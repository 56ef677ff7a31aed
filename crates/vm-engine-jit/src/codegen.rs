//! Translation of one [`IRBlock`] into one Cranelift function
//! `extern "C" fn(ctx: *mut JitContext) -> u64` (a `STATUS_*` code).
//!
//! Integer ALU ops, immediates, `fmv` between register files and terminators are emitted inline
//! on SSA values. Each integer
//! slot is loaded from `cpu.x` at most once until something may change it behind the code's
//! back, and written back ("flushed") only at block exits and before helpers that read or write
//! the register file. Memory accesses call the load/store helpers; FP ops, FP memory ops,
//! atomics and CSR accesses call the whole-op helper. Every helper returns a status; a non-zero
//! one branches to a side exit that flushes the dirty registers and returns `STATUS_FAULT`, so
//! ops before the faulting one keep their effects and later ones have none.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64, I8};
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, SigRef, Signature, Type, Value};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use vm_core::cpu::NUM_INT_SLOTS;
use vm_core::CpuState;
use vm_ir::{Cond, Fmt, IRBlock, IROp, Terminator};

use crate::context::{JitContext, RuntimeTable, STATUS_FAULT, STATUS_NEXT, STATUS_TERM};

/// Signatures of the runtime helpers, imported into the function being built.
struct Sigs {
    load: SigRef,
    store: SigRef,
    op: SigRef,
}

/// Builder state for one block.
struct Gen<'a> {
    b: FunctionBuilder<'a>,
    ptr: Type,
    ctx: Value,
    cpu: Value,
    sigs: Sigs,
    /// The current value of each integer slot, if loaded or computed.
    vals: [Option<Value>; NUM_INT_SLOTS],
    /// Bit n: slot n's value differs from `cpu.x[n]`.
    dirty: u64,
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

fn f_offset(reg: u8) -> i32 {
    (offset_of!(CpuState, f) + 8 * reg as usize) as i32
}

fn x_offset(slot: u8) -> i32 {
    (offset_of!(CpuState, x) + 8 * slot as usize) as i32
}

/// Build the function's signature and body for `block` into `func`.
pub(crate) fn translate(
    func: &mut cranelift_codegen::ir::Function,
    fctx: &mut FunctionBuilderContext,
    frontend: TargetFrontendConfig,
    block: &IRBlock,
) {
    let ptr = frontend.pointer_type();
    let call_conv = frontend.default_call_conv;
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(I64));
    func.signature = sig;

    let helper_sig = |params: &[Type]| {
        let mut s = Signature::new(call_conv);
        s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        s.returns.push(AbiParam::new(I32));
        s
    };
    let mut b = FunctionBuilder::new(func, fctx);
    let sigs = Sigs {
        load: b.import_signature(helper_sig(&[ptr, I64, I64])),
        store: b.import_signature(helper_sig(&[ptr, I64, I64, I64])),
        op: b.import_signature(helper_sig(&[ptr, I64])),
    };
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let ctx = b.block_params(entry)[0];
    let cpu = b.ins().load(ptr, flags(), ctx, offset_of!(JitContext, cpu) as i32);
    let mut g = Gen { b, ptr, ctx, cpu, sigs, vals: [None; NUM_INT_SLOTS], dirty: 0 };
    for (i, op) in block.ops.iter().enumerate() {
        g.op(i, op);
    }
    g.term(&block.term);
    g.b.finalize(frontend);
}

impl Gen<'_> {
    fn get(&mut self, slot: u8) -> Value {
        if let Some(v) = self.vals[slot as usize] {
            return v;
        }
        let v = self.b.ins().load(I64, flags(), self.cpu, x_offset(slot));
        self.vals[slot as usize] = Some(v);
        v
    }

    fn set(&mut self, slot: u8, v: Value) {
        self.vals[slot as usize] = Some(v);
        self.dirty |= 1 << slot;
    }

    /// Store every dirty slot to `cpu.x` (the dirty set is left as is).
    fn flush(&mut self) {
        for slot in 0..NUM_INT_SLOTS as u8 {
            if self.dirty & (1 << slot) != 0 {
                let v = self.vals[slot as usize].expect("dirty slot has a value");
                self.b.ins().store(flags(), v, self.cpu, x_offset(slot));
            }
        }
    }

    fn ret(&mut self, status: u64) {
        let s = self.b.ins().iconst(I64, status as i64);
        self.b.ins().return_(&[s]);
    }

    /// Call runtime-table entry at `field` with `args` (the context is prepended).
    fn call(&mut self, field: usize, sig: SigRef, args: &[Value]) -> Value {
        let rt = self.b.ins().load(self.ptr, flags(), self.ctx, offset_of!(JitContext, rt) as i32);
        let f = self.b.ins().load(self.ptr, flags(), rt, field as i32);
        let mut all = vec![self.ctx];
        all.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, f, &all);
        self.b.inst_results(call)[0]
    }

    /// Branch to a side exit returning `STATUS_FAULT` if `status` is non-zero.
    fn check(&mut self, status: Value) {
        let fault = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(status, fault, &[], cont, &[]);
        self.b.switch_to_block(fault);
        self.b.seal_block(fault);
        self.flush();
        self.ret(STATUS_FAULT);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    fn load_ctx(&mut self, offset: usize) -> Value {
        self.b.ins().load(I64, flags(), self.ctx, offset as i32)
    }

    fn bool64(&mut self, cc: IntCC, a: Value, b: Value) -> Value {
        let c = self.b.ins().icmp(cc, a, b);
        self.b.ins().uextend(I64, c)
    }

    /// RISC-V division/remainder at type `ty` (I64 or I32): `signed`, `rem`.
    fn divrem(&mut self, ty: Type, a: Value, b: Value, signed: bool, rem: bool) -> Value {
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
        let one = self.b.ins().iconst(ty, 1);
        let bad = if signed {
            let min = if ty == I64 { i64::MIN } else { i64::from(i32::MIN) };
            let amin = self.b.ins().icmp_imm_s(IntCC::Equal, a, min);
            let bm1 = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
            let ovf = self.b.ins().band(amin, bm1);
            self.b.ins().bor(zero, ovf)
        } else {
            zero
        };
        // ÷0 and MIN÷−1 divide by 1 instead (MIN/1 = MIN and MIN%1 = 0 are the RISC-V results
        // for the overflow case); ÷0 is patched below.
        let safe = self.b.ins().select(bad, one, b);
        let r = match (signed, rem) {
            (true, false) => self.b.ins().sdiv(a, safe),
            (false, false) => self.b.ins().udiv(a, safe),
            (true, true) => self.b.ins().srem(a, safe),
            (false, true) => self.b.ins().urem(a, safe),
        };
        let on_zero = if rem { a } else { self.b.ins().iconst(ty, -1) };
        self.b.ins().select(zero, on_zero, r)
    }

    fn op(&mut self, index: usize, op: &IROp) {
        use IROp::*;
        macro_rules! rr {
            ($rd:ident, $a:ident, $b:ident, |$g:ident, $x:ident, $y:ident| $e:expr) => {{
                let $x = self.get($a.0);
                let $y = self.get($b.0);
                let $g = &mut *self;
                let v = $e;
                self.set($rd.0, v);
            }};
        }
        macro_rules! ri {
            ($rd:ident, $a:ident, |$g:ident, $x:ident| $e:expr) => {{
                let $x = self.get($a.0);
                let $g = &mut *self;
                let v = $e;
                self.set($rd.0, v);
            }};
        }
        // 32-bit op on the low halves, sign-extended.
        macro_rules! rr32 {
            ($rd:ident, $a:ident, $b:ident, |$g:ident, $x:ident, $y:ident| $e:expr) => {{
                let a = self.get($a.0);
                let b = self.get($b.0);
                let $x = self.b.ins().ireduce(I32, a);
                let $y = self.b.ins().ireduce(I32, b);
                let $g = &mut *self;
                let v = $e;
                let v = self.b.ins().sextend(I64, v);
                self.set($rd.0, v);
            }};
        }
        macro_rules! ri32 {
            ($rd:ident, $a:ident, |$g:ident, $x:ident| $e:expr) => {{
                let a = self.get($a.0);
                let $x = self.b.ins().ireduce(I32, a);
                let $g = &mut *self;
                let v = $e;
                let v = self.b.ins().sextend(I64, v);
                self.set($rd.0, v);
            }};
        }
        let idx = index as i64;
        match op {
            Li { rd, imm } => {
                let v = self.b.ins().iconst(I64, *imm);
                self.set(rd.0, v)
            }
            Add { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().iadd(a, b)),
            Sub { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().isub(a, b)),
            Sll { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| {
                let s = g.b.ins().band_imm_s(b, 63);
                g.b.ins().ishl(a, s)
            }),
            Srl { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| {
                let s = g.b.ins().band_imm_s(b, 63);
                g.b.ins().ushr(a, s)
            }),
            Sra { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| {
                let s = g.b.ins().band_imm_s(b, 63);
                g.b.ins().sshr(a, s)
            }),
            Slt { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.bool64(IntCC::SignedLessThan, a, b)),
            Sltu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.bool64(IntCC::UnsignedLessThan, a, b)),
            Xor { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().bxor(a, b)),
            Or { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().bor(a, b)),
            And { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().band(a, b)),
            Mul { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().imul(a, b)),
            Mulh { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().smulhi(a, b)),
            Mulhu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().umulhi(a, b)),
            Mulhsu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| {
                // signed(a) * b = unsigned(a) * b - 2^64 * b when a < 0.
                let hi = g.b.ins().umulhi(a, b);
                let neg = g.b.ins().icmp_imm_s(IntCC::SignedLessThan, a, 0);
                let zero = g.b.ins().iconst(I64, 0);
                let fix = g.b.ins().select(neg, b, zero);
                g.b.ins().isub(hi, fix)
            }),
            Div { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.divrem(I64, a, b, true, false)),
            Divu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.divrem(I64, a, b, false, false)),
            Rem { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.divrem(I64, a, b, true, true)),
            Remu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.divrem(I64, a, b, false, true)),
            AddW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.b.ins().iadd(a, b)),
            SubW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.b.ins().isub(a, b)),
            SllW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| {
                let s = g.b.ins().band_imm_s(b, 31);
                g.b.ins().ishl(a, s)
            }),
            SrlW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| {
                let s = g.b.ins().band_imm_s(b, 31);
                g.b.ins().ushr(a, s)
            }),
            SraW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| {
                let s = g.b.ins().band_imm_s(b, 31);
                g.b.ins().sshr(a, s)
            }),
            MulW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.b.ins().imul(a, b)),
            DivW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.divrem(I32, a, b, true, false)),
            DivuW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.divrem(I32, a, b, false, false)),
            RemW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.divrem(I32, a, b, true, true)),
            RemuW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.divrem(I32, a, b, false, true)),

            AddI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().iadd_imm_s(a, *imm)),
            SltI { rd, rs1, imm } => ri!(rd, rs1, |g, a| {
                let c = g.b.ins().icmp_imm_s(IntCC::SignedLessThan, a, *imm);
                g.b.ins().uextend(I64, c)
            }),
            SltuI { rd, rs1, imm } => ri!(rd, rs1, |g, a| {
                let c = g.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, a, *imm);
                g.b.ins().uextend(I64, c)
            }),
            XorI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().bxor_imm_s(a, *imm)),
            OrI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().bor_imm_s(a, *imm)),
            AndI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().band_imm_s(a, *imm)),
            SllI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().ishl_imm_u(a, *imm & 63)),
            SrlI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().ushr_imm_u(a, *imm & 63)),
            SraI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().sshr_imm_u(a, *imm & 63)),
            AddIW { rd, rs1, imm } => ri32!(rd, rs1, |g, a| g.b.ins().iadd_imm_s(a, *imm as i32 as i64)),
            SllIW { rd, rs1, imm } => ri32!(rd, rs1, |g, a| g.b.ins().ishl_imm_u(a, *imm & 31)),
            SrlIW { rd, rs1, imm } => ri32!(rd, rs1, |g, a| g.b.ins().ushr_imm_u(a, *imm & 31)),
            SraIW { rd, rs1, imm } => ri32!(rd, rs1, |g, a| g.b.ins().sshr_imm_u(a, *imm & 31)),

            Lb { rd, base, off } => self.load(idx, rd.0, base.0, *off, 8, true),
            Lh { rd, base, off } => self.load(idx, rd.0, base.0, *off, 16, true),
            Lw { rd, base, off } => self.load(idx, rd.0, base.0, *off, 32, true),
            Ld { rd, base, off } => self.load(idx, rd.0, base.0, *off, 64, false),
            Lbu { rd, base, off } => self.load(idx, rd.0, base.0, *off, 8, false),
            Lhu { rd, base, off } => self.load(idx, rd.0, base.0, *off, 16, false),
            Lwu { rd, base, off } => self.load(idx, rd.0, base.0, *off, 32, false),
            Sb { src, base, off } => self.store(idx, src.0, base.0, *off, offset_of!(RuntimeTable, store8)),
            Sh { src, base, off } => self.store(idx, src.0, base.0, *off, offset_of!(RuntimeTable, store16)),
            Sw { src, base, off } => self.store(idx, src.0, base.0, *off, offset_of!(RuntimeTable, store32)),
            Sd { src, base, off } => self.store(idx, src.0, base.0, *off, offset_of!(RuntimeTable, store64)),
            FMvToInt { fmt, rd, a } => {
                self.fp_enabled(idx);
                let v = self.b.ins().load(I64, flags(), self.cpu, f_offset(a.0));
                let v = match fmt {
                    Fmt::D => v,
                    Fmt::S => {
                        let n = self.b.ins().ireduce(I32, v);
                        self.b.ins().sextend(I64, n)
                    }
                };
                self.set(rd.0, v);
            }
            FMvFromInt { fmt, fd, rs } => {
                self.fp_enabled(idx);
                let x = self.get(rs.0);
                let v = match fmt {
                    Fmt::D => x,
                    Fmt::S => {
                        // NaN-box the low 32 bits.
                        let lo = self.b.ins().band_imm_u(x, 0xffff_ffff);
                        self.b.ins().bor_imm_s(lo, 0xffff_ffff_0000_0000u64 as i64)
                    }
                };
                self.b.ins().store(flags(), v, self.cpu, f_offset(fd.0));
                let dirty = self.b.ins().iconst(I8, 3);
                self.b.ins().store(flags(), dirty, self.cpu, offset_of!(CpuState, fs) as i32);
            }
            // FP, FP memory, atomics and CSRs: the whole-op helper on the in-memory state.
            _ => {
                self.flush();
                self.dirty = 0;
                let i = self.b.ins().iconst(I64, idx);
                let sig = self.sigs.op;
                let status = self.call(offset_of!(RuntimeTable, exec_op), sig, &[i]);
                self.check(status);
                // The op may have written any integer slot: reload on next use.
                self.vals = [None; NUM_INT_SLOTS];
            }
        }
    }

    /// Side exit with an illegal-instruction fault for op `idx` when `mstatus.FS` is off.
    fn fp_enabled(&mut self, idx: i64) {
        let fs = self.b.ins().uload8(I64, flags(), self.cpu, offset_of!(CpuState, fs) as i32);
        let off = self.b.create_block();
        let on = self.b.create_block();
        self.b.ins().brif(fs, on, &[], off, &[]);
        self.b.switch_to_block(off);
        self.b.seal_block(off);
        for (field, v) in [
            (offset_of!(JitContext, fault_op), idx),
            (offset_of!(JitContext, exc_cause), 2),
            (offset_of!(JitContext, exc_tval), 0),
        ] {
            let v = self.b.ins().iconst(I64, v);
            self.b.ins().store(flags(), v, self.ctx, field as i32);
        }
        self.flush();
        self.ret(STATUS_FAULT);
        self.b.switch_to_block(on);
        self.b.seal_block(on);
    }

    fn load(&mut self, idx: i64, rd: u8, base: u8, off: i64, bits: u32, signed: bool) {
        let base = self.get(base);
        let addr = self.b.ins().iadd_imm_s(base, off);
        let i = self.b.ins().iconst(I64, idx);
        let field = match bits {
            8 => offset_of!(RuntimeTable, load8),
            16 => offset_of!(RuntimeTable, load16),
            32 => offset_of!(RuntimeTable, load32),
            _ => offset_of!(RuntimeTable, load64),
        };
        let sig = self.sigs.load;
        let status = self.call(field, sig, &[addr, i]);
        self.check(status);
        let mut v = self.load_ctx(offset_of!(JitContext, value));
        if signed {
            let ty = Type::int(bits as u16).expect("integer width");
            let n = self.b.ins().ireduce(ty, v);
            v = self.b.ins().sextend(I64, n);
        }
        self.set(rd, v);
    }

    fn store(&mut self, idx: i64, src: u8, base: u8, off: i64, field: usize) {
        let base = self.get(base);
        let addr = self.b.ins().iadd_imm_s(base, off);
        let val = self.get(src);
        let i = self.b.ins().iconst(I64, idx);
        let sig = self.sigs.store;
        let status = self.call(field, sig, &[addr, val, i]);
        self.check(status);
    }

    fn exit_next(&mut self, pc: Value) {
        self.b.ins().store(flags(), pc, self.ctx, offset_of!(JitContext, next_pc) as i32);
        self.flush();
        self.ret(STATUS_NEXT);
    }

    fn term(&mut self, term: &Terminator) {
        match term {
            Terminator::Jump { target } => {
                let pc = self.b.ins().iconst(I64, *target as i64);
                self.exit_next(pc)
            }
            Terminator::Branch { cond, rs1, rs2, taken, next } => {
                let a = self.get(rs1.0);
                let b = self.get(rs2.0);
                let cc = match cond {
                    Cond::Eq => IntCC::Equal,
                    Cond::Ne => IntCC::NotEqual,
                    Cond::Lt => IntCC::SignedLessThan,
                    Cond::Ge => IntCC::SignedGreaterThanOrEqual,
                    Cond::Ltu => IntCC::UnsignedLessThan,
                    Cond::Geu => IntCC::UnsignedGreaterThanOrEqual,
                };
                let c = self.b.ins().icmp(cc, a, b);
                let t = self.b.ins().iconst(I64, *taken as i64);
                let n = self.b.ins().iconst(I64, *next as i64);
                let pc = self.b.ins().select(c, t, n);
                self.exit_next(pc)
            }
            Terminator::JumpInd { base, off } => {
                let base = self.get(base.0);
                let t = self.b.ins().iadd_imm_s(base, *off);
                let pc = self.b.ins().band_imm_s(t, !1);
                self.exit_next(pc)
            }
            _ => {
                self.flush();
                self.ret(STATUS_TERM);
            }
        }
    }
}

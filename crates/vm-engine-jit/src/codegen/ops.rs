//! The ops of a block: integer ALU ops inline on the region's variables, guest loads and
//! stores (integer and FP) inline with a fast path (one bounds test, one permission-table byte)
//! and a helper call on its slow path, FP arithmetic inline (the `fp` module), and everything
//! else (the remaining FP ops, atomics, CSRs) through the whole-op helper with the registers
//! it touches written back before and reloaded after.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I16, I32, I64, I8};
use cranelift_codegen::ir::{
    InstBuilder, InstructionData, MemFlagsData, Opcode, TrapCode, Type, Value, ValueDef,
};
use vm_core::CpuState;
use vm_ir::{Fmt, IROp, Slot};

use super::fp::f_offset;
use super::{const_flags, ctx_offset, guest_flags, trap_flags, vm_flags, Gen};
use crate::context::{JitContext, RuntimeTable};

/// Where a guest load puts its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loaded {
    /// An integer slot.
    Int(u8),
    /// An FP register (`flw` NaN-boxes), which marks the FP unit dirty.
    Fp(u8, Fmt),
}

/// Where a guest store takes its value from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stored {
    /// An integer slot.
    Int(u8),
    /// An FP register (`fsw` stores its low 32 bits).
    Fp(u8),
}

/// How a guest access reaches host memory on its fast path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Bounds test, then the page table's permission byte.
    Probed,
    /// Bounds test only (an access to guarded memory; its host fault goes to the slow path).
    Guarded,
    /// As `Guarded`, for an access that is often misaligned ([`crate::Jit::access_in_place`]):
    /// only one that straddles a page takes the slow path.
    GuardedUnaligned,
}

impl Gen<'_, '_> {
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

    /// `x` if `v` is `sextend` of a 32-bit `x` (the result of a W instruction).
    fn sext_of(&self, v: Value) -> Option<Value> {
        let dfg = &self.b.func.dfg;
        match dfg.value_def(dfg.resolve_aliases(v)) {
            ValueDef::Result(inst, 0) => match dfg.insts[inst] {
                InstructionData::Unary { opcode: Opcode::Sextend, arg } if dfg.value_type(arg) == I32 => {
                    Some(arg)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `a & b`, `a | b` or `a ^ b` (`op`; `b` a value or an immediate). Bitwise ops commute
    /// with sign extension, so on two sign-extended 32-bit values the op runs on their low
    /// halves and the result is extended: it stays a W value, which a W instruction reading
    /// it uses without extending again and a loop carries in 32 bits (see `narrow`). The
    /// bit-extraction `sraw t,x,5; andi t,t,127; mulw` then computes `t` once, not once
    /// for `mulw` and again 64 bits wide for the register.
    fn bitwise(&mut self, op: Opcode, a: Value, b: Result<Value, i64>) -> Value {
        let narrow_b = match b {
            Ok(v) => self.sext_of(v).map(Ok),
            Err(imm) => i32::try_from(imm).ok().map(Err),
        };
        let (ty, x, y) = match (self.sext_of(a), narrow_b) {
            (Some(x), Some(y)) => (I32, x, y.unwrap_or_else(|imm| self.b.ins().iconst(I32, i64::from(imm)))),
            _ => (I64, a, b.unwrap_or_else(|imm| self.b.ins().iconst(I64, imm))),
        };
        let r = match op {
            Opcode::Band => self.b.ins().band(x, y),
            Opcode::Bor => self.b.ins().bor(x, y),
            _ => self.b.ins().bxor(x, y),
        };
        if ty == I32 {
            self.b.ins().sextend(I64, r)
        } else {
            r
        }
    }

    pub(super) fn op(&mut self, index: usize, op: &IROp, csr_index: u32) {
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
        // Register shifts need no mask: Cranelift takes a shift amount modulo the width of the
        // value shifted, as RISC-V does (6 bits, 5 for the W forms).
        match op {
            Li { rd, imm } => {
                let v = self.b.ins().iconst(I64, *imm);
                self.set(rd.0, v)
            }
            Add { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().iadd(a, b)),
            Sub { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().isub(a, b)),
            Sll { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().ishl(a, b)),
            Srl { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().ushr(a, b)),
            Sra { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.b.ins().sshr(a, b)),
            Slt { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.bool64(IntCC::SignedLessThan, a, b)),
            Sltu { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.bool64(IntCC::UnsignedLessThan, a, b)),
            Xor { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.bitwise(Opcode::Bxor, a, Ok(b))),
            Or { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.bitwise(Opcode::Bor, a, Ok(b))),
            And { rd, rs1, rs2 } => rr!(rd, rs1, rs2, |g, a, b| g.bitwise(Opcode::Band, a, Ok(b))),
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
            SllW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.b.ins().ishl(a, b)),
            SrlW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.b.ins().ushr(a, b)),
            SraW { rd, rs1, rs2 } => rr32!(rd, rs1, rs2, |g, a, b| g.b.ins().sshr(a, b)),
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
            XorI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.bitwise(Opcode::Bxor, a, Err(*imm))),
            OrI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.bitwise(Opcode::Bor, a, Err(*imm))),
            AndI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.bitwise(Opcode::Band, a, Err(*imm))),
            SllI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().ishl_imm_u(a, *imm & 63)),
            SrlI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().ushr_imm_u(a, *imm & 63)),
            SraI { rd, rs1, imm } => ri!(rd, rs1, |g, a| g.b.ins().sshr_imm_u(a, *imm & 63)),
            AddIW { rd, rs1, imm } => ri32!(rd, rs1, |g, a| g.b.ins().iadd_imm_s(a, *imm as i32 as i64)),
            SllIW { rd, rs1, imm } => ri32!(rd, rs1, |g, a| g.b.ins().ishl_imm_u(a, *imm & 31)),
            SrlIW { rd, rs1, imm } => ri32!(rd, rs1, |g, a| g.b.ins().ushr_imm_u(a, *imm & 31)),
            SraIW { rd, rs1, imm } => ri32!(rd, rs1, |g, a| g.b.ins().sshr_imm_u(a, *imm & 31)),

            Lb { rd, base, off } => self.load(index, Loaded::Int(rd.0), base.0, *off, 1, true),
            Lh { rd, base, off } => self.load(index, Loaded::Int(rd.0), base.0, *off, 2, true),
            Lw { rd, base, off } => self.load(index, Loaded::Int(rd.0), base.0, *off, 4, true),
            Ld { rd, base, off } => self.load(index, Loaded::Int(rd.0), base.0, *off, 8, false),
            Lbu { rd, base, off } => self.load(index, Loaded::Int(rd.0), base.0, *off, 1, false),
            Lhu { rd, base, off } => self.load(index, Loaded::Int(rd.0), base.0, *off, 2, false),
            Lwu { rd, base, off } => self.load(index, Loaded::Int(rd.0), base.0, *off, 4, false),
            Sb { src, base, off } => self.store(index, Stored::Int(src.0), base.0, *off, 1),
            Sh { src, base, off } => self.store(index, Stored::Int(src.0), base.0, *off, 2),
            Sw { src, base, off } => self.store(index, Stored::Int(src.0), base.0, *off, 4),
            Sd { src, base, off } => self.store(index, Stored::Int(src.0), base.0, *off, 8),
            Flw { fd, base, off } => self.load(index, Loaded::Fp(fd.0, Fmt::S), base.0, *off, 4, false),
            Fld { fd, base, off } => self.load(index, Loaded::Fp(fd.0, Fmt::D), base.0, *off, 8, false),
            Fsw { src, base, off } => self.store(index, Stored::Fp(src.0), base.0, *off, 4),
            Fsd { src, base, off } => self.store(index, Stored::Fp(src.0), base.0, *off, 8),
            FMvToInt { fmt, rd, a } => {
                self.fp_enabled(index);
                let v = self.fp_raw(a.0);
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
                self.fp_enabled(index);
                let x = self.get(rs.0);
                let v = match fmt {
                    Fmt::D => x,
                    Fmt::S => {
                        // NaN-box the low 32 bits.
                        let lo = self.b.ins().band_imm_u(x, 0xffff_ffff);
                        self.b.ins().bor_imm_s(lo, 0xffff_ffff_0000_0000u64 as i64)
                    }
                };
                self.b.ins().store(vm_flags(), v, self.cpu, f_offset(fd.0));
                self.fp_wrote(fd.0, Some(v));
                self.fp_dirty();
            }
            _ if super::fp::inline(op) => self.fp_op(index, op, csr_index),
            Csr { csr, .. } | CsrI { csr, .. } if super::fp::is_fp_csr(csr.0) => self.fp_csr(index, op),
            // Other FP ops, atomics and CSRs: the whole-op helper on the in-memory state.
            _ => self.out_of_line(index, op, csr_index),
        }
    }

    /// Run `op` through the whole-op helper: write back the slots it reads, call, check,
    /// reload the slots it writes.
    pub(super) fn out_of_line(&mut self, index: usize, op: &IROp, csr_index: u32) {
        let (mut reads, mut writes, mut fp_writes) = (0u64, 0u64, 0u32);
        op.visit_slots(&mut |slot, access| match (slot, access) {
            (Slot::Int(n), vm_ir::Access::Read) => reads |= 1 << n,
            (Slot::Int(n), vm_ir::Access::Write) => writes |= 1 << n,
            (Slot::Fp(n), vm_ir::Access::Write) => fp_writes |= 1 << n,
            (Slot::Fp(_), vm_ir::Access::Read) => {}
        });
        for fd in (0..32u8).filter(|fd| fp_writes & (1 << fd) != 0) {
            self.fp_wrote(fd, None);
        }
        // A CSR write may turn the FP unit off (`mstatus.FS`).
        self.fs_dirty = false;
        // Written-through slots are current in memory; temporaries and promoted registers may
        // not be. CSR reads of the counters need `instret`.
        self.store_slots(reads & (!self.written | self.promoted_mask()));
        // `Gen::before_helper` stores a counted `instret`, but not one counted as fuel.
        if let super::Counter::Fuel(_) = self.counter {
            self.sync_instret();
        }
        let id = self.alloc.op_id(self.cur_pc, op);
        let id = self.b.ins().iconst(I64, id as i64);
        let ci = self.b.ins().iconst(I64, i64::from(csr_index));
        // Through its `preserve_all` wrapper, like the memory helpers: a direct call would
        // clobber the caller-saved registers, and the register allocator then keeps the
        // context and the FP values of the whole translation on the stack, since inline FP
        // ops have such a call on their cold paths.
        let status = self.call(offset_of!(RuntimeTable, exec_op), &[id, ci], index);
        self.check(status, true, None);
        self.reload_slots(writes);
    }

    /// Call runtime-table entry at `field` for op `op_index` with `args` (one or two, stored
    /// in `ctx.helper_args`; the wrapper passes them on after the context) through its
    /// `preserve_all` wrapper; returns the helper's status ([`Gen::check`] it).
    ///
    /// The helper's address is loaded at the call, with plain loads: as movable loads the
    /// optimizer hoisted them to the region's entry and kept addresses used only on cold paths
    /// in registers across hot loops (intkernel's matrix loop spilled a guest register for it).
    fn call(&mut self, field: usize, args: &[Value], op_index: usize) -> Value {
        self.before_helper(op_index);
        let wrappers =
            self.b.ins().load(self.ptr, vm_flags(), self.ctx, offset_of!(JitContext, helpers) as i32);
        let f = self.b.ins().load(self.ptr, vm_flags(), wrappers, field as i32);
        for (i, &a) in args.iter().enumerate() {
            self.b.ins().store(vm_flags(), a, self.ctx, (offset_of!(JitContext, helper_args) + 8 * i) as i32);
        }
        let sig = self.sigs.helper;
        self.b.ins().call_indirect(sig, f, &[self.ctx]);
        self.b.ins().load(I64, vm_flags(), self.ctx, offset_of!(JitContext, helper_status) as i32)
    }

    /// Side exit with an illegal-instruction fault for op `index` when `mstatus.FS` is off.
    pub(super) fn fp_enabled(&mut self, index: usize) {
        if self.fs_dirty {
            return;
        }
        let fs = self.b.ins().uload8(I64, vm_flags(), self.cpu, offset_of!(CpuState, fs) as i32);
        let off = self.new_block();
        let on = self.new_block();
        self.b.ins().brif(fs, on, &[], off, &[]);
        self.b.set_cold_block(off);
        self.b.switch_to_block(off);
        self.store_ctx_imm(offset_of!(JitContext, exc_cause), 2);
        self.store_ctx_imm(offset_of!(JitContext, exc_tval), 0);
        self.fault_exit(index);
        self.b.switch_to_block(on);
    }

    /// The fast-path test for a `width`-byte access at `addr`: branches to `slow` unless the
    /// access lies in one page of the fast region whose table byte passes (`store` picks the
    /// store test); otherwise continues in a new block and returns the host address.
    ///
    /// An access to guarded memory ([`vm_core::FastMem::guarded`]) that is not `Probed` skips
    /// the table: the new block starts with the access, whose host fault resumes at `slow`
    /// (the `fault` module).
    fn fast_addr(
        &mut self,
        addr: Value,
        width: u64,
        store: bool,
        how: Access,
        slow: cranelift_codegen::ir::Block,
    ) -> Value {
        let fm = self.opts.fast_mem.expect("fast path configured");
        // Read here, before the test's branch, so that nothing comes before a probe-less load
        // in its block (the register allocator keeps a value this short-lived in a register).
        let host = self.b.ins().get_pinned_reg(self.ptr);
        let guarded = how != Access::Probed;
        let off =
            if fm.lo == 0 { addr } else { self.b.ins().iadd_imm_s(addr, (fm.lo as i64).wrapping_neg()) };
        let span = fm.pages << 12;
        let bad = if guarded {
            // The mask comes from the context, where the optimizer cannot see it: a constant
            // address's test must stay, or its slow path would go (see `JitContext::mem_masks`).
            let unaligned = how == Access::GuardedUnaligned && width > 1;
            let lg = if unaligned { 0 } else { width.trailing_zeros() as usize };
            let field = offset_of!(JitContext, mem_masks) + 8 * lg;
            let mask = self.b.ins().load(I64, const_flags(), self.ctx, ctx_offset(field));
            let outside = self.b.ins().band(off, mask);
            if unaligned {
                // Misaligned within one page is fine for the host; straddling goes slow.
                let in_page = self.b.ins().band_imm_s(off, 0xfff);
                let straddles =
                    self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, in_page, (4096 - width) as i64);
                let straddles = self.b.ins().uextend(I64, straddles);
                self.b.ins().bor(outside, straddles)
            } else {
                outside
            }
        } else if span.is_power_of_two() {
            // One test: outside the span, or misaligned (an aligned access never straddles a
            // page; misaligned ones take the slow path, which handles them).
            let mask = (width - 1) | !(span - 1);
            self.b.ins().band_imm_s(off, mask as i64)
        } else {
            let outside = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, off, span as i64);
            if width > 1 {
                let in_page = self.b.ins().band_imm_s(off, 0xfff);
                let straddles =
                    self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, in_page, (4096 - width) as i64);
                self.b.ins().bor(outside, straddles)
            } else {
                outside
            }
        };
        if guarded {
            let fast = self.new_block();
            self.b.ins().brif(bad, slow, &[], fast, &[]);
            self.b.switch_to_block(fast);
            return self.b.ins().iadd(host, off);
        }
        let probe = self.new_block();
        self.b.ins().brif(bad, slow, &[], probe, &[]);
        self.b.switch_to_block(probe);
        let page = self.b.ins().ushr_imm_s(off, 12);
        let ok = self.page_allows(host, page, store);
        let fast = self.new_block();
        self.b.ins().brif(ok, fast, &[], slow, &[]);
        self.b.switch_to_block(fast);
        self.b.ins().iadd(host, off)
    }

    /// Whether the table byte of page `page` (an index into the fast region) lets a load (or,
    /// `store`, a store) go straight to host memory, as a truth value; `host` is the host
    /// address of guest memory (the pinned register's value).
    pub(super) fn page_allows(&mut self, host: Value, page: Value, store: bool) -> Value {
        let fm = self.opts.fast_mem.expect("fast path configured");
        let entry = self.table_entry(host, page);
        if store {
            let m = self.b.ins().band_imm_s(entry, i64::from(fm.store_mask));
            self.b.ins().icmp_imm_s(IntCC::Equal, m, i64::from(fm.store_ok))
        } else {
            let m = self.b.ins().band_imm_s(entry, i64::from(fm.load_ok));
            self.b.ins().icmp_imm_s(IntCC::NotEqual, m, 0)
        }
    }

    /// [`Gen::page_allows`] for both of two pages, with one test: the bits that must be set
    /// taken from both bytes ANDed, the bits that must be clear from both ORed. (For loads
    /// this may say no where each byte allows the load through a different bit: the caller
    /// then only takes the slower way.)
    pub(super) fn pages_allow(&mut self, host: Value, pages: [Value; 2], store: bool) -> Value {
        let fm = self.opts.fast_mem.expect("fast path configured");
        let a = self.table_entry(host, pages[0]);
        let b = self.table_entry(host, pages[1]);
        let both = self.b.ins().band(a, b);
        if store {
            let set = self.b.ins().band_imm_s(both, i64::from(fm.store_ok));
            let either = self.b.ins().bor(a, b);
            let clear = self.b.ins().band_imm_s(either, i64::from(fm.store_mask & !fm.store_ok));
            let m = self.b.ins().bor(set, clear);
            self.b.ins().icmp_imm_s(IntCC::Equal, m, i64::from(fm.store_ok))
        } else {
            let m = self.b.ins().band_imm_s(both, i64::from(fm.load_ok));
            self.b.ins().icmp_imm_s(IntCC::NotEqual, m, 0)
        }
    }

    /// The table byte of page `page` (an index into the fast region), as a 32-bit value.
    fn table_entry(&mut self, host: Value, page: Value) -> Value {
        let fm = self.opts.fast_mem.expect("fast path configured");
        let table = self.mem.expect("fast path set up");
        // A table at a fixed distance from guest memory is reached from the same base register.
        let delta = (fm.table as i64).wrapping_sub(fm.host as i64);
        match (i32::try_from(delta), table) {
            (Ok(d), _) => {
                let entry_addr = self.b.ins().iadd(host, page);
                self.b.ins().uload8(I32, vm_flags(), entry_addr, d)
            }
            (Err(_), Some(table)) => {
                let entry_addr = self.b.ins().iadd(table, page);
                self.b.ins().uload8(I32, vm_flags(), entry_addr, 0)
            }
            (Err(_), None) => unreachable!("a table out of reach is loaded at the entry"),
        }
    }

    /// For a load about to be emitted on guarded memory: the pair of trap codes its host
    /// instruction and its slow path's marker carry, by which the load's host fault finds the
    /// slow path (the `fault` module); `None` if it keeps its probe (memory not guarded, out
    /// of codes, or an earlier attempt found it not redirectable).
    fn guarded_codes(&mut self) -> Option<(TrapCode, TrapCode)> {
        let fm = self.opts.fast_mem?;
        let n = self.guarded_loads;
        self.guarded_loads = n.saturating_add(u8::from(fm.guarded));
        let bit = |mask: u128| mask.checked_shr(u32::from(n)).is_some_and(|m| m & 1 != 0);
        (fm.guarded && !bit(self.retry.probed)).then(|| crate::fault::load_codes(n)).flatten()
    }

    /// How op `index`'s load reaches memory: `Probed` unless it has trap codes
    /// ([`Gen::guarded_codes`]); misaligned within a page too if the runtime asked for its
    /// slow path in place (it kept missing the fast path, as misaligned accesses do).
    fn guarded_access(&self, index: usize, codes: bool) -> Access {
        match self.cur_ops.get(index) {
            _ if !codes => Access::Probed,
            Some(&(pc, _)) if !self.alloc.side_exit_ok(pc) => Access::GuardedUnaligned,
            _ => Access::Guarded,
        }
    }

    fn load(&mut self, index: usize, dst: Loaded, base: u8, off: i64, width: u64, signed: bool) {
        if let Loaded::Fp(..) = dst {
            self.fp_enabled(index);
        }
        let base = self.get(base);
        let addr = self.b.ins().iadd_imm_s(base, off);
        if self.unchecked {
            let p = self.unchecked_addr(addr);
            let v = self.load_from(width, signed, guest_flags(), p);
            self.loaded(dst, v);
            return;
        }
        let slow = self.new_block();
        let mut marker = None;
        let side = self.side_exit_at(index);
        let done = self.b.create_block();
        if self.opts.fast_mem.is_some() {
            let codes = self.guarded_codes();
            let how = self.guarded_access(index, codes.is_some());
            let p = self.fast_addr(addr, width, false, how, slow);
            let flags = codes.map_or_else(guest_flags, |(load, _)| trap_flags(load));
            marker = codes.map(|(_, slow)| slow);
            let v = self.load_from(width, signed, flags, p);
            if let Some((pc, before)) = side {
                // The slow path leaves the region. A probe-less load stays alone in its block
                // (what comes after it goes on in the next one), so that the register
                // allocator puts nothing before it there (see `fault::redirects`).
                self.side_exits.push(super::flow::SideExit { block: slow, marker, pc, before });
                let v = if marker.is_some() {
                    self.b.append_block_param(done, I64);
                    self.b.ins().jump(done, &[v.into()]);
                    self.b.switch_to_block(done);
                    self.b.block_params(done)[0]
                } else {
                    v
                };
                self.loaded(dst, v);
                return;
            }
            self.b.append_block_param(done, I64);
            self.b.ins().jump(done, &[v.into()]);
            self.b.set_cold_block(slow);
        } else {
            self.b.append_block_param(done, I64);
            self.b.ins().jump(slow, &[]);
        }
        self.b.switch_to_block(slow);
        if let Some(code) = marker {
            // Never faults (the context is valid); only its trap record matters.
            self.b.ins().uload8(I32, trap_flags(code), self.ctx, 0);
        }
        let field = match width {
            1 => offset_of!(RuntimeTable, load8),
            2 => offset_of!(RuntimeTable, load16),
            4 => offset_of!(RuntimeTable, load32),
            _ => offset_of!(RuntimeTable, load64),
        };
        let status = self.call(field, &[addr], index);
        // Read before the status test (meaningless after a fault, which leaves), so that the
        // slow path joins `done` from its branch.
        let mut v = self.load_ctx(offset_of!(JitContext, value));
        if signed && width < 8 {
            let ty = match width {
                1 => I8,
                2 => I16,
                _ => I32,
            };
            let n = self.b.ins().ireduce(ty, v);
            v = self.b.ins().sextend(I64, n);
        }
        self.check(status, false, Some((done, &[v])));
        self.b.switch_to_block(done);
        let v = self.b.block_params(done)[0];
        self.loaded(dst, v);
    }

    /// Load `width` bytes from host address `p` (checked before, or trapping per `flags`),
    /// extended to 64 bits.
    fn load_from(&mut self, width: u64, signed: bool, flags: MemFlagsData, p: Value) -> Value {
        match (width, signed) {
            (1, false) => self.b.ins().uload8(I64, flags, p, 0),
            (1, true) => self.b.ins().sload8(I64, flags, p, 0),
            (2, false) => self.b.ins().uload16(I64, flags, p, 0),
            (2, true) => self.b.ins().sload16(I64, flags, p, 0),
            (4, false) => self.b.ins().uload32(flags, p, 0),
            (4, true) => self.b.ins().sload32(flags, p, 0),
            _ => self.b.ins().load(I64, flags, p, 0),
        }
    }

    /// Store the low `width` bytes of `val` at host address `p` (checked before).
    fn store_to(&mut self, width: u64, val: Value, p: Value) {
        match width {
            1 => self.b.ins().istore8(guest_flags(), val, p, 0),
            2 => self.b.ins().istore16(guest_flags(), val, p, 0),
            4 => self.b.ins().istore32(guest_flags(), val, p, 0),
            _ => self.b.ins().store(guest_flags(), val, p, 0),
        };
    }

    /// Write the value `v` a load got to its destination.
    fn loaded(&mut self, dst: Loaded, v: Value) {
        match dst {
            Loaded::Int(rd) => self.set(rd, v),
            Loaded::Fp(fd, fmt) => {
                let v = if fmt == Fmt::S {
                    self.b.ins().bor_imm_s(v, 0xffff_ffff_0000_0000u64 as i64)
                } else {
                    v
                };
                self.b.ins().store(vm_flags(), v, self.cpu, f_offset(fd));
                self.fp_wrote(fd, Some(v));
                self.fp_dirty();
            }
        }
    }

    fn store(&mut self, index: usize, src: Stored, base: u8, off: i64, width: u64) {
        if let Stored::Fp(_) = src {
            self.fp_enabled(index);
        }
        let base = self.get(base);
        let addr = self.b.ins().iadd_imm_s(base, off);
        let val = match src {
            Stored::Int(r) => self.get(r),
            Stored::Fp(r) => self.fp_raw(r),
        };
        if self.unchecked {
            let p = self.unchecked_addr(addr);
            self.store_to(width, val, p);
            return;
        }
        let done = self.new_block();
        let slow = self.new_block();
        if self.opts.fast_mem.is_some() {
            let side = self.side_exit_at(index);
            // Stores keep their probe, even on guarded memory, whose host protections would let
            // them go without (writable pages holding code are host read-only): a store's
            // value is often computed in front of it in its block, which makes its host fault
            // unredirectable and the translation compile a second time (sqlite: 28 -> 267
            // translations compiled twice, 12 % slower; memkernel 5 % faster).
            let p = self.fast_addr(addr, width, true, Access::Probed, slow);
            self.store_to(width, val, p);
            if let Some((pc, before)) = side {
                // The slow path (a fault, or a page holding translated code) leaves the region.
                self.side_exits.push(super::flow::SideExit { block: slow, marker: None, pc, before });
                return;
            }
            self.b.ins().jump(done, &[]);
            self.b.set_cold_block(slow);
        } else {
            self.b.ins().jump(slow, &[]);
        }
        self.b.switch_to_block(slow);
        let field = match width {
            1 => offset_of!(RuntimeTable, store8),
            2 => offset_of!(RuntimeTable, store16),
            4 => offset_of!(RuntimeTable, store32),
            _ => offset_of!(RuntimeTable, store64),
        };
        let status = self.call(field, &[addr, val], index);
        self.check(status, true, Some((done, &[])));
        self.b.switch_to_block(done);
    }
}

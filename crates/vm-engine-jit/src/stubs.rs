//! Host code every translation calls, compiled once per process: the trampoline into
//! translations, the `preserve_all` wrappers of the runtime table's entries, and the two
//! MXCSR stubs of inline FP code ([`crate::context::READ_FP_FLAGS`],
//! [`crate::context::CLEAR_FP_FLAGS`]).

use std::mem::offset_of;

use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;

use crate::codegen::{self, ctx_offset, region_signature, vm_flags, wrapper_signature};
use crate::context::{JitContext, RUNTIME_ENTRIES};

/// Signature of the trampoline into translations.
pub(crate) type Trampoline = unsafe extern "C" fn(*mut JitContext, *const u8) -> u64;

/// Host code every translation calls, the same for every [`crate::Jit`] in the process: the
/// trampoline into translations and the `preserve_all` wrappers of the runtime table's
/// entries. Compiled once, at first use, into a module that is never freed, so a new [`crate::Jit`]
/// and a [`crate::Jit::flush`] (a full code cache, or a `fence.i` on a memory that does not track
/// code writes, as in the bare-metal machine) compile nothing.
pub(crate) struct Stubs {
    pub(crate) trampoline: Trampoline,
    /// The runtime table's wrappers, then the flags stubs ([`crate::context::READ_FP_FLAGS`],
    /// [`crate::context::CLEAR_FP_FLAGS`]).
    pub(crate) wrappers: [u64; RUNTIME_ENTRIES + 2],
}

/// Compile the [`Stubs`] for `isa` into a module that is then leaked: the code must stay
/// for as long as any translation may call it, which is the life of the process.
pub(crate) fn compile(isa: &OwnedTargetIsa) -> Result<Stubs, String> {
    let mut fctx = FunctionBuilderContext::new();
    let mut module =
        JITModule::new(JITBuilder::with_isa(isa.clone(), cranelift_module::default_libcall_names()));
    let mut ctx = module.make_context();
    trampoline(&mut ctx.func, &mut fctx, module.target_config());
    let id = module.declare_anonymous_function(&ctx.func.signature).map_err(|e| e.to_string())?;
    module.define_function(id, &mut ctx).map_err(|e| format!("trampoline: {e:?}"))?;
    module.clear_context(&mut ctx);
    let mut wrapper_ids = Vec::with_capacity(RUNTIME_ENTRIES);
    for entry in 0..RUNTIME_ENTRIES {
        helper_wrapper(&mut ctx.func, &mut fctx, module.target_config(), entry);
        let wid = module.declare_anonymous_function(&ctx.func.signature).map_err(|e| e.to_string())?;
        module.define_function(wid, &mut ctx).map_err(|e| format!("helper wrapper {entry}: {e:?}"))?;
        module.clear_context(&mut ctx);
        wrapper_ids.push(wid);
    }
    let mut flag_stubs = Vec::new();
    for (what, code) in [("read", read_flags_code()), ("clear", clear_flags_code())] {
        let sig = codegen::wrapper_signature(module.target_config());
        let id = module.declare_anonymous_function(&sig).map_err(|e| e.to_string())?;
        module.define_function_bytes(id, 16, &code, &[]).map_err(|e| format!("{what} flags stub: {e:?}"))?;
        flag_stubs.push(id);
    }
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let ptr = module.get_finalized_function(id);
    // SAFETY: the function was built by `codegen::trampoline` with exactly this signature in
    // the host's default C calling convention.
    let trampoline = unsafe { std::mem::transmute::<*const u8, Trampoline>(ptr) };
    let mut wrappers = [0u64; RUNTIME_ENTRIES + 2];
    for (w, wid) in wrappers.iter_mut().zip(wrapper_ids.into_iter().chain(flag_stubs)) {
        *w = module.get_finalized_function(wid) as u64;
    }
    // The module's memory is freed only by `free_memory`, which is never called for it.
    std::mem::forget(module);
    Ok(Stubs { trampoline, wrappers })
}

/// Machine code of the stub [`crate::context::READ_FP_FLAGS`], called with the context in `rdi`:
/// `stmxcsr [rdi + mxcsr]; ret`. Cranelift has no instruction for MXCSR; the stubs touch no
/// register (but MXCSR), so they keep the `preserve_all` promise that lets compiled code call
/// them without saving anything.
fn read_flags_code() -> Vec<u8> {
    // 0F AE /3 with ModRM 10 011 111: stmxcsr [rdi + disp32].
    let mut code = vec![0x0f, 0xae, 0x9f];
    code.extend_from_slice(&(std::mem::offset_of!(JitContext, mxcsr) as u32).to_le_bytes());
    code.push(0xc3);
    code
}

/// Machine code of the stub [`crate::context::CLEAR_FP_FLAGS`]: `ldmxcsr [rdi + mxcsr + 4]; ret`.
fn clear_flags_code() -> Vec<u8> {
    // 0F AE /2 with ModRM 10 010 111: ldmxcsr [rdi + disp32].
    let mut code = vec![0x0f, 0xae, 0x97];
    code.extend_from_slice(&(std::mem::offset_of!(JitContext, mxcsr) as u32 + 4).to_le_bytes());
    code.push(0xc3);
    code
}

/// Build the trampoline `extern "C" fn(ctx, code) -> u64` that calls translation `code`.
fn trampoline(
    func: &mut cranelift_codegen::ir::Function,
    fctx: &mut FunctionBuilderContext,
    frontend: TargetFrontendConfig,
) {
    let ptr = frontend.pointer_type();
    let mut sig = Signature::new(frontend.default_call_conv);
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(I64));
    func.signature = sig;
    let mut b = FunctionBuilder::new(func, fctx);
    let target = b.import_signature(region_signature(frontend));
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (ctx, code) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    // Translations find guest memory in the pinned register (`r15` on x86-64), which the
    // caller expects preserved (the register allocator never uses it, so nothing else saves
    // it): kept here around the call.
    let caller = b.ins().get_pinned_reg(ptr);
    let host = b.ins().load(ptr, MemFlagsData::trusted(), ctx, ctx_offset(offset_of!(JitContext, mem_host)));
    b.ins().set_pinned_reg(host);
    let call = b.ins().call_indirect(target, code, &[ctx]);
    let status = b.inst_results(call)[0];
    b.ins().set_pinned_reg(caller);
    b.ins().return_(&[status]);
    b.finalize(frontend);
}

/// Build the wrapper of runtime-table entry `entry`: a `preserve_all` function `(ctx)` that
/// calls the entry with the arguments in `ctx.helper_args` — `(ctx, a) -> u32` for the loads
/// (the first four), `(ctx, a, b) -> u32` for the others — and stores its status in
/// `ctx.helper_status`.
fn helper_wrapper(
    func: &mut cranelift_codegen::ir::Function,
    fctx: &mut FunctionBuilderContext,
    frontend: TargetFrontendConfig,
    entry: usize,
) {
    let ptr = frontend.pointer_type();
    func.signature = wrapper_signature(frontend);
    let mut b = FunctionBuilder::new(func, fctx);
    let mut sig = Signature::new(frontend.default_call_conv);
    let n_args = if entry < 4 { 2 } else { 3 };
    sig.params.push(AbiParam::new(ptr));
    sig.params.extend((1..n_args).map(|_| AbiParam::new(I64)));
    sig.returns.push(AbiParam::new(I32));
    let sig = b.import_signature(sig);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let ctx = b.block_params(block)[0];
    let mut args = vec![ctx];
    for i in 0..n_args - 1 {
        let off = offset_of!(JitContext, helper_args) + 8 * i;
        args.push(b.ins().load(I64, vm_flags(), ctx, ctx_offset(off)));
    }
    let rt = b.ins().load(ptr, vm_flags(), ctx, ctx_offset(offset_of!(JitContext, rt)));
    let f = b.ins().load(ptr, vm_flags(), rt, (entry * std::mem::size_of::<usize>()) as i32);
    let call = b.ins().call_indirect(sig, f, &args);
    let status = b.inst_results(call)[0];
    let status = b.ins().uextend(I64, status);
    b.ins().store(vm_flags(), status, ctx, ctx_offset(offset_of!(JitContext, helper_status)));
    b.ins().return_(&[]);
    b.finalize(frontend);
}

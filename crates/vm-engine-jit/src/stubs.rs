//! Host code every translation calls, compiled once per process: the trampoline into
//! translations, the `preserve_all` wrappers of the runtime table's entries, and the two
//! MXCSR stubs of inline FP code ([`crate::context::READ_FP_FLAGS`],
//! [`crate::context::CLEAR_FP_FLAGS`]).

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;

use crate::codegen;
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
    codegen::trampoline(&mut ctx.func, &mut fctx, module.target_config());
    let id = module.declare_anonymous_function(&ctx.func.signature).map_err(|e| e.to_string())?;
    module.define_function(id, &mut ctx).map_err(|e| format!("trampoline: {e:?}"))?;
    module.clear_context(&mut ctx);
    let mut wrapper_ids = Vec::with_capacity(RUNTIME_ENTRIES);
    for entry in 0..RUNTIME_ENTRIES {
        codegen::helper_wrapper(&mut ctx.func, &mut fctx, module.target_config(), entry);
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

//! Tiering between the interpreter and the Cranelift JIT: `--mode jit` compiles every block
//! before its first run; `--mode hybrid` interprets a block until it has run `jit_threshold`
//! times, then compiles it and uses the compiled code from then on.

use std::time::{Duration, Instant};

use vm_core::{CpuState, Mmu};
use vm_core::{ExecMode, JitConfig, VmError};
use vm_engine_jit::{BlockHandle, Jit};
use vm_interp::{CsrHandler, Exit};
use vm_ir::IRBlock;

/// The engine's name in statistics.
pub fn engine_name(mode: ExecMode) -> &'static str {
    match mode {
        ExecMode::Interpreter => "interpreter",
        ExecMode::Jit => "jit (Cranelift)",
        ExecMode::Hybrid => "hybrid (interpreter + Cranelift)",
        ExecMode::Accelerated => "accelerated",
    }
}

/// The JIT side of an engine, present in jit and hybrid modes.
pub struct Tiering {
    jit: Jit,
    /// Interpreted runs before a block is compiled (0: compile before the first run).
    pub threshold: u32,
    /// Blocks compiled.
    pub compiled: u64,
    /// Time spent compiling.
    pub compile_time: Duration,
    /// Guest instructions retired by compiled code.
    pub compiled_insns: u64,
}

impl Tiering {
    /// The tiering for `mode`, or `None` for the interpreter alone. Errors for modes that do
    /// not run RISC-V guests or a JIT that is switched off.
    pub fn for_mode(mode: ExecMode, config: &JitConfig) -> Result<Option<Tiering>, VmError> {
        let threshold = match mode {
            ExecMode::Interpreter => return Ok(None),
            ExecMode::Jit => 0,
            ExecMode::Hybrid => config.jit_threshold,
            ExecMode::Accelerated => return Err(VmError::Unsupported(
                "accelerated mode runs x86-64 guests only; RISC-V guests run in interp, jit or hybrid mode"
                    .into(),
            )),
        };
        if !config.enable_jit {
            return Err(VmError::Config(format!("{mode:?} mode needs the JIT, but enable_jit is false")));
        }
        let jit = Jit::try_new()?;
        Ok(Some(Tiering { jit, threshold, compiled: 0, compile_time: Duration::ZERO, compiled_insns: 0 }))
    }

    /// Compile `block`, recording the time it took.
    pub fn compile(&mut self, block: &IRBlock) -> Result<BlockHandle, VmError> {
        let start = Instant::now();
        let r = self.jit.compile(block);
        self.compile_time += start.elapsed();
        if r.is_ok() {
            self.compiled += 1;
        }
        r
    }

    /// Run compiled code (from [`Tiering::compile`]) exactly as the interpreter would run its IR.
    #[inline]
    pub fn run(
        &self,
        code: BlockHandle,
        cpu: &mut CpuState,
        mmu: &mut dyn Mmu,
        csrs: &mut dyn CsrHandler,
    ) -> Exit {
        self.jit.run_compiled(code, cpu, mmu, csrs)
    }
}

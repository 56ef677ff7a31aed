//! User-facing configuration: which guest, which engine, how much memory, JIT and AOT tunables.

use std::path::PathBuf;

/// The guest instruction set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GuestArch {
    /// RISC-V RV64GC, run by the interpreter, the JIT or the hybrid engine.
    #[default]
    Riscv64,
    /// x86-64, run natively under hardware virtualisation (accelerated mode only).
    X86_64,
}

/// Which execution engine runs guest code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ExecMode {
    /// Pure interpretation of IR blocks: slowest, simplest, fastest start; the reference semantics.
    Interpreter,
    /// Compile every block before running it.
    Jit,
    /// Hardware virtualisation (KVM; HVF/WHPX slots).
    Accelerated,
    /// Interpret cold code, compile hot code.
    #[default]
    Hybrid,
}

impl std::str::FromStr for ExecMode {
    type Err = crate::VmError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "interp" | "interpreter" => Ok(ExecMode::Interpreter),
            "jit" => Ok(ExecMode::Jit),
            "hybrid" => Ok(ExecMode::Hybrid),
            "accel" | "accelerated" => Ok(ExecMode::Accelerated),
            other => Err(crate::VmError::Config(format!(
                "unknown execution mode `{other}` (expected interp, jit, hybrid or accel)"
            ))),
        }
    }
}

/// JIT tunables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JitConfig {
    /// Whether the JIT may be used at all.
    pub enable_jit: bool,
    /// How many times a block runs before hybrid mode compiles it. Lower = earlier compilation.
    pub jit_threshold: u32,
    /// Code cache size in bytes.
    pub jit_cache_size: usize,
}

impl Default for JitConfig {
    fn default() -> Self {
        JitConfig { enable_jit: true, jit_threshold: 100, jit_cache_size: 32 * 1024 * 1024 }
    }
}

/// Ahead-of-time image tunables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AotConfig {
    /// Whether translations are saved to / loaded from an AOT image.
    pub enable_aot: bool,
    /// Where the image lives.
    pub aot_image_path: Option<PathBuf>,
    /// How hot a block must be to be written to the image.
    pub aot_hotspot_threshold: u32,
}

impl Default for AotConfig {
    fn default() -> Self {
        AotConfig { enable_aot: false, aot_image_path: None, aot_hotspot_threshold: 50 }
    }
}

/// Everything needed to build a virtual machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmConfig {
    /// Guest instruction set.
    pub guest_arch: GuestArch,
    /// Guest RAM in bytes.
    pub memory_size: usize,
    /// Number of virtual CPUs.
    pub vcpu_count: u32,
    /// Execution engine.
    pub exec_mode: ExecMode,
    /// JIT tunables.
    pub jit: JitConfig,
    /// AOT tunables.
    pub aot: AotConfig,
    /// Stop with [`VmError::InsnLimit`] after this many guest instructions.
    pub max_insns: Option<u64>,
    /// Print one line per executed instruction.
    pub trace: bool,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            guest_arch: GuestArch::Riscv64,
            memory_size: 128 * 1024 * 1024,
            vcpu_count: 1,
            exec_mode: ExecMode::default(),
            jit: JitConfig::default(),
            aot: AotConfig::default(),
            max_insns: None,
            trace: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_example_compiles_with_defaults() {
        let config = VmConfig {
            guest_arch: GuestArch::Riscv64,
            memory_size: 128 * 1024 * 1024,
            vcpu_count: 1,
            exec_mode: ExecMode::Jit,
            ..Default::default()
        };
        assert_eq!(config.jit.jit_threshold, 100);
        let jit_config = JitConfig { enable_jit: true, jit_threshold: 100, jit_cache_size: 32 << 20 };
        assert!(jit_config.enable_jit);
        let aot = AotConfig {
            enable_aot: true,
            aot_image_path: Some("aot_image.bin".into()),
            aot_hotspot_threshold: 50,
        };
        assert!(aot.enable_aot);
    }

    #[test]
    fn mode_names_parse() {
        assert_eq!("interp".parse::<ExecMode>().unwrap(), ExecMode::Interpreter);
        assert!("fast".parse::<ExecMode>().is_err());
    }
}

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
    /// How many times a block runs (interpreted in hybrid mode, as its baseline translation in
    /// jit mode) before its hot region is compiled with the optimizer. Lower = earlier; 0
    /// compiles a block's region, with the blocks its branches reach, at its first run.
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

/// What QEMU-style `-d` dumps to write ([`DumpConfig::items`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DumpItems {
    /// `in_asm`: the guest disassembly of every block when it is translated (lifted).
    pub in_asm: bool,
    /// `ir`: the IR of every block when it is translated.
    pub ir: bool,
    /// `out_asm`: the host disassembly of every JIT translation.
    pub out_asm: bool,
    /// `exec`: one line per block the run loop executes or compiled region it enters.
    pub exec: bool,
}

impl DumpItems {
    /// The item names `-d` accepts, with what each dumps.
    pub const NAMES: [(&'static str, &'static str); 4] = [
        ("in_asm", "guest disassembly of each translated block"),
        ("ir", "IR of each translated block"),
        ("out_asm", "host disassembly of each JIT translation"),
        ("exec", "pc of each executed block (entries of compiled regions only)"),
    ];

    /// Whether any dump is on.
    pub fn any(&self) -> bool {
        self.in_asm || self.ir || self.out_asm || self.exec
    }
}

impl std::str::FromStr for DumpItems {
    type Err = crate::VmError;
    /// A comma-separated list of item names (`in_asm,ir,out_asm,exec`); empty items are skipped.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut items = DumpItems::default();
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "in_asm" => items.in_asm = true,
                "ir" => items.ir = true,
                "out_asm" => items.out_asm = true,
                "exec" => items.exec = true,
                other => {
                    let valid: Vec<String> =
                        Self::NAMES.iter().map(|(n, what)| format!("{n} ({what})")).collect();
                    return Err(crate::VmError::Config(format!(
                        "unknown -d item `{other}`; valid items: {}",
                        valid.join(", ")
                    )));
                }
            }
        }
        Ok(items)
    }
}

/// QEMU-style dumps (`vm run -d ITEMS -D FILE`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DumpConfig {
    /// What to dump.
    pub items: DumpItems,
    /// Where: this file (created or truncated), or stderr when `None`.
    pub file: Option<PathBuf>,
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
    /// Stop with [`crate::VmError::InsnLimit`] after this many guest instructions.
    pub max_insns: Option<u64>,
    /// Print one line per executed instruction.
    pub trace: bool,
    /// QEMU-style dumps of translated blocks, translations and executed blocks.
    pub dump: DumpConfig,
    /// Compile hot code on a background thread while the guest runs on (the default).
    /// `false` compiles on the guest's thread, which waits: which code runs compiled then
    /// does not depend on timing (tests that count what compiled code did).
    pub background_compile: bool,
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
            dump: DumpConfig::default(),
            background_compile: true,
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
    fn dump_items_parse_and_unknown_ones_are_named() {
        let d: DumpItems = "in_asm,exec".parse().unwrap();
        assert_eq!(d, DumpItems { in_asm: true, exec: true, ..Default::default() });
        assert!(!"".parse::<DumpItems>().unwrap().any());
        let e = "in_asm,bogus".parse::<DumpItems>().unwrap_err().to_string();
        assert!(e.contains("`bogus`") && e.contains("out_asm") && e.contains("exec"), "{e}");
    }

    #[test]
    fn mode_names_parse() {
        assert_eq!("interp".parse::<ExecMode>().unwrap(), ExecMode::Interpreter);
        assert!("fast".parse::<ExecMode>().is_err());
    }
}

//! Statistics: one snapshot type for the whole VM, read with [`GetStats::get_stats`].

use std::fmt;
use std::time::Duration;

/// A snapshot of what the VM has done.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VmStats {
    /// Engine that ran the guest.
    pub engine: String,
    /// Guest instructions retired.
    pub guest_insns: u64,
    /// Blocks decoded and lifted to IR.
    pub blocks_translated: u64,
    /// Block executions.
    pub blocks_executed: u64,
    /// Block lookups that hit the block cache.
    pub cache_hits: u64,
    /// Block lookups that missed and had to translate.
    pub cache_misses: u64,
    /// Times the whole block cache was flushed (`fence.i`).
    pub cache_flushes: u64,
    /// Traps taken by the guest.
    pub traps: u64,
    /// Blocks compiled to host code (jit and hybrid modes), counting each block of each
    /// translation.
    pub blocks_compiled: u64,
    /// Translations made (each covers one or more blocks linked by direct branches).
    pub translations: u64,
    /// Host code bytes of all translations made.
    pub code_bytes: u64,
    /// Exits from compiled code that jumped straight to another translation (chained).
    pub chained_exits: u64,
    /// Indirect jumps and returns in compiled code resolved by the lookup table.
    pub indirect_hits: u64,
    /// Indirect jumps and returns in compiled code that missed it and went to the runtime.
    pub indirect_misses: u64,
    /// Translations dropped because guest code changed (fence.i after stores, munmap, …).
    pub invalidations: u64,
    /// Times all compiled code was dropped because the code cache was full.
    pub code_cache_flushes: u64,
    /// Time spent compiling.
    pub compile_time: Duration,
    /// Guest instructions in block runs that used compiled code.
    pub compiled_insns: u64,
    /// Host wall time spent running the guest.
    pub wall_time: Duration,
}

impl VmStats {
    /// Guest instructions per second of wall time.
    pub fn insns_per_sec(&self) -> f64 {
        let s = self.wall_time.as_secs_f64();
        if s > 0.0 {
            self.guest_insns as f64 / s
        } else {
            0.0
        }
    }
}

impl fmt::Display for VmStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "engine             {}", self.engine)?;
        writeln!(f, "guest instructions {}", self.guest_insns)?;
        writeln!(f, "blocks translated  {}", self.blocks_translated)?;
        writeln!(f, "blocks executed    {}", self.blocks_executed)?;
        writeln!(f, "cache hits/misses  {}/{}", self.cache_hits, self.cache_misses)?;
        writeln!(f, "cache flushes      {}", self.cache_flushes)?;
        writeln!(f, "traps taken        {}", self.traps)?;
        if self.translations > 0 {
            writeln!(
                f,
                "translations       {} ({} blocks) in {:.3} s, {} KiB of host code",
                self.translations,
                self.blocks_compiled,
                self.compile_time.as_secs_f64(),
                self.code_bytes / 1024
            )?;
            writeln!(f, "chained exits      {}", self.chained_exits)?;
            writeln!(f, "indirect lookups   {} hits, {} misses", self.indirect_hits, self.indirect_misses)?;
            writeln!(
                f,
                "invalidations      {} translations, {} code-cache flushes",
                self.invalidations, self.code_cache_flushes
            )?;
            let share = 100.0 * self.compiled_insns as f64 / self.guest_insns.max(1) as f64;
            writeln!(
                f,
                "compiled share     {share:.1} % of guest instructions compiled, {:.1} % interpreted",
                100.0 - share
            )?;
        }
        writeln!(f, "wall time          {:.3} s", self.wall_time.as_secs_f64())?;
        write!(f, "speed              {:.1} M instr/s", self.insns_per_sec() / 1e6)
    }
}

/// Anything that can report [`VmStats`].
pub trait GetStats {
    /// The current statistics.
    fn get_stats(&self) -> VmStats;
}

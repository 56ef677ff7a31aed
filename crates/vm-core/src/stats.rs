//! Statistics: one snapshot type for the whole VM, read with [`GetStats::get_stats`].
//!
//! [`VmStats`] prints as a readable table (`vm run --stats`) and serialises with serde
//! (`--stats-json FILE`): durations as seconds (floats), system calls as a name → count map.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Serialize, Serializer};

/// How many system calls the table lists (the most frequent first).
const TOP_SYSCALLS: usize = 10;

/// A snapshot of what the VM has done.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
    /// Guest loads in compiled code that faulted on the host (unmapped or unreadable guest
    /// page) and were resumed at their slow path, which makes the checks the fast path skipped.
    pub load_faults: u64,
    /// Forward branches over a few ALU instructions that translations compute with selects
    /// (host conditional moves) instead of a branch.
    pub if_converted: u64,
    /// Counted loops that translations compiled with an unchecked copy (no bounds or budget
    /// test per pass once a test at the loop's entry passes).
    pub counted_loops: u64,
    /// Loops run four passes at a time in the lanes of a host vector: counted loops whose
    /// passes only load and add up or store, and loop nests whose outer loop only restarts such
    /// a loop and stores its sums (four outer passes at a time).
    pub vector_loops: u64,
    /// Translations compiled again (not counted in `translations`) because some of their
    /// probe-less guest loads could not have a host fault sent to their slow path.
    pub retranslations: u64,
    /// Translations dropped because guest code changed (fence.i after stores, munmap, …).
    pub invalidations: u64,
    /// Times all compiled code was dropped because the code cache was full.
    pub code_cache_flushes: u64,
    /// Time spent compiling.
    #[serde(serialize_with = "seconds")]
    pub compile_time: Duration,
    /// Guest instructions in block runs that used compiled code.
    pub compiled_insns: u64,
    /// Host wall time spent running the guest.
    #[serde(serialize_with = "seconds")]
    pub wall_time: Duration,
    /// System calls the guest made, by name (`syscall_N` for numbers without one); user mode
    /// only.
    pub syscalls: BTreeMap<String, u64>,
    /// Guest memory mapped when the snapshot was taken, in bytes (user mode: every mapping,
    /// whatever its protection; bare metal: RAM).
    pub mapped_bytes: u64,
    /// The most guest memory mapped at once, in bytes (user mode: sampled after each system call
    /// that maps memory).
    pub peak_mapped_bytes: u64,
}

/// A duration as seconds, a float.
fn seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
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

    /// All system calls made.
    pub fn syscalls_total(&self) -> u64 {
        self.syscalls.values().sum()
    }

    /// System calls by count, most frequent first (ties by name).
    pub fn syscalls_by_count(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.syscalls.iter().map(|(k, &n)| (k.as_str(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }
}

/// `bytes` in a readable unit.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{} KiB", b / 1024),
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
            writeln!(f, "host load faults   {} (sent to the load's slow path)", self.load_faults)?;
            writeln!(f, "if-converted       {} branches (compiled as selects)", self.if_converted)?;
            writeln!(
                f,
                "counted loops      {} (an unchecked copy behind an entry test)",
                self.counted_loops
            )?;
            writeln!(
                f,
                "vector loops       {} (loops and loop nests run four passes at a time)",
                self.vector_loops
            )?;
            writeln!(
                f,
                "recompiled         {} translations (loads' host faults not redirectable)",
                self.retranslations
            )?;
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
        if self.mapped_bytes > 0 || self.peak_mapped_bytes > 0 {
            writeln!(
                f,
                "guest memory       {} mapped, peak {}",
                size(self.mapped_bytes),
                size(self.peak_mapped_bytes.max(self.mapped_bytes))
            )?;
        }
        if !self.syscalls.is_empty() {
            let by_count = self.syscalls_by_count();
            writeln!(f, "system calls       {} ({} different)", self.syscalls_total(), by_count.len())?;
            for (name, n) in by_count.iter().take(TOP_SYSCALLS) {
                writeln!(f, "  {name:<17}{n:>8}")?;
            }
            if by_count.len() > TOP_SYSCALLS {
                let rest: u64 = by_count[TOP_SYSCALLS..].iter().map(|(_, n)| n).sum();
                writeln!(f, "  {:<17}{rest:>8}", format!("({} others)", by_count.len() - TOP_SYSCALLS))?;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VmStats {
        let mut syscalls = BTreeMap::new();
        for (name, n) in [("write", 3), ("brk", 3), ("exit_group", 1), ("read", 7)] {
            syscalls.insert(name.to_string(), n);
        }
        VmStats {
            engine: "interp".into(),
            guest_insns: 1000,
            wall_time: Duration::from_millis(1500),
            syscalls,
            mapped_bytes: 3 << 20,
            peak_mapped_bytes: 4 << 20,
            ..Default::default()
        }
    }

    #[test]
    fn syscalls_sort_by_count_then_name() {
        let s = sample();
        assert_eq!(s.syscalls_by_count(), [("read", 7), ("brk", 3), ("write", 3), ("exit_group", 1)]);
        assert_eq!(s.syscalls_total(), 14);
        let text = s.to_string();
        assert!(text.contains("system calls       14 (4 different)"), "{text}");
        assert!(text.contains("guest memory       3.0 MiB mapped, peak 4.0 MiB"), "{text}");
        let read = text.find("  read").unwrap();
        let exit = text.find("  exit_group").unwrap();
        assert!(read < exit, "{text}");
    }

    #[test]
    fn json_has_seconds_and_syscall_names() {
        let v: serde_json::Value = serde_json::to_value(sample()).unwrap();
        assert_eq!(v["engine"], "interp");
        assert_eq!(v["guest_insns"], 1000);
        assert_eq!(v["wall_time"], 1.5);
        assert_eq!(v["syscalls"]["write"], 3);
        assert_eq!(v["peak_mapped_bytes"], 4 << 20);
    }
}

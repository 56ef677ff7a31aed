//! Names translations for host profilers. With `VM_PERF_MAP` set in the environment, every
//! installed translation is appended to `/tmp/perf-<pid>.map` (the format `perf report` and
//! `perf top` read for JIT code, as QEMU's `-perfmap` writes it) as `guest_<entry pc>`. With
//! `VM_PERF_CODE=<dir>` as well, its machine code goes to `<dir>/<host address>.bin`, to look
//! at the hot instructions a profile names:
//! `objdump -D -b binary -mi386:x86-64 --adjust-vma=0x<host address> <dir>/<host address>.bin`.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// Where translations are recorded, opened on first use when `VM_PERF_MAP` is set.
struct PerfMap {
    map: Mutex<File>,
    code_dir: Option<PathBuf>,
}

fn perf_map() -> Option<&'static PerfMap> {
    static MAP: OnceLock<Option<PerfMap>> = OnceLock::new();
    MAP.get_or_init(|| {
        std::env::var_os("VM_PERF_MAP")?;
        let path = format!("/tmp/perf-{}.map", std::process::id());
        let map = File::create(&path)
            .map_err(|e| tracing::warn!(%path, error = %e, "VM_PERF_MAP: cannot create the perf map"))
            .ok()?;
        let code_dir = std::env::var_os("VM_PERF_CODE").map(PathBuf::from).filter(|d| {
            std::fs::create_dir_all(d)
                .map_err(|e| tracing::warn!(dir = %d.display(), error = %e, "VM_PERF_CODE: cannot create"))
                .is_ok()
        });
        Some(PerfMap { map: Mutex::new(map), code_dir })
    })
    .as_ref()
}

/// Record the translation at host `code` (`size` bytes) that starts at guest `entry_pc`.
pub(crate) fn record(code: *const u8, size: usize, entry_pc: u64) {
    let Some(p) = perf_map() else { return };
    // A profiler aid: a failed write loses one name or one dump, never the run.
    let _ = writeln!(
        p.map.lock().unwrap_or_else(|e| e.into_inner()),
        "{:x} {size:x} guest_{entry_pc:x}",
        code as usize
    );
    if let Some(dir) = &p.code_dir {
        // SAFETY: `code` is a finalized translation of `size` bytes, mapped readable and never
        // written again while it is installed (which it is: this runs at installation).
        let bytes = unsafe { std::slice::from_raw_parts(code, size) };
        let _ = std::fs::write(dir.join(format!("{:x}.bin", code as usize)), bytes);
    }
}

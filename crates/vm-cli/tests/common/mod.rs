//! What the guest-suite tests share: running a program (under `vm`, QEMU or natively) and
//! capturing what a user would see of it.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One run's observable result; `status` as a shell reports it (the code, or 128 + N for
/// death by signal N).
#[derive(Debug, PartialEq, Eq)]
pub struct Observed {
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Run `argv` in `dir` with exactly `env`, `stdin` from a file (or empty), no core files, in
/// its own process group (nothing the program signals reaches the test harness), killed
/// after two minutes (a hung guest fails the test rather than hanging it: status 137).
pub fn observe(dir: &Path, argv: &[String], env: &[(String, String)], stdin: Option<&Path>) -> Observed {
    let mut cmd = Command::new("timeout");
    cmd.args(["-s", "KILL", "120"]).args(argv).current_dir(dir).env_clear().envs(env.iter().cloned());
    cmd.stdin(match stdin {
        Some(f) => Stdio::from(std::fs::File::open(dir.join(f)).expect("stdin fixture")),
        None => Stdio::null(),
    });
    cmd.process_group(0);
    // SAFETY: setrlimit is async-signal-safe and only affects the child about to exec.
    unsafe {
        cmd.pre_exec(|| {
            let zero = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
            Ok(())
        });
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    let status = out.status.code().unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
    Observed { status, stdout: out.stdout, stderr: out.stderr }
}

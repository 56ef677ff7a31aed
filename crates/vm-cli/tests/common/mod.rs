//! What the guest-suite tests share: running a program (under `vm`, QEMU or natively) and
//! capturing what a user would see of it.

// Each test binary that includes this module uses only some of it.
#![allow(dead_code)]

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// Run `vm args…` with stdout and stderr going to files in `dir` (no pipe can fill and block
/// it), killing it and failing the test if it runs longer than `timeout`; returns the exit
/// status and stderr.
pub fn run_vm_in(dir: &Path, args: &[&str], timeout: Duration) -> (Option<i32>, String) {
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_vm"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("spawn vm");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vm {args:?} hung: still running after {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status.code(), std::fs::read_to_string(&err).unwrap())
}

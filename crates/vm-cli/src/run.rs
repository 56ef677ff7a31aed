//! `vm run`: a RISC-V 64 Linux program in user mode, the way `qemu-riscv64` runs it.
//!
//! stdin, stdout and stderr pass straight through; the exit status is the guest's; a guest
//! killed by a signal is reported as a shell would (the signal's description on stderr,
//! status 128 + N). The guest environment is the host's, changed by `-E`/`-U`.

use std::path::PathBuf;

use vm_core::{GetStats, VmError};
use vm_runtime::{ProcessExit, UserMode};

use crate::RunOpts;

/// Arguments of `vm run`.
#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    opts: RunOpts,
    /// Guest root: the ELF interpreter and absolute paths are looked up here first
    /// (like `qemu-riscv64 -L`; Debian's is /usr/riscv64-linux-gnu).
    #[arg(short = 'L', long = "sysroot", value_name = "DIR")]
    sysroot: Option<PathBuf>,
    /// Set a variable in the guest environment.
    #[arg(short = 'E', value_name = "VAR=VALUE")]
    set_env: Vec<String>,
    /// Remove a variable from the guest environment.
    #[arg(short = 'U', value_name = "VAR")]
    unset_env: Vec<String>,
    /// The program (a host path) and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "PROGRAM [ARGS]...")]
    command: Vec<String>,
}

/// The guest environment: the host's, with `-U` removals and `-E` settings applied in order.
fn environment(args: &RunArgs) -> Result<Vec<Vec<u8>>, VmError> {
    use std::os::unix::ffi::OsStrExt;
    let mut env: Vec<(Vec<u8>, Vec<u8>)> =
        std::env::vars_os().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect();
    for name in &args.unset_env {
        env.retain(|(k, _)| k != name.as_bytes());
    }
    for setting in &args.set_env {
        let (k, v) = setting
            .split_once('=')
            .ok_or_else(|| VmError::Config(format!("-E {setting}: expected VAR=VALUE")))?;
        env.retain(|(key, _)| key != k.as_bytes());
        env.push((k.as_bytes().to_vec(), v.as_bytes().to_vec()));
    }
    Ok(env.into_iter().map(|(k, v)| [k, b"=".to_vec(), v].concat()).collect())
}

/// What a shell prints when a job dies of `sig`.
pub fn signal_description(sig: i32) -> String {
    let known = match sig {
        1 => "Hangup",
        2 => "",
        3 => "Quit",
        4 => "Illegal instruction",
        5 => "Trace/breakpoint trap",
        6 => "Aborted",
        7 => "Bus error",
        8 => "Floating point exception",
        9 => "Killed",
        10 => "User defined signal 1",
        11 => "Segmentation fault",
        12 => "User defined signal 2",
        13 => "",
        14 => "Alarm clock",
        15 => "Terminated",
        _ => return format!("Unknown signal {sig}"),
    };
    known.to_string()
}

/// Run the program; returns the process exit status.
pub fn run(args: &RunArgs) -> Result<u64, VmError> {
    let config = args.opts.config(128)?;
    let program = PathBuf::from(&args.command[0]);
    let argv: Vec<Vec<u8>> = args.command.iter().map(|a| a.as_bytes().to_vec()).collect();
    let mut vm = UserMode::new(&config, args.sysroot.clone())?;
    vm.load(&program, &argv, &environment(args)?)?;
    let result = vm.run();
    if args.opts.stats {
        eprintln!("{}", vm.get_stats());
    }
    let exit = result?;
    if let ProcessExit::Killed(sig) = exit {
        let what = signal_description(sig);
        if !what.is_empty() {
            eprintln!("{what}");
        }
    }
    Ok(exit.shell_status() as u64)
}

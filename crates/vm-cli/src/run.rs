//! `vm run`: a RISC-V 64 Linux program in user mode, the way `qemu-riscv64` runs it.
//!
//! stdin, stdout and stderr pass straight through; the exit status is the guest's. A guest
//! killed by a signal kills `vm` with the same signal (as `qemu-riscv64` does), so the shell
//! reports it as it would for a native program ("Segmentation fault", status 128 + N); no core
//! file is written; a crash (a core-dumping signal such as SIGSEGV or SIGABRT) or a VM error
//! first prints a crash report, lines starting with `vm: ` (see [`vm_runtime::crash`]). The
//! guest environment is the host's, changed by `-E`/`-U`.

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
    /// Guest architecture: riscv64 (interp, jit, hybrid) or x86_64 (accel: runs natively in a
    /// KVM guest).
    #[arg(long, default_value = "riscv64")]
    arch: String,
    /// Profile the guest: sample the running guest function (and what stack the registers and
    /// frame pointers show) every --profile-interval instructions, and write a flame graph SVG
    /// to FILE when it ends.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Guest instructions between two --profile samples.
    #[arg(long, value_name = "N", requires = "profile", default_value_t = vm_runtime::profile::DEFAULT_INTERVAL,
          value_parser = clap::value_parser!(u64).range(1..))]
    profile_interval: u64,
    /// The program (a host path) and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "PROGRAM [ARGS]..."
    )]
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

/// End this process the way the guest ended: by signal `sig` with its default action
/// (no core file), or, if that signal cannot end us, with status 128 + `sig`.
fn die_of_signal(sig: i32) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: plain libc calls with valid arguments; we are single-threaded here and about to
    // exit, so changing the disposition and limits of this process affects nobody else.
    unsafe {
        let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::setrlimit(libc::RLIMIT_CORE, &no_core);
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}

/// The embedded demo: a static RISC-V 64 Linux program (guests/linux/demo/demo.c).
const DEMO: &[u8] = include_bytes!("../../../guests/linux/demo/demo.rv64");

/// `vm` with no arguments: run the embedded demo program and say what is happening.
pub fn demo() -> Result<u64, VmError> {
    eprintln!("vm: no command given: running the embedded demo, a RISC-V 64 Linux program");
    eprintln!("vm: (guests/linux/demo/demo.c, static glibc) in user mode on the hybrid engine");
    eprintln!("vm: (interpreter first, Cranelift JIT for hot code).");
    eprintln!("vm: try `vm run PROGRAM [ARGS]`, `vm boot --kernel FILE`, or `vm --help`.");
    let args = RunArgs {
        opts: RunOpts {
            mode: "hybrid".into(),
            jit_threshold: vm_core::JitConfig::default().jit_threshold,
            jit_cache_kib: vm_core::JitConfig::default().jit_cache_size / 1024,
            jit_sync: false,
            max_insns: None,
            trace: false,
            stats: true,
            gdb: None,
            dump: None,
            dump_file: None,
            stats_json: None,
        },
        sysroot: None,
        arch: "riscv64".into(),
        profile: None,
        profile_interval: vm_runtime::profile::DEFAULT_INTERVAL,
        set_env: Vec::new(),
        unset_env: Vec::new(),
        command: vec!["/vm-embedded/demo".into()],
    };
    let code = run_image(&args, Some(DEMO))?;
    eprintln!("vm: demo exited with status {code}");
    Ok(code)
}

/// Run the program; returns the process exit status.
pub fn run(args: &RunArgs) -> Result<u64, VmError> {
    run_image(args, None)
}

/// Run an x86-64 program in accelerated mode.
fn run_x86(args: &RunArgs) -> Result<u64, VmError> {
    let mode: vm_core::ExecMode = args.opts.mode.parse()?;
    if mode != vm_core::ExecMode::Accelerated {
        return Err(VmError::Config(format!(
            "x86-64 programs run only in accelerated mode (--mode accel, hardware virtualisation); \
             --mode {} (interp, jit, hybrid) is for RISC-V programs",
            args.opts.mode
        )));
    }
    if args.profile.is_some() {
        return Err(VmError::Unsupported(
            "--profile samples RISC-V guests (interp, jit, hybrid); accelerated x86-64 guests cannot be profiled yet".into(),
        ));
    }
    if args.opts.gdb.is_some() {
        return Err(VmError::Unsupported(
            "--gdb debugs RISC-V guests (interp, jit, hybrid); accelerated x86-64 guests have no GDB stub yet".into(),
        ));
    }
    let config = vm_core::VmConfig {
        guest_arch: vm_core::GuestArch::X86_64,
        exec_mode: mode,
        ..vm_core::VmConfig::default()
    };
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    {
        let program = PathBuf::from(&args.command[0]);
        let argv: Vec<Vec<u8>> = args.command.iter().map(|a| a.as_bytes().to_vec()).collect();
        let env = environment(args)?;
        let mut json = crate::stats::Sink::open(&RunOpts {
            stats: false,
            stats_json: args.opts.stats_json.clone(),
            ..args.opts.clone()
        })?;
        let start = std::time::Instant::now();
        let (exit, stats) = vm_accel::x86::run_program(&config, &program, &argv, &env, args.sysroot.clone())?;
        // KVM runs the guest natively: no instruction or per-call counts, only the engine and time.
        json.emit(&vm_core::VmStats {
            engine: "accelerated (KVM, x86-64)".into(),
            wall_time: start.elapsed(),
            ..Default::default()
        })?;
        if args.opts.stats {
            eprintln!("engine             accelerated (KVM, x86-64 at ring 3)");
            eprintln!("system calls       {}", stats.syscalls);
            eprintln!("VM exits           {}", stats.exits);
            eprintln!("page-table entries {} written, {} shadow flushes", stats.ptes, stats.flushes);
            eprintln!("wall time          {:.3} s", start.elapsed().as_secs_f64());
        }
        match exit {
            vm_accel::x86::X86Exit::Exited(code) => Ok((code & 0xff) as u64),
            vm_accel::x86::X86Exit::Killed(sig) => die_of_signal(sig),
        }
    }
    #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
    Err(VmError::Unsupported("accelerated x86-64 programs need an x86-64 Linux host with KVM".into()))
}

/// Run `args.command`, from `image` if given (else read from its path).
fn run_image(args: &RunArgs, image: Option<&[u8]>) -> Result<u64, VmError> {
    match args.arch.as_str() {
        "riscv64" | "riscv" => {}
        "x86_64" | "x86-64" | "amd64" => return run_x86(args),
        other => {
            return Err(VmError::Config(format!("unknown --arch `{other}` (expected riscv64 or x86_64)")))
        }
    }
    let config = args.opts.config(128)?;
    let program = PathBuf::from(&args.command[0]);
    let argv: Vec<Vec<u8>> = args.command.iter().map(|a| a.as_bytes().to_vec()).collect();
    let mut vm = UserMode::new(&config, args.sysroot.clone())?;
    let mut stats = crate::stats::Sink::open(&args.opts)?;
    let mut profile = match &args.profile {
        Some(_) if args.opts.gdb.is_some() => {
            return Err(VmError::Config("--profile and --gdb cannot be used together".into()))
        }
        Some(path) => {
            vm.enable_profiling(args.profile_interval);
            // Created now: an unwritable path fails before the guest runs.
            Some((path, std::fs::File::create(path).map_err(|e| profile_error(path, e))?))
        }
        None => None,
    };
    let env = environment(args)?;
    match image {
        Some(bytes) => vm.load_bytes(&program, bytes, &argv, &env)?,
        None => vm.load(&program, &argv, &env)?,
    }
    let pid = std::process::id();
    let result = match &args.opts.gdb {
        Some(spec) => vm.run_gdb(crate::gdb_listener(spec)?),
        None => vm.run(),
    };
    if std::process::id() != pid {
        // A child the guest forked: it ends with the guest child's status and nothing else
        // (stats and messages belong to the process the user started).
        crash_report(&vm, &result);
        match result {
            Ok(ProcessExit::Exited(code)) => std::process::exit(code & 0xff),
            Ok(ProcessExit::Killed(sig)) => die_of_signal(sig),
            Err(e) => {
                eprintln!("vm: error: {e}");
                std::process::exit(1)
            }
        }
    }
    crash_report(&vm, &result);
    let mut written = stats.emit(&vm.get_stats());
    if let (Some((path, file)), Some(p)) = (profile.as_mut(), vm.profiler()) {
        let title = format!("vm run {}", args.command.join(" "));
        let mut svg = Vec::new();
        let svg = p
            .write_svg(&title, &mut svg)
            .and_then(|()| std::io::Write::write_all(file, &svg))
            .map_err(|e| profile_error(path, e));
        if svg.is_ok() {
            eprintln!(
                "vm: profile: {} samples (one every {} instructions) written to {}",
                p.samples(),
                p.interval(),
                path.display()
            );
        }
        written = written.and(svg);
    }
    match result? {
        ProcessExit::Exited(code) => written.map(|()| (code & 0xff) as u64),
        ProcessExit::Killed(sig) => die_of_signal(sig),
    }
}

/// `e` as the error of writing the `--profile` flame graph to `path`.
fn profile_error(path: &std::path::Path, e: impl std::fmt::Display) -> VmError {
    VmError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("cannot write --profile: {e}")),
    }
}

/// If the guest crashed (died of a core-dumping signal) or the VM stopped on an error, print
/// the crash report (`vm: ` lines: pc with its symbol, instruction, registers) on stderr.
/// Unconditional, even when stderr is not a terminal: the `vm: ` prefix sets it apart from
/// the guest's own output (the QEMU comparisons in tests/linux_guests.rs drop those lines).
fn crash_report(vm: &UserMode, result: &Result<ProcessExit, VmError>) {
    let what = match result {
        Ok(ProcessExit::Killed(sig)) if vm_runtime::crash::is_crash_signal(*sig) => {
            format!("guest killed by {} (signal {sig})", vm_runtime::crash::signal_name(*sig))
        }
        Err(_) => "the VM stopped on the error below".to_string(),
        Ok(_) => return,
    };
    eprint!("{}", vm.crash_report(&what));
}

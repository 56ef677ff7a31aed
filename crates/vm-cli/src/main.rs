//! The `vm` command line.
//!
//! - `vm boot --kernel FILE [--mode hybrid|jit|interp] [--max-insns N] [--trace] [--stats]
//!   [--stats-json FILE]` runs a
//!   bare-metal RISC-V ELF on the M-mode machine (RAM at 0x8000_0000, HTIF console and exit).
//! - `vm run [-L DIR] [-E VAR=VAL] [-U VAR] [--mode hybrid|jit|interp] [--max-insns N]
//!   [--profile FILE [--profile-interval N]] program [args…]` runs a RISC-V 64 Linux program
//!   like `qemu-riscv64` (see [`run`]); `--profile` writes a flame graph of the guest's
//!   functions (see `vm_runtime::profile`).
//! - Both take QEMU-style dumps: `-d in_asm,ir,out_asm,exec [-D FILE]` (see
//!   `vm_runtime::dump`).
//! - `vm` with no arguments runs the embedded Linux demo program and says what it is doing.
//!
//! Errors are one line on stderr (`vm: error: …`) and exit status 1; a guest's HTIF exit
//! status becomes the process's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod run;
mod stats;

use clap::{Parser, Subcommand};
use vm_core::{ExecMode, GetStats, VmConfig, VmError};
use vm_runtime::{BareMetal, RunOutcome};

#[derive(Parser)]
#[command(name = "vm", version, about = "A virtual machine for RISC-V RV64GC guests")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Boot a bare-metal RISC-V ELF (machine mode, RAM at 0x80000000, HTIF tohost/fromhost).
    Boot {
        /// The ELF to load.
        #[arg(long)]
        kernel: PathBuf,
        #[command(flatten)]
        opts: RunOpts,
        /// Guest RAM in MiB.
        #[arg(long, default_value_t = 128)]
        memory: usize,
    },
    /// Run a RISC-V 64 Linux program (static, static-pie or dynamic) like qemu-riscv64.
    Run(run::RunArgs),
}

/// Engine flags shared by `boot` and `run`.
#[derive(clap::Args, Clone)]
pub struct RunOpts {
    /// Execution engine: interp, jit (Cranelift: compile every block at its first run, then hot code again with the optimizer) or hybrid (interpret, compile hot code).
    #[arg(long, default_value = "hybrid")]
    pub mode: String,
    /// Runs of a block (hybrid: interpreted; jit: as its first, unoptimized translation) before its hot region is compiled with the optimizer (0: at its first run).
    #[arg(long, default_value_t = vm_core::JitConfig::default().jit_threshold)]
    pub jit_threshold: u32,
    /// Most host code the JIT keeps, in KiB (all of it is dropped when full).
    #[arg(long, default_value_t = vm_core::JitConfig::default().jit_cache_size / 1024)]
    pub jit_cache_kib: usize,
    /// Compile hot code on the guest's thread, which waits for it, instead of on a background
    /// thread while the guest runs on: which code runs compiled then does not depend on timing.
    #[arg(long)]
    pub jit_sync: bool,
    /// Stop with an error after this many guest instructions.
    #[arg(long)]
    pub max_insns: Option<u64>,
    /// Print one line per executed instruction (pc, bits, disassembly, register written) on stderr.
    #[arg(long)]
    pub trace: bool,
    /// Print execution statistics on stderr when the guest stops.
    #[arg(long)]
    pub stats: bool,
    /// Wait for gdb (remote serial protocol) on this TCP port (127.0.0.1) or HOST:PORT before
    /// the first instruction; port 0 picks a free one, printed on stderr.
    #[arg(long, value_name = "PORT")]
    pub gdb: Option<String>,
    /// QEMU-style dumps, a comma list: in_asm (guest disassembly of each translated block),
    /// ir (its IR), out_asm (host disassembly of each JIT translation and the guest blocks it
    /// covers), exec (one line per interpreted block and per entry into compiled code; blocks
    /// reached by chained jumps inside compiled code are not seen, as with QEMU's -d exec
    /// without nochain).
    #[arg(short = 'd', value_name = "ITEMS")]
    pub dump: Option<String>,
    /// Write the -d dumps to FILE instead of stderr.
    #[arg(short = 'D', value_name = "FILE")]
    pub dump_file: Option<PathBuf>,
    /// Write execution statistics as JSON to FILE when the guest stops.
    #[arg(long, value_name = "FILE")]
    pub stats_json: Option<PathBuf>,
}

impl RunOpts {
    fn config(&self, memory_mib: usize) -> Result<VmConfig, VmError> {
        let exec_mode: ExecMode = self.mode.parse()?;
        if memory_mib == 0 || memory_mib > 64 * 1024 {
            return Err(VmError::Config(format!("--memory {memory_mib} MiB is out of range (1..=65536)")));
        }
        Ok(VmConfig {
            exec_mode,
            memory_size: memory_mib << 20,
            max_insns: self.max_insns,
            trace: self.trace,
            dump: vm_core::DumpConfig {
                items: self.dump.as_deref().unwrap_or("").parse()?,
                file: self.dump_file.clone(),
            },
            jit: vm_core::JitConfig {
                enable_jit: true,
                jit_threshold: self.jit_threshold,
                jit_cache_size: self.jit_cache_kib.saturating_mul(1024),
            },
            background_compile: !self.jit_sync,
            ..Default::default()
        })
    }
}

fn boot(path: &Path, data: Option<&[u8]>, opts: &RunOpts, memory_mib: usize) -> Result<u64, VmError> {
    let mut vm = BareMetal::new(&opts.config(memory_mib)?)?;
    let mut stats = stats::Sink::open(opts)?;
    let console = Box::new(std::io::stdout());
    match data {
        Some(bytes) => vm.load_kernel_bytes(path, bytes, console)?,
        None => vm.load_kernel(path, console)?,
    }
    let result = match &opts.gdb {
        Some(spec) => vm.run_gdb(gdb_listener(spec)?),
        None => vm.run(),
    };
    if let Err(e) = &result {
        // A guest that stopped the VM (an unhandled trap, the instruction limit, …): what it
        // was doing, before the one-line error.
        if matches!(
            e,
            VmError::UnhandledTrap { .. }
                | VmError::TrapLoop { .. }
                | VmError::InsnLimit { .. }
                | VmError::Deadlock { .. }
        ) {
            eprint!("{}", vm.crash_report("the VM stopped on the error below"));
        }
    }
    let written = stats.emit(&vm.get_stats());
    match result? {
        RunOutcome::Exited(code) => written.map(|()| code),
        RunOutcome::Returned => written.map(|()| 0),
    }
}

/// Bind the GDB stub's socket and say where gdb should connect.
pub fn gdb_listener(spec: &str) -> Result<std::net::TcpListener, VmError> {
    let listener = vm_runtime::gdb::listen(spec)?;
    let addr = listener.local_addr().map_err(|e| VmError::Config(format!("--gdb {spec}: {e}")))?;
    eprintln!("vm: waiting for gdb on {addr} (target remote {addr})");
    Ok(listener)
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match &cli.command {
        None => run::demo(),
        Some(Command::Boot { kernel, opts, memory }) => boot(kernel, None, opts, *memory),
        Some(Command::Run(args)) => run::run(args),
    };
    match result {
        Ok(code) => ExitCode::from((code & 0xff) as u8),
        Err(e) => {
            eprintln!("vm: error: {e}");
            ExitCode::from(1)
        }
    }
}

//! The one error type of the project. Each variant's message names what went wrong and where.

use std::path::PathBuf;

/// Every failure the VM reports: bad files, bad configuration, guest faults, limits.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// A host file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An ELF file is malformed or unsuitable.
    #[error("{path}: {reason}")]
    BadElf {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration or command line asks for something impossible.
    #[error("configuration error: {0}")]
    Config(String),
    /// The requested feature does not exist for this guest or host.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The guest raised an exception that nothing handles.
    #[error("guest {what} at pc {pc:#x} (mcause {cause}, mtval {tval:#x}) with no trap handler")]
    UnhandledTrap {
        /// Human name of the exception.
        what: String,
        /// Guest pc of the faulting instruction.
        pc: u64,
        /// RISC-V cause code.
        cause: u64,
        /// Trap value (faulting address or instruction bits).
        tval: u64,
    },
    /// The trap handler's first instruction itself traps: the guest would re-enter the handler
    /// forever without retiring an instruction (so no instruction limit would ever stop it).
    #[error(
        "guest {what} at pc {pc:#x} (mcause {cause}, mtval {tval:#x}) is the trap handler's own \
         first instruction (mtvec): it would trap to itself forever"
    )]
    TrapLoop {
        /// Human name of the exception.
        what: String,
        /// Guest pc of the faulting instruction (= mtvec).
        pc: u64,
        /// RISC-V cause code.
        cause: u64,
        /// Trap value (faulting address or instruction bits).
        tval: u64,
    },
    /// The guest ran past `--max-insns`.
    #[error("instruction limit of {limit} reached at pc {pc:#x}")]
    InsnLimit {
        /// The limit.
        limit: u64,
        /// Where the guest was.
        pc: u64,
    },
    /// The guest waits for an interrupt that can never come.
    #[error("guest executed wfi at pc {pc:#x} with no interrupt source enabled: it would sleep forever")]
    Deadlock {
        /// Guest pc of the `wfi`.
        pc: u64,
    },
    /// An IR block failed verification.
    #[error("invalid IR block at {start_pc:#x}: {reason}")]
    InvalidIr {
        /// The block's guest pc.
        start_pc: u64,
        /// What is wrong.
        reason: String,
    },
    /// IR text could not be parsed.
    #[error("IR parse error on line {line}: {reason}")]
    IrParse {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A guest memory operation outside the guest's memory.
    #[error("guest memory: {0}")]
    Memory(String),
}

/// Result with [`VmError`].
pub type VmResult<T> = Result<T, VmError>;

//! The GDB remote-serial-protocol stub (`vm run --gdb PORT`, `vm boot --gdb PORT`), on the
//! gdbstub crate.
//!
//! The machine waits for gdb before its first instruction and runs in the stub's thread: a
//! continue runs slices of guest instructions (on whatever engine the VM uses) and looks for a
//! Ctrl-C from gdb between them. When gdb detaches or its connection goes away, breakpoints
//! and watchpoints are dropped and the guest runs on to its end, as under QEMU; `kill` ends
//! the VM. Malformed packets are answered or dropped by gdbstub; one it cannot recover from
//! ends the session the same way as a lost connection, never the VM.

mod arch;
mod conn;
mod target;

use std::net::TcpListener;

use gdbstub::common::Signal;
use gdbstub::conn::{Connection, ConnectionExt};
use gdbstub::stub::run_blocking::{BlockingEventLoop, Event, WaitForStopReasonError};
use gdbstub::stub::{DisconnectReason, GdbStub, SingleThreadStopReason};
use gdbstub::target::ext::breakpoints::WatchKind as GdbWatch;
use vm_core::VmError;

use crate::debug::{self, Stop, WatchKind};
use crate::engine::Machine;
use conn::GdbConn;
use target::{Action, GdbTarget};

/// Guest instructions a continue runs between looks at the connection (a few milliseconds
/// compiled, tens interpreted).
const SLICE: u64 = 1 << 20;

/// Protocol errors a session survives (a client that keeps sending nonsense is dropped).
const MAX_RESTARTS: u32 = 100;

/// How a machine's outcome looks to gdb.
pub(crate) enum GdbExit {
    /// Exited with this status (`W` packet).
    Status(u8),
    /// Killed by this signal (`X` packet).
    Signal(u8),
}

/// What the stub needs from a machine beyond the run loop.
pub(crate) trait Debuggable: Machine {
    /// Read guest memory at `addr` into `buf`; returns how many bytes could be read (a prefix).
    fn read_mem(&mut self, addr: u64, buf: &mut [u8]) -> usize;
    /// Write guest memory as a debugger does (read-only code included); false if any byte is
    /// outside guest memory.
    fn write_mem(&mut self, addr: u64, data: &[u8]) -> bool;
    /// The machine's instruction limit.
    fn max_insns(&self) -> Option<u64>;
    /// How `outcome` is reported to gdb.
    fn gdb_exit(outcome: &Self::Outcome) -> GdbExit;
    /// The outcome when gdb kills the machine.
    fn killed() -> Self::Outcome;
    /// Called once gdb is connected, before the first instruction (host signals are caught
    /// for the guest only from here on: a SIGTERM while waiting for gdb ends the VM).
    fn attached(&mut self) {}
    /// Deliver (or, `deliver` false, drop) the fault held for the debugger
    /// ([`Machine::held_signal`]); `Some` if that ended the machine.
    fn release_signal(&mut self, deliver: bool) -> Option<Self::Outcome> {
        let _ = deliver;
        None
    }
    /// The process's auxiliary vector as the kernel lays it out (pairs of little-endian u64,
    /// AT_NULL-terminated), for gdb to find a PIE's load address; `None` on bare metal.
    fn auxv(&self) -> Option<Vec<u8>> {
        None
    }
    /// Run to the end without a debugger.
    fn run_free(&mut self) -> Result<Self::Outcome, VmError>;
}

/// Bind the stub's listening socket: `spec` is a port (on 127.0.0.1) or `HOST:PORT`; port 0
/// picks a free one (see `local_addr`).
pub fn listen(spec: &str) -> Result<TcpListener, VmError> {
    let addr = if spec.contains(':') { spec.to_string() } else { format!("127.0.0.1:{spec}") };
    if spec.parse::<u16>().is_err() && !spec.contains(':') {
        return Err(VmError::Config(format!("--gdb {spec}: expected a TCP port or HOST:PORT")));
    }
    TcpListener::bind(&addr).map_err(|e| {
        let hint =
            if e.kind() == std::io::ErrorKind::AddrInUse { " (another program is using it)" } else { "" };
        VmError::Config(format!("--gdb {spec}: cannot listen on {addr}: {e}{hint}"))
    })
}

/// The gdbstub event loop for machine type `M`.
struct Loop<'a, M>(std::marker::PhantomData<&'a mut M>);

/// The connection as gdbstub holds it: borrowed, so a session can restart on it.
type Conn<'a> = &'a mut dyn ConnectionExt<Error = std::io::Error>;

type StopReason = SingleThreadStopReason<u64>;

impl<'a, M: Debuggable + 'a> BlockingEventLoop for Loop<'a, M> {
    type Target = GdbTarget<'a, M>;
    type Connection = Conn<'a>;
    type StopReason = StopReason;

    fn wait_for_stop_reason(
        target: &mut GdbTarget<'a, M>,
        conn: &mut Conn<'a>,
    ) -> Result<Event<StopReason>, WaitForStopReasonError<VmError, std::io::Error>> {
        let max = target.m.max_insns();
        if let Some(deliver) = target.pending_signal.take() {
            // Resuming from a fault stop: deliver the signal gdb passes on, or drop it.
            if let Some(o) = target.m.release_signal(deliver) {
                let r = match M::gdb_exit(&o) {
                    GdbExit::Status(c) => StopReason::Exited(c),
                    GdbExit::Signal(s) => StopReason::Terminated(Signal(s)),
                };
                target.outcome = Some(o);
                return Ok(Event::TargetStopped(r));
            }
        }
        loop {
            let fresh = std::mem::take(&mut target.fresh_resume);
            let step = target.action == Action::Step;
            let stop = debug::resume(target.m, &target.watches, step, fresh, SLICE, max)
                .map_err(WaitForStopReasonError::Target)?;
            if std::process::id() != target.pid {
                // The guest forked and this is the child: gdb follows the parent, so the child
                // leaves the session without touching the connection (see `serve`).
                target.forked = true;
                return Err(WaitForStopReasonError::Target(VmError::Unsupported("forked child".into())));
            }
            let reason = match stop {
                Stop::Paused => {
                    // Between slices: has gdb sent anything (Ctrl-C, or a closed connection)?
                    match conn.peek() {
                        Ok(None) => continue,
                        Ok(Some(_)) | Err(_) => {
                            let byte = conn.read().map_err(WaitForStopReasonError::Connection)?;
                            return Ok(Event::IncomingData(byte));
                        }
                    }
                }
                Stop::Stepped => StopReason::DoneStep,
                Stop::Signal(sig) => StopReason::Signal(Signal(sig)),
                Stop::Breakpoint => StopReason::SwBreak(()),
                Stop::Watch { kind, addr } => {
                    let kind = match kind {
                        WatchKind::Write => GdbWatch::Write,
                        WatchKind::Read => GdbWatch::Read,
                        WatchKind::Access => GdbWatch::ReadWrite,
                    };
                    StopReason::Watch { tid: (), kind, addr }
                }
                Stop::Finished(o) => {
                    let r = match M::gdb_exit(&o) {
                        GdbExit::Status(c) => StopReason::Exited(c),
                        GdbExit::Signal(s) => StopReason::Terminated(Signal(s)),
                    };
                    target.outcome = Some(o);
                    r
                }
            };
            return Ok(Event::TargetStopped(reason));
        }
    }

    fn on_interrupt(_target: &mut GdbTarget<'a, M>) -> Result<Option<StopReason>, VmError> {
        // The guest only runs inside wait_for_stop_reason: it is already stopped.
        Ok(Some(StopReason::Signal(Signal::SIGINT)))
    }
}

/// Read guest memory for gdb with `read` (all or nothing): the longest readable prefix.
pub(crate) fn read_prefix(buf: &mut [u8], mut read: impl FnMut(u64, &mut [u8]) -> bool, addr: u64) -> usize {
    if read(addr, buf) {
        return buf.len();
    }
    let mut n = 0;
    while n < buf.len() && read(addr.wrapping_add(n as u64), &mut buf[n..n + 1]) {
        n += 1;
    }
    n
}

/// Wait for gdb on `listener`, then run `m` under it until the machine ends.
pub(crate) fn serve<M: Debuggable>(m: &mut M, listener: TcpListener) -> Result<M::Outcome, VmError> {
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let (stream, peer) =
        listener.accept().map_err(|e| VmError::Config(format!("--gdb: waiting for gdb on {local}: {e}")))?;
    drop(listener);
    tracing::info!("gdb connected from {peer}");
    m.attached();
    let mut conn = GdbConn::new(stream);
    let mut watches = Vec::new();
    let mut restarts = 0;
    let why = loop {
        let mut target = GdbTarget::new(&mut *m, std::mem::take(&mut watches));
        let c: &mut dyn ConnectionExt<Error = std::io::Error> = &mut conn;
        let result = GdbStub::new(c).run_blocking::<Loop<'_, M>>(&mut target);
        let outcome = target.outcome.take();
        watches = std::mem::take(&mut target.watches);
        if target.forked {
            // A child of a guest fork: like gdb's default (follow the parent, detach the
            // child), it runs on undebugged; its copy of the socket is closed unused.
            drop(target);
            drop(conn);
            debug::clear_breakpoints(m);
            return m.run_free();
        }
        match result {
            Ok(DisconnectReason::TargetExited(_)) | Ok(DisconnectReason::TargetTerminated(_)) => {
                return Ok(outcome.expect("a machine that ended has an outcome"));
            }
            Ok(DisconnectReason::Kill) => {
                tracing::info!("gdb killed the guest");
                // gdb waits for an OK to `vKill` (gdbstub sends none outside extended mode).
                let _ = conn.write_all(b"$OK#9a");
                return Ok(M::killed());
            }
            Ok(DisconnectReason::Disconnect) => break "gdb detached".to_string(),
            Err(e) if e.is_target_error() => {
                return Err(e.into_target_error().expect("checked: a target error"));
            }
            Err(e) if e.is_connection_error() => break format!("gdb connection lost: {e}"),
            // A packet gdbstub could not make sense of (checksums are already right): answer
            // it with an error and go on with a fresh stub over the same connection and state.
            Err(e) if restarts < MAX_RESTARTS => {
                restarts += 1;
                tracing::warn!("gdb stub: {e}: answered E01, session goes on");
                if let Err(e) = conn.write_all(b"$E01#a6") {
                    break format!("gdb connection lost: {e}");
                }
            }
            Err(e) => break format!("gdb session ended: {e}"),
        }
    };
    // Like QEMU: without a debugger the guest runs on, with no breakpoints or watchpoints.
    eprintln!("vm: {why}; the guest runs on without the debugger");
    debug::clear_breakpoints(m);
    m.run_free()
}

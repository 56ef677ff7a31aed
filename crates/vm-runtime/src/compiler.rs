//! The background compiler: one thread that runs [`RegionJob::compile`] (Cranelift's
//! optimizer, register allocator and emission — nearly all of a translation's cost) while the
//! guest runs on, interpreted or in its baseline translations. The run loop translates a hot
//! region and sends it here ([`Compiler::submit`]), then, at a later block dispatch, takes it
//! back compiled ([`Compiler::take`]) and installs it (see `tier.rs`).
//!
//! The thread starts at the first job and ends when the `Compiler` is dropped or
//! [`Compiler::stop`]ped (before the guest forks: a forked child has no threads but the one
//! that forked). It blocks every signal, so host signals meant for the guest's thread (a
//! timer, ^C) are never handled here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use vm_core::VmError;
use vm_engine_jit::RegionJob;

/// A job and the number the caller gave it.
type Numbered = (u64, RegionJob);

/// The compiling thread and its queues.
struct Worker {
    jobs: Sender<Numbered>,
    done: Receiver<Numbered>,
    thread: JoinHandle<()>,
}

/// The background compiler (see the module doc).
#[derive(Default)]
pub(crate) struct Compiler {
    worker: Option<Worker>,
    /// Jobs compiled so far, counted by the thread (the run loop's cheap "anything done?").
    finished: Arc<AtomicU64>,
    /// Jobs taken back so far.
    taken: u64,
}

impl Compiler {
    /// Queue `job` (numbered `id`) for compiling, starting the thread if needed.
    pub(crate) fn submit(&mut self, id: u64, job: RegionJob) -> Result<(), VmError> {
        if self.worker.is_none() {
            self.worker = Some(self.spawn()?);
        }
        let w = self.worker.as_ref().expect("just started");
        w.jobs.send((id, job)).map_err(|_| VmError::Unsupported("JIT: the compiler thread stopped".into()))
    }

    fn spawn(&mut self) -> Result<Worker, VmError> {
        let (jobs, queue) = channel::<Numbered>();
        let (results, done) = channel::<Numbered>();
        // A fresh counter: jobs of a stopped thread are gone.
        self.finished = Arc::new(AtomicU64::new(0));
        self.taken = 0;
        let finished = Arc::clone(&self.finished);
        let thread = std::thread::Builder::new()
            .name("vm-jit".into())
            .spawn(move || {
                block_signals();
                for (id, mut job) in queue {
                    job.compile();
                    if results.send((id, job)).is_err() {
                        break;
                    }
                    finished.fetch_add(1, Ordering::Release);
                }
            })
            .map_err(|e| VmError::Unsupported(format!("JIT: cannot start the compiler thread: {e}")))?;
        Ok(Worker { jobs, done, thread })
    }

    /// Whether a compiled job waits to be taken (one atomic load: the run loop asks this at
    /// block dispatches while jobs are out).
    #[inline]
    pub(crate) fn has_done(&self) -> bool {
        self.finished.load(Ordering::Acquire) != self.taken
    }

    /// A compiled job, if one is ready.
    pub(crate) fn take(&mut self) -> Option<Numbered> {
        let got = self.worker.as_ref()?.done.try_recv().ok()?;
        self.taken += 1;
        Some(got)
    }

    /// End the thread after the job it is compiling; queued and compiled jobs are dropped.
    pub(crate) fn stop(&mut self) {
        if let Some(w) = self.worker.take() {
            drop(w.jobs);
            drop(w.done);
            if w.thread.join().is_err() {
                tracing::warn!("the JIT compiler thread panicked");
            }
        }
    }
}

impl Drop for Compiler {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Block every signal on the calling thread.
fn block_signals() {
    // SAFETY: `set` is a local sigset_t that sigfillset initialises before pthread_sigmask
    // reads it; changing this thread's own mask affects nothing else.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

//! The background compiler: one thread that runs [`RegionJob::compile`] (Cranelift's
//! optimizer, register allocator and emission — nearly all of a translation's cost) while the
//! guest runs on, interpreted or in its baseline translations. The run loop translates a hot
//! region and sends it here ([`Compiler::submit`]), then, at a later block dispatch, takes it
//! back compiled ([`Compiler::take`]) and installs it (see `tier.rs`). Waiting jobs are
//! taken hottest first (the priority the run loop gives them), not in the order they came:
//! a large program gets hot code faster than one thread compiles it.
//!
//! The thread starts at the first job and ends when the `Compiler` is dropped or
//! [`Compiler::stop`]ped (before the guest forks: a forked child has no threads but the one
//! that forked). It blocks every signal, so host signals meant for the guest's thread (a
//! timer, ^C) are never handled here.

use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use vm_core::VmError;
use vm_engine_jit::RegionJob;

/// A job and the number the caller gave it.
type Numbered = (u64, RegionJob);

/// A job waiting for the thread.
struct Queued<J = Numbered> {
    /// Higher first; among equals, the one queued first (`seq`).
    priority: u64,
    seq: u64,
    job: J,
}

impl<J> PartialEq for Queued<J> {
    fn eq(&self, other: &Self) -> bool {
        (self.priority, self.seq) == (other.priority, other.seq)
    }
}

impl<J> Eq for Queued<J> {}

impl<J> PartialOrd for Queued<J> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<J> Ord for Queued<J> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.priority.cmp(&other.priority).then(other.seq.cmp(&self.seq))
    }
}

/// The jobs not started yet, shared with the thread.
#[derive(Default)]
struct Queue {
    waiting: BinaryHeap<Queued>,
    /// The thread is to end (it drops what is still waiting).
    closed: bool,
}

/// The queue and the condition the thread waits on for it.
type SharedQueue = Arc<(Mutex<Queue>, Condvar)>;

/// The compiling thread and its queues.
struct Worker {
    queue: SharedQueue,
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
    /// Jobs queued so far (the order among equal priorities).
    queued: u64,
}

impl Compiler {
    /// Queue `job` (numbered `id`) for compiling, starting the thread if needed. The thread
    /// takes the waiting job of highest `priority` first, the oldest among equals.
    pub(crate) fn submit(&mut self, id: u64, job: RegionJob, priority: u64) -> Result<(), VmError> {
        if self.worker.is_none() {
            self.worker = Some(self.spawn()?);
        }
        let w = self.worker.as_ref().expect("just started");
        let (lock, ready) = &*w.queue;
        let mut q = lock.lock().map_err(|_| stopped())?;
        if q.closed || w.thread.is_finished() {
            return Err(stopped());
        }
        q.waiting.push(Queued { priority, seq: self.queued, job: (id, job) });
        self.queued += 1;
        ready.notify_one();
        Ok(())
    }

    fn spawn(&mut self) -> Result<Worker, VmError> {
        let queue = SharedQueue::default();
        let (results, done) = channel::<Numbered>();
        // A fresh counter: jobs of a stopped thread are gone.
        self.finished = Arc::new(AtomicU64::new(0));
        self.taken = 0;
        let finished = Arc::clone(&self.finished);
        let shared = Arc::clone(&queue);
        let thread = std::thread::Builder::new()
            .name("vm-jit".into())
            .spawn(move || {
                block_signals();
                while let Some((id, mut job)) = next_job(&shared) {
                    job.compile();
                    if results.send((id, job)).is_err() {
                        break;
                    }
                    finished.fetch_add(1, Ordering::Release);
                }
            })
            .map_err(|e| VmError::Unsupported(format!("JIT: cannot start the compiler thread: {e}")))?;
        Ok(Worker { queue, done, thread })
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
            let (lock, ready) = &*w.queue;
            // A poisoned lock means the thread panicked holding it: it is gone anyway.
            if let Ok(mut q) = lock.lock() {
                q.closed = true;
                q.waiting.clear();
            }
            ready.notify_one();
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

fn stopped() -> VmError {
    VmError::Unsupported("JIT: the compiler thread stopped".into())
}

/// The thread's next job: the best waiting one, after waiting for one if none is; `None` once
/// the queue is closed.
fn next_job(shared: &SharedQueue) -> Option<Numbered> {
    let (lock, ready) = &**shared;
    let mut q = lock.lock().ok()?;
    loop {
        if q.closed {
            return None;
        }
        if let Some(next) = q.waiting.pop() {
            return Some(next.job);
        }
        q = ready.wait(q).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_gives_the_highest_priority_first_and_the_oldest_among_equals() {
        let mut heap = BinaryHeap::new();
        for (seq, (priority, name)) in
            [(1, "a"), (5, "b"), (3, "c"), (5, "d"), (1, "e")].into_iter().enumerate()
        {
            heap.push(Queued { priority, seq: seq as u64, job: name });
        }
        let order: Vec<_> = std::iter::from_fn(|| heap.pop().map(|q| q.job)).collect();
        assert_eq!(order, ["b", "d", "c", "a", "e"]);
    }
}

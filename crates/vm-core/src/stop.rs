//! Asking the compiled guest code running on this thread to return soon, from a signal handler.
//!
//! Compiled code checks the instruction count against a stop word kept in its own context
//! (an optimized translation reads it each time its fuel, a slice of at most 2^18
//! instructions, runs out). That word lives as long as one entry
//! into compiled code, so the engine [publishes](publish) it for the entry's duration, and a
//! host signal handler calls [`request_stop`], which stores 0 there. The word is per thread: a
//! signal handled on the thread that runs the code stops it at its next check; a signal handled
//! on another thread is seen when the code next leaves (a helper or an exit). The `vm` command
//! runs guests on one thread, so every host signal it forwards takes the first path.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    /// The stop word of the compiled code running on this thread, or null.
    static ACTIVE: Cell<*const AtomicU64> = const { Cell::new(ptr::null()) };
}

/// Keeps a stop word published; dropping it withdraws the word.
#[must_use = "the word is withdrawn when the guard drops"]
pub struct Published<'a> {
    previous: *const AtomicU64,
    _word: std::marker::PhantomData<&'a AtomicU64>,
}

/// Make `word` the stop word [`request_stop`] stores 0 to on this thread, until the returned
/// guard drops.
pub fn publish(word: &AtomicU64) -> Published<'_> {
    let previous = ACTIVE.with(|a| a.replace(word));
    Published { previous, _word: std::marker::PhantomData }
}

impl Drop for Published<'_> {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(self.previous));
    }
}

/// Store 0 to the stop word published on this thread, if any. Async-signal-safe: a constant
/// thread-local read and one atomic store.
pub fn request_stop() {
    let word = ACTIVE.with(|a| a.get());
    if !word.is_null() {
        // SAFETY: a published word outlives its guard, and the guard withdraws it (on this
        // thread, so never while this handler is running on it) before the word goes away.
        unsafe { &*word }.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reaches_the_published_word_only_while_published() {
        let word = AtomicU64::new(77);
        request_stop();
        assert_eq!(word.load(Ordering::Relaxed), 77, "nothing published yet");
        {
            let _g = publish(&word);
            request_stop();
            assert_eq!(word.load(Ordering::Relaxed), 0);
        }
        word.store(5, Ordering::Relaxed);
        request_stop();
        assert_eq!(word.load(Ordering::Relaxed), 5, "withdrawn with its guard");
    }

    #[test]
    fn a_request_on_another_thread_does_not_touch_this_threads_word() {
        let word = AtomicU64::new(9);
        let _g = publish(&word);
        std::thread::spawn(request_stop).join().expect("thread runs");
        assert_eq!(word.load(Ordering::Relaxed), 9);
    }
}

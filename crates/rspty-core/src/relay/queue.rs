//! The output queue: what the relay has read from the master and the
//! consumer has not taken yet. Pure data and wake-ups; no I/O.
//!
//! Each read is kept as the exact bytes it returned, and the consumer takes
//! them as one [`Chunk`] up to the bound, so no chunk handed over is larger
//! than the bound plus one read pass. Keeping the reads apart until then
//! costs no copy to coalesce them and no spare capacity.

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

use super::block::Block;

/// The bytes of one read pass: copied out at their size, or (bulk output)
/// the block they were read into.
#[derive(Debug)]
pub(crate) enum Read {
    Copied(Vec<u8>),
    Block(Block),
}

impl Read {
    fn as_slice(&self) -> &[u8] {
        match self {
            Read::Copied(bytes) => bytes,
            Read::Block(block) => block.filled(),
        }
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }
}

impl From<Vec<u8>> for Read {
    fn from(bytes: Vec<u8>) -> Read {
        Read::Copied(bytes)
    }
}

/// Output handed over at once: the bytes of one or more reads, in order.
#[derive(Debug, Default)]
pub struct Chunk {
    reads: Vec<Read>,
    len: usize,
}

impl PartialEq for Chunk {
    fn eq(&self, other: &Chunk) -> bool {
        self.len == other.len && self.pieces().flatten().eq(other.pieces().flatten())
    }
}

impl Eq for Chunk {}

impl Chunk {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes, in the pieces they were read in.
    pub fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        self.reads.iter().map(Read::as_slice)
    }

    /// The bytes in one vector (without a copy when they came in one
    /// small read).
    pub fn into_vec(mut self) -> Vec<u8> {
        if let [Read::Copied(bytes)] = self.reads.as_mut_slice() {
            return std::mem::take(bytes);
        }
        self.pieces().collect::<Vec<_>>().concat()
    }
}

/// What [`OutputQueue::try_pop`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum TryRead {
    /// The oldest output, up to the bound plus one read pass.
    Chunk(Chunk),
    /// Nothing yet: the readable callback will be called when there is.
    Empty,
    /// The output has ended and everything was read.
    Ended,
}

type ReadableCallback = Box<dyn Fn() + Send + Sync>;

pub(crate) struct OutputQueue {
    state: Mutex<State>,
    data: Notify,
    space: Notify,
    high_water_mark: usize,
    /// Called once output arrives (or ends) after a `try_pop` found none;
    /// dropped when the output ends.
    on_readable: Mutex<Option<ReadableCallback>>,
}

#[derive(Default)]
struct State {
    reads: VecDeque<Read>,
    len: usize,
    ended: bool,
    /// A `try_pop` found nothing and waits for `on_readable`.
    armed: bool,
    /// The queue may detach (it serves an output tap) and nobody has read yet.
    detachable: bool,
    /// The bound was reached before any read: later output is dropped
    /// (see [`crate::tap`]).
    detached: bool,
    /// Bytes dropped since the queue detached.
    dropped: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl OutputQueue {
    pub(crate) fn new(high_water_mark: usize) -> Self {
        OutputQueue {
            state: Mutex::new(State::default()),
            data: Notify::new(),
            space: Notify::new(),
            high_water_mark: high_water_mark.max(1),
            on_readable: Mutex::new(None),
        }
    }

    /// A queue beside an output tap: until a first read, reaching the bound
    /// detaches it instead of filling it (see [`crate::tap`]).
    pub(crate) fn detachable(high_water_mark: usize) -> Self {
        let queue = OutputQueue::new(high_water_mark);
        lock(&queue.state).detachable = true;
        queue
    }

    pub(crate) fn is_full(&self) -> bool {
        let state = lock(&self.state);
        !state.detached && state.len >= self.high_water_mark
    }

    /// Whether the end of output has been queued.
    pub(crate) fn has_ended(&self) -> bool {
        lock(&self.state).ended
    }

    /// Bytes dropped since the queue detached.
    pub(crate) fn dropped(&self) -> u64 {
        lock(&self.state).dropped
    }

    /// Appends one read's bytes; or counts them as dropped once the queue
    /// has detached.
    pub(crate) fn push(&self, read: impl Into<Read>) {
        self.append(read.into(), true);
    }

    /// [`OutputQueue::push`] without calling the readable callback: for a
    /// reader that tells the consumer itself.
    pub(crate) fn push_quietly(&self, read: Read) {
        self.append(read, false);
    }

    fn append(&self, read: Read, announce: bool) {
        let armed = {
            let mut state = lock(&self.state);
            if state.detached {
                state.dropped += read.len() as u64;
                return;
            }
            state.len += read.len();
            state.reads.push_back(read);
            if state.detachable && state.len >= self.high_water_mark {
                state.detachable = false;
                state.detached = true;
            }
            announce && std::mem::take(&mut state.armed)
        };
        self.wake(armed);
    }

    /// Marks the end of output: readers get what is queued, then the end.
    pub(crate) fn end(&self) {
        let armed = {
            let mut state = lock(&self.state);
            state.ended = true;
            std::mem::take(&mut state.armed)
        };
        self.wake(armed);
        // Nothing is left to announce: let go of whatever the callback holds.
        drop(lock(&self.on_readable).take());
    }

    /// Sets the callback of [`OutputQueue::try_pop`], unless the output has
    /// already ended.
    pub(crate) fn on_readable(&self, callback: ReadableCallback) {
        // Holding the state lock orders this against the end of output.
        let state = lock(&self.state);
        if !state.ended {
            *lock(&self.on_readable) = Some(callback);
        }
    }

    /// The oldest output without waiting; when there is none, the readable
    /// callback is called once there is (or the output ends).
    pub(crate) fn try_pop(&self) -> TryRead {
        let mut state = lock(&self.state);
        if let Some(chunk) = self.take(&mut state) {
            // Served: no reader waits any more.
            state.armed = false;
            TryRead::Chunk(chunk)
        } else if state.ended {
            TryRead::Ended
        } else {
            state.armed = true;
            TryRead::Empty
        }
    }

    /// The oldest chunk, or `None` once the output has ended and is empty.
    pub(crate) async fn pop(&self) -> Option<Chunk> {
        loop {
            let mut notified = pin!(self.data.notified());
            notified.as_mut().enable();
            {
                let mut state = lock(&self.state);
                if let Some(chunk) = self.take(&mut state) {
                    return Some(chunk);
                }
                if state.ended {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Resolves once the queue is below its bound.
    pub(crate) async fn wait_for_space(&self) {
        loop {
            let mut notified = pin!(self.space.notified());
            notified.as_mut().enable();
            if !self.is_full() {
                return;
            }
            notified.await;
        }
    }

    /// Takes the oldest reads, up to the bound (at least one), if any.
    fn take(&self, state: &mut State) -> Option<Chunk> {
        // A reader has come: the queue stays attached from now on.
        state.detachable = false;
        let mut chunk = Chunk::default();
        while chunk.len < self.high_water_mark {
            let Some(read) = state.reads.pop_front() else {
                break;
            };
            chunk.len += read.len();
            chunk.reads.push(read);
        }
        if chunk.reads.is_empty() {
            return None;
        }
        state.len -= chunk.len;
        self.space.notify_waiters();
        Some(chunk)
    }

    fn wake(&self, armed: bool) {
        self.data.notify_waiters();
        if armed {
            if let Some(callback) = lock(&self.on_readable).as_ref() {
                callback();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn chunk(found: TryRead) -> Vec<u8> {
        match found {
            TryRead::Chunk(chunk) => chunk.into_vec(),
            other => panic!("expected a chunk, got {other:?}"),
        }
    }

    #[test]
    fn reads_are_joined_in_order_up_to_the_bound() {
        let queue = OutputQueue::new(8);
        queue.push(b"abc".to_vec());
        queue.push(b"defg".to_vec());
        queue.push(b"hij".to_vec());
        queue.push(b"k".to_vec());
        assert!(queue.is_full());
        // 3 + 4 = 7 < 8, so the third read joins: a chunk may pass the bound by one read.
        assert_eq!(chunk(queue.try_pop()), b"abcdefghij");
        assert!(!queue.is_full());
        assert_eq!(chunk(queue.try_pop()), b"k");
        assert_eq!(queue.try_pop(), TryRead::Empty);
    }

    #[test]
    fn a_chunk_keeps_its_reads_as_pieces() {
        let queue = OutputQueue::new(100);
        queue.push(b"ab".to_vec());
        queue.push(b"cd".to_vec());
        let TryRead::Chunk(chunk) = queue.try_pop() else {
            panic!("a chunk");
        };
        assert_eq!(chunk.len(), 4);
        assert_eq!(chunk.pieces().collect::<Vec<_>>(), [&b"ab"[..], &b"cd"[..]]);
    }

    #[test]
    fn the_end_comes_after_what_was_queued() {
        let queue = OutputQueue::new(4);
        queue.push(b"last".to_vec());
        queue.end();
        assert_eq!(chunk(queue.try_pop()), b"last");
        assert_eq!(queue.try_pop(), TryRead::Ended);
        assert_eq!(queue.try_pop(), TryRead::Ended);
    }

    #[test]
    fn the_readable_callback_fires_once_per_empty_read() {
        let queue = OutputQueue::new(4);
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        queue.on_readable(Box::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        }));
        // Not armed: output arriving before anyone looked calls nothing.
        queue.push(b"a".to_vec());
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        assert_eq!(chunk(queue.try_pop()), b"a");
        assert_eq!(queue.try_pop(), TryRead::Empty);
        queue.push(b"b".to_vec());
        queue.push(b"c".to_vec());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "armed once, called once");
        assert_eq!(chunk(queue.try_pop()), b"bc");
        assert_eq!(queue.try_pop(), TryRead::Empty);
        queue.end();
        assert_eq!(calls.load(Ordering::SeqCst), 2, "the end is announced too");
    }

    #[test]
    fn the_callback_is_dropped_at_the_end_and_refused_after_it() {
        let queue = OutputQueue::new(4);
        let held = Arc::new(());
        let inside = held.clone();
        queue.on_readable(Box::new(move || drop(inside.clone())));
        assert_eq!(Arc::strong_count(&held), 2);
        queue.end();
        assert_eq!(Arc::strong_count(&held), 1);
        let late = held.clone();
        queue.on_readable(Box::new(move || drop(late.clone())));
        assert_eq!(Arc::strong_count(&held), 1);
    }

    #[tokio::test]
    async fn pop_waits_for_data_and_wait_for_space_for_the_consumer() {
        let queue = Arc::new(OutputQueue::new(2));
        let reader = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.pop().await.map(Chunk::into_vec) })
        };
        tokio::task::yield_now().await;
        queue.push(b"xy".to_vec());
        assert_eq!(reader.await.unwrap(), Some(b"xy".to_vec()));
        queue.push(b"zz".to_vec());
        let writer = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.wait_for_space().await })
        };
        tokio::task::yield_now().await;
        assert!(!writer.is_finished(), "a full queue has no space");
        assert_eq!(queue.pop().await.map(Chunk::into_vec), Some(b"zz".to_vec()));
        writer.await.unwrap();
        queue.end();
        assert_eq!(queue.pop().await, None);
    }

    #[test]
    fn a_detachable_queue_drops_what_comes_after_its_bound_until_read() {
        let queue = OutputQueue::detachable(4);
        queue.push(b"abc".to_vec());
        assert!(!queue.is_full());
        queue.push(b"de".to_vec());
        // Reaching the bound detached it: not full, later bytes dropped.
        assert!(!queue.is_full());
        queue.push(b"fgh".to_vec());
        assert_eq!(queue.dropped(), 3);
        let TryRead::Chunk(chunk) = queue.try_pop() else {
            panic!("the bytes held when it detached");
        };
        assert_eq!(chunk.into_vec(), b"abcde");
        queue.push(b"ij".to_vec());
        assert_eq!(queue.dropped(), 5);
    }

    #[test]
    fn a_detachable_queue_read_before_its_bound_keeps_its_backpressure() {
        let queue = OutputQueue::detachable(4);
        assert_eq!(queue.try_pop(), TryRead::Empty);
        queue.push(b"abcde".to_vec());
        assert!(queue.is_full());
        assert_eq!(queue.dropped(), 0);
    }
}

//! Reading the master into the output queue, by one reader at a time.
//!
//! The relay task reads on the reactor. An event loop that watches a quiet
//! PTY's master itself may read it too, on its own thread, so that output
//! reaches its consumer without a hop through the reactor thread (see
//! [`Pty::read_now`](super::Pty::read_now)). Whoever reads holds the turn
//! until the bytes are queued (and the tap has seen them), so the queue and
//! the tap get the bytes in the order the kernel gave them out.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::block::{Block, BLOCK_SIZE};
use super::queue::{OutputQueue, Read};
use crate::tap::OutputTap;

/// The most one read pass takes from the master before handing it on.
const READ_CHUNK: usize = BLOCK_SIZE;

/// From this size on, a read pass's block is queued as it is instead of
/// being copied out of it.
const OWN_READ: usize = READ_CHUNK / 4;

/// Output that comes in reads under this size (about one kernel read
/// buffer) is quiet. A watcher reads at most this much at once; a read that
/// fills it is a burst, the relay's, so bulk reads stay off the watcher's
/// thread.
pub const QUIET_CHUNK: usize = 4096;

thread_local! {
    /// Where read passes land: one block per reading thread rather than
    /// one per PTY, so an idle PTY holds no read buffer (a thousand PTYs
    /// would otherwise hold 64 MiB). A large pass takes the block with it
    /// into the queue, and the thread's next pass gets another.
    static SCRATCH: std::cell::RefCell<Option<Block>> = const { std::cell::RefCell::new(None) };
}

/// What a read pass ended on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    /// Nothing more to read now.
    WouldBlock,
    /// The pass is full; there may be more.
    Progress,
    /// A watcher's single read got bytes: more may follow, and the watcher
    /// (level-triggered) will be told.
    Partial,
    /// Every holder of the slave closed it (EIO on Linux, EOF on macOS).
    End,
}

/// Who reads the master, which decides how much one pass takes and who
/// tells the consumer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    /// Until the master would block, ends or [`READ_CHUNK`] is read; the
    /// queue calls the readable callback.
    Relay,
    /// One read of up to [`QUIET_CHUNK`]; the watcher tells its consumer.
    Watcher,
}

/// The reading side of one PTY: where the bytes go, and whose turn it is.
pub(crate) struct Reader {
    output: Arc<OutputQueue>,
    /// Sees every read before the queue (a screen model).
    tap: Option<Arc<dyn OutputTap>>,
    turn: Mutex<()>,
    /// Another event loop watches the master and reads it when it becomes
    /// readable: the relay leaves it the reading, except around the exit.
    watched: AtomicBool,
    kicked: Notify,
}

impl Reader {
    pub(crate) fn new(output: Arc<OutputQueue>, tap: Option<Arc<dyn OutputTap>>) -> Reader {
        Reader {
            output,
            tap,
            turn: Mutex::new(()),
            watched: AtomicBool::new(false),
            kicked: Notify::new(),
        }
    }

    pub(crate) fn output(&self) -> &Arc<OutputQueue> {
        &self.output
    }

    pub(crate) fn is_watched(&self) -> bool {
        self.watched.load(Ordering::Acquire)
    }

    pub(crate) fn set_watched(&self, watched: bool) {
        self.watched.store(watched, Ordering::Release);
    }

    /// Has the relay make a read pass, readiness or not.
    pub(crate) fn kick(&self) {
        self.kicked.notify_one();
    }

    /// Resolves at a [`Reader::kick`] (at once if one came since the last call).
    pub(crate) async fn kicked(&self) {
        self.kicked.notified().await;
    }

    /// Reads until the master would block, ends, or the pass is full, and
    /// queues what was read. Returns the outcome and the bytes read.
    pub(crate) fn fill(&self, fd: BorrowedFd<'_>) -> (Fill, usize) {
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        self.pass(fd, By::Relay)
    }

    /// One `read(2)` of up to [`QUIET_CHUNK`] bytes on behalf of another
    /// event loop, unless the relay is reading right now (it then queues
    /// the bytes itself) or the output has ended. The readable callback is
    /// not called: the caller tells its consumer. Returns the outcome,
    /// `None` for nothing done.
    pub(crate) fn fill_now(&self, fd: BorrowedFd<'_>) -> Option<(Fill, usize)> {
        let _turn = self.turn.try_lock().ok()?;
        if self.output.has_ended() {
            return None;
        }
        Some(self.pass(fd, By::Watcher))
    }

    /// The end of output: readers get what is queued, then the end; the
    /// tap learns of it after the last bytes.
    pub(crate) fn end(&self) {
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        self.output.end();
        if let Some(tap) = &self.tap {
            tap.ended();
        }
    }

    fn pass(&self, fd: BorrowedFd<'_>, by: By) -> (Fill, usize) {
        let limit = match by {
            By::Relay => READ_CHUNK,
            By::Watcher => QUIET_CHUNK,
        };
        SCRATCH.with_borrow_mut(|slot| {
            let block = slot.get_or_insert_with(Block::new);
            block.clear();
            let fill = loop {
                if block.len() >= limit || block.is_full() {
                    break Fill::Progress;
                }
                match block.read_from(fd) {
                    Ok(0) => break Fill::End,
                    Ok(_) if by == By::Watcher && block.len() < limit => break Fill::Partial,
                    Ok(_) => continue,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Fill::WouldBlock,
                    // EIO: the last holder of the slave closed it. Any other error ends output too.
                    Err(_) => break Fill::End,
                }
            };
            if let (Some(tap), false) = (&self.tap, block.filled().is_empty()) {
                tap.output(block.filled());
            }
            let read = block.len();
            if read >= OWN_READ {
                // A large read is handed over in its block: one copy fewer per byte.
                let taken = slot.take().expect("the pass's block");
                self.queue(Read::Block(taken), by);
            } else if read > 0 {
                // A small one is copied out at its size, so an idle PTY's
                // queued bytes do not hold a whole block.
                self.queue(Read::Copied(block.filled().to_vec()), by);
            }
            (fill, read)
        })
    }

    fn queue(&self, read: Read, by: By) {
        match by {
            By::Relay => self.output.push(read),
            By::Watcher => self.output.push_quietly(read),
        }
    }
}

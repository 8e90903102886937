//! Input: writes to the master in the order of the calls. A write goes to
//! the master on the caller's thread while nothing is queued; what the
//! kernel does not take at once waits, in order, for the relay task.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, oneshot};

pub(crate) struct WriteRequest {
    pub(crate) data: Vec<u8>,
    pub(crate) written: usize,
    done: oneshot::Sender<io::Result<()>>,
}

pub(crate) fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the PTY is closed")
}

/// What became of a [`Pty::write`](super::Pty::write).
pub enum Write {
    /// The kernel took all of it at once.
    Done,
    /// The rest waits for the relay, behind earlier writes.
    Queued(QueuedWrite),
}

/// A write the relay finishes when the master takes the rest.
pub struct QueuedWrite(oneshot::Receiver<io::Result<()>>);

impl QueuedWrite {
    /// Resolves once the kernel has taken all of it, or with the error that
    /// stopped it (`BrokenPipe` once the PTY is closed).
    pub async fn finished(self) -> io::Result<()> {
        self.0.await.unwrap_or_else(|_| Err(closed_error()))
    }
}

/// The writer's side: queues what the caller could not write at once.
pub(crate) struct InputQueue {
    requests: mpsc::UnboundedSender<WriteRequest>,
    backlog: Backlog,
}

/// The relay's side: the queued writes, oldest first.
pub(crate) struct PendingWrites {
    requests: mpsc::UnboundedReceiver<WriteRequest>,
    backlog: Backlog,
}

/// How many writes the relay has been handed and not yet finished. While
/// there are none, a write goes to the master on the caller's thread, which
/// keeps the order of writes and saves a round trip through the reactor.
type Backlog = Arc<Mutex<usize>>;

fn lock(backlog: &Backlog) -> MutexGuard<'_, usize> {
    backlog.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn input_queue() -> (InputQueue, PendingWrites) {
    let (requests, receiver) = mpsc::unbounded_channel();
    let backlog = Backlog::default();
    (
        InputQueue {
            requests,
            backlog: backlog.clone(),
        },
        PendingWrites {
            requests: receiver,
            backlog,
        },
    )
}

impl InputQueue {
    /// Writes `data` with `write_now` when nothing is queued, and queues the
    /// rest (or all of it, behind earlier writes).
    pub(crate) fn write(
        &self,
        data: &[u8],
        write_now: impl FnOnce(&[u8]) -> io::Result<usize>,
    ) -> io::Result<Write> {
        let mut backlog = lock(&self.backlog);
        let written = match *backlog {
            0 => write_now(data)?,
            _ => 0,
        };
        if written == data.len() {
            return Ok(Write::Done);
        }
        let (done, result) = oneshot::channel();
        self.requests
            .send(WriteRequest {
                data: data[written..].to_vec(),
                written: 0,
                done,
            })
            .map_err(|_| closed_error())?;
        *backlog += 1;
        Ok(Write::Queued(QueuedWrite(result)))
    }
}

impl PendingWrites {
    /// The next queued write; `None` once every writer is gone or the queue
    /// was closed.
    pub(crate) async fn next(&mut self) -> Option<WriteRequest> {
        self.requests.recv().await
    }

    /// Reports the outcome of a write and takes it off the backlog.
    pub(crate) fn finish(&self, request: WriteRequest, result: io::Result<()>) {
        let mut backlog = lock(&self.backlog);
        *backlog -= 1;
        let _ = request.done.send(result);
    }

    /// Refuses new writes and fails the queued ones (and `pending`).
    pub(crate) fn close(&mut self, pending: Option<WriteRequest>) {
        self.requests.close();
        if let Some(request) = pending {
            self.finish(request, Err(closed_error()));
        }
        while let Ok(request) = self.requests.try_recv() {
            self.finish(request, Err(closed_error()));
        }
    }
}

//! The relay of one PTY on the async reactor: master -> bounded output queue,
//! input queue -> master, and the child's exit reported only once everything
//! it wrote has been queued.
//!
//! One task per PTY, no thread: the task waits on the master's readiness, the
//! child's exit and the input queue at once. When the output queue holds
//! `high_water_mark` bytes the task stops reading, so a child that writes
//! faster than its reader blocks in the kernel instead of growing memory.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use tokio::io::unix::AsyncFd;
use tokio::sync::{mpsc, oneshot, watch, Notify};

use crate::child::{Child, ExitStatus, Signaller};
use crate::pty::{PtyPair, WindowSize};
use crate::sys;

/// The output queue's default bound: reading pauses once this much output
/// waits for the consumer.
pub const DEFAULT_HIGH_WATER_MARK: usize = 256 * 1024;

/// The most one read pass takes from the master before handing it on.
const READ_CHUNK: usize = 64 * 1024;

thread_local! {
    /// Where read passes land before their bytes are copied into the queue:
    /// one buffer per reactor thread rather than one per PTY, so an idle PTY
    /// holds no read buffer (a thousand PTYs would otherwise hold 64 MiB).
    static SCRATCH: std::cell::RefCell<Vec<u8>> =
        std::cell::RefCell::new(Vec::with_capacity(READ_CHUNK));
}

/// How long a child may outlive the hang-up of [`Session::close`] before it
/// is killed.
pub const CLOSE_GRACE: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug)]
pub struct SessionOptions {
    pub high_water_mark: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
        }
    }
}

/// How long the relay waits for the terminal's state to settle around the
/// child's exit:
/// - after the exit, when a read would block but another process still holds
///   the slave, for that process to close it (the child's last bytes may be
///   on their way until then). Usually it is a process being spawned at the
///   same moment, which closes the slave when it executes; a grandchild that
///   keeps the terminal costs this much delay.
/// - before the exit, when the master reports the end (EIO) while the child
///   runs on, for the exit or more output: the end is not final while the
///   child can open the terminal again (or its last bytes arrive after the
///   EIO). A child that lives on without the terminal ends its output this
///   much later.
const EXIT_HANGUP_WAIT: Duration = Duration::from_millis(200);

/// The most read from the master after the child's exit before the exit is
/// reported anyway: far above what the kernel buffers for a PTY, so only a
/// grandchild that keeps writing can reach it.
const EXIT_DRAIN_LIMIT: usize = 1 << 20;

/// Output waiting for the consumer, as the exact bytes of each read pass.
/// The consumer takes them as one chunk up to the bound, so no chunk handed
/// over is larger than the bound plus one read pass. Keeping the reads apart
/// until then costs no copy to coalesce them and no spare capacity.
struct OutputQueue {
    state: Mutex<OutputState>,
    data: Notify,
    space: Notify,
    high_water_mark: usize,
    /// Called once output arrives (or ends) after a [`Session::try_read`]
    /// found none; dropped when the output ends.
    on_readable: Mutex<Option<ReadableCallback>>,
}

type ReadableCallback = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct OutputState {
    reads: std::collections::VecDeque<Vec<u8>>,
    len: usize,
    ended: bool,
    /// A `try_read` found nothing and waits for `on_readable`.
    armed: bool,
}

/// Output handed over at once: the bytes of one or more reads, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Chunk {
    reads: Vec<Vec<u8>>,
    len: usize,
}

impl Chunk {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes, in the pieces they were read in.
    pub fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        self.reads.iter().map(Vec::as_slice)
    }

    /// The bytes in one vector (without a copy when they came in one read).
    pub fn into_vec(mut self) -> Vec<u8> {
        if self.reads.len() == 1 {
            return self.reads.pop().expect("one read");
        }
        self.reads.concat()
    }
}

/// What [`Session::try_read`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum TryRead {
    /// The oldest output, up to the bound plus one read pass.
    Chunk(Chunk),
    /// Nothing yet: the readable callback will be called when there is.
    Empty,
    /// The output has ended and everything was read.
    Ended,
}

impl OutputQueue {
    fn new(high_water_mark: usize) -> Self {
        OutputQueue {
            state: Mutex::new(OutputState::default()),
            data: Notify::new(),
            space: Notify::new(),
            high_water_mark: high_water_mark.max(1),
            on_readable: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OutputState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_full(&self) -> bool {
        self.lock().len >= self.high_water_mark
    }

    /// Appends a copy of `bytes`, of exactly their size.
    fn push(&self, bytes: &[u8]) {
        let read = bytes.to_vec();
        let armed = {
            let mut state = self.lock();
            state.len += read.len();
            state.reads.push_back(read);
            std::mem::take(&mut state.armed)
        };
        self.wake(armed);
    }

    /// Takes the oldest reads, up to the bound (at least one), if any.
    fn take(&self, state: &mut OutputState) -> Option<Chunk> {
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

    fn finish(&self) {
        let armed = {
            let mut state = self.lock();
            state.ended = true;
            std::mem::take(&mut state.armed)
        };
        self.wake(armed);
        // Nothing is left to announce: let go of whatever the callback holds.
        drop(self.readable_callback().take());
    }

    fn readable_callback(&self) -> std::sync::MutexGuard<'_, Option<ReadableCallback>> {
        self.on_readable.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake(&self, armed: bool) {
        self.data.notify_waiters();
        if armed {
            if let Some(callback) = self.readable_callback().as_ref() {
                callback();
            }
        }
    }

    fn try_pop(&self) -> TryRead {
        let mut state = self.lock();
        if let Some(chunk) = self.take(&mut state) {
            TryRead::Chunk(chunk)
        } else if state.ended {
            TryRead::Ended
        } else {
            state.armed = true;
            TryRead::Empty
        }
    }

    /// The oldest chunk, or `None` once the output has ended and is empty.
    async fn pop(&self) -> Option<Chunk> {
        loop {
            let mut notified = pin!(self.data.notified());
            notified.as_mut().enable();
            {
                let mut state = self.lock();
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
    async fn wait_for_space(&self) {
        loop {
            let mut notified = pin!(self.space.notified());
            notified.as_mut().enable();
            if !self.is_full() {
                return;
            }
            notified.await;
        }
    }
}

struct WriteRequest {
    data: Vec<u8>,
    written: usize,
    done: oneshot::Sender<io::Result<()>>,
}

fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the PTY is closed")
}

type MasterSlot = Arc<Mutex<Option<Arc<AsyncFd<OwnedFd>>>>>;

/// How many writes the relay has been handed and not yet finished. While
/// there are none, [`Session::write`] writes on the caller's thread, which
/// keeps the order of writes and saves a round trip through the reactor.
type Backlog = Arc<Mutex<usize>>;

fn lock_backlog(backlog: &Backlog) -> std::sync::MutexGuard<'_, usize> {
    backlog.lock().unwrap_or_else(|e| e.into_inner())
}

/// What became of a [`Session::write`].
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

/// A live PTY with its child: the handle the binding holds.
pub struct Session {
    pid: i32,
    /// Shared with the relay, which empties it when the session is over so
    /// the fd closes without waiting for this handle to be dropped.
    master: MasterSlot,
    output: Arc<OutputQueue>,
    input: mpsc::UnboundedSender<WriteRequest>,
    backlog: Backlog,
    close: Arc<Notify>,
    exit: watch::Receiver<Option<ExitStatus>>,
    signaller: Signaller,
}

impl Session {
    /// Takes over the pair and the child and starts the relay task. The slave
    /// is closed here: the child has its own, and the end of output (EIO) can
    /// only come once every holder of the slave has closed it. Must be called
    /// from within a tokio runtime with IO and time enabled.
    pub fn start(pty: PtyPair, child: Child, options: SessionOptions) -> io::Result<Session> {
        let PtyPair { master, slave, .. } = pty;
        drop(slave);
        let flags = OFlag::from_bits_truncate(fcntl(master.as_fd(), FcntlArg::F_GETFL)?);
        fcntl(master.as_fd(), FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
        let master = Arc::new(sys::register(
            master,
            tokio::io::Interest::READABLE | tokio::io::Interest::WRITABLE,
        )?);
        let output = Arc::new(OutputQueue::new(options.high_water_mark));
        let (input_tx, input_rx) = mpsc::unbounded_channel();
        let backlog = Backlog::default();
        let (exit_tx, exit_rx) = watch::channel(None);
        let close = Arc::new(Notify::new());
        let signaller = child.signaller();
        let slot: MasterSlot = Arc::new(Mutex::new(Some(master.clone())));
        let relay = Relay {
            slot: slot.clone(),
            master: Some(master),
            output: output.clone(),
            input: input_rx,
            backlog: backlog.clone(),
            input_open: true,
            pending: None,
            eof: false,
            exit: None,
            exit_tx,
            reported: false,
            report_at: None,
            drained: 0,
            end_at: None,
        };
        tokio::spawn(relay.run(child, close.clone()));
        Ok(Session {
            pid: signaller.pid(),
            master: slot,
            output,
            input: input_tx,
            backlog,
            close,
            exit: exit_rx,
            signaller,
        })
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The next chunk of output (at most the bound plus one read pass), or
    /// `None` once the output has ended.
    pub async fn read(&self) -> Option<Vec<u8>> {
        self.output.pop().await.map(Chunk::into_vec)
    }

    /// The next chunk of output without waiting. When there is none yet, the
    /// callback given to [`Session::on_readable`] is called once there is
    /// (or the output ends), from a reactor thread.
    pub fn try_read(&self) -> TryRead {
        self.output.try_pop()
    }

    /// Sets the callback of [`Session::try_read`]. It must not block: it
    /// runs on the reactor. It is dropped once the output has ended (at once
    /// if it already has).
    pub fn on_readable(&self, callback: impl Fn() + Send + Sync + 'static) {
        // Holding the state lock orders this against the end of output.
        let state = self.output.lock();
        if !state.ended {
            *self.output.readable_callback() = Some(Box::new(callback));
        }
    }

    /// Writes `data` to the master, in the order of the calls: at once when
    /// nothing is queued and the kernel takes it all, else the rest is queued
    /// for the relay. Fails with `BrokenPipe` once the PTY is closed.
    pub fn write(&self, data: &[u8]) -> io::Result<Write> {
        let mut backlog = lock_backlog(&self.backlog);
        let master = self
            .master
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(closed_error)?;
        let written = match *backlog {
            0 => write_until_blocked(master.get_ref().as_fd(), data)?,
            _ => 0,
        };
        if written == data.len() {
            return Ok(Write::Done);
        }
        let (done, result) = oneshot::channel();
        self.input
            .send(WriteRequest {
                data: data[written..].to_vec(),
                written: 0,
                done,
            })
            .map_err(|_| closed_error())?;
        *backlog += 1;
        Ok(Write::Queued(QueuedWrite(result)))
    }

    /// Sets the window size; the child gets SIGWINCH. A no-op after close and
    /// once the session is over (child reaped, output ended).
    pub fn resize(&self, size: WindowSize) -> io::Result<()> {
        let master = self.master.lock().unwrap_or_else(|e| e.into_inner());
        match master.as_ref() {
            Some(fd) => sys::set_window_size(fd.get_ref().as_fd(), size),
            None => Ok(()),
        }
    }

    /// The window size, or `None` after close.
    pub fn window_size(&self) -> io::Result<Option<WindowSize>> {
        let master = self.master.lock().unwrap_or_else(|e| e.into_inner());
        master
            .as_ref()
            .map(|fd| sys::window_size(fd.get_ref().as_fd()))
            .transpose()
    }

    /// Sends a signal to the child's process group; `false` once reaped.
    pub fn kill(&self, signal: i32) -> io::Result<bool> {
        self.signaller.kill(signal)
    }

    /// Hangs up: closes the master (the kernel sends SIGHUP to the session),
    /// ends the output and fails pending writes. A child still running
    /// [`CLOSE_GRACE`] later is killed with SIGKILL.
    pub fn close(&self) {
        let master = self.master.lock().unwrap_or_else(|e| e.into_inner()).take();
        if master.is_some() {
            self.close.notify_one();
        }
    }

    /// The exit status, once the child has exited and all its output is queued.
    pub async fn wait(&self) -> ExitStatus {
        let mut exit = self.exit.clone();
        let status = exit
            .wait_for(|s| s.is_some())
            .await
            .map(|s| s.expect("checked by wait_for"));
        match status {
            Ok(status) => status,
            // The relay task is gone without a status only if the runtime shut down.
            Err(_) => ExitStatus {
                code: None,
                signal: Some(libc::SIGKILL),
            },
        }
    }

    /// The exit status if already known.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        *self.exit.borrow()
    }
}

/// The state of the relay task.
struct Relay {
    slot: MasterSlot,
    master: Option<Arc<AsyncFd<OwnedFd>>>,
    output: Arc<OutputQueue>,
    input: mpsc::UnboundedReceiver<WriteRequest>,
    backlog: Backlog,
    input_open: bool,
    pending: Option<WriteRequest>,
    eof: bool,
    exit: Option<ExitStatus>,
    exit_tx: watch::Sender<Option<ExitStatus>>,
    reported: bool,
    /// When the exit is reported anyway if the slave is still held.
    report_at: Option<tokio::time::Instant>,
    /// Bytes read between the exit and its report (see EXIT_DRAIN_LIMIT).
    drained: usize,
    /// The end of output came before the child's exit: when it is taken as
    /// final anyway (see EXIT_HANGUP_WAIT).
    end_at: Option<tokio::time::Instant>,
}

/// What a pass of reads ended on.
enum Fill {
    /// Nothing more to read now.
    WouldBlock,
    /// A chunk was handed on; there may be more.
    Progress,
    /// The queue reached its bound.
    Full,
    /// Every holder of the slave closed it (EIO on Linux, EOF on macOS).
    End,
}

impl Relay {
    async fn run(mut self, mut child: Child, close: Arc<Notify>) {
        let signaller = child.signaller();
        let mut wait = pin!(child.wait());
        let mut kill_at: Option<tokio::time::Instant> = None;
        while !(self.reported && self.eof) {
            let master = self.master.clone();
            let open = master.is_some();
            let reading = open && !self.eof;
            // Between the exit and its report, reading ignores the bound: the
            // rest of the output is what the kernel still holds.
            let draining = self.exit.is_some() && !self.reported;
            let full = reading && !draining && self.output.is_full();
            let writing = open && self.pending.is_some();
            let taking_input = open && self.input_open && self.pending.is_none();
            let output = self.output.clone();
            tokio::select! {
                biased;
                _ = close.notified(), if open => {
                    self.hang_up();
                    if self.exit.is_none() {
                        kill_at = Some(tokio::time::Instant::now() + CLOSE_GRACE);
                    }
                }
                status = &mut wait, if self.exit.is_none() => {
                    // Without an exit status the child cannot be waited for; report it as killed.
                    let status = status.unwrap_or(ExitStatus { code: None, signal: Some(libc::SIGKILL) });
                    self.on_exit(status);
                }
                _ = sleep_until(self.end_at), if self.end_at.is_some() && !self.eof => {
                    // A last look: the end stands unless output came.
                    self.fill(false);
                }
                _ = sleep_until(self.report_at), if self.report_at.is_some() && !self.reported => {
                    self.report();
                }
                _ = sleep_until(kill_at), if kill_at.is_some() && self.exit.is_none() => {
                    kill_at = None;
                    let _ = signaller.kill(libc::SIGKILL);
                }
                guard = readable(&master), if reading && !full && self.end_at.is_none() => {
                    if let Ok(mut guard) = guard {
                        if let Fill::WouldBlock = self.fill(!draining) {
                            guard.clear_ready();
                        }
                    }
                }
                _ = output.wait_for_space(), if full => {}
                request = self.input.recv(), if taking_input => match request {
                    Some(request) => {
                        self.pending = Some(request);
                        self.write_pending();
                    }
                    None => self.input_open = false,
                },
                guard = writable(&master), if writing => {
                    if let Ok(mut guard) = guard {
                        if self.write_pending() {
                            guard.clear_ready();
                        }
                    }
                }
            }
        }
        self.fail_writes(closed_error);
        self.slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Reads until the master would block or the pass is full. `bounded`
    /// stops at the queue's bound; the drain after the exit is not bounded
    /// by it (see [`EXIT_DRAIN_LIMIT`]), so that `exited` can resolve
    /// before the consumer reads.
    fn fill(&mut self, bounded: bool) -> Fill {
        let Some(fd) = self.master.clone() else {
            return Fill::End;
        };
        if bounded && self.output.is_full() {
            return Fill::Full;
        }
        let fd = fd.get_ref().as_fd();
        let (outcome, read) = SCRATCH.with_borrow_mut(|scratch| {
            scratch.clear();
            let outcome = loop {
                if scratch.len() == scratch.capacity() {
                    break Fill::Progress;
                }
                match sys::read_into(fd, scratch) {
                    Ok(0) => break Fill::End,
                    Ok(_) => continue,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Fill::WouldBlock,
                    // EIO: the last holder of the slave closed it. Any other error ends output too.
                    Err(_) => break Fill::End,
                }
            };
            if !scratch.is_empty() {
                self.output.push(scratch);
            }
            (outcome, scratch.len())
        });
        if self.exit.is_some() && !self.reported {
            self.drained += read;
            if self.drained >= EXIT_DRAIN_LIMIT {
                self.report();
            }
        }
        let now = tokio::time::Instant::now();
        match outcome {
            // The end (EIO) can come before the child's exit, while the last
            // bytes it wrote are still on their way: then it is taken as final
            // only at the exit, or after EXIT_HANGUP_WAIT for a child that
            // lives on without the terminal.
            Fill::End if self.exit.is_none() && self.end_at.is_none_or(|at| at > now) => {
                self.end_at.get_or_insert(now + EXIT_HANGUP_WAIT);
                Fill::WouldBlock
            }
            Fill::End => {
                self.end_output();
                Fill::End
            }
            // After the exit, a read that would block does not prove the
            // output complete: the last bytes can still be on their way
            // through the kernel's buffer work. Once every holder of the slave
            // has closed it, the end (EIO) follows them; while some other
            // process still holds it, wait for that (see EXIT_HANGUP_WAIT).
            Fill::WouldBlock => {
                // Someone holds the slave again: no end is pending.
                self.end_at = None;
                if self.exit.is_some() && !self.reported && !sys::peer_closed(fd) {
                    self.report_at
                        .get_or_insert_with(|| tokio::time::Instant::now() + EXIT_HANGUP_WAIT);
                }
                Fill::WouldBlock
            }
            _ if bounded && self.output.is_full() => Fill::Full,
            other => other,
        }
    }

    /// The child has exited: its output is complete once a read of the master
    /// would block or ends.
    fn on_exit(&mut self, status: ExitStatus) {
        self.exit = Some(status);
        if self.eof || self.master.is_none() {
            self.report();
        } else {
            self.drain_after_exit();
        }
    }

    fn drain_after_exit(&mut self) {
        while !self.reported {
            if let Fill::WouldBlock | Fill::End | Fill::Full = self.fill(false) {
                return;
            }
        }
    }

    fn report(&mut self) {
        self.reported = true;
        let _ = self.exit_tx.send(self.exit);
    }

    fn end_output(&mut self) {
        self.eof = true;
        self.output.finish();
        if self.exit.is_some() && !self.reported {
            self.report();
        }
    }

    fn hang_up(&mut self) {
        self.master = None;
        if !self.eof {
            self.eof = true;
            self.output.finish();
        }
        if self.exit.is_some() && !self.reported {
            self.report();
        }
        self.input.close();
        self.fail_writes(closed_error);
    }

    /// Fails the write in progress and every queued one.
    fn fail_writes(&mut self, error: fn() -> io::Error) {
        if let Some(request) = self.pending.take() {
            self.finish(request, Err(error()));
        }
        while let Ok(request) = self.input.try_recv() {
            self.finish(request, Err(error()));
        }
    }

    /// Reports the outcome of a write and takes it off the backlog.
    fn finish(&self, request: WriteRequest, result: io::Result<()>) {
        let mut backlog = lock_backlog(&self.backlog);
        *backlog -= 1;
        let _ = request.done.send(result);
    }

    /// Writes as much of the pending request as the master takes. Returns
    /// `true` when the master would block.
    fn write_pending(&mut self) -> bool {
        let Some(master) = self.master.clone() else {
            return false;
        };
        let Some(request) = self.pending.as_mut() else {
            return false;
        };
        let result =
            write_until_blocked(master.get_ref().as_fd(), &request.data[request.written..]);
        let result = match result {
            Ok(n) => {
                request.written += n;
                if request.written < request.data.len() {
                    return true;
                }
                Ok(())
            }
            Err(e) => Err(e),
        };
        let request = self.pending.take().expect("pending request");
        self.finish(request, result);
        false
    }
}

/// Writes as much of `data` as the non-blocking `fd` takes; how much that was.
fn write_until_blocked(fd: BorrowedFd<'_>, data: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < data.len() {
        match nix::unistd::write(fd, &data[written..]) {
            Ok(n) => written += n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(nix::errno::Errno::EAGAIN) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(written)
}

async fn readable(
    master: &Option<Arc<AsyncFd<OwnedFd>>>,
) -> io::Result<tokio::io::unix::AsyncFdReadyGuard<'_, OwnedFd>> {
    match master {
        Some(m) => m.readable().await,
        None => std::future::pending().await,
    }
}

async fn writable(
    master: &Option<Arc<AsyncFd<OwnedFd>>>,
) -> io::Result<tokio::io::unix::AsyncFdReadyGuard<'_, OwnedFd>> {
    match master {
        Some(m) => m.writable().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

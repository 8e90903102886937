//! The relay task of one PTY and its lifecycle.
//!
//! The parent keeps its own slave fd open until the child's exit has been
//! seen. On macOS and the BSDs the last close of the slave flushes the
//! master's output queue, so a parent that closed its copy at once would lose
//! the output of a child that writes and exits before the first read. Held
//! that way, the master cannot report its end (EIO) early either, except
//! when the terminal is hung up. The phases and their transitions are in
//! [`Phase`](super::phase::Phase).

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::unix::{AsyncFd, AsyncFdReadyGuard};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::input::{PendingWrites, WriteRequest};
use super::phase::Phase;
use super::reader::{Fill, Reader};
use crate::child::{Child, ExitStatus};
use crate::sys;

/// How long a child may outlive the hang-up of
/// [`Pty::close`](super::Pty::close) before it is killed.
pub const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How long the relay waits for the terminal to settle around the exit: for
/// another holder of the slave to close it after the exit, and for a hung-up
/// terminal to be opened again before the end of output is taken as final.
const EXIT_HANGUP_WAIT: Duration = Duration::from_millis(200);

/// The most read from the master after the child's exit before the exit is
/// reported anyway: far above what the kernel buffers for a PTY, so only a
/// grandchild that keeps writing can reach it.
const EXIT_DRAIN_LIMIT: usize = 1 << 20;

/// How long a write that found the master full keeps trying, yielding the
/// CPU between tries, before it waits for the reactor to signal room. A
/// child that reads as fast as it is written drains the kernel's buffer
/// within microseconds, sooner than the reactor thread can sleep and wake
/// again. 64 MiB into a raw child, back-to-back runs: 50–59 MiB/s without
/// the retry, 67–117 MiB/s with 50 µs, at more CPU per MiB (3.1–3.8 ms
/// against 4.4–8.7); 10 µs was too short to matter (bench/README.md).
const RETRY_FULL_FOR: Duration = Duration::from_micros(50);

/// The most one turn of the relay writes before its other work (output,
/// the exit, the other PTYs on the same thread) comes first again.
const WRITE_TURN: usize = 256 * 1024;

pub(crate) type MasterSlot = Arc<Mutex<Option<Arc<AsyncFd<OwnedFd>>>>>;

pub(crate) struct Relay {
    /// Shared with the session, which empties it on close; the relay empties
    /// it when it ends, so the fd closes without waiting for the session.
    pub(crate) slot: MasterSlot,
    pub(crate) master: Option<Arc<AsyncFd<OwnedFd>>>,
    /// The parent's slave fd, held until the child's exit has been seen.
    pub(crate) slave: Option<OwnedFd>,
    /// A duplicate of the master registered for writability, only while a
    /// write waits for room (see [`Relay::write_pending`]).
    write_room: Option<Arc<AsyncFd<OwnedFd>>>,
    /// Reads the master into the output queue (and the tap).
    pub(crate) reader: Arc<Reader>,
    pub(crate) input: PendingWrites,
    pub(crate) input_open: bool,
    pub(crate) pending: Option<WriteRequest>,
    pub(crate) exit: watch::Sender<Option<ExitStatus>>,
    phase: Phase,
}

impl Relay {
    pub(crate) fn new(
        slot: MasterSlot,
        slave: OwnedFd,
        reader: Arc<Reader>,
        input: PendingWrites,
        exit: watch::Sender<Option<ExitStatus>>,
    ) -> Relay {
        let master = slot.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Relay {
            slot,
            master,
            slave: Some(slave),
            write_room: None,
            reader,
            input,
            input_open: true,
            pending: None,
            exit,
            phase: Phase::Running,
        }
    }

    pub(crate) async fn run(mut self, mut child: Child, close: Arc<Notify>) {
        let signaller = child.signaller();
        let mut wait = pin!(child.wait());
        while self.phase != Phase::Ended {
            let master = self.master.clone();
            let open = master.is_some();
            let reading = open && self.phase.reads();
            let full = reading && self.phase.bounded() && self.reader.output().is_full();
            let reader = self.reader.clone();
            let room = self.write_room.clone();
            // Another event loop reads the master (see `Pty::watch_master`): the
            // relay waits for a kick instead of readiness.
            let watched = reader.is_watched();
            let writing = open && self.pending.is_some();
            let taking_input = open && self.input_open && self.pending.is_none();
            let deadline = self.phase.deadline();
            let output = self.reader.output().clone();
            tokio::select! {
                biased;
                _ = close.notified(), if open => self.hang_up(),
                status = &mut wait, if !self.phase.exit_seen() => {
                    // Without an exit status the child cannot be waited for; report it as killed.
                    let status = status.unwrap_or(ExitStatus { code: None, signal: Some(libc::SIGKILL) });
                    self.on_exit(status);
                }
                _ = sleep_until(deadline), if deadline.is_some() => {
                    if let Phase::OutputEnded { kill_at: Some(_) } = self.phase {
                        self.phase = Phase::OutputEnded { kill_at: None };
                        let _ = signaller.kill(libc::SIGKILL);
                    } else {
                        self.on_deadline();
                    }
                }
                guard = readable(&master), if reading && !full && !watched => {
                    if let Ok(mut guard) = guard {
                        // A watch that began meanwhile: the watcher reads.
                        if reader.is_watched() || self.read_pass() == Fill::WouldBlock {
                            guard.clear_ready();
                        }
                    }
                }
                _ = reader.kicked(), if reading && !full => {
                    self.read_pass();
                }
                _ = output.wait_for_space(), if full => {}
                request = self.input.next(), if taking_input => match request {
                    Some(request) => {
                        self.pending = Some(request);
                        self.write_pending();
                    }
                    None => self.input_open = false,
                },
                guard = writable(&room), if writing => {
                    if let Ok(mut guard) = guard {
                        if self.write_pending() {
                            guard.clear_ready();
                        }
                    }
                }
            }
        }
        self.input.close(self.pending.take());
        self.slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// One pass of reads, and what it means in the current phase.
    fn read_pass(&mut self) -> Fill {
        let (fill, read) = self.fill();
        match self.phase {
            Phase::Running if fill == Fill::End => {
                self.phase = Phase::EndBeforeExit {
                    recheck_at: Instant::now() + EXIT_HANGUP_WAIT,
                };
            }
            Phase::WaitingForHangUp {
                status, drained, ..
            } => {
                if fill == Fill::End {
                    self.end_output();
                    self.report(status);
                    self.phase = Phase::Ended;
                } else if drained + read >= EXIT_DRAIN_LIMIT {
                    self.report(status);
                    self.phase = Phase::Reported;
                } else if let Phase::WaitingForHangUp { drained, .. } = &mut self.phase {
                    *drained += read;
                }
            }
            Phase::Reported if fill == Fill::End => {
                self.end_output();
                self.phase = Phase::Ended;
            }
            _ => {}
        }
        fill
    }

    /// The child has exited. Reads what the kernel holds, closes the
    /// parent's slave (the terminal's last holder, unless a grandchild keeps
    /// it) and reads to the end, which then comes at once.
    fn on_exit(&mut self, status: ExitStatus) {
        match self.phase {
            Phase::Running | Phase::EndBeforeExit { .. } => {}
            Phase::OutputEnded { .. } => {
                self.report(status);
                self.phase = Phase::Ended;
                return;
            }
            _ => return,
        }
        let mut drained = 0;
        let mut fill = self.drain(&mut drained);
        if fill == Fill::WouldBlock {
            drop(self.slave.take());
            fill = self.drain(&mut drained);
        }
        self.phase = if fill == Fill::End {
            self.end_output();
            self.report(status);
            Phase::Ended
        } else if drained >= EXIT_DRAIN_LIMIT {
            self.report(status);
            Phase::Reported
        } else {
            Phase::WaitingForHangUp {
                status,
                report_at: Instant::now() + EXIT_HANGUP_WAIT,
                drained,
            }
        };
    }

    /// Reads past the queue's bound until the master would block or ends,
    /// or [`EXIT_DRAIN_LIMIT`] is reached.
    fn drain(&mut self, drained: &mut usize) -> Fill {
        loop {
            let (fill, read) = self.fill();
            *drained += read;
            if fill != Fill::Progress || *drained >= EXIT_DRAIN_LIMIT {
                return fill;
            }
        }
    }

    fn on_deadline(&mut self) {
        match self.phase {
            // A last look: the end stands unless the terminal was opened again.
            Phase::EndBeforeExit { .. } => {
                let (fill, _) = self.fill();
                self.phase = if fill == Fill::End {
                    self.end_output();
                    Phase::OutputEnded { kill_at: None }
                } else {
                    Phase::Running
                };
            }
            Phase::WaitingForHangUp { status, .. } => {
                self.report(status);
                self.phase = Phase::Reported;
            }
            _ => {}
        }
    }

    /// `close()`: hangs up (the kernel sends SIGHUP to the session), ends
    /// the output and fails the pending writes.
    fn hang_up(&mut self) {
        self.master = None;
        self.write_room = None;
        drop(self.slave.take());
        self.end_output();
        self.input.close(self.pending.take());
        self.input_open = false;
        self.phase = match self.phase {
            Phase::WaitingForHangUp { status, .. } => {
                self.report(status);
                Phase::Ended
            }
            Phase::Reported | Phase::Ended => Phase::Ended,
            _ => Phase::OutputEnded {
                kill_at: Some(Instant::now() + CLOSE_GRACE),
            },
        };
    }

    fn report(&self, status: ExitStatus) {
        let _ = self.exit.send(Some(status));
    }

    fn end_output(&self) {
        self.reader.end();
    }

    /// Reads until the master would block, ends, or the pass is full, and
    /// queues what was read. Returns the outcome and the bytes read.
    fn fill(&mut self) -> (Fill, usize) {
        match &self.master {
            Some(master) => self.reader.fill(master.get_ref().as_fd()),
            None => (Fill::End, 0),
        }
    }

    /// Writes as much of the pending request as the master takes, up to
    /// [`WRITE_TURN`] bytes. Returns `true` when the master would block
    /// (after trying again for [`RETRY_FULL_FOR`]); `false` when the request
    /// is done, or when its turn is over and the relay should come back to it.
    ///
    /// The master itself is registered for readability only: the kernel
    /// signals room after nearly every write the child reads, and those
    /// wake-ups would wake the reactor for nothing, since most writes go
    /// through at once (from the caller's thread). Only while a write waits
    /// for room is a duplicate of the master registered for writability.
    fn write_pending(&mut self) -> bool {
        let Some(master) = self.master.clone() else {
            return false;
        };
        let Some(request) = self.pending.as_mut() else {
            return false;
        };
        let fd = master.get_ref().as_fd();
        let mut turn = 0;
        let mut progress_at = std::time::Instant::now();
        let result = loop {
            match sys::write_until_blocked(fd, &request.data[request.written..]) {
                Ok(n) => {
                    request.written += n;
                    turn += n;
                    if request.written == request.data.len() || turn >= WRITE_TURN {
                        break Ok(());
                    }
                    if n > 0 {
                        progress_at = std::time::Instant::now();
                    } else if progress_at.elapsed() >= RETRY_FULL_FOR {
                        break Ok(());
                    }
                    std::thread::yield_now();
                }
                Err(e) => break Err(e),
            }
        };
        if result.is_ok() && request.written < request.data.len() {
            let blocked = turn < WRITE_TURN;
            if self.write_room.is_some() {
                return blocked;
            }
            match fd
                .try_clone_to_owned()
                .and_then(|dup| sys::register(dup, tokio::io::Interest::WRITABLE))
            {
                Ok(room) => {
                    self.write_room = Some(Arc::new(room));
                    return blocked;
                }
                Err(e) => return self.finish_write(Err(e)),
            }
        }
        self.finish_write(result)
    }

    /// Reports the pending request's outcome and stops waiting for room.
    fn finish_write(&mut self, result: io::Result<()>) -> bool {
        self.write_room = None;
        let request = self.pending.take().expect("pending request");
        self.input.finish(request, result);
        false
    }
}

async fn readable(
    master: &Option<Arc<AsyncFd<OwnedFd>>>,
) -> io::Result<AsyncFdReadyGuard<'_, OwnedFd>> {
    match master {
        Some(m) => m.readable().await,
        None => std::future::pending().await,
    }
}

async fn writable(
    room: &Option<Arc<AsyncFd<OwnedFd>>>,
) -> io::Result<AsyncFdReadyGuard<'_, OwnedFd>> {
    match room {
        Some(room) => room.writable().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

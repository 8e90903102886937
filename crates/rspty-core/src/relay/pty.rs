//! [`Pty`]: the handle of one live PTY with its child, as the binding
//! (or any Rust caller) holds it. Dropping it hangs up, like `close()`.

use std::future::Future;
use std::io;
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use tokio::sync::{watch, Notify};

use super::input::{closed_error, input_queue, InputQueue, Write};
use super::queue::{Chunk, OutputQueue, TryRead};
use super::reader::{Fill, Reader};
use super::task::{MasterSlot, Relay, CLOSE_GRACE};
use crate::child::{Child, ExitStatus, Signaller};
use crate::pty::{openpty, PtyPair};
use crate::size::{PixelSize, WindowSize};
use crate::spawn::{spawn, Command, SpawnError, SpawnStage};
use crate::sys;
use crate::tap::OutputTap;

/// The output queue's default bound: reading pauses once this much output
/// waits for the consumer.
pub const DEFAULT_HIGH_WATER_MARK: usize = 256 * 1024;

#[derive(Clone)]
pub struct PtyOptions {
    pub high_water_mark: usize,
    /// Sees all output as it is read; see [`crate::tap`] for what it
    /// changes in the output queue.
    pub tap: Option<Arc<dyn OutputTap>>,
}

impl Default for PtyOptions {
    fn default() -> Self {
        PtyOptions {
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            tap: None,
        }
    }
}

/// A live PTY with its child.
pub struct Pty {
    pid: i32,
    reader: Arc<Reader>,
    /// Shared with the relay, which empties it when the session is over so
    /// the fd closes without waiting for this handle to be dropped.
    master: MasterSlot,
    output: Arc<OutputQueue>,
    input: InputQueue,
    close: Arc<Notify>,
    exit: watch::Receiver<Option<ExitStatus>>,
    signaller: Signaller,
}

impl Pty {
    /// Allocates a PTY of `size`, starts `command` on it and starts the
    /// relay. Must be called from within a tokio runtime with IO and time
    /// enabled (a blocking thread of one will do).
    pub fn spawn(
        command: &Command,
        size: WindowSize,
        options: PtyOptions,
    ) -> Result<Pty, SpawnError> {
        let pair = openpty(size).map_err(|e| SpawnError::new(SpawnStage::Pty, e))?;
        let child = spawn(command, &pair)?;
        Pty::start(pair, child, options).map_err(|e| SpawnError::new(SpawnStage::Watch, e))
    }

    /// Takes over the pair and the child and starts the relay task. The
    /// relay keeps the slave open until the child's exit has been seen (see
    /// the `task` module). Must be called from within a tokio runtime with
    /// IO and time enabled.
    pub fn start(pty: PtyPair, mut child: Child, options: PtyOptions) -> io::Result<Pty> {
        // Whatever ends the relay early (a failure below, the runtime
        // shutting down) hangs the child up: it gets as long as close() gives.
        child.kill_on_drop(CLOSE_GRACE);
        let PtyPair { master, slave, .. } = pty;
        let flags = OFlag::from_bits_truncate(fcntl(master.as_fd(), FcntlArg::F_GETFL)?);
        fcntl(master.as_fd(), FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
        // Readability only: writes wait for room on a duplicate (see the task).
        let master = Arc::new(sys::register(master, tokio::io::Interest::READABLE)?);
        let output = Arc::new(match options.tap {
            Some(_) => OutputQueue::detachable(options.high_water_mark),
            None => OutputQueue::new(options.high_water_mark),
        });
        let (input, pending) = input_queue();
        let (exit_tx, exit) = watch::channel(None);
        let close = Arc::new(Notify::new());
        let signaller = child.signaller();
        let slot: MasterSlot = Arc::new(Mutex::new(Some(master)));
        let reader = Arc::new(Reader::new(output.clone(), options.tap));
        let relay = Relay::new(slot.clone(), slave, reader.clone(), pending, exit_tx);
        tokio::spawn(relay.run(child, close.clone()));
        Ok(Pty {
            pid: signaller.pid(),
            reader,
            master: slot,
            output,
            input,
            close,
            exit,
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

    /// Raw output bytes dropped because the queue detached: a tap was
    /// given and nobody read before the queue's bound was reached (see
    /// [`crate::tap`]).
    pub fn dropped(&self) -> u64 {
        self.output.dropped()
    }

    /// The next chunk of output without waiting. When there is none yet, the
    /// callback given to [`Pty::on_readable`] is called once there is
    /// (or the output ends), from a reactor thread.
    pub fn try_read(&self) -> TryRead {
        self.output.try_pop()
    }

    /// Has another event loop read the master from now on: it watches the
    /// master and calls [`Pty::read_now`] whenever it is readable, and the
    /// relay no longer reads on readiness (it still does around the
    /// child's exit). The event loop's thread is then the only one that
    /// wakes up for output. It ends when [`Pty::read_now`] hands reading
    /// back, or with [`Pty::unwatch_master`].
    pub fn watch_master(&self) {
        self.reader.set_watched(true);
    }

    /// The watcher stops: the relay reads again, starting with whatever
    /// came meanwhile.
    pub fn unwatch_master(&self) {
        self.reader.set_watched(false);
        self.reader.kick();
    }

    /// For the watcher of [`Pty::watch_master`], when the master is
    /// readable: one read on the caller's thread (the watcher is told again
    /// if more is there), queued as the relay would queue it, except that
    /// the readable callback is not called (the caller tells its consumer).
    /// A read that fills 4 KiB (a burst), a full queue or the end of output
    /// hands reading back to the relay, and the watcher must stop.
    pub fn read_now(&self) -> WatchedRead {
        let Some(master) = self.master_fd() else {
            self.unwatch_master();
            return WatchedRead::HandedBack(0);
        };
        match self.reader.fill_now(master.get_ref().as_fd()) {
            Some((Fill::WouldBlock | Fill::Partial, read)) if !self.output.is_full() => {
                WatchedRead::Quiet(read)
            }
            outcome => {
                // The relay looks at once: bytes that came after this pass
                // found it not reading.
                self.unwatch_master();
                WatchedRead::HandedBack(outcome.map_or(0, |(_, read)| read))
            }
        }
    }

    /// The master while it is open, for another event loop to watch.
    /// Holding it keeps the descriptor open, not the session: drop it
    /// before or at [`Pty::close`], or the hang-up waits for it.
    pub fn master(&self) -> Option<OpenMaster> {
        self.master_fd().map(OpenMaster)
    }

    /// Sets the callback of [`Pty::try_read`]. It must not block: it
    /// runs on the reactor. It is dropped once the output has ended (at once
    /// if it already has).
    pub fn on_readable(&self, callback: impl Fn() + Send + Sync + 'static) {
        self.output.on_readable(Box::new(callback));
    }

    /// Writes `data` to the master, in the order of the calls: at once when
    /// nothing is queued and the kernel takes it all, else the rest is queued
    /// for the relay. Fails with `BrokenPipe` once the PTY is closed.
    pub fn write(&self, data: &[u8]) -> io::Result<Write> {
        let master = self.master_fd().ok_or_else(closed_error)?;
        self.input.write(data, |data| {
            sys::write_until_blocked(master.get_ref().as_fd(), data)
        })
    }

    /// Sets the window size (the pixel size to zero); the child gets
    /// SIGWINCH. A no-op after close and once the session is over (child
    /// reaped, output ended).
    pub fn resize(&self, size: WindowSize) -> io::Result<()> {
        self.resize_with_pixels(size, PixelSize::default())
    }

    /// Sets the window size in cells and in pixels. A no-op after close.
    pub fn resize_with_pixels(&self, size: WindowSize, pixels: PixelSize) -> io::Result<()> {
        match self.master_fd() {
            Some(fd) => sys::set_window_size(fd.get_ref().as_fd(), size, pixels),
            None => Ok(()),
        }
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

    /// Resolves with the exit status once the child has exited and all its
    /// output is queued. Holds no reference to the session, so waiting does
    /// not keep it alive.
    pub fn exited(&self) -> impl Future<Output = ExitStatus> + Send + 'static {
        let mut exit = self.exit.clone();
        async move {
            match exit.wait_for(|s| s.is_some()).await {
                Ok(status) => status.expect("checked by wait_for"),
                // The relay task is gone without a status only if the runtime shut down.
                Err(_) => ExitStatus {
                    code: None,
                    signal: Some(libc::SIGKILL),
                },
            }
        }
    }

    /// [`Pty::exited`], borrowing the session.
    pub async fn wait(&self) -> ExitStatus {
        self.exited().await
    }

    /// Runs `f` on the master while it is open; `None` after close and once
    /// the session is over.
    pub fn with_master<R>(&self, f: impl FnOnce(std::os::fd::BorrowedFd<'_>) -> R) -> Option<R> {
        self.master_fd().map(|fd| f(fd.get_ref().as_fd()))
    }

    fn master_fd(&self) -> Option<Arc<tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>>> {
        self.master
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What [`Pty::read_now`] did: the bytes it queued, and whether the
/// watcher goes on watching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchedRead {
    /// The master would block: go on watching.
    Quiet(usize),
    /// The relay reads from now on: stop watching.
    HandedBack(usize),
}

/// The master of a live PTY, kept open while this is held.
pub struct OpenMaster(Arc<tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>>);

impl AsFd for OpenMaster {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.0.get_ref().as_fd()
    }
}

impl Drop for Pty {
    /// A PTY nobody holds can never be read or closed: hang it up, so
    /// that the child ends and the relay reaps it.
    fn drop(&mut self) {
        self.close();
    }
}

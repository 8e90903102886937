//! Waiting for exactly one child: a pidfd on Linux, a kqueue `EVFILT_PROC`
//! on macOS, both driven by the async reactor. Never `waitpid(-1)`, so the
//! host's own child processes are left alone. A child dropped before it was
//! reaped goes to the [`orphan`] reaper, so no path leaves a zombie.

mod orphan;
mod watch;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{self, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

use watch::{wait_without_reaping, Watcher};

/// How a child ended: an exit code, or the signal that killed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitStatus {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

/// A spawned child that has not been reaped yet. Dropping it unreaped hands
/// it to a reaper thread (see [`Child::kill_on_drop`]).
#[derive(Debug)]
pub struct Child {
    pid: i32,
    watcher: Option<Watcher>,
    reaped: Arc<Mutex<bool>>,
    kill_on_drop: Option<Duration>,
}

/// Sends signals to a child's process group, and never after it was reaped
/// (its pid could belong to another process by then).
#[derive(Clone, Debug)]
pub struct Signaller {
    pid: i32,
    reaped: Arc<Mutex<bool>>,
}

impl Signaller {
    /// Sends `signal` to the child's process group (the child leads it).
    /// Returns `false` when the child has already been reaped.
    pub fn kill(&self, signal: i32) -> io::Result<bool> {
        let reaped = self.reaped.lock().unwrap_or_else(|e| e.into_inner());
        if *reaped {
            return Ok(false);
        }
        let signal = if signal == 0 {
            None
        } else {
            Some(Signal::try_from(signal)?)
        };
        match signal::killpg(Pid::from_raw(self.pid), signal) {
            Ok(()) => Ok(true),
            // The group may be gone (a zombie leader): signal the child itself.
            Err(nix::errno::Errno::ESRCH) => match signal::kill(Pid::from_raw(self.pid), signal) {
                Ok(()) => Ok(true),
                Err(nix::errno::Errno::ESRCH) => Ok(false),
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }
}

impl Child {
    /// Starts watching `pid`, which must be an unreaped child of this process.
    pub(crate) fn new(pid: i32) -> io::Result<Child> {
        Ok(Child {
            pid,
            watcher: Some(watch::watch(pid)?),
            reaped: Arc::new(Mutex::new(false)),
            kill_on_drop: None,
        })
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    pub fn signaller(&self) -> Signaller {
        Signaller {
            pid: self.pid,
            reaped: self.reaped.clone(),
        }
    }

    /// If this child is dropped unreaped, its process group is killed once
    /// it has run `grace` longer (by default it is reaped whenever it exits).
    pub fn kill_on_drop(&mut self, grace: Duration) {
        self.kill_on_drop = Some(grace);
    }

    /// Waits for the exit and reaps the child. Needs a tokio runtime with IO
    /// enabled. Cancel-safe until it returns.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        match self.watcher.take() {
            Some(Watcher::Fd(fd)) => {
                let fd = crate::sys::register(fd, tokio::io::Interest::READABLE)?;
                let result = fd.readable().await.map(|_| ());
                // Keep watching if this future is polled again after an error.
                self.watcher = Some(Watcher::Fd(fd.into_inner()));
                result?;
            }
            Some(Watcher::Blocking) => {
                self.watcher = Some(Watcher::Blocking);
                let pid = self.pid;
                tokio::task::spawn_blocking(move || wait_without_reaping(pid))
                    .await
                    .map_err(io::Error::other)??;
            }
            Some(Watcher::Exited) => {}
            None => return Err(io::Error::other("the child was already reaped")),
        }
        self.watcher = None;
        self.reap()
    }

    fn reap(&self) -> io::Result<ExitStatus> {
        let mut reaped = self.reaped.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let status = waitpid(Pid::from_raw(self.pid), None)?;
            let status = match status {
                WaitStatus::Exited(_, code) => ExitStatus {
                    code: Some(code),
                    signal: None,
                },
                WaitStatus::Signaled(_, sig, _) => ExitStatus {
                    code: None,
                    signal: Some(sig as i32),
                },
                _ => continue,
            };
            *reaped = true;
            return Ok(status);
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let reaped = *self.reaped.lock().unwrap_or_else(|e| e.into_inner());
        if !reaped {
            orphan::adopt(self.pid, self.reaped.clone(), self.kill_on_drop);
        }
    }
}

//! Waiting for exactly one child: a pidfd on Linux, a kqueue `EVFILT_PROC`
//! on macOS, both driven by the async reactor. Never `waitpid(-1)`, so the
//! host's own child processes are left alone.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

use nix::sys::signal::{self, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

/// How a child ended: an exit code, or the signal that killed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitStatus {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl ExitStatus {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// A spawned child that has not been reaped yet.
#[derive(Debug)]
pub struct Child {
    pid: i32,
    watcher: Option<Watcher>,
    reaped: Arc<Mutex<bool>>,
}

#[derive(Debug)]
enum Watcher {
    /// Readable once the process has exited (pidfd on Linux, kqueue on macOS).
    Fd(OwnedFd),
    /// Already exited when the watch began: reap at once.
    #[cfg_attr(any(target_os = "linux", target_os = "android"), allow(dead_code))]
    Exited,
    /// Kernels without pidfd: a blocking `waitid` that does not reap.
    #[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
    Blocking,
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

    pub fn is_reaped(&self) -> bool {
        *self.reaped.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Child {
    /// Starts watching `pid`, which must be an unreaped child of this process.
    pub(crate) fn new(pid: i32) -> io::Result<Child> {
        Ok(Child {
            pid,
            watcher: Some(watcher(pid)?),
            reaped: Arc::new(Mutex::new(false)),
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

#[cfg(any(target_os = "linux", target_os = "android"))]
fn watcher(pid: i32) -> io::Result<Watcher> {
    match crate::sys::pidfd_open(pid) {
        Ok(fd) => Ok(Watcher::Fd(fd)),
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => Ok(Watcher::Blocking),
        Err(e) => Err(e),
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn wait_without_reaping(pid: i32) -> io::Result<()> {
    use nix::sys::wait::{waitid, Id, WaitPidFlag};
    waitid(
        Id::Pid(Pid::from_raw(pid)),
        WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
    )?;
    Ok(())
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn wait_without_reaping(_pid: i32) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// A kqueue that becomes readable when `pid` exits. A kqueue fd can itself be
/// watched by the reactor's kqueue.
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd"
))]
fn watcher(pid: i32) -> io::Result<Watcher> {
    use nix::sys::event::{EvFlags, EventFilter, FilterFlag, KEvent, Kqueue};
    let kq = Kqueue::new()?;
    let event = KEvent::new(
        pid as usize,
        EventFilter::EVFILT_PROC,
        EvFlags::EV_ADD | EvFlags::EV_ONESHOT,
        FilterFlag::NOTE_EXIT,
        0,
        0,
    );
    let zero = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    match kq.kevent(&[event], &mut [], Some(zero)) {
        Ok(_) => Ok(Watcher::Fd(OwnedFd::from(kq))),
        // A child that has already exited cannot be watched; it waits as a zombie.
        Err(nix::errno::Errno::ESRCH) => Ok(Watcher::Exited),
        Err(e) => Err(e.into()),
    }
}

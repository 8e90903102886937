//! Reaping children whose owner is gone before their exit.
//!
//! A [`Child`](super::Child) can be dropped unreaped: the runtime that ran
//! its relay shut down with the last Node.js environment that used it (a
//! terminated worker), or its `Pty` was dropped mid-flight. Its process is
//! still a child of this one and would stay a zombie for the life of the
//! process, so it is handed to one reaper thread, started on first use. The
//! thread waits on each orphan's exit watcher (pidfd, kqueue) with `poll`,
//! reaps it with `waitpid(pid)` (never `waitpid(-1)`), and SIGKILLs a
//! process group that outlives its deadline, if it was given one.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, killpg, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::watch::{watch, Watcher};

/// How often an orphan without an exit watcher (a kernel without pidfd) is
/// checked.
const UNWATCHED_POLL: Duration = Duration::from_millis(50);

struct Orphan {
    pid: i32,
    /// Set once reaped, so that the child's signaller never signals a pid
    /// that may have been reused.
    reaped: Arc<Mutex<bool>>,
    watcher: Option<OwnedFd>,
    /// When the process group is killed if the child still runs.
    kill_at: Option<Instant>,
}

impl Orphan {
    /// Reaps the child if it has exited; `true` when it is gone.
    fn try_reap(&self) -> bool {
        let mut reaped = self.reaped.lock().unwrap_or_else(|e| e.into_inner());
        if *reaped {
            return true;
        }
        match waitpid(Pid::from_raw(self.pid), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => false,
            Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) => {
                *reaped = true;
                true
            }
            // Stopped or continued: still there.
            Ok(_) => false,
            // ECHILD: someone else reaped it; nothing is left to do.
            Err(_) => {
                *reaped = true;
                true
            }
        }
    }

    fn kill_if_due(&mut self, now: Instant) {
        if self.kill_at.is_some_and(|at| at <= now) {
            self.kill_at = None;
            let pid = Pid::from_raw(self.pid);
            if killpg(pid, Signal::SIGKILL).is_err() {
                let _ = kill(pid, Signal::SIGKILL);
            }
        }
    }
}

struct Reaper {
    queue: Mutex<Vec<Orphan>>,
    /// Written to when an orphan is queued, to wake the thread's `poll`.
    wake: UnixStream,
}

/// Hands an unreaped child to the reaper thread. `kill_after`: how long it
/// may still run before its process group is killed (`None`: reap it
/// whenever it exits).
pub(crate) fn adopt(pid: i32, reaped: Arc<Mutex<bool>>, kill_after: Option<Duration>) {
    let watcher = match watch(pid) {
        Ok(Watcher::Fd(fd)) => Some(fd),
        _ => None,
    };
    let orphan = Orphan {
        pid,
        reaped,
        watcher,
        kill_at: kill_after.map(|grace| Instant::now() + grace),
    };
    if orphan.try_reap() {
        return;
    }
    match reaper() {
        Some(reaper) => {
            reaper
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(orphan);
            let _ = (&reaper.wake).write(&[1]);
        }
        // Without a thread, reap in place: kill first if a deadline was set,
        // as waiting on a child that may never exit would block the caller.
        None => {
            if orphan.kill_at.is_some() {
                let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
                let _ = waitpid(Pid::from_raw(pid), None);
            }
        }
    }
}

fn reaper() -> Option<&'static Reaper> {
    static REAPER: OnceLock<Option<Reaper>> = OnceLock::new();
    REAPER.get_or_init(start).as_ref()
}

fn start() -> Option<Reaper> {
    let (wake, woken) = UnixStream::pair().ok()?;
    woken.set_nonblocking(true).ok()?;
    wake.set_nonblocking(true).ok()?;
    std::thread::Builder::new()
        .name("rspty-reaper".into())
        .spawn(move || run(woken))
        .ok()?;
    Some(Reaper {
        queue: Mutex::new(Vec::new()),
        wake,
    })
}

fn run(mut woken: UnixStream) {
    let mut orphans: Vec<Orphan> = Vec::new();
    loop {
        // Take the new orphans (the reaper is set before anything is queued).
        if let Some(reaper) = reaper() {
            orphans.append(&mut reaper.queue.lock().unwrap_or_else(|e| e.into_inner()));
        }
        let now = Instant::now();
        for orphan in &mut orphans {
            orphan.kill_if_due(now);
        }
        orphans.retain(|orphan| !orphan.try_reap());
        let _ = wait_for_change(&mut woken, &orphans, now);
    }
}

/// Sleeps until an orphan's watcher fires, a deadline passes or a new orphan
/// is queued.
fn wait_for_change(woken: &mut UnixStream, orphans: &[Orphan], now: Instant) -> io::Result<()> {
    let mut timeout = orphans
        .iter()
        .filter_map(|o| o.kill_at)
        .map(|at| at.saturating_duration_since(now))
        .min();
    if orphans.iter().any(|o| o.watcher.is_none()) {
        timeout = Some(timeout.map_or(UNWATCHED_POLL, |t| t.min(UNWATCHED_POLL)));
    }
    let timeout = match timeout {
        Some(t) => PollTimeout::try_from(t).unwrap_or(PollTimeout::MAX),
        None => PollTimeout::NONE,
    };
    let mut fds = vec![PollFd::new(woken.as_fd(), PollFlags::POLLIN)];
    fds.extend(
        orphans
            .iter()
            .filter_map(|o| o.watcher.as_ref())
            .map(|fd| PollFd::new(fd.as_fd(), PollFlags::POLLIN)),
    );
    poll(&mut fds, timeout)?;
    let mut drained = [0u8; 64];
    while matches!(woken.read(&mut drained), Ok(n) if n > 0) {}
    Ok(())
}

//! What the reactor waits on for one child's exit: a pidfd on Linux, a
//! kqueue with `EVFILT_PROC` on macOS and the BSDs. Both are plain fds that
//! become readable at the exit, without reaping the child.

use std::io;
use std::os::fd::OwnedFd;

#[derive(Debug)]
pub(crate) enum Watcher {
    /// Readable once the process has exited (pidfd on Linux, kqueue on macOS).
    Fd(OwnedFd),
    /// Already exited when the watch began: reap at once.
    #[cfg_attr(any(target_os = "linux", target_os = "android"), allow(dead_code))]
    Exited,
    /// Kernels without pidfd: a blocking `waitid` that does not reap.
    #[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
    Blocking,
}

/// Starts watching `pid`, an unreaped child of this process.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn watch(pid: i32) -> io::Result<Watcher> {
    match crate::sys::pidfd_open(pid) {
        Ok(fd) => Ok(Watcher::Fd(fd)),
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => Ok(Watcher::Blocking),
        Err(e) => Err(e),
    }
}

/// Starts watching `pid`, an unreaped child of this process. A kqueue fd can
/// itself be watched by the reactor's kqueue.
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd"
))]
pub(crate) fn watch(pid: i32) -> io::Result<Watcher> {
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

/// Blocks until `pid` has exited, without reaping it (for [`Watcher::Blocking`]).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn wait_without_reaping(pid: i32) -> io::Result<()> {
    use nix::sys::wait::{waitid, Id, WaitPidFlag};
    use nix::unistd::Pid;
    waitid(
        Id::Pid(Pid::from_raw(pid)),
        WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
    )?;
    Ok(())
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn wait_without_reaping(_pid: i32) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

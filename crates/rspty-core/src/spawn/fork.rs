//! The fork path, for platforms where `posix_spawn` cannot give the child
//! its controlling terminal (macOS, musl, glibc older than 2.34): the child
//! makes only async-signal-safe calls between `fork` and `execve`, and
//! reports a failure through a close-on-exec pipe.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::signals::{all_signals, no_signals, reset_signal_dispositions};
use super::{FailedAt, SessionSpec};

/// The highest fd number a fork child must close, read before forking.
fn max_fd() -> RawFd {
    // SAFETY: getrlimit writes one rlimit struct through a valid pointer.
    let mut rl: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) };
    if rc != 0 || rl.rlim_cur == libc::RLIM_INFINITY || rl.rlim_cur > 1 << 20 {
        return 1 << 20;
    }
    rl.rlim_cur as RawFd
}

/// A close-on-exec pipe for the fork child to report a chdir or exec failure.
fn cloexec_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    {
        // SAFETY: pipe2 writes two fds into the array.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    {
        // SAFETY: pipe writes two fds into the array; FD_CLOEXEC is set on both right after.
        unsafe {
            if libc::pipe(fds.as_mut_ptr()) != 0 {
                return Err(io::Error::last_os_error());
            }
            libc::fcntl(fds[0], libc::F_SETFD, libc::FD_CLOEXEC);
            libc::fcntl(fds[1], libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    // SAFETY: both fds are new and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The fork child: only async-signal-safe calls from here to `execve`.
///
/// # Safety
/// Must only be called in the child of `fork`, with `spec` prepared before the fork.
unsafe fn fork_child(spec: &SessionSpec<'_>, report: RawFd, max_fd: RawFd) -> ! {
    let fail = |stage: u8| -> ! {
        // Reading errno through std neither allocates nor locks.
        let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
        let mut msg = [0u8; 5];
        msg[0] = stage;
        msg[1..].copy_from_slice(&errno.to_ne_bytes());
        libc::write(report, msg.as_ptr().cast(), msg.len());
        libc::_exit(127)
    };
    libc::setsid();
    let slave = spec.slave.as_raw_fd();
    if libc::ioctl(slave, libc::TIOCSCTTY as _, 0) == -1 {
        fail(b'x');
    }
    for target in 0..3 {
        if libc::dup2(slave, target) == -1 {
            fail(b'x');
        }
    }
    for fd in 3..max_fd {
        if fd != report {
            libc::close(fd);
        }
    }
    reset_signal_dispositions();
    let none = no_signals();
    libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    if let Some(credentials) = &spec.credentials {
        if !credentials.apply_in_child() {
            fail(b'u');
        }
    }
    if let Some(cwd) = spec.cwd {
        if libc::chdir(cwd.as_ptr()) == -1 {
            fail(b'c');
        }
    }
    libc::execve(
        spec.program.as_ptr(),
        spec.argv.as_ptr(),
        spec.envp.as_ptr(),
    );
    fail(b'e')
}

/// Spawns through `fork`, for platforms where posix_spawn cannot give the
/// child its controlling terminal. Signals are blocked around the fork so that
/// no handler of the parent runs in the child before it resets them.
pub(super) fn fork_session(spec: &SessionSpec<'_>) -> Result<libc::pid_t, (FailedAt, io::Error)> {
    let exec_err = |e| (FailedAt::Exec, e);
    let (reader, writer) = cloexec_pipe().map_err(exec_err)?;
    let max_fd = max_fd();
    let all = all_signals();
    let mut saved = no_signals();
    // SAFETY: pthread_sigmask with valid set pointers.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut saved) };
    // SAFETY: the child only runs `fork_child`, which makes async-signal-safe calls.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: this is the fork child and `spec` was prepared before the fork.
        unsafe { fork_child(spec, writer.as_raw_fd(), max_fd) }
    }
    let fork_error = io::Error::last_os_error();
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &saved, std::ptr::null_mut()) };
    if pid < 0 {
        return Err(exec_err(fork_error));
    }
    drop(writer);
    let mut msg = [0u8; 5];
    let n = loop {
        // SAFETY: reads at most 5 bytes into a 5-byte buffer.
        let n = unsafe { libc::read(reader.as_raw_fd(), msg.as_mut_ptr().cast(), msg.len()) };
        if n >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            break n;
        }
    };
    if n <= 0 {
        return Ok(pid);
    }
    // The child reported a failure and exits with 127: reap it here.
    let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None);
    let errno = i32::from_ne_bytes([msg[1], msg[2], msg[3], msg[4]]);
    let stage = match msg[0] {
        b'c' => FailedAt::Chdir,
        b'u' => FailedAt::Credentials,
        _ => FailedAt::Exec,
    };
    Err((stage, io::Error::from_raw_os_error(errno)))
}

//! The unsafe system calls, in one place. Everything else in the crate is safe
//! code on top of these functions and of `nix`.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use crate::pty::WindowSize;

fn winsize(size: WindowSize) -> libc::winsize {
    libc::winsize {
        ws_row: size.rows,
        ws_col: size.cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// `TIOCSWINSZ`: the kernel sends SIGWINCH to the terminal's foreground group.
pub fn set_window_size(fd: BorrowedFd<'_>, size: WindowSize) -> io::Result<()> {
    let ws = winsize(size);
    // SAFETY: TIOCSWINSZ reads one `winsize` from a pointer that is valid for the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `TIOCGWINSZ`.
pub fn window_size(fd: BorrowedFd<'_>) -> io::Result<WindowSize> {
    let mut ws = winsize(WindowSize { cols: 0, rows: 0 });
    // SAFETY: TIOCGWINSZ writes one `winsize` through a pointer valid for the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(WindowSize {
        cols: ws.ws_col,
        rows: ws.ws_row,
    })
}

/// Reads into the spare capacity of `buf` and extends its length by what was read.
pub fn read_into(fd: BorrowedFd<'_>, buf: &mut Vec<u8>) -> io::Result<usize> {
    let spare = buf.spare_capacity_mut();
    // SAFETY: the kernel writes at most `spare.len()` bytes into the vector's own spare capacity.
    let n = unsafe { libc::read(fd.as_raw_fd(), spare.as_mut_ptr().cast(), spare.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    // SAFETY: the kernel initialised exactly `n` bytes after the current length.
    unsafe { buf.set_len(buf.len() + n) };
    Ok(n)
}

/// Whether the other end of `fd` is closed (POLLHUP): for a PTY master,
/// every holder of the slave has closed it.
pub fn peer_closed(fd: BorrowedFd<'_>) -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let mut fds = [PollFd::new(fd, PollFlags::empty())];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
        && fds[0]
            .revents()
            .is_some_and(|events| events.contains(PollFlags::POLLHUP))
}

/// Registers an owned fd with the current tokio reactor.
pub fn register(
    fd: OwnedFd,
    interest: tokio::io::Interest,
) -> io::Result<tokio::io::unix::AsyncFd<OwnedFd>> {
    // SAFETY: an OwnedFd is open, stays open until the AsyncFd drops it, and always
    // returns the same raw fd.
    Ok(unsafe { tokio::io::unix::AsyncFd::register_with_interest(fd, interest) }?)
}

/// `pidfd_open(2)`: a descriptor that becomes readable when the process exits.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: a raw syscall with two integer arguments; it returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the syscall returned a new descriptor (close-on-exec) that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// What a child needs for its session: every string prepared before any fork.
pub struct SessionSpec<'a> {
    pub program: &'a CStr,
    pub argv: &'a [*const libc::c_char],
    pub envp: &'a [*const libc::c_char],
    pub cwd: Option<&'a CStr>,
    pub slave: BorrowedFd<'a>,
    pub slave_path: &'a CStr,
}

/// Where a failed spawn failed, so the error can name the right thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedAt {
    Chdir,
    Exec,
}

/// A signal set with every bit set: `sigfillset` leaves out glibc's internal
/// signals, and posix_spawn would then leave them ignored in the child.
fn all_signals() -> libc::sigset_t {
    // SAFETY: sigset_t is a plain bit array; all-ones is a valid value meaning "every signal".
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        std::ptr::write_bytes(&mut set as *mut libc::sigset_t, 0xff, 1);
        set
    }
}

fn no_signals() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set it is given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        set
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc_spawn {
    //! `posix_spawn` with the session set up by glibc's CLONE_VFORK child.
    //! The `_np` file actions are looked up at run time so that a build linked
    //! against an older glibc still loads, and falls back to fork where missing.
    use super::*;
    use std::sync::OnceLock;

    type AddChdir =
        unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, *const libc::c_char) -> i32;
    type AddClosefrom = unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, i32) -> i32;

    pub struct Functions {
        addchdir: AddChdir,
        addclosefrom: AddClosefrom,
    }

    fn lookup(name: &CStr) -> Option<*mut libc::c_void> {
        // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name has no other precondition.
        let f = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
        (!f.is_null()).then_some(f)
    }

    /// The `_np` functions, when this glibc (2.34 or newer) has both.
    pub fn functions() -> Option<&'static Functions> {
        static FUNCTIONS: OnceLock<Option<Functions>> = OnceLock::new();
        FUNCTIONS
            .get_or_init(|| {
                let addchdir = lookup(c"posix_spawn_file_actions_addchdir_np")?;
                let addclosefrom = lookup(c"posix_spawn_file_actions_addclosefrom_np")?;
                // SAFETY: both symbols are glibc's functions with exactly these signatures.
                unsafe {
                    Some(Functions {
                        addchdir: std::mem::transmute::<*mut libc::c_void, AddChdir>(addchdir),
                        addclosefrom: std::mem::transmute::<*mut libc::c_void, AddClosefrom>(
                            addclosefrom,
                        ),
                    })
                }
            })
            .as_ref()
    }

    fn check(rc: i32) -> io::Result<()> {
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(rc))
        }
    }

    struct Actions(libc::posix_spawn_file_actions_t);
    impl Drop for Actions {
        fn drop(&mut self) {
            // SAFETY: initialised in `spawn` before this guard was made.
            unsafe { libc::posix_spawn_file_actions_destroy(&mut self.0) };
        }
    }
    struct Attr(libc::posix_spawnattr_t);
    impl Drop for Attr {
        fn drop(&mut self) {
            // SAFETY: initialised in `spawn` before this guard was made.
            unsafe { libc::posix_spawnattr_destroy(&mut self.0) };
        }
    }

    /// Spawns the child as a session leader whose controlling terminal is the
    /// slave (opened by path, without O_NOCTTY, after `setsid`).
    pub fn spawn(
        f: &Functions,
        spec: &SessionSpec<'_>,
    ) -> Result<libc::pid_t, (FailedAt, io::Error)> {
        let exec_err = |e| (FailedAt::Exec, e);
        // SAFETY: every pointer handed to posix_spawn* points into `spec`, which outlives the
        // call; the attribute and action objects are initialised before use and destroyed by
        // their guards.
        unsafe {
            let mut actions = Actions(std::mem::zeroed());
            check(libc::posix_spawn_file_actions_init(&mut actions.0)).map_err(exec_err)?;
            let mut attr = Attr(std::mem::zeroed());
            check(libc::posix_spawnattr_init(&mut attr.0)).map_err(exec_err)?;

            let flags = libc::POSIX_SPAWN_SETSID as libc::c_int
                | libc::POSIX_SPAWN_SETSIGDEF
                | libc::POSIX_SPAWN_SETSIGMASK;
            check(libc::posix_spawnattr_setflags(&mut attr.0, flags as _)).map_err(exec_err)?;
            let all = all_signals();
            check(libc::posix_spawnattr_setsigdefault(&mut attr.0, &all)).map_err(exec_err)?;
            let none = no_signals();
            check(libc::posix_spawnattr_setsigmask(&mut attr.0, &none)).map_err(exec_err)?;

            let a = &mut actions.0;
            if let Some(cwd) = spec.cwd {
                check((f.addchdir)(a, cwd.as_ptr())).map_err(exec_err)?;
            }
            check(libc::posix_spawn_file_actions_addopen(
                a,
                0,
                spec.slave_path.as_ptr(),
                libc::O_RDWR,
                0,
            ))
            .map_err(exec_err)?;
            check(libc::posix_spawn_file_actions_adddup2(a, 0, 1)).map_err(exec_err)?;
            check(libc::posix_spawn_file_actions_adddup2(a, 0, 2)).map_err(exec_err)?;
            check((f.addclosefrom)(a, 3)).map_err(exec_err)?;

            let mut pid: libc::pid_t = 0;
            let rc = libc::posix_spawn(
                &mut pid,
                spec.program.as_ptr(),
                a,
                &attr.0,
                spec.argv.as_ptr() as *const *mut libc::c_char,
                spec.envp.as_ptr() as *const *mut libc::c_char,
            );
            check(rc).map_err(exec_err)?;
            Ok(pid)
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub use glibc_spawn::{functions as posix_spawn_functions, spawn as posix_spawn_session};

/// The highest fd number a fork child must close, read before forking.
pub fn max_fd() -> RawFd {
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

/// Every signal back to its default action. On Linux through the raw
/// syscall: glibc's sigaction refuses its two internal signals, which an
/// ancestor may have left ignored. An all-zero kernel sigaction is SIG_DFL
/// with an empty mask whatever the architecture's layout.
#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe fn reset_signal_dispositions() {
    let default = [0u64; 4];
    for sig in 1..=64 {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            default.as_ptr(),
            std::ptr::null_mut::<u64>(),
            8,
        );
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
unsafe fn reset_signal_dispositions() {
    let mut sa: libc::sigaction = std::mem::zeroed();
    sa.sa_sigaction = libc::SIG_DFL;
    for sig in 1..32 {
        libc::sigaction(sig, &sa, std::ptr::null_mut());
    }
}

/// Spawns through `fork`, for platforms where posix_spawn cannot give the
/// child its controlling terminal. Signals are blocked around the fork so that
/// no handler of the parent runs in the child before it resets them.
pub fn fork_session(spec: &SessionSpec<'_>) -> Result<libc::pid_t, (FailedAt, io::Error)> {
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
    let stage = if msg[0] == b'c' {
        FailedAt::Chdir
    } else {
        FailedAt::Exec
    };
    Err((stage, io::Error::from_raw_os_error(errno)))
}

/// Turns a list of strings into the NULL-terminated pointer array exec wants.
pub fn pointer_array(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

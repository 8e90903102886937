//! Starting a program in a new session on a PTY's slave side.
//!
//! On glibc the child is made by `posix_spawn`, whose CLONE_VFORK child shares
//! the parent's memory instead of copying its page tables, so the cost does
//! not grow with the host's heap. Elsewhere (macOS, musl, glibc older than
//! 2.34) a `fork` with async-signal-safe setup is used. Either way the child is
//! a session leader, the slave is its controlling terminal and its fds 0, 1
//! and 2, every other fd is closed, every signal is at its default and none is
//! blocked.

mod command;
mod fork;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod posix_spawn;
mod signals;

use std::ffi::{CStr, CString, OsStr};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::child::Child;
use crate::pty::PtyPair;
use command::{check_cwd, resolve_program};

pub use command::Command;

/// What a child needs for its session: every string prepared before any fork.
pub(crate) struct SessionSpec<'a> {
    pub program: &'a CStr,
    pub argv: &'a [*const libc::c_char],
    pub envp: &'a [*const libc::c_char],
    pub cwd: Option<&'a CStr>,
    pub slave: BorrowedFd<'a>,
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    pub slave_path: &'a CStr,
    /// The user and group to switch to (fork path only).
    pub credentials: Option<crate::credentials::Credentials>,
}

/// Where a failed spawn failed, so the error can name the right thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailedAt {
    Chdir,
    Exec,
    Credentials,
}

/// A signal set with every bit set: `sigfillset` leaves out glibc's internal
/// Turns a list of strings into the NULL-terminated pointer array exec wants.
fn pointer_array(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// Which part of starting the child failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpawnStage {
    /// Allocating the PTY (out of fds or PTYs, say).
    Pty,
    /// The arguments themselves (a NUL byte in a string, an empty program name).
    Input,
    /// Changing to the working directory.
    Cwd,
    /// Finding or executing the program.
    Exec,
    /// Watching the started child for its exit (out of fds, say); the child
    /// has been killed and reaped.
    Watch,
    /// Switching to the requested group or user (`EPERM` when not allowed).
    Credentials,
}

/// A failed spawn: the real errno and the stage it came from.
#[derive(Debug)]
pub struct SpawnError {
    pub stage: SpawnStage,
    pub error: io::Error,
}

impl SpawnError {
    pub(crate) fn new(stage: SpawnStage, error: io::Error) -> Self {
        SpawnError { stage, error }
    }

    fn invalid(message: &str) -> Self {
        SpawnError::new(
            SpawnStage::Input,
            io::Error::new(io::ErrorKind::InvalidInput, message.to_owned()),
        )
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.stage {
            SpawnStage::Pty => "cannot allocate a PTY",
            SpawnStage::Input => "invalid argument",
            SpawnStage::Cwd => "cannot change to the working directory",
            SpawnStage::Exec => "cannot execute the program",
            SpawnStage::Watch => "cannot watch the child",
            SpawnStage::Credentials => "cannot switch to the requested user or group",
        };
        write!(f, "{what}: {}", self.error)
    }
}

impl std::error::Error for SpawnError {}

impl From<(FailedAt, io::Error)> for SpawnError {
    fn from((at, error): (FailedAt, io::Error)) -> Self {
        let stage = match at {
            FailedAt::Chdir => SpawnStage::Cwd,
            FailedAt::Exec => SpawnStage::Exec,
            FailedAt::Credentials => SpawnStage::Credentials,
        };
        SpawnError::new(stage, error)
    }
}

fn c_string(s: &OsStr, what: &str) -> Result<CString, SpawnError> {
    CString::new(s.as_bytes())
        .map_err(|_| SpawnError::invalid(&format!("{what} contains a NUL byte")))
}

/// Starts `command` in a new session whose controlling terminal is the slave
/// of `pty`. Returns once the program has been executed, or with the errno of
/// what failed. The caller may close its copy of the slave afterwards.
pub fn spawn(command: &Command, pty: &PtyPair) -> Result<Child, SpawnError> {
    spawn_using(command, pty, SpawnMethod::best())
}

/// [`spawn`] with a chosen method, so that both paths can be exercised.
pub fn spawn_using(
    command: &Command,
    pty: &PtyPair,
    method: SpawnMethod,
) -> Result<Child, SpawnError> {
    spawn_on_slave(command, pty.slave.as_fd(), &pty.path, method)
}

/// [`spawn`] onto a slave the caller holds (for pairs from `openpty()` that
/// JavaScript owns), by its fd and device path.
pub fn spawn_on_slave(
    command: &Command,
    slave: BorrowedFd<'_>,
    slave_path: &Path,
    method: SpawnMethod,
) -> Result<Child, SpawnError> {
    if command.program.is_empty() {
        return Err(SpawnError::invalid("the program name is empty"));
    }
    if let Some(cwd) = &command.cwd {
        check_cwd(cwd).map_err(|e| SpawnError::new(SpawnStage::Cwd, e))?;
    }
    let program = resolve_program(command).map_err(|e| SpawnError::new(SpawnStage::Exec, e))?;

    let program = c_string(program.as_os_str(), "the program name")?;
    let mut argv = vec![c_string(&command.program, "the program name")?];
    for arg in &command.args {
        argv.push(c_string(arg, "an argument")?);
    }
    let mut envp = Vec::with_capacity(command.env.len());
    for (name, value) in &command.env {
        if name.is_empty() || name.as_bytes().contains(&b'=') {
            return Err(SpawnError::invalid(
                "an environment variable name is empty or contains '='",
            ));
        }
        let mut entry = name.clone();
        entry.push("=");
        entry.push(value);
        envp.push(c_string(&entry, "an environment variable")?);
    }
    let cwd = match &command.cwd {
        Some(cwd) => Some(c_string(cwd.as_os_str(), "the working directory")?),
        None => None,
    };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    let slave_path = c_string(slave_path.as_os_str(), "the slave path")?;
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = slave_path;
    let argv_ptrs = pointer_array(&argv);
    let envp_ptrs = pointer_array(&envp);
    let spec = SessionSpec {
        program: &program,
        argv: &argv_ptrs,
        envp: &envp_ptrs,
        cwd: cwd.as_deref(),
        slave,
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        slave_path: &slave_path,
        credentials: crate::credentials::Credentials::new(command.uid, command.gid),
    };
    // posix_spawn cannot switch users: a command with credentials forks.
    let method = if spec.credentials.is_some() {
        SpawnMethod::Fork
    } else {
        method
    };

    let pid = spawn_session(&spec, method)?;
    Child::new(pid).map_err(|e| {
        // Without a watcher the child could never be reaped: end it here.
        let pid = nix::unistd::Pid::from_raw(pid);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(pid, None);
        SpawnError::new(SpawnStage::Watch, e)
    })
}

/// How the child is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpawnMethod {
    /// glibc's `posix_spawn` with `POSIX_SPAWN_SETSID` (no copy of the parent's memory).
    PosixSpawn,
    /// `fork`, then async-signal-safe session setup in the child.
    Fork,
}

impl SpawnMethod {
    /// The best method this system offers.
    pub fn best() -> SpawnMethod {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        if posix_spawn::functions().is_some() {
            return SpawnMethod::PosixSpawn;
        }
        SpawnMethod::Fork
    }
}

fn spawn_session(spec: &SessionSpec<'_>, method: SpawnMethod) -> Result<i32, SpawnError> {
    match method {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        SpawnMethod::PosixSpawn => match posix_spawn::functions() {
            Some(functions) => Ok(posix_spawn::spawn(functions, spec)?),
            None => Err(SpawnError::new(
                SpawnStage::Exec,
                io::Error::from(io::ErrorKind::Unsupported),
            )),
        },
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        SpawnMethod::PosixSpawn => Err(SpawnError::new(
            SpawnStage::Exec,
            io::Error::from(io::ErrorKind::Unsupported),
        )),
        SpawnMethod::Fork => Ok(fork::fork_session(spec)?),
    }
}

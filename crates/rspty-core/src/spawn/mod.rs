//! Starting a program in a new session on a PTY's slave side.
//!
//! On glibc the child is made by `posix_spawn`, whose CLONE_VFORK child shares
//! the parent's memory instead of copying its page tables, so the cost does
//! not grow with the host's heap. Elsewhere (macOS, musl, glibc older than
//! 2.34) a `fork` with async-signal-safe setup is used. Either way the child is
//! a session leader, the slave is its controlling terminal and its fds 0, 1
//! and 2, every other fd is closed, every signal is at its default and none is
//! blocked.

use std::ffi::{CString, OsStr, OsString};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::child::Child;
use crate::pty::PtyPair;
use crate::sys::{self, FailedAt, SessionSpec};

/// What to run: like `execve`'s arguments, with the working directory.
#[derive(Clone, Debug, Default)]
pub struct Command {
    /// A path, or a name looked up in the `PATH` of `env`.
    pub program: OsString,
    /// The arguments after `argv[0]` (which is `program` as given).
    pub args: Vec<OsString>,
    /// The child's whole environment, as `NAME=value` pairs.
    pub env: Vec<(OsString, OsString)>,
    /// The child's working directory; the parent's when `None`.
    pub cwd: Option<PathBuf>,
}

impl Command {
    pub fn new(program: impl Into<OsString>) -> Self {
        Command {
            program: program.into(),
            ..Command::default()
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Sets a variable, replacing an entry of the same name.
    pub fn env(mut self, name: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        let (name, value) = (name.into(), value.into());
        match self.env.iter_mut().find(|(existing, _)| *existing == name) {
            Some(entry) => entry.1 = value,
            None => self.env.push((name, value)),
        }
        self
    }

    pub fn cwd(mut self, cwd: impl Into<PathBuf>) -> Self {
        self.cwd = Some(cwd.into());
        self
    }

    /// The parent's environment, for callers that want to inherit it.
    pub fn inherit_env(mut self) -> Self {
        self.env.extend(std::env::vars_os());
        self
    }

    fn path_variable(&self) -> Option<&OsStr> {
        self.env
            .iter()
            .rev()
            .find(|(name, _)| name == "PATH")
            .map(|(_, value)| value.as_os_str())
    }
}

/// Which part of starting the child failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpawnStage {
    /// The arguments themselves (a NUL byte in a string, an empty program name).
    Input,
    /// Changing to the working directory.
    Cwd,
    /// Finding or executing the program.
    Exec,
    /// Watching the started child for its exit (out of fds, say); the child
    /// has been killed and reaped.
    Watch,
}

/// A failed spawn: the real errno and the stage it came from.
#[derive(Debug)]
pub struct SpawnError {
    pub stage: SpawnStage,
    pub error: io::Error,
}

impl SpawnError {
    fn new(stage: SpawnStage, error: io::Error) -> Self {
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
            SpawnStage::Input => "invalid argument",
            SpawnStage::Cwd => "cannot change to the working directory",
            SpawnStage::Exec => "cannot execute the program",
            SpawnStage::Watch => "cannot watch the child",
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
    let slave_path = c_string(slave_path.as_os_str(), "the slave path")?;
    let argv_ptrs = sys::pointer_array(&argv);
    let envp_ptrs = sys::pointer_array(&envp);
    let spec = SessionSpec {
        program: &program,
        argv: &argv_ptrs,
        envp: &envp_ptrs,
        cwd: cwd.as_deref(),
        slave,
        slave_path: &slave_path,
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
        if sys::posix_spawn_functions().is_some() {
            return SpawnMethod::PosixSpawn;
        }
        SpawnMethod::Fork
    }
}

fn spawn_session(spec: &SessionSpec<'_>, method: SpawnMethod) -> Result<i32, SpawnError> {
    match method {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        SpawnMethod::PosixSpawn => match sys::posix_spawn_functions() {
            Some(functions) => Ok(sys::posix_spawn_session(functions, spec)?),
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
        SpawnMethod::Fork => Ok(sys::fork_session(spec)?),
    }
}

/// The working directory is checked up front so that its failure is reported
/// as the directory's, not the program's (posix_spawn returns one errno for both).
fn check_cwd(cwd: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(cwd)?;
    if !meta.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
    }
    nix::unistd::access(cwd, nix::unistd::AccessFlags::X_OK)?;
    Ok(())
}

/// Finds the program like `execvp`, but in the child's `PATH`: a name with a
/// slash is used as is; otherwise the first executable regular file in `PATH`
/// wins, `EACCES` if only non-executable ones were found, else `ENOENT`.
fn resolve_program(command: &Command) -> io::Result<PathBuf> {
    let program = Path::new(&command.program);
    if command.program.as_bytes().contains(&b'/') {
        return Ok(program.to_path_buf());
    }
    let path = command
        .path_variable()
        .unwrap_or(OsStr::new("/usr/local/bin:/usr/bin:/bin"));
    let mut denied = false;
    for dir in std::env::split_paths(path) {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let candidate = dir.join(program);
        // Relative PATH entries are relative to the child's working directory.
        let on_disk = match &command.cwd {
            Some(cwd) if candidate.is_relative() => cwd.join(&candidate),
            _ => candidate.clone(),
        };
        match std::fs::metadata(&on_disk) {
            Ok(meta) if meta.is_file() => {
                if meta.permissions().mode() & 0o111 != 0
                    && nix::unistd::access(&on_disk, nix::unistd::AccessFlags::X_OK).is_ok()
                {
                    return Ok(candidate);
                }
                denied = true;
            }
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::EACCES) => denied = true,
            Err(_) => {}
        }
    }
    Err(io::Error::from_raw_os_error(if denied {
        libc::EACCES
    } else {
        libc::ENOENT
    }))
}

//! [`Command`]: what to run, and how its program and working directory are
//! checked before any process is made.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

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
    /// The user the child runs as; set (after the group) before exec. Needs
    /// the fork path, which is then used whatever method was asked for.
    pub uid: Option<u32>,
    /// The group the child runs as; set before the user. When the caller is
    /// root, the supplementary groups are reduced to this group too.
    pub gid: Option<u32>,
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

/// The working directory is checked up front so that its failure is reported
/// as the directory's, not the program's (posix_spawn returns one errno for both).
pub(super) fn check_cwd(cwd: &Path) -> io::Result<()> {
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
pub(super) fn resolve_program(command: &Command) -> io::Result<PathBuf> {
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

//! Errors on their way to JavaScript. A [`Failure`] is built into a real
//! JavaScript `Error` on the JavaScript thread, with its fields set as
//! properties (`code`, `syscall`, `detail`, and `stage` for spawn), so the
//! TypeScript layer reads them and never parses a message.

use std::io;

use napi::bindgen_prelude::*;
use rspty_core::{SpawnError, SpawnStage};

/// What failed, as plain data until it reaches the JavaScript thread.
#[derive(Debug)]
pub struct Failure {
    /// The errno's name (`ENOENT`), or `ERR_PTY_CLOSED`.
    code: String,
    /// The call that failed (`ioctl`, `openpty`, ...).
    syscall: &'static str,
    /// The OS's description of the errno.
    detail: String,
    /// For spawn: `input`, `pty`, `cwd`, `exec`, `watch` or `credentials`.
    stage: Option<&'static str>,
}

fn errno_name(error: &io::Error) -> String {
    match error.raw_os_error() {
        Some(raw) => format!("{:?}", nix::errno::Errno::from_raw(raw)),
        None if error.kind() == io::ErrorKind::InvalidInput => "EINVAL".into(),
        None if error.kind() == io::ErrorKind::BrokenPipe => "ERR_PTY_CLOSED".into(),
        None => "EIO".into(),
    }
}

/// The OS's description without Rust's " (os error N)" suffix.
fn detail(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

impl Failure {
    /// An OS error of `syscall`.
    pub fn os(error: &io::Error, syscall: &'static str) -> Failure {
        Failure {
            code: errno_name(error),
            syscall,
            detail: detail(error) + pty_limit_hint(error, syscall),
            stage: None,
        }
    }

    pub fn spawn(error: &SpawnError) -> Failure {
        let (stage, syscall) = match error.stage {
            SpawnStage::Input => ("input", "spawn"),
            SpawnStage::Pty => ("pty", "openpty"),
            SpawnStage::Cwd => ("cwd", "chdir"),
            SpawnStage::Exec => ("exec", "spawn"),
            SpawnStage::Watch => ("watch", WATCH_SYSCALL),
            SpawnStage::Credentials => ("credentials", "setuid"),
        };
        Failure {
            stage: Some(stage),
            ..Failure::os(&error.error, syscall)
        }
    }

    /// A panic caught before it crossed into JavaScript.
    pub fn internal(what: &'static str) -> Failure {
        Failure {
            code: "ERR_PTY_INTERNAL".into(),
            syscall: what,
            detail: format!("{what}: internal error (panic)"),
            stage: None,
        }
    }

    /// The JavaScript error, made on the JavaScript thread of `env`.
    pub fn into_error(self, env: &Env) -> Error {
        let build = || -> Result<Error> {
            let mut error = env.create_error(Error::new(Status::GenericFailure, &self.detail))?;
            error.set_named_property("code", self.code.as_str())?;
            error.set_named_property("syscall", self.syscall)?;
            error.set_named_property("detail", self.detail.as_str())?;
            if let Some(stage) = self.stage {
                error.set_named_property("stage", stage)?;
            }
            Ok(Error::from(error.into_unknown(env)?))
        };
        build().unwrap_or_else(|e| e)
    }
}

/// macOS hands out at most `kern.tty.ptmx_max` PTYs at once (511 unless
/// raised); opening `/dev/ptmx` beyond that fails with ENXIO, which says
/// nothing of the cause.
#[cfg(target_os = "macos")]
fn pty_limit_hint(error: &io::Error, syscall: &str) -> &'static str {
    match (syscall, error.raw_os_error()) {
        ("openpty", Some(nix::libc::ENXIO | nix::libc::EAGAIN)) => {
            "; macOS allows 511 PTYs at once by default, see sysctl kern.tty.ptmx_max"
        }
        _ => "",
    }
}

#[cfg(not(target_os = "macos"))]
fn pty_limit_hint(_: &io::Error, _: &str) -> &'static str {
    ""
}

/// The call that watches a child's exit, named in a failure to watch it.
#[cfg(any(target_os = "linux", target_os = "android"))]
const WATCH_SYSCALL: &str = "pidfd_open";
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const WATCH_SYSCALL: &str = "kevent";

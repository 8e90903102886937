//! Errors cross into JavaScript as `CODE|context|detail` messages, which the
//! TypeScript layer turns into Node-style errors with `code`, `errno` and a
//! message naming what failed.

use std::io;

use napi::{Error, Status};
use rspty_core::{SpawnError, SpawnStage};

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

/// An OS error of `syscall`, about `subject` (may be empty).
pub fn os_error(error: &io::Error, syscall: &str, subject: &str) -> Error {
    Error::new(
        Status::GenericFailure,
        format!(
            "{}|{syscall}|{subject}|{}",
            errno_name(error),
            detail(error)
        ),
    )
}

pub fn spawn_error(error: &SpawnError) -> Error {
    let stage = match error.stage {
        SpawnStage::Input => "input",
        SpawnStage::Cwd => "cwd",
        SpawnStage::Exec => "exec",
        SpawnStage::Watch => "pidfd_open",
    };
    Error::new(
        Status::GenericFailure,
        format!(
            "{}|{stage}||{}",
            errno_name(&error.error),
            detail(&error.error)
        ),
    )
}

//! Fds that JavaScript owns, borrowed for one call.

use std::os::fd::{BorrowedFd, OwnedFd};

use napi::bindgen_prelude::*;

use crate::error::Failure;

/// A duplicate of an fd that JavaScript owns, so that the engine never closes
/// the caller's own and is unaffected if the caller closes it.
pub fn duplicate(env: &Env, fd: i32, name: &str) -> Result<OwnedFd> {
    let invalid = || {
        Error::new(
            Status::InvalidArg,
            format!("{name} is not an open file descriptor"),
        )
    };
    if fd < 0 {
        return Err(invalid());
    }
    // SAFETY: the fd number is only used for F_GETFD (is it open?) and a dup; no
    // ownership is taken, and the caller keeps it open for this call.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    nix::fcntl::fcntl(borrowed, nix::fcntl::FcntlArg::F_GETFD).map_err(|_| invalid())?;
    borrowed
        .try_clone_to_owned()
        .map_err(|e| Failure::os(&e, "dup").into_error(env))
}

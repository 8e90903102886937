//! Terminal calls on fds that JavaScript owns: `openpty`, the window size,
//! and raw mode (the pieces of `openpty()` and `interact()`).

use std::os::fd::{AsFd, OwnedFd};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use rspty_core::pty;

use crate::error::Failure;
use crate::fd::duplicate;

/// A pair from `openpty`, handed to JavaScript as raw fds it owns.
#[napi(object)]
pub struct PtyFds {
    pub master: i32,
    pub slave: i32,
    pub path: String,
}

/// The size of a terminal in character cells.
#[napi(object, js_name = "WindowSize")]
pub struct JsWindowSize {
    pub cols: u32,
    pub rows: u32,
}

pub(crate) fn window_size(cols: u32, rows: u32) -> Result<rspty_core::WindowSize> {
    let cols = u16::try_from(cols).ok().filter(|c| *c > 0);
    let rows = u16::try_from(rows).ok().filter(|r| *r > 0);
    match (cols, rows) {
        (Some(cols), Some(rows)) => Ok(rspty_core::WindowSize { cols, rows }),
        _ => Err(Error::new(
            Status::InvalidArg,
            "cols and rows must be integers from 1 to 65535",
        )),
    }
}

/// Allocates a PTY pair (both ends close-on-exec, blocking).
#[napi(js_name = "openpty")]
pub fn openpty_fds(env: Env, cols: u32, rows: u32) -> Result<PtyFds> {
    let size = window_size(cols, rows)?;
    let pair =
        rspty_core::openpty(size).map_err(|e| Failure::os(&e, "openpty").into_error(&env))?;
    let (master, slave, path) = pty::into_raw_fds(pair);
    Ok(PtyFds {
        master,
        slave,
        path: path.to_string_lossy().into_owned(),
    })
}

/// Sets the window size of the terminal behind `fd`.
#[napi]
pub fn set_window_size(env: Env, fd: i32, cols: u32, rows: u32) -> Result<()> {
    let size = window_size(cols, rows)?;
    let fd = duplicate(&env, fd, "fd")?;
    pty::set_window_size(fd.as_fd(), size, rspty_core::PixelSize::default())
        .map_err(|e| Failure::os(&e, "ioctl").into_error(&env))
}

/// The window size of the terminal behind `fd`.
#[napi]
pub fn get_window_size(env: Env, fd: i32) -> Result<JsWindowSize> {
    let fd = duplicate(&env, fd, "fd")?;
    let (size, _) =
        pty::window_size(fd.as_fd()).map_err(|e| Failure::os(&e, "ioctl").into_error(&env))?;
    Ok(JsWindowSize {
        cols: size.cols.into(),
        rows: size.rows.into(),
    })
}

/// A terminal put in raw mode; `restore()` gives it back its mode.
#[napi]
pub struct RawMode {
    fd: OwnedFd,
    saved: nix::sys::termios::Termios,
}

#[napi]
pub fn enter_raw_mode(env: Env, fd: i32) -> Result<RawMode> {
    let fd = duplicate(&env, fd, "fd")?;
    let saved = pty::enter_raw_mode(fd.as_fd())
        .map_err(|e| Failure::os(&e, "tcsetattr").into_error(&env))?;
    Ok(RawMode { fd, saved })
}

#[napi]
impl RawMode {
    #[napi]
    pub fn restore(&self, env: Env) -> Result<()> {
        pty::restore_mode(self.fd.as_fd(), &self.saved)
            .map_err(|e| Failure::os(&e, "tcsetattr").into_error(&env))
    }
}

//! What the node-pty compatible entry needs beyond `spawn`: a spawn that
//! returns with the child started (node-pty's `spawn` is synchronous), the
//! master's fd and the slave's path, the foreground process and the pixel
//! size of the window.

use std::os::fd::AsRawFd;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use rspty_core::PixelSize;

use crate::error::Failure;
use crate::pty::{starter, NativeExitStatus, NativePty};
use crate::request::SpawnRequest;
use crate::terminal::window_size;

/// `spawn` on the calling thread: returns once the program has been
/// executed (`posix_spawn` costs about 0.14 ms; the fork path, used for
/// `uid`/`gid`, costs more in a large process). Throws what `spawn` rejects with.
#[napi]
pub fn spawn_sync(
    env: &Env,
    request: SpawnRequest,
    // Spelled out: the typings are generated from these types as written.
    on_exit: ThreadsafeFunction<NativeExitStatus, (), NativeExitStatus, Status, false>,
    on_readable: ThreadsafeFunction<(), (), (), Status, false, true>,
    // As spawn's: called when a screen watcher armed it; unused without a screen.
    on_screen: ThreadsafeFunction<(), (), (), Status, false, true>,
) -> Result<NativePty> {
    let start = starter(env, request, on_exit, on_readable, on_screen)?;
    // The relay is started on the runtime from here.
    within_runtime_if_available(start).map_err(|failure| failure.into_error(env))
}

/// The process in the foreground of a terminal.
#[napi(object)]
pub struct ForegroundProcess {
    pub pid: i32,
    pub name: String,
    /// Null when this process may not see it.
    pub cwd: Option<String>,
}

#[napi]
impl NativePty {
    /// The master's fd; -1 once the PTY is closed. The PTY owns it.
    #[napi(getter)]
    pub fn fd(&self) -> i32 {
        self.pty.with_master(|fd| fd.as_raw_fd()).unwrap_or(-1)
    }

    /// The slave's device path, like /dev/pts/3.
    #[napi(getter)]
    pub fn pts_name(&self) -> String {
        self.path.clone()
    }

    /// The terminal's foreground process; null when there is none, after
    /// close and once the session is over.
    #[napi]
    pub fn foreground(&self, env: Env) -> Result<Option<ForegroundProcess>> {
        let found = self
            .pty
            .foreground()
            .map_err(|e| Failure::os(&e, "tcgetpgrp").into_error(&env))?;
        Ok(found.map(|process| ForegroundProcess {
            pid: process.pid,
            name: process.name,
            cwd: process.cwd.map(|cwd| cwd.to_string_lossy().into_owned()),
        }))
    }

    /// Sets the window size in cells and in pixels (`ws_xpixel`, `ws_ypixel`).
    #[napi]
    pub fn resize_pixels(
        &self,
        env: Env,
        cols: u32,
        rows: u32,
        width: u32,
        height: u32,
    ) -> Result<()> {
        let size = window_size(cols, rows)?;
        let pixel = |value: u32| {
            u16::try_from(value).map_err(|_| {
                Error::new(
                    Status::InvalidArg,
                    "width and height must be integers from 0 to 65535",
                )
            })
        };
        let pixels = PixelSize {
            width: pixel(width)?,
            height: pixel(height)?,
        };
        // The screen model first, as resize() does.
        if let Some(screen) = &self.screen {
            screen.resize(size.cols, size.rows);
        }
        self.pty
            .resize_with_pixels(size, pixels)
            .map_err(|e| Failure::os(&e, "ioctl").into_error(&env))
    }
}

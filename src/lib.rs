//! The Node.js binding of rspty: converts between JavaScript values and the
//! `rspty-core` engine, and nothing more. The idioms (async iteration,
//! disposal, option validation, error objects) live in the TypeScript layer.

// napi-derive leaves registration out of test builds, so everything looks unused there.
#![cfg_attr(test, allow(dead_code))]

mod chunk;
mod copy;
mod error;
mod pty;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use rspty_core::WindowSize;

pub use pty::NativePty;

/// One small runtime serves every PTY: two reactor threads whatever the
/// number of PTYs, and a few blocking threads for `posix_spawn`.
#[napi_derive::module_init]
fn init() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .thread_name("rspty")
        .enable_all()
        .build()
        .expect("the rspty runtime starts");
    create_custom_tokio_runtime(runtime);
}

/// A pair from `openpty`, handed to JavaScript as raw fds it owns.
#[napi(object)]
pub struct PtyFds {
    pub master: i32,
    pub slave: i32,
    pub path: String,
}

/// Allocates a PTY pair (both ends close-on-exec, blocking).
#[napi(js_name = "openpty")]
pub fn openpty_fds(cols: u32, rows: u32) -> Result<PtyFds> {
    let size = window_size(cols, rows)?;
    let pair = rspty_core::openpty(size).map_err(|e| error::os_error(&e, "openpty", ""))?;
    let (master, slave, path) = rspty_core::pty::into_raw_fds(pair);
    Ok(PtyFds {
        master,
        slave,
        path: path.to_string_lossy().into_owned(),
    })
}

pub(crate) fn window_size(cols: u32, rows: u32) -> Result<WindowSize> {
    let cols = u16::try_from(cols).ok().filter(|c| *c > 0);
    let rows = u16::try_from(rows).ok().filter(|r| *r > 0);
    match (cols, rows) {
        (Some(cols), Some(rows)) => Ok(WindowSize { cols, rows }),
        _ => Err(Error::new(
            Status::InvalidArg,
            "cols and rows must be integers from 1 to 65535",
        )),
    }
}

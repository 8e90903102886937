//! The Node.js binding of rspty: converts between JavaScript values and the
//! `rspty-core` engine, and nothing more. The idioms (async iteration,
//! disposal, option validation, error objects) live in the TypeScript layer.
//!
//! - `pty.rs`: `spawn` and `NativePty`, the native half of the TypeScript `Pty`;
//! - `child.rs`: a child on a slave that JavaScript holds (`interact()`);
//! - `copy.rs`: `copy` with JavaScript hooks;
//! - `terminal.rs`: `openpty`, window sizes and raw mode on JavaScript's fds;
//! - `request.rs`, `chunk.rs`, `error.rs`: values crossing the boundary;
//! - `settle.rs`: how promises are settled; `environment.rs`: worker teardown;
//! - `event_loop.rs`: a quiet PTY read on the JavaScript thread's own event loop;
//! - `compat.rs`: what the node-pty compatible entry needs (a synchronous
//!   spawn, the master's fd and path, the foreground process, pixel sizes).

// napi-derive leaves registration out of test builds, so everything looks unused there.
#![cfg_attr(test, allow(dead_code))]

mod child;
mod chunk;
mod compat;
mod copy;
mod environment;
mod error;
mod event_loop;
mod fd;
mod pty;
mod request;
mod screen;
mod screen_worker;
mod settle;
mod terminal;

use napi::bindgen_prelude::*;

pub use pty::NativePty;

/// Bytes of output queued for the reader before the relay stops reading the
/// PTY, when `highWaterMark` is not given: the core's default, so that
/// JavaScript reads it from the one place it is defined.
#[napi_derive::napi]
pub const DEFAULT_HIGH_WATER_MARK: u32 = rspty_core::DEFAULT_HIGH_WATER_MARK as u32;

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

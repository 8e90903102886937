//! `NativeChild`: a program started on a slave that JavaScript holds (the
//! pair of `openpty()`, for `interact()`), with its exit and signals.

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use rspty_core::child::Signaller;
use rspty_core::{Child, SpawnMethod};

use crate::error::Failure;
use crate::fd::duplicate;
use crate::pty::NativeExitStatus;
use crate::request::SpawnRequest;
use crate::settle;

#[napi]
pub struct NativeChild {
    pid: i32,
    child: Arc<tokio::sync::Mutex<Child>>,
    signaller: Signaller,
}

/// Starts the program of `request` on the slave `slave` (device `path`).
#[napi(ts_return_type = "Promise<NativeChild>")]
pub fn spawn_on_slave(
    env: &Env,
    request: SpawnRequest,
    slave: i32,
    path: String,
) -> Result<Object<'_>> {
    let command = request.command();
    let slave = duplicate(env, slave, "slave")?;
    settle::on_blocking_thread(env, "spawn", move || {
        let path = PathBuf::from(path);
        let child = rspty_core::spawn_on_slave(&command, slave.as_fd(), &path, SpawnMethod::best())
            .map_err(|e| Failure::spawn(&e))?;
        Ok(NativeChild {
            pid: child.pid(),
            signaller: child.signaller(),
            child: Arc::new(tokio::sync::Mutex::new(child)),
        })
    })
}

#[napi]
impl NativeChild {
    #[napi(getter)]
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Waits for the exit and reaps the child.
    #[napi(ts_return_type = "Promise<NativeExitStatus>")]
    pub fn wait<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let child = self.child.clone();
        settle::on_runtime(env, async move {
            let status = child.lock().await.wait().await;
            status
                .map(NativeExitStatus::from)
                .map_err(|e| Failure::os(&e, "waitpid"))
        })
    }

    /// Signals the child's process group; false once the child was reaped.
    #[napi]
    pub fn kill(&self, env: Env, signal: i32) -> Result<bool> {
        self.signaller
            .kill(signal)
            .map_err(|e| Failure::os(&e, "kill").into_error(&env))
    }
}

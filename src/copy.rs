//! `copy` between raw fds owned by JavaScript, with JavaScript hooks.

use std::os::fd::AsFd;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use rspty_core::{CopyOptions, Filter};

use crate::error::Failure;
use crate::fd::duplicate;
use crate::settle;

/// A JavaScript hook that sees a chunk and returns the bytes to pass on.
type ChunkHook = ThreadsafeFunction<Buffer, Buffer, Buffer, Status, false>;

fn filter(hook: ChunkHook) -> Filter {
    let hook = Arc::new(hook);
    Box::new(move |chunk: Vec<u8>| {
        let hook = hook.clone();
        Box::pin(async move {
            let replaced = hook
                .call_async_catch(Buffer::from(chunk))
                .await
                .map_err(|e| std::io::Error::other(e.reason.clone()))?;
            Ok(replaced.to_vec())
        })
    })
}

/// Relays master -> output and input -> master until the master's output ends.
#[napi(ts_return_type = "Promise<void>")]
pub fn copy(
    env: &Env,
    master: i32,
    input: i32,
    output: i32,
    on_output: Option<ThreadsafeFunction<Buffer, Buffer, Buffer, Status, false>>,
    on_input: Option<ThreadsafeFunction<Buffer, Buffer, Buffer, Status, false>>,
) -> Result<Object<'_>> {
    let master = duplicate(env, master, "master")?;
    let input = duplicate(env, input, "input")?;
    let output = duplicate(env, output, "output")?;
    let options = CopyOptions {
        on_output: on_output.map(filter),
        on_input: on_input.map(filter),
    };
    settle::on_runtime(env, async move {
        rspty_core::copy(master.as_fd(), input.as_fd(), output.as_fd(), options)
            .await
            .map_err(|e| Failure::os(&e, "copy"))
    })
}

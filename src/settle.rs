//! The one way the binding settles a promise: work runs off the JavaScript
//! thread, and the promise is settled on it, where a [`Failure`] becomes a
//! JavaScript error.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::*;

use crate::error::Failure;

/// Runs `work` on a blocking thread of the runtime and settles the returned
/// promise with its outcome. A panic rejects the promise rather than leaving
/// it pending.
pub fn on_blocking_thread<'env, T, F>(
    env: &'env Env,
    what: &'static str,
    work: F,
) -> Result<Object<'env>>
where
    T: ToNapiValue + Send + 'static,
    F: FnOnce() -> std::result::Result<T, Failure> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred()?;
    spawn_blocking(move || {
        let outcome =
            catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| Err(Failure::internal(what)));
        deferred.resolve(move |env| outcome.map_err(|failure| failure.into_error(&env)));
    });
    Ok(promise)
}

/// Runs `future` on the runtime and settles the returned promise with its
/// outcome.
pub fn on_runtime<T, F>(env: &Env, future: F) -> Result<Object<'_>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = std::result::Result<T, Failure>> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred()?;
    spawn(async move {
        let outcome = future.await;
        deferred.resolve(move |env| outcome.map_err(|failure| failure.into_error(&env)));
    });
    Ok(promise)
}

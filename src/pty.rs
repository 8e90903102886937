//! `spawn` and the `NativePty` handle: one live PTY with its child.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use rspty_core::{Command, ExitStatus, Session, SessionOptions, TryRead, Write};

use crate::chunk::OutputChunk;
use crate::error;

#[napi(object)]
pub struct SpawnRequest {
    pub file: String,
    pub args: Vec<String>,
    /// The whole environment as `NAME=value` entries; without it, this
    /// process's own environment, read here on the JavaScript thread.
    pub env: Option<Vec<String>>,
    /// TERM for the child, set over this process's environment when `env`
    /// is not given.
    pub term: Option<String>,
    pub cwd: Option<String>,
    pub cols: u32,
    pub rows: u32,
    pub high_water_mark: Option<u32>,
}

#[napi(object)]
pub struct NativeExitStatus {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl From<ExitStatus> for NativeExitStatus {
    fn from(status: ExitStatus) -> Self {
        NativeExitStatus {
            code: status.code,
            signal: status.signal,
        }
    }
}

/// Called once with the exit status, when all output is queued.
type ExitCallback = ThreadsafeFunction<NativeExitStatus, (), NativeExitStatus, Status, false>;

/// Called when output arrives after a `read()` found none. Weak: it holds the
/// event loop open only while such a read waits (see `NativePty::read`).
type ReadableCallback = ThreadsafeFunction<(), (), (), Status, false, true>;

/// The readable callback, shared by the handle (which refs and unrefs it)
/// and the session (which calls it, and drops it when the output ends).
type ReadableSlot = Arc<Mutex<Option<ReadableCallback>>>;

/// What the session holds: dropping it releases the callback, so that the
/// JavaScript function, and what it holds, can be collected.
struct ReadableNotifier(ReadableSlot);

impl ReadableNotifier {
    fn notify(&self) {
        if let Some(callback) = lock(&self.0).as_ref() {
            callback.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

impl Drop for ReadableNotifier {
    fn drop(&mut self) {
        drop(lock(&self.0).take());
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[napi]
pub struct NativePty {
    session: Arc<Session>,
    /// Holds the event loop open until the exit is delivered (unless unref'd).
    on_exit: Arc<Mutex<Option<ExitCallback>>>,
    on_readable: ReadableSlot,
    /// A `read()` found nothing and waits for the readable callback.
    waiting: std::cell::Cell<bool>,
    /// Not unref'd by the user.
    referenced: std::cell::Cell<bool>,
}

pub(crate) fn command(request: &SpawnRequest) -> Result<Command> {
    let mut command = Command::new(&request.file);
    command.args = request.args.iter().map(Into::into).collect();
    match &request.env {
        Some(entries) => {
            for entry in entries {
                let (name, value) = entry.split_once('=').ok_or_else(|| {
                    Error::new(Status::InvalidArg, "environment entries are NAME=value")
                })?;
                command.env.push((name.into(), value.into()));
            }
        }
        None => command = command.inherit_env(),
    }
    if let Some(term) = &request.term {
        command = command.env("TERM", term);
    }
    command.cwd = request.cwd.as_ref().map(Into::into);
    Ok(command)
}

/// The live sessions of one Node.js environment (the main thread or a
/// worker), hung up when that environment is torn down so that a terminated
/// worker leaves no child or fd behind.
#[derive(Default)]
struct EnvSessions(Mutex<Vec<std::sync::Weak<Session>>>);

impl EnvSessions {
    fn add(&self, session: &Arc<Session>) {
        let mut sessions = lock(&self.0);
        sessions.retain(|s| s.strong_count() > 0);
        sessions.push(Arc::downgrade(session));
    }

    fn close_all(&self) {
        let sessions = std::mem::take(&mut *lock(&self.0));
        for session in sessions.iter().filter_map(std::sync::Weak::upgrade) {
            session.close();
        }
    }
}

type EnvRegistry = Mutex<std::collections::HashMap<usize, Arc<EnvSessions>>>;

fn env_sessions(env: &Env) -> Result<Arc<EnvSessions>> {
    static REGISTRY: std::sync::OnceLock<EnvRegistry> = std::sync::OnceLock::new();
    let registry = REGISTRY.get_or_init(Default::default);
    let key = env.raw() as usize;
    let mut map = lock(registry);
    if let Some(sessions) = map.get(&key) {
        return Ok(sessions.clone());
    }
    let sessions = Arc::new(EnvSessions::default());
    env.add_env_cleanup_hook(sessions.clone(), move |sessions| {
        sessions.close_all();
        if let Some(registry) = REGISTRY.get() {
            lock(registry).remove(&key);
        }
    })?;
    map.insert(key, sessions.clone());
    Ok(sessions)
}

/// Allocates a PTY, starts the program on it (off the JavaScript thread) and
/// starts its relay. Resolves once the program has been executed. All of it
/// happens on one blocking thread, which settles the promise itself: one hop
/// there and one back.
#[napi(ts_return_type = "Promise<NativePty>")]
pub fn spawn(
    env: &Env,
    request: SpawnRequest,
    // Spelled out: the typings are generated from these types as written.
    on_exit: ThreadsafeFunction<NativeExitStatus, (), NativeExitStatus, Status, false>,
    on_readable: ThreadsafeFunction<(), (), (), Status, false, true>,
) -> Result<Object<'_>> {
    let size = crate::window_size(request.cols, request.rows)?;
    let command = command(&request)?;
    let options = SessionOptions {
        high_water_mark: request
            .high_water_mark
            .map(|b| b as usize)
            .unwrap_or(rspty_core::DEFAULT_HIGH_WATER_MARK),
    };
    let file = request.file;
    let env_sessions = env_sessions(env)?;
    let (deferred, promise) = env.create_deferred()?;
    let start = move || {
        let pair = rspty_core::openpty(size).map_err(|e| error::os_error(&e, "openpty", &file))?;
        let child = rspty_core::spawn(&command, &pair).map_err(|e| error::spawn_error(&e))?;
        // Blocking threads run within the runtime, which the relay needs.
        let session = Arc::new(
            Session::start(pair, child, options).map_err(|e| error::os_error(&e, "spawn", ""))?,
        );
        env_sessions.add(&session);
        let on_readable: ReadableSlot = Arc::new(Mutex::new(Some(on_readable)));
        let notifier = ReadableNotifier(on_readable.clone());
        session.on_readable(move || notifier.notify());
        let on_exit = Arc::new(Mutex::new(Some(on_exit)));
        let (watched, callback) = (session.clone(), on_exit.clone());
        tokio::spawn(async move {
            let status = watched.wait().await;
            let callback = lock(&callback).take();
            if let Some(callback) = callback {
                callback.call(status.into(), ThreadsafeFunctionCallMode::NonBlocking);
            }
        });
        Ok::<_, Error>(NativePty {
            session,
            on_exit,
            on_readable,
            waiting: false.into(),
            referenced: true.into(),
        })
    };
    spawn_blocking(move || {
        // A panic must still settle the promise, or the caller would wait forever.
        let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(start))
            .unwrap_or_else(|_| Err(Error::from_reason("spawn: internal error (panic)")));
        match started {
            Ok(pty) => deferred.resolve(move |_| Ok(pty)),
            Err(error) => deferred.reject(error),
        }
    });
    Ok(promise)
}

#[napi]
impl NativePty {
    #[napi(getter)]
    pub fn pid(&self) -> i32 {
        self.session.pid()
    }

    /// The next chunk of output; null once the output has ended; undefined
    /// when there is none yet, and then the readable callback is called once
    /// there is. Never waits: one wake-up of the JavaScript thread per burst
    /// of output, and no promise or handle made per read.
    #[napi(ts_return_type = "Buffer | null | undefined")]
    pub fn read(&self, env: Env) -> Result<Either3<OutputChunk, Null, Undefined>> {
        let (found, waiting) = match self.session.try_read() {
            TryRead::Chunk(chunk) => (Either3::A(OutputChunk(chunk)), false),
            TryRead::Ended => (Either3::B(Null), false),
            TryRead::Empty => (Either3::C(()), true),
        };
        self.waiting.set(waiting);
        self.update_readable_ref(&env)?;
        Ok(found)
    }

    /// Writes `data`: null when the kernel took all of it at once, else a
    /// promise that resolves once it has taken the rest.
    #[napi(ts_return_type = "Promise<void> | null")]
    pub fn write(&self, env: Env, data: &[u8]) -> Result<Option<AsyncBlock<()>>> {
        let written = self.session.write(data);
        match written.map_err(|e| error::os_error(&e, "write", ""))? {
            Write::Done => Ok(None),
            Write::Queued(queued) => AsyncBlockBuilder::new(async move {
                queued
                    .finished()
                    .await
                    .map_err(|e| error::os_error(&e, "write", ""))
            })
            .build(&env)
            .map(Some),
        }
    }

    #[napi]
    pub fn resize(&self, cols: u32, rows: u32) -> Result<()> {
        let size = crate::window_size(cols, rows)?;
        self.session
            .resize(size)
            .map_err(|e| error::os_error(&e, "ioctl", "TIOCSWINSZ"))
    }

    /// Signals the child's process group; false once the child was reaped.
    #[napi]
    pub fn kill(&self, signal: i32) -> Result<bool> {
        self.session
            .kill(signal)
            .map_err(|e| error::os_error(&e, "kill", ""))
    }

    /// Hangs up: closes the master.
    #[napi]
    pub fn close(&self) {
        self.session.close();
    }

    // napi_ref/napi_unref_threadsafe_function decide whether the callbacks
    // keep the event loop alive, which is exactly what ref()/unref() mean here.
    #[napi(js_name = "ref")]
    #[allow(deprecated)]
    pub fn refer(&self, env: Env) -> Result<()> {
        self.referenced.set(true);
        self.update_readable_ref(&env)?;
        self.with_exit_callback(|callback| callback.refer(&env))
    }

    #[napi]
    #[allow(deprecated)]
    pub fn unref(&self, env: Env) -> Result<()> {
        self.referenced.set(false);
        self.update_readable_ref(&env)?;
        self.with_exit_callback(|callback| callback.unref(&env))
    }
}

impl NativePty {
    /// The readable callback holds the event loop open while a read waits
    /// for it, unless the user unref'd the PTY.
    #[allow(deprecated)]
    fn update_readable_ref(&self, env: &Env) -> Result<()> {
        let hold = self.waiting.get() && self.referenced.get();
        match lock(&self.on_readable).as_mut() {
            Some(callback) if hold => callback.refer(env),
            Some(callback) => callback.unref(env),
            None => Ok(()),
        }
    }

    /// Runs `f` on the exit callback while it has not been delivered yet.
    fn with_exit_callback(&self, f: impl FnOnce(&mut ExitCallback) -> Result<()>) -> Result<()> {
        let mut callback = lock(&self.on_exit);
        callback.as_mut().map_or(Ok(()), f)
    }
}

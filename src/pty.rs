//! `spawn` and `NativePty`, the native half of the TypeScript `Pty`: one
//! live PTY with its child, a core [`Pty`].

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use rspty_core::{
    ExitStatus, Pty, PtyOptions, SpawnError, SpawnStage, TryRead, Write, QUIET_CHUNK,
};

use crate::chunk::OutputChunk;
use crate::environment::live_ptys;
use crate::error::Failure;
use crate::event_loop::WatchSlot;
use crate::request::SpawnRequest;
use crate::screen::{ChangeCallback, NativeScreen, ScreenState, ScreenTap};
use crate::settle;
use crate::terminal::window_size;

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
pub(crate) type ExitCallback =
    ThreadsafeFunction<NativeExitStatus, (), NativeExitStatus, Status, false>;

/// Called when output arrives after a `read()` found none. Weak: it holds the
/// event loop open only while such a read waits (see `NativePty::read`).
pub(crate) type ReadableCallback = ThreadsafeFunction<(), (), (), Status, false, true>;

/// The readable callback, shared by the handle (which refs and unrefs it)
/// and the pty (which calls it, and drops it when the output ends).
type ReadableSlot = Arc<Mutex<Option<ReadableCallback>>>;

/// What the pty holds: dropping it releases the callback, so that the
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
    pub(crate) pty: Arc<Pty>,
    /// Holds the event loop open until the exit is delivered (unless unref'd).
    on_exit: Arc<Mutex<Option<ExitCallback>>>,
    on_readable: ReadableSlot,
    /// A `read()` found nothing and waits for the readable callback.
    waiting: std::cell::Cell<bool>,
    /// Not unref'd by the user.
    referenced: std::cell::Cell<bool>,
    /// The last chunk was small: reads also have the event loop
    /// watch the master (see `event_loop.rs`). The first chunk comes
    /// through the relay.
    quiet: std::cell::Cell<bool>,
    watch: WatchSlot,
    pub(crate) screen: Option<Arc<ScreenState>>,
    /// The slave's device path, like /dev/pts/3.
    pub(crate) path: String,
}

/// What `spawn` and `spawnSync` share: checks the request on the JavaScript
/// thread and returns the work that allocates the PTY, starts the program
/// and its relay (which must run within the runtime).
pub(crate) fn starter(
    env: &Env,
    request: SpawnRequest,
    on_exit: ExitCallback,
    on_readable: ReadableCallback,
    on_screen: ChangeCallback,
) -> Result<impl FnOnce() -> std::result::Result<NativePty, Failure> + Send + 'static> {
    let size = window_size(request.cols, request.rows)?;
    let command = request.command();
    let screen = request.screen.map(|scrollback| {
        ScreenState::new(size.cols, size.rows, scrollback as usize, Some(on_screen))
    });
    let options = PtyOptions {
        high_water_mark: request
            .high_water_mark
            .map(|b| b as usize)
            .unwrap_or(rspty_core::DEFAULT_HIGH_WATER_MARK),
        tap: screen
            .clone()
            .map(|state| Arc::new(ScreenTap(state)) as Arc<dyn rspty_core::OutputTap>),
    };
    let live = live_ptys(env)?;
    Ok(move || {
        let pair = rspty_core::openpty(size).map_err(|error| {
            Failure::spawn(&SpawnError {
                stage: SpawnStage::Pty,
                error,
            })
        })?;
        let path = pair.path.to_string_lossy().into_owned();
        let child = rspty_core::spawn(&command, &pair).map_err(|e| Failure::spawn(&e))?;
        let pty = Pty::start(pair, child, options).map_err(|error| {
            Failure::spawn(&SpawnError {
                stage: SpawnStage::Watch,
                error,
            })
        })?;
        let pty = Arc::new(pty);
        if let Some(screen) = &screen {
            screen.attach(&pty); // the screen answers the program's queries
        }
        live.add(&pty);
        let on_readable: ReadableSlot = Arc::new(Mutex::new(Some(on_readable)));
        let notifier = ReadableNotifier(on_readable.clone());
        pty.on_readable(move || notifier.notify());
        let on_exit = Arc::new(Mutex::new(Some(on_exit)));
        // Waiting holds the exit, not the pty: a dropped NativePty hangs up.
        let (exited, callback) = (pty.exited(), on_exit.clone());
        tokio::spawn(async move {
            let status = exited.await;
            let callback = lock(&callback).take();
            if let Some(callback) = callback {
                callback.call(status.into(), ThreadsafeFunctionCallMode::NonBlocking);
            }
        });
        Ok(NativePty {
            pty,
            on_exit,
            on_readable,
            waiting: false.into(),
            referenced: true.into(),
            quiet: false.into(),
            watch: WatchSlot::default(),
            screen,
            path,
        })
    })
}

/// Allocates a PTY, starts the program on it and starts its relay, all on
/// one blocking thread (off the JavaScript thread). Resolves once the
/// program has been executed.
#[napi(ts_return_type = "Promise<NativePty>")]
pub fn spawn(
    env: &Env,
    request: SpawnRequest,
    // Spelled out: the typings are generated from these types as written.
    on_exit: ThreadsafeFunction<NativeExitStatus, (), NativeExitStatus, Status, false>,
    on_readable: ThreadsafeFunction<(), (), (), Status, false, true>,
    // Called after a parsed batch when a screen watcher armed it; unused without a screen.
    on_screen: ThreadsafeFunction<(), (), (), Status, false, true>,
) -> Result<Object<'_>> {
    let start = starter(env, request, on_exit, on_readable, on_screen)?;
    // Blocking threads run within the runtime, which the relay needs.
    settle::on_blocking_thread(env, "spawn", start)
}

#[napi]
impl NativePty {
    #[napi(getter)]
    pub fn pid(&self) -> i32 {
        self.pty.pid()
    }

    /// The next chunk of output; null once the output has ended; undefined
    /// when there is none yet, and then the readable callback is called once
    /// there is. Never waits: one wake-up of the JavaScript thread per burst
    /// of output, and no promise or handle made per read.
    ///
    /// With `announce`, a read on a quiet PTY (the last chunk was small) has
    /// the event loop read the master itself and call `announce` (on this
    /// thread) instead of the readable callback; see `event_loop.rs`.
    #[napi(ts_return_type = "Buffer | null | undefined")]
    pub fn read(
        &self,
        env: Env,
        announce: Option<Function<(), ()>>,
    ) -> Result<Either3<OutputChunk, Null, Undefined>> {
        let (found, waiting) = match self.pty.try_read() {
            TryRead::Chunk(chunk) => {
                self.quiet.set(chunk.len() < QUIET_CHUNK);
                (Either3::A(OutputChunk(chunk)), false)
            }
            TryRead::Ended => {
                // Nothing more to watch for: let go of the master for good.
                self.quiet.set(false);
                self.watch.close();
                (Either3::B(Null), false)
            }
            TryRead::Empty => (Either3::C(()), true),
        };
        self.waiting.set(waiting);
        match announce {
            Some(announce) if self.quiet.get() && self.screen.is_none() => {
                self.watch.start(&env, &self.pty, announce.raw());
            }
            _ => self.watch.stop(),
        }
        self.update_readable_ref(&env)?;
        Ok(found)
    }

    /// Writes `data`: null when the kernel took all of it at once, else a
    /// promise that resolves once it has taken the rest.
    #[napi(ts_return_type = "Promise<void> | null")]
    pub fn write<'env>(&self, env: &'env Env, data: &[u8]) -> Result<Option<Object<'env>>> {
        let written = self.pty.write(data);
        match written.map_err(|e| Failure::os(&e, "write").into_error(env))? {
            Write::Done => Ok(None),
            Write::Queued(queued) => settle::on_runtime(env, async move {
                queued
                    .finished()
                    .await
                    .map_err(|e| Failure::os(&e, "write"))
            })
            .map(Some),
        }
    }

    /// The screen model, when spawned with one.
    #[napi]
    pub fn screen(&self) -> Option<NativeScreen> {
        self.screen.clone().map(NativeScreen::of)
    }

    /// Raw output bytes dropped because nobody read them (see the screen
    /// option).
    #[napi(getter)]
    pub fn dropped_bytes(&self) -> f64 {
        self.pty.dropped() as f64
    }

    #[napi]
    pub fn resize(&self, env: Env, cols: u32, rows: u32) -> Result<()> {
        let size = window_size(cols, rows)?;
        // The model first: what the program draws after SIGWINCH is for the new size.
        if let Some(screen) = &self.screen {
            screen.resize(size.cols, size.rows);
        }
        self.pty
            .resize(size)
            .map_err(|e| Failure::os(&e, "ioctl").into_error(&env))
    }

    /// Signals the child's process group; false once the child was reaped.
    #[napi]
    pub fn kill(&self, env: Env, signal: i32) -> Result<bool> {
        self.pty
            .kill(signal)
            .map_err(|e| Failure::os(&e, "kill").into_error(&env))
    }

    /// Hangs up: closes the master.
    #[napi]
    pub fn close(&self) {
        // The event loop lets go of the master first, so the hang-up is not delayed.
        self.watch.close();
        self.pty.close();
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

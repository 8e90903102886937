//! `spawn` and the `NativePty` handle: one live PTY with its child.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use rspty_core::{Command, ExitStatus, Session, SessionOptions};

use crate::chunk::OutputChunk;
use crate::error;

#[napi(object)]
pub struct SpawnRequest {
    pub file: String,
    pub args: Vec<String>,
    /// The whole environment as `NAME=value` entries.
    pub env: Vec<String>,
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

#[napi]
pub struct NativePty {
    session: Arc<Session>,
    /// Holds the event loop open until the exit is delivered (unless unref'd).
    on_exit: Arc<Mutex<Option<ExitCallback>>>,
}

pub(crate) fn command(request: &SpawnRequest) -> Result<Command> {
    let mut command = Command::new(&request.file);
    command.args = request.args.iter().map(Into::into).collect();
    for entry in &request.env {
        let (name, value) = entry
            .split_once('=')
            .ok_or_else(|| Error::new(Status::InvalidArg, "environment entries are NAME=value"))?;
        command.env.push((name.into(), value.into()));
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
        let mut sessions = self.0.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|s| s.strong_count() > 0);
        sessions.push(Arc::downgrade(session));
    }

    fn close_all(&self) {
        let sessions = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
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
    let mut map = registry.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(sessions) = map.get(&key) {
        return Ok(sessions.clone());
    }
    let sessions = Arc::new(EnvSessions::default());
    env.add_env_cleanup_hook(sessions.clone(), move |sessions| {
        sessions.close_all();
        if let Some(registry) = REGISTRY.get() {
            registry
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
        }
    })?;
    map.insert(key, sessions.clone());
    Ok(sessions)
}

/// Allocates a PTY, starts the program on it (off the JavaScript thread) and
/// starts its relay. Resolves once the program has been executed.
#[napi]
pub fn spawn(
    env: Env,
    request: SpawnRequest,
    on_exit: ThreadsafeFunction<NativeExitStatus, (), NativeExitStatus, Status, false>,
) -> Result<AsyncBlock<NativePty>> {
    let size = crate::window_size(request.cols, request.rows)?;
    let command = command(&request)?;
    let options = SessionOptions {
        high_water_mark: request
            .high_water_mark
            .map(|b| b as usize)
            .unwrap_or(rspty_core::DEFAULT_HIGH_WATER_MARK),
    };
    let file = request.file;
    let env_sessions = env_sessions(&env)?;
    AsyncBlockBuilder::new(async move {
        let (pair, child) = tokio::task::spawn_blocking(move || {
            let pair =
                rspty_core::openpty(size).map_err(|e| error::os_error(&e, "openpty", &file))?;
            let child = rspty_core::spawn(&command, &pair).map_err(|e| error::spawn_error(&e))?;
            Ok::<_, Error>((pair, child))
        })
        .await
        .map_err(|e| Error::from_reason(e.to_string()))??;
        let session = Arc::new(
            Session::start(pair, child, options).map_err(|e| error::os_error(&e, "spawn", ""))?,
        );
        env_sessions.add(&session);
        let on_exit = Arc::new(Mutex::new(Some(on_exit)));
        let (watched, callback) = (session.clone(), on_exit.clone());
        tokio::spawn(async move {
            let status = watched.wait().await;
            let callback = callback.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(callback) = callback {
                callback.call(status.into(), ThreadsafeFunctionCallMode::NonBlocking);
            }
        });
        Ok(NativePty { session, on_exit })
    })
    .build(&env)
}

#[napi]
impl NativePty {
    #[napi(getter)]
    pub fn pid(&self) -> i32 {
        self.session.pid()
    }

    /// The next chunk of output, or null once the output ended.
    #[napi(ts_return_type = "Promise<Buffer | null>")]
    pub fn read(&self, env: Env) -> Result<AsyncBlock<Option<OutputChunk>>> {
        let session = self.session.clone();
        AsyncBlockBuilder::new(async move { Ok(session.read().await.map(OutputChunk)) }).build(&env)
    }

    /// Resolves once the kernel has taken all of `data`.
    #[napi]
    pub fn write(&self, env: Env, data: &[u8]) -> Result<AsyncBlock<()>> {
        let written = self.session.write(data.to_vec());
        AsyncBlockBuilder::new(async move {
            written.await.map_err(|e| error::os_error(&e, "write", ""))
        })
        .build(&env)
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

    // napi_ref/napi_unref_threadsafe_function decide whether the exit callback
    // keeps the event loop alive, which is exactly what ref()/unref() mean here.
    #[napi(js_name = "ref")]
    #[allow(deprecated)]
    pub fn refer(&self, env: Env) -> Result<()> {
        self.with_exit_callback(|callback| callback.refer(&env))
    }

    #[napi]
    #[allow(deprecated)]
    pub fn unref(&self, env: Env) -> Result<()> {
        self.with_exit_callback(|callback| callback.unref(&env))
    }
}

impl NativePty {
    /// Runs `f` on the exit callback while it has not been delivered yet.
    fn with_exit_callback(&self, f: impl FnOnce(&mut ExitCallback) -> Result<()>) -> Result<()> {
        let mut callback = self.on_exit.lock().unwrap_or_else(|e| e.into_inner());
        callback.as_mut().map_or(Ok(()), f)
    }
}

//! `copy` between raw fds owned by JavaScript, and the child of a pair that
//! JavaScript allocated with `openpty` (the pieces of `interact`).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use rspty_core::child::Signaller;
use rspty_core::{Child, CopyOptions, Filter, SpawnMethod, WindowSize};

use crate::error;
use crate::pty::{command, NativeExitStatus, SpawnRequest};

/// A JavaScript hook that sees a chunk and returns the bytes to pass on.
type ChunkHook = ThreadsafeFunction<Buffer, Buffer, Buffer, Status, false>;

/// A duplicate of an fd that JavaScript owns, so the relay never closes
/// the caller's own and is unaffected if the caller closes it.
fn duplicate(fd: i32, name: &str) -> Result<OwnedFd> {
    let invalid = || {
        Error::new(
            Status::InvalidArg,
            format!("{name} is not an open file descriptor"),
        )
    };
    if fd < 0 {
        return Err(invalid());
    }
    // SAFETY: the fd number is only used for F_GETFD (is it open?) and a dup; no
    // ownership is taken, and the caller keeps it open for this call.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    nix::fcntl::fcntl(borrowed, nix::fcntl::FcntlArg::F_GETFD).map_err(|_| invalid())?;
    borrowed
        .try_clone_to_owned()
        .map_err(|e| error::os_error(&e, "dup", name))
}

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
#[napi]
pub fn copy(
    env: Env,
    master: i32,
    input: i32,
    output: i32,
    on_output: Option<ThreadsafeFunction<Buffer, Buffer, Buffer, Status, false>>,
    on_input: Option<ThreadsafeFunction<Buffer, Buffer, Buffer, Status, false>>,
) -> Result<AsyncBlock<()>> {
    let master = duplicate(master, "master")?;
    let input = duplicate(input, "input")?;
    let output = duplicate(output, "output")?;
    let options = CopyOptions {
        on_output: on_output.map(filter),
        on_input: on_input.map(filter),
    };
    AsyncBlockBuilder::new(async move {
        rspty_core::copy(master.as_fd(), input.as_fd(), output.as_fd(), options)
            .await
            .map_err(|e| error::os_error(&e, "copy", ""))
    })
    .build(&env)
}

/// Sets the window size of the terminal behind `fd`.
#[napi]
pub fn set_window_size(fd: i32, cols: u32, rows: u32) -> Result<()> {
    let size: WindowSize = crate::window_size(cols, rows)?;
    let fd = duplicate(fd, "fd")?;
    rspty_core::pty::set_window_size(fd.as_fd(), size)
        .map_err(|e| error::os_error(&e, "ioctl", "TIOCSWINSZ"))
}

/// A child started on a slave that JavaScript holds.
#[napi]
pub struct NativeChild {
    pid: i32,
    child: Arc<tokio::sync::Mutex<Child>>,
    signaller: Signaller,
}

/// Starts the program of `request` on the slave `slave` (device `path`).
#[napi]
pub fn spawn_on_slave(
    env: Env,
    request: SpawnRequest,
    slave: i32,
    path: String,
) -> Result<AsyncBlock<NativeChild>> {
    let command = command(&request)?;
    let slave = duplicate(slave, "slave")?;
    AsyncBlockBuilder::new(async move {
        let child = tokio::task::spawn_blocking(move || {
            let path = PathBuf::from(path);
            rspty_core::spawn_on_slave(&command, slave.as_fd(), &path, SpawnMethod::best())
                .map_err(|e| error::spawn_error(&e))
        })
        .await
        .map_err(|e| Error::from_reason(e.to_string()))??;
        Ok(NativeChild {
            pid: child.pid(),
            signaller: child.signaller(),
            child: Arc::new(tokio::sync::Mutex::new(child)),
        })
    })
    .build(&env)
}

#[napi]
impl NativeChild {
    #[napi(getter)]
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Waits for the exit and reaps the child.
    #[napi]
    pub fn wait(&self, env: Env) -> Result<AsyncBlock<NativeExitStatus>> {
        let child = self.child.clone();
        AsyncBlockBuilder::new(async move {
            let status = child
                .lock()
                .await
                .wait()
                .await
                .map_err(|e| error::os_error(&e, "waitpid", ""))?;
            Ok(NativeExitStatus::from(status))
        })
        .build(&env)
    }

    /// Signals the child's process group; false once the child was reaped.
    #[napi]
    pub fn kill(&self, signal: i32) -> Result<bool> {
        self.signaller
            .kill(signal)
            .map_err(|e| error::os_error(&e, "kill", ""))
    }
}

/// The size of the terminal behind `fd`.
#[napi(object)]
pub struct TerminalSize {
    pub cols: u32,
    pub rows: u32,
}

#[napi]
pub fn get_window_size(fd: i32) -> Result<TerminalSize> {
    let fd = duplicate(fd, "fd")?;
    let size = rspty_core::pty::window_size(fd.as_fd())
        .map_err(|e| error::os_error(&e, "ioctl", "TIOCGWINSZ"))?;
    Ok(TerminalSize {
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
pub fn enter_raw_mode(fd: i32) -> Result<RawMode> {
    let fd = duplicate(fd, "fd")?;
    let saved = rspty_core::pty::enter_raw_mode(fd.as_fd())
        .map_err(|e| error::os_error(&e, "tcsetattr", ""))?;
    Ok(RawMode { fd, saved })
}

#[napi]
impl RawMode {
    #[napi]
    pub fn restore(&self) -> Result<()> {
        rspty_core::pty::restore_mode(self.fd.as_fd(), &self.saved)
            .map_err(|e| error::os_error(&e, "tcsetattr", ""))
    }
}

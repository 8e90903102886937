//! `copy`: Python's `pty.copy` on the reactor. Relays master -> output and
//! input -> master through two bounded buffers, every fd non-blocking, so a
//! busy side never stalls the other (no gh-96522 deadlock).
//!
//! EOF on input stops reading input only. EOF or EIO on the master ends the
//! relay once what was read from it has been written out. A write error on
//! output stops output writes, and the master is still drained to its end.

use std::future::Future;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::pin::Pin;

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use crate::sys;

/// How much each direction holds before it stops reading its source.
pub const COPY_BUFFER: usize = 64 * 1024;

/// A hook that sees each chunk and returns what to pass on (Python's
/// `master_read` / `stdin_read`).
pub type Filter =
    Box<dyn FnMut(Vec<u8>) -> Pin<Box<dyn Future<Output = io::Result<Vec<u8>>> + Send>> + Send>;

#[derive(Default)]
pub struct CopyOptions {
    pub on_output: Option<Filter>,
    pub on_input: Option<Filter>,
}

/// One fd of the relay: pollable ones through the reactor, regular files
/// (which epoll refuses and which are always ready) directly.
struct Endpoint {
    fd: Option<AsyncFd<OwnedFd>>,
    plain: Option<OwnedFd>,
    restore: Option<(OwnedFd, OFlag)>,
}

impl Endpoint {
    /// Works on a duplicate, so the caller's fd stays open; O_NONBLOCK is set
    /// on the shared file description and restored on drop.
    fn new(fd: BorrowedFd<'_>, interest: Interest) -> io::Result<Endpoint> {
        let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
        let dup = fd.try_clone_to_owned()?;
        let keep = fd.try_clone_to_owned()?;
        fcntl(&dup, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
        let restore = Some((keep, flags));
        match sys::register(dup.try_clone()?, interest) {
            Ok(fd) => Ok(Endpoint {
                fd: Some(fd),
                plain: None,
                restore,
            }),
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => Ok(Endpoint {
                fd: None,
                plain: Some(dup),
                restore,
            }),
            Err(e) => Err(e),
        }
    }

    fn raw(&self) -> BorrowedFd<'_> {
        match (&self.fd, &self.plain) {
            (Some(fd), _) => fd.get_ref().as_fd(),
            (None, Some(fd)) => fd.as_fd(),
            (None, None) => unreachable!("an endpoint has an fd"),
        }
    }

    /// Waits until readable. The guard (none for a plain file) must be
    /// cleared only when a read would block: epoll reports edges.
    async fn readable(&self) -> Option<ReadyGuard<'_>> {
        match &self.fd {
            Some(fd) => fd.readable().await.ok(),
            None => None,
        }
    }

    async fn writable(&self) -> Option<ReadyGuard<'_>> {
        match &self.fd {
            Some(fd) => fd.writable().await.ok(),
            None => None,
        }
    }
}

type ReadyGuard<'a> = tokio::io::unix::AsyncFdReadyGuard<'a, OwnedFd>;

fn would_block(guard: Option<ReadyGuard<'_>>) {
    if let Some(mut guard) = guard {
        guard.clear_ready();
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        if let Some((fd, flags)) = self.restore.take() {
            let _ = fcntl(&fd, FcntlArg::F_SETFL(flags));
        }
    }
}

enum Step {
    Done(usize),
    WouldBlock,
    End,
    Failed,
}

fn read_step(fd: BorrowedFd<'_>, buf: &mut Vec<u8>) -> Step {
    buf.reserve(COPY_BUFFER.saturating_sub(buf.len()));
    match sys::read_into(fd, buf) {
        Ok(0) => Step::End,
        Ok(n) => Step::Done(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Step::WouldBlock,
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Step::Done(0),
        // EIO from a master whose slave is closed is its end of output.
        Err(_) => Step::End,
    }
}

/// A read step whose new bytes (and only those: each byte reaches the hook
/// once, however long earlier ones wait to be written) pass through `filter`.
async fn read_through(
    fd: BorrowedFd<'_>,
    buf: &mut Vec<u8>,
    filter: Option<&mut Filter>,
) -> io::Result<Step> {
    let before = buf.len();
    let step = read_step(fd, buf);
    if let (Step::Done(n), Some(filter)) = (&step, filter) {
        if *n > 0 {
            let fresh = buf.split_off(before);
            buf.extend_from_slice(&filter(fresh).await?);
        }
    }
    Ok(step)
}

/// Writes until `fd` would block; the written bytes leave `buf`.
fn write_step(fd: BorrowedFd<'_>, buf: &mut Vec<u8>) -> Step {
    match sys::write_until_blocked(fd, buf) {
        Ok(n) => {
            buf.drain(..n);
            if buf.is_empty() {
                Step::Done(n)
            } else {
                Step::WouldBlock
            }
        }
        Err(_) => Step::Failed,
    }
}

/// Relays between `master` and `input`/`output` until the master's output
/// ends. Must run inside a tokio runtime with IO enabled.
pub async fn copy(
    master: BorrowedFd<'_>,
    input: BorrowedFd<'_>,
    output: BorrowedFd<'_>,
    mut options: CopyOptions,
) -> io::Result<()> {
    let master = Endpoint::new(master, Interest::READABLE | Interest::WRITABLE)?;
    let input = Endpoint::new(input, Interest::READABLE)?;
    let output = Endpoint::new(output, Interest::WRITABLE)?;
    let mut to_output: Vec<u8> = Vec::new();
    let mut to_master: Vec<u8> = Vec::new();
    let (mut master_open, mut input_open, mut output_ok, mut master_writable) =
        (true, true, true, true);

    loop {
        if !master_open && (to_output.is_empty() || !output_ok) {
            return Ok(());
        }
        let read_master = master_open && to_output.len() < COPY_BUFFER;
        let write_output = output_ok && !to_output.is_empty();
        let read_input = input_open && master_writable && to_master.len() < COPY_BUFFER;
        let write_master = master_writable && !to_master.is_empty();
        tokio::select! {
            guard = master.readable(), if read_master => {
                match read_through(master.raw(), &mut to_output, options.on_output.as_mut()).await? {
                    Step::WouldBlock => would_block(guard),
                    Step::End | Step::Failed => master_open = false,
                    Step::Done(_) if !output_ok => to_output.clear(),
                    Step::Done(_) => {}
                }
            }
            guard = output.writable(), if write_output => match write_step(output.raw(), &mut to_output) {
                Step::WouldBlock => would_block(guard),
                Step::Failed => {
                    output_ok = false;
                    to_output.clear();
                }
                _ => {}
            },
            guard = input.readable(), if read_input => {
                match read_through(input.raw(), &mut to_master, options.on_input.as_mut()).await? {
                    Step::WouldBlock => would_block(guard),
                    Step::End | Step::Failed => input_open = false,
                    Step::Done(_) => {}
                }
            }
            guard = master.writable(), if write_master => match write_step(master.raw(), &mut to_master) {
                Step::WouldBlock => would_block(guard),
                Step::Failed => {
                    master_writable = false;
                    to_master.clear();
                }
                _ => {}
            },
        }
    }
}

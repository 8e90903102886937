//! The unsafe calls on fds and terminals, in one place: window size,
//! reads into spare capacity, reactor registration, pidfd, ptsname, and the
//! anonymous mappings that bulk reads land in (`relay/block.rs`). The
//! other unsafe code of the crate is the child's side of spawning
//! (`spawn/posix_spawn.rs`, `spawn/fork.rs`, `spawn/signals.rs`,
//! `credentials.rs`), the process queries of `foreground.rs` and the
//! blocks' view of their own memory (`relay/block.rs`); everything else is
//! safe code on top of these functions and of `nix`.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::{FromRawFd, RawFd};

use crate::size::{PixelSize, WindowSize};

fn winsize(size: WindowSize, pixels: PixelSize) -> libc::winsize {
    libc::winsize {
        ws_row: size.rows,
        ws_col: size.cols,
        ws_xpixel: pixels.width,
        ws_ypixel: pixels.height,
    }
}

/// `TIOCSWINSZ`: the kernel sends SIGWINCH to the terminal's foreground group.
pub fn set_window_size(fd: BorrowedFd<'_>, size: WindowSize, pixels: PixelSize) -> io::Result<()> {
    let ws = winsize(size, pixels);
    // SAFETY: TIOCSWINSZ reads one `winsize` from a pointer that is valid for the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `TIOCGWINSZ`: the size in cells and in pixels.
pub fn window_size(fd: BorrowedFd<'_>) -> io::Result<(WindowSize, PixelSize)> {
    let mut ws = winsize(WindowSize { cols: 0, rows: 0 }, PixelSize::default());
    // SAFETY: TIOCGWINSZ writes one `winsize` through a pointer valid for the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    let cells = WindowSize {
        cols: ws.ws_col,
        rows: ws.ws_row,
    };
    let pixels = PixelSize {
        width: ws.ws_xpixel,
        height: ws.ws_ypixel,
    };
    Ok((cells, pixels))
}

/// Reads into the spare capacity of `buf` and extends its length by what was read.
pub fn read_into(fd: BorrowedFd<'_>, buf: &mut Vec<u8>) -> io::Result<usize> {
    let spare = buf.spare_capacity_mut();
    // SAFETY: the kernel writes at most `spare.len()` bytes into the vector's own spare capacity.
    let n = unsafe { libc::read(fd.as_raw_fd(), spare.as_mut_ptr().cast(), spare.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    // SAFETY: the kernel initialised exactly `n` bytes after the current length.
    unsafe { buf.set_len(buf.len() + n) };
    Ok(n)
}

/// A new private anonymous mapping of `len` bytes, zero-filled by the kernel.
pub fn map_anonymous(len: usize) -> io::Result<std::ptr::NonNull<u8>> {
    // SAFETY: an anonymous private mapping at an address of the kernel's choice touches no
    // existing memory; the result is checked for MAP_FAILED below.
    let at = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANON,
            -1,
            0,
        )
    };
    if at == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    std::ptr::NonNull::new(at.cast()).ok_or_else(|| io::Error::from(io::ErrorKind::OutOfMemory))
}

/// Returns a mapping made by [`map_anonymous`] to the kernel.
///
/// # Safety
/// `at` and `len` are those of one mapping from [`map_anonymous`], and nothing refers to its
/// memory any more.
pub unsafe fn unmap(at: std::ptr::NonNull<u8>, len: usize) {
    // SAFETY: the caller passes a whole mapping of ours that nothing uses any more.
    unsafe { libc::munmap(at.as_ptr().cast(), len) };
}

/// Writes as much of `data` as the non-blocking `fd` takes; how much that was.
pub fn write_until_blocked(fd: BorrowedFd<'_>, data: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < data.len() {
        match nix::unistd::write(fd, &data[written..]) {
            Ok(n) => written += n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(nix::errno::Errno::EAGAIN) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(written)
}

/// Registers an owned fd with the current tokio reactor.
pub fn register(
    fd: OwnedFd,
    interest: tokio::io::Interest,
) -> io::Result<tokio::io::unix::AsyncFd<OwnedFd>> {
    // SAFETY: an OwnedFd is open, stays open until the AsyncFd drops it, and always
    // returns the same raw fd.
    Ok(unsafe { tokio::io::unix::AsyncFd::register_with_interest(fd, interest) }?)
}

/// `pidfd_open(2)`: a descriptor that becomes readable when the process exits.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: a raw syscall with two integer arguments; it returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the syscall returned a new descriptor (close-on-exec) that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// The slave's name of a `/dev/ptmx` master, where `ptsname_r` is missing.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn ptsname(master: &nix::pty::PtyMaster) -> io::Result<String> {
    static PTSNAME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = PTSNAME.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: ptsname's static buffer is copied out while the lock keeps other callers away.
    Ok(unsafe { nix::pty::ptsname(master)? })
}

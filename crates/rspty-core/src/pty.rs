//! Allocating a master/slave pair: `openpty(3)` with a `/dev/ptmx` fallback,
//! both ends close-on-exec, with a window size and a terminal emulator's
//! termios defaults.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::path::PathBuf;

use nix::fcntl::{fcntl, open, FcntlArg, FdFlag, OFlag};
use nix::sys::stat::Mode;
use nix::sys::termios::{
    self, BaudRate, ControlFlags, InputFlags, LocalFlags, OutputFlags, SetArg,
    SpecialCharacterIndices as Cc,
};

use crate::size::{PixelSize, WindowSize};
use crate::sys;

/// The window size of the terminal behind an fd (master or slave), in cells
/// and pixels: `TIOCSWINSZ` (the child gets SIGWINCH) and `TIOCGWINSZ`.
pub use crate::sys::{set_window_size, window_size};

/// A master/slave pair. Dropping it closes both ends.
#[derive(Debug)]
pub struct PtyPair {
    pub master: OwnedFd,
    pub slave: OwnedFd,
    /// The slave's device path, such as `/dev/pts/3`.
    pub path: PathBuf,
}

/// Allocates a pair with `openpty(3)`, falling back to [`openpty_ptmx`] when
/// that fails.
pub fn openpty(size: WindowSize) -> io::Result<PtyPair> {
    match openpty_libc(size) {
        Ok(pair) => Ok(pair),
        Err(e) if is_resource_exhaustion(&e) => Err(e),
        Err(_) => openpty_ptmx(size),
    }
}

/// Running out of fds or PTYs is reported as is: the fallback would only fail
/// the same way and hide the reason.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE) | Some(libc::ENFILE) | Some(libc::ENOMEM)
    )
}

fn openpty_libc(size: WindowSize) -> io::Result<PtyPair> {
    let pair = nix::pty::openpty(None, None)?;
    // openpty(3) takes no flags: mark both ends close-on-exec straight away.
    set_cloexec(pair.master.as_fd())?;
    set_cloexec(pair.slave.as_fd())?;
    let path = nix::unistd::ttyname(&pair.slave)?;
    finish(pair.master, pair.slave, path, size)
}

/// Allocates a pair through `/dev/ptmx`: `posix_openpt`, `grantpt`,
/// `unlockpt`, then the slave opened by its name.
pub fn openpty_ptmx(size: WindowSize) -> io::Result<PtyPair> {
    let flags = OFlag::O_RDWR | OFlag::O_NOCTTY;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let flags = flags | OFlag::O_CLOEXEC;
    let master = nix::pty::posix_openpt(flags)?;
    set_cloexec(master.as_fd())?;
    nix::pty::grantpt(&master)?;
    nix::pty::unlockpt(&master)?;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let name = nix::pty::ptsname_r(&master)?;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let name = sys::ptsname(&master)?;
    let slave = open(
        name.as_str(),
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    let master = OwnedFd::from(master);
    finish(master, slave, PathBuf::from(name), size)
}

fn finish(master: OwnedFd, slave: OwnedFd, path: PathBuf, size: WindowSize) -> io::Result<PtyPair> {
    apply_default_termios(slave.as_fd())?;
    sys::set_window_size(slave.as_fd(), size, PixelSize::default())?;
    Ok(PtyPair {
        master,
        slave,
        path,
    })
}

fn set_cloexec(fd: BorrowedFd<'_>) -> io::Result<()> {
    fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    Ok(())
}

/// Puts the slave in the mode a terminal emulator starts with: canonical
/// input with echo and signals, CR/NL translation, 8-bit UTF-8 input, and the
/// usual control characters.
pub fn apply_default_termios(slave: BorrowedFd<'_>) -> io::Result<()> {
    let mut t = termios::tcgetattr(slave)?;
    t.input_flags = InputFlags::BRKINT
        | InputFlags::ICRNL
        | InputFlags::IXON
        | InputFlags::IXANY
        | InputFlags::IMAXBEL
        | InputFlags::IUTF8;
    t.output_flags = OutputFlags::OPOST | OutputFlags::ONLCR;
    t.control_flags = ControlFlags::CREAD | ControlFlags::CS8 | ControlFlags::HUPCL;
    t.local_flags = LocalFlags::ISIG
        | LocalFlags::ICANON
        | LocalFlags::IEXTEN
        | LocalFlags::ECHO
        | LocalFlags::ECHOE
        | LocalFlags::ECHOK
        | LocalFlags::ECHOKE
        | LocalFlags::ECHOCTL;
    let cc = &mut t.control_chars;
    cc[Cc::VINTR as usize] = 0x03; // ^C
    cc[Cc::VQUIT as usize] = 0x1c; // ^\
    cc[Cc::VERASE as usize] = 0x7f; // DEL
    cc[Cc::VKILL as usize] = 0x15; // ^U
    cc[Cc::VEOF as usize] = 0x04; // ^D
    cc[Cc::VSTART as usize] = 0x11; // ^Q
    cc[Cc::VSTOP as usize] = 0x13; // ^S
    cc[Cc::VSUSP as usize] = 0x1a; // ^Z
    cc[Cc::VREPRINT as usize] = 0x12; // ^R
    cc[Cc::VWERASE as usize] = 0x17; // ^W
    cc[Cc::VLNEXT as usize] = 0x16; // ^V
    cc[Cc::VDISCARD as usize] = 0x0f; // ^O
    cc[Cc::VMIN as usize] = 1;
    cc[Cc::VTIME as usize] = 0;
    termios::cfsetspeed(&mut t, BaudRate::B38400)?;
    termios::tcsetattr(slave, SetArg::TCSANOW, &t)?;
    Ok(())
}

/// Hands both ends to the caller as raw fds (for `openpty()` in JS, where the
/// caller owns them).
pub fn into_raw_fds(pair: PtyPair) -> (i32, i32, PathBuf) {
    (
        pair.master.into_raw_fd(),
        pair.slave.into_raw_fd(),
        pair.path,
    )
}

/// Puts the terminal behind `fd` in raw mode (like `cfmakeraw`) and returns
/// the mode it had, for [`restore_mode`].
pub fn enter_raw_mode(fd: BorrowedFd<'_>) -> io::Result<termios::Termios> {
    let saved = termios::tcgetattr(fd)?;
    let mut raw = saved.clone();
    termios::cfmakeraw(&mut raw);
    termios::tcsetattr(fd, SetArg::TCSAFLUSH, &raw)?;
    Ok(saved)
}

/// Gives the terminal behind `fd` back a mode saved by [`enter_raw_mode`].
pub fn restore_mode(fd: BorrowedFd<'_>, mode: &termios::Termios) -> io::Result<()> {
    termios::tcsetattr(fd, SetArg::TCSAFLUSH, mode)?;
    Ok(())
}

//! Pair allocation, pinned like CPython's test_pty: both allocation paths.

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};

use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
use rspty_core::pty::window_size;
use rspty_core::{openpty, openpty_ptmx, PtyPair, WindowSize};

fn both_paths(size: WindowSize) -> [(&'static str, PtyPair); 2] {
    [
        ("openpty", openpty(size).expect("openpty")),
        ("ptmx", openpty_ptmx(size).expect("openpty_ptmx")),
    ]
}

/// Reads until a newline: the tty layer hands over what each write pushed, so
/// one `read` may return only part of a line that was written in pieces.
fn read_line(file: &mut std::fs::File) -> Vec<u8> {
    let mut line = Vec::new();
    let mut buf = [0u8; 1024];
    while !line.ends_with(b"\n") {
        let n = file.read(&mut buf).unwrap();
        assert_ne!(n, 0, "end of file after {line:?}");
        line.extend_from_slice(&buf[..n]);
    }
    line
}

fn files(pair: PtyPair) -> (std::fs::File, std::fs::File) {
    (
        std::fs::File::from(pair.master),
        std::fs::File::from(pair.slave),
    )
}

#[test]
fn slave_is_a_tty_with_the_requested_size() {
    for (path, pair) in both_paths(WindowSize {
        cols: 123,
        rows: 45,
    }) {
        assert!(nix::unistd::isatty(&pair.slave).unwrap(), "{path}");
        assert_eq!(
            window_size(pair.slave.as_fd()).unwrap().0,
            WindowSize {
                cols: 123,
                rows: 45
            },
            "{path}"
        );
        assert!(
            pair.path.to_str().unwrap().starts_with("/dev/pts/"),
            "{path}"
        );
        assert_eq!(
            nix::unistd::ttyname(&pair.slave).unwrap(),
            pair.path,
            "{path}"
        );
    }
}

#[test]
fn both_ends_are_close_on_exec() {
    for (path, pair) in both_paths(WindowSize::default()) {
        for fd in [pair.master.as_fd(), pair.slave.as_fd()] {
            let flags = FdFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFD).unwrap());
            assert!(flags.contains(FdFlag::FD_CLOEXEC), "{path}");
        }
    }
}

#[test]
fn a_non_blocking_read_of_a_fresh_master_would_block() {
    for (path, pair) in both_paths(WindowSize::default()) {
        let flags = OFlag::from_bits_truncate(fcntl(&pair.master, FcntlArg::F_GETFL).unwrap());
        fcntl(&pair.master, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).unwrap();
        let mut buf = [0u8; 1024];
        let err = nix::unistd::read(&pair.master, &mut buf).unwrap_err();
        assert_eq!(err, nix::errno::Errno::EAGAIN, "{path}");
    }
}

#[test]
fn a_line_written_to_the_slave_reads_back_with_crlf() {
    for (path, pair) in both_paths(WindowSize::default()) {
        let (mut master, mut slave) = files(pair);
        slave.write_all(b"I wish to buy a fish license.\n").unwrap();
        assert_eq!(
            read_line(&mut master),
            b"I wish to buy a fish license.\r\n",
            "{path}"
        );
    }
}

#[test]
fn a_line_written_in_two_parts_comes_back_as_one() {
    for (path, pair) in both_paths(WindowSize::default()) {
        let (mut master, mut slave) = files(pair);
        slave.write_all(b"For my pet fish, Eric.").unwrap();
        slave.write_all(b"\n").unwrap();
        assert_eq!(
            read_line(&mut master),
            b"For my pet fish, Eric.\r\n",
            "{path}"
        );
    }
}

#[test]
fn input_is_canonical_with_echo_and_utf8() {
    for (path, pair) in both_paths(WindowSize::default()) {
        let t = nix::sys::termios::tcgetattr(&pair.slave).unwrap();
        use nix::sys::termios::{InputFlags, LocalFlags};
        assert!(
            t.input_flags
                .contains(InputFlags::IUTF8 | InputFlags::ICRNL),
            "{path}"
        );
        assert!(
            t.local_flags
                .contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG),
            "{path}"
        );
        let (mut master, mut slave) = files(pair);
        master.write_all("é\n".as_bytes()).unwrap();
        assert_eq!(read_line(&mut slave), "é\n".as_bytes(), "{path}");
        assert_eq!(
            read_line(&mut master),
            "é\r\n".as_bytes(),
            "{path}: the echo"
        );
    }
}

#[test]
fn closing_the_slave_ends_master_reads() {
    for (path, pair) in both_paths(WindowSize::default()) {
        let master = pair.master;
        drop(pair.slave);
        let mut buf = [0u8; 16];
        match nix::unistd::read(&master, &mut buf) {
            Ok(0) => {}
            Err(nix::errno::Errno::EIO) => {}
            other => panic!(
                "{path}: expected EOF or EIO, got {other:?} on fd {}",
                master.as_raw_fd()
            ),
        }
    }
}

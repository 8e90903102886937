//! What runs in the foreground of a terminal (node-pty's `process`), asked
//! of the master.
//!
//! Linux: `tcgetpgrp` on the master gives the foreground process group,
//! whose leader's pid it is; from the leader down through single children in
//! the group (a shell running one command), `/proc/<pid>/comm` (or the name
//! of `exe` when comm is cut at 15 bytes) and `/proc/<pid>/cwd` describe the
//! process. macOS: `tcgetpgrp`, then `proc_pidpath` and
//! `proc_pidinfo(PROC_PIDVNODEPATHINFO)` of the group's leader.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::PathBuf;

use crate::relay::Pty;

/// What runs in the foreground of a terminal: the leader of its foreground
/// process group, or the process that leader runs (see `describe`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Foreground {
    pub pid: i32,
    /// The executable's name, as `ps` shows it.
    pub name: String,
    /// Its working directory; `None` when this process may not see it.
    pub cwd: Option<PathBuf>,
}

/// The foreground process of the terminal behind `master`: `None` when there
/// is none (no session, or its leader has gone).
pub fn foreground(master: BorrowedFd<'_>) -> io::Result<Option<Foreground>> {
    Ok(foreground_group(master)?.and_then(describe))
}

/// The terminal's foreground process group, if it has one.
fn foreground_group(master: BorrowedFd<'_>) -> io::Result<Option<i32>> {
    // SAFETY: tcgetpgrp takes an fd and returns a pid or -1; it touches no memory of ours.
    let pgrp = unsafe { libc::tcgetpgrp(master.as_raw_fd()) };
    if pgrp == 0 {
        // No foreground process group (no session on the slave yet, or any more).
        return Ok(None);
    }
    if pgrp < 0 {
        let error = io::Error::last_os_error();
        return match error.raw_os_error() {
            Some(libc::ENOTTY) | Some(libc::EIO) | Some(libc::EBADF) => Ok(None),
            _ => Err(error),
        };
    }
    Ok(Some(pgrp))
}

/// The process the foreground group runs: its leader, or, while that has
/// exactly one child in the group, the child (`sh -c 'sleep 5'` is `sleep`,
/// whether or not the shell execs its last command). A pipeline's leader
/// has no such single child and stays the answer.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn describe(pgrp: i32) -> Option<Foreground> {
    let mut pid = pgrp;
    // A bound on the walk, against a loop in what /proc showed at the time.
    for _ in 0..32 {
        match children_in_group(pid, pgrp).as_slice() {
            [only] => pid = *only,
            _ => break,
        }
    }
    describe_process(pid).or_else(|| describe_process(pgrp))
}

/// The children of `pid` (from every thread's `children` list) whose process
/// group is `pgrp`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn children_in_group(pid: i32, pgrp: i32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for task in tasks.flatten() {
        let Ok(list) = std::fs::read_to_string(task.path().join("children")) else {
            continue;
        };
        for child in list
            .split_whitespace()
            .filter_map(|c| c.parse::<i32>().ok())
        {
            if process_group(child) == Some(pgrp) && !found.contains(&child) {
                found.push(child);
            }
        }
    }
    found
}

/// The process group of `pid`, from the fields of `/proc/<pid>/stat` after
/// the command name (which may itself hold spaces and parentheses).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn process_group(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(2)?.parse().ok()
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn describe_process(pid: i32) -> Option<Foreground> {
    let proc = PathBuf::from(format!("/proc/{pid}"));
    // comm is readable for every process; it is cut at 15 bytes.
    let comm = std::fs::read_to_string(proc.join("comm")).ok()?;
    let comm = comm.trim_end_matches('\n').to_owned();
    let exe = std::fs::read_link(proc.join("exe")).ok();
    let exe_name = exe
        .as_ref()
        .and_then(|path| path.file_name())
        .map(|name| name.to_string_lossy().into_owned());
    let name = match exe_name {
        Some(exe_name) if comm.len() >= 15 && exe_name.starts_with(&comm) => exe_name,
        _ => comm,
    };
    let cwd = std::fs::read_link(proc.join("cwd")).ok();
    Some(Foreground { pid, name, cwd })
}

#[cfg(target_os = "macos")]
fn describe(pid: i32) -> Option<Foreground> {
    use std::ffi::CStr;
    use std::os::unix::ffi::OsStrExt;

    let mut path = vec![0u8; libc::PROC_PIDPATHINFO_MAXSIZE as usize];
    // SAFETY: proc_pidpath writes at most `path.len()` bytes into the buffer.
    let n = unsafe { libc::proc_pidpath(pid, path.as_mut_ptr().cast(), path.len() as u32) };
    if n <= 0 {
        return None;
    }
    path.truncate(n as usize);
    let exe = PathBuf::from(std::ffi::OsStr::from_bytes(&path));
    let name = exe.file_name()?.to_string_lossy().into_owned();

    // SAFETY: proc_vnodepathinfo is plain old data; all zeroes is a valid value.
    let mut info: libc::proc_vnodepathinfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::proc_vnodepathinfo>() as libc::c_int;
    // SAFETY: proc_pidinfo writes at most `size` bytes into `info`.
    let got = unsafe {
        libc::proc_pidinfo(
            pid,
            libc::PROC_PIDVNODEPATHINFO,
            0,
            (&mut info as *mut libc::proc_vnodepathinfo).cast(),
            size,
        )
    };
    let cwd = (got == size)
        .then(|| {
            let raw = &info.pvi_cdir.vip_path;
            // SAFETY: the kernel NUL-terminates vip_path within its MAXPATHLEN bytes.
            let cstr = unsafe { CStr::from_ptr(raw.as_ptr().cast()) };
            PathBuf::from(std::ffi::OsStr::from_bytes(cstr.to_bytes()))
        })
        .filter(|path| !path.as_os_str().is_empty());
    Some(Foreground { pid, name, cwd })
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
fn describe(pid: i32) -> Option<Foreground> {
    Some(Foreground {
        pid,
        name: String::new(),
        cwd: None,
    })
}

impl Pty {
    /// The foreground process of this session's terminal; `None` after
    /// close, once the session is over, or when there is none.
    pub fn foreground(&self) -> io::Result<Option<Foreground>> {
        // Only the ioctl holds the master; /proc is read after.
        let group = self.with_master(foreground_group).unwrap_or(Ok(None))?;
        Ok(group.and_then(describe))
    }
}

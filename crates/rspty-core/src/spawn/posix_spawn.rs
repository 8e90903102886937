//! glibc's `posix_spawn` with the session set up by glibc's CLONE_VFORK child.
//! The `_np` file actions are looked up at run time so that a build linked
//! against an older glibc still loads, and falls back to fork where missing.

use std::ffi::CStr;
use std::io;
use std::sync::OnceLock;

use super::signals::{all_signals, no_signals};
use super::{FailedAt, SessionSpec};

type AddChdir =
    unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, *const libc::c_char) -> i32;
type AddClosefrom = unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, i32) -> i32;

pub(super) struct Functions {
    addchdir: AddChdir,
    addclosefrom: AddClosefrom,
}

fn lookup(name: &CStr) -> Option<*mut libc::c_void> {
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name has no other precondition.
    let f = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!f.is_null()).then_some(f)
}

/// The `_np` functions, when this glibc (2.34 or newer) has both.
pub(super) fn functions() -> Option<&'static Functions> {
    static FUNCTIONS: OnceLock<Option<Functions>> = OnceLock::new();
    FUNCTIONS
        .get_or_init(|| {
            let addchdir = lookup(c"posix_spawn_file_actions_addchdir_np")?;
            let addclosefrom = lookup(c"posix_spawn_file_actions_addclosefrom_np")?;
            // SAFETY: both symbols are glibc's functions with exactly these signatures.
            unsafe {
                Some(Functions {
                    addchdir: std::mem::transmute::<*mut libc::c_void, AddChdir>(addchdir),
                    addclosefrom: std::mem::transmute::<*mut libc::c_void, AddClosefrom>(
                        addclosefrom,
                    ),
                })
            }
        })
        .as_ref()
}

fn check(rc: i32) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}

struct Actions(libc::posix_spawn_file_actions_t);
impl Drop for Actions {
    fn drop(&mut self) {
        // SAFETY: initialised in `spawn` before this guard was made.
        unsafe { libc::posix_spawn_file_actions_destroy(&mut self.0) };
    }
}
struct Attr(libc::posix_spawnattr_t);
impl Drop for Attr {
    fn drop(&mut self) {
        // SAFETY: initialised in `spawn` before this guard was made.
        unsafe { libc::posix_spawnattr_destroy(&mut self.0) };
    }
}

/// Spawns the child as a session leader whose controlling terminal is the
/// slave (opened by path, without O_NOCTTY, after `setsid`).
pub(super) fn spawn(
    f: &Functions,
    spec: &SessionSpec<'_>,
) -> Result<libc::pid_t, (FailedAt, io::Error)> {
    let exec_err = |e| (FailedAt::Exec, e);
    // SAFETY: every pointer handed to posix_spawn* points into `spec`, which outlives the
    // call; the attribute and action objects are initialised before use and destroyed by
    // their guards.
    unsafe {
        let mut actions = Actions(std::mem::zeroed());
        check(libc::posix_spawn_file_actions_init(&mut actions.0)).map_err(exec_err)?;
        let mut attr = Attr(std::mem::zeroed());
        check(libc::posix_spawnattr_init(&mut attr.0)).map_err(exec_err)?;

        let flags = libc::POSIX_SPAWN_SETSID as libc::c_int
            | libc::POSIX_SPAWN_SETSIGDEF
            | libc::POSIX_SPAWN_SETSIGMASK;
        check(libc::posix_spawnattr_setflags(&mut attr.0, flags as _)).map_err(exec_err)?;
        let all = all_signals();
        check(libc::posix_spawnattr_setsigdefault(&mut attr.0, &all)).map_err(exec_err)?;
        let none = no_signals();
        check(libc::posix_spawnattr_setsigmask(&mut attr.0, &none)).map_err(exec_err)?;

        let a = &mut actions.0;
        if let Some(cwd) = spec.cwd {
            check((f.addchdir)(a, cwd.as_ptr())).map_err(exec_err)?;
        }
        check(libc::posix_spawn_file_actions_addopen(
            a,
            0,
            spec.slave_path.as_ptr(),
            libc::O_RDWR,
            0,
        ))
        .map_err(exec_err)?;
        check(libc::posix_spawn_file_actions_adddup2(a, 0, 1)).map_err(exec_err)?;
        check(libc::posix_spawn_file_actions_adddup2(a, 0, 2)).map_err(exec_err)?;
        check((f.addclosefrom)(a, 3)).map_err(exec_err)?;

        let mut pid: libc::pid_t = 0;
        let rc = libc::posix_spawn(
            &mut pid,
            spec.program.as_ptr(),
            a,
            &attr.0,
            spec.argv.as_ptr() as *const *mut libc::c_char,
            spec.envp.as_ptr() as *const *mut libc::c_char,
        );
        check(rc).map_err(exec_err)?;
        Ok(pid)
    }
}

//! Switching the child to another group and user before exec, as node-pty's
//! `uid`/`gid` options do. Only the fork path can do it: glibc's posix_spawn
//! has no such attribute.

/// The group and user a child switches to, prepared before the fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials {
    uid: Option<libc::uid_t>,
    gid: Option<libc::gid_t>,
    /// The supplementary groups to leave the child with when the caller is
    /// root (a root parent's groups must not follow the child to its new user).
    groups: Option<libc::gid_t>,
}

impl Credentials {
    /// `None` when neither is asked for.
    pub fn new(uid: Option<u32>, gid: Option<u32>) -> Option<Credentials> {
        if uid.is_none() && gid.is_none() {
            return None;
        }
        // SAFETY: geteuid and getgid cannot fail and have no preconditions.
        let (root, own_gid) = unsafe { (libc::geteuid() == 0, libc::getgid()) };
        Some(Credentials {
            uid,
            gid,
            groups: root.then(|| gid.unwrap_or(own_gid)),
        })
    }

    /// Sets the supplementary groups (as root), the group, then the user.
    /// Returns `false` with errno set on the first failure (`EPERM` when the
    /// caller may not).
    ///
    /// # Safety
    /// Only in a fork child before exec: makes async-signal-safe calls only.
    pub(crate) unsafe fn apply_in_child(&self) -> bool {
        if let Some(group) = self.groups {
            if libc::setgroups(1, &group) == -1 {
                return false;
            }
        }
        if let Some(gid) = self.gid {
            if libc::setgid(gid) == -1 {
                return false;
            }
        }
        if let Some(uid) = self.uid {
            if libc::setuid(uid) == -1 {
                return false;
            }
        }
        true
    }
}

//! Signal sets for the child: every signal back to its default action and
//! none blocked, on both spawn paths.

/// signals, and posix_spawn would then leave them ignored in the child.
pub(super) fn all_signals() -> libc::sigset_t {
    // SAFETY: sigset_t is a plain bit array; all-ones is a valid value meaning "every signal".
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        std::ptr::write_bytes(&mut set as *mut libc::sigset_t, 0xff, 1);
        set
    }
}

pub(super) fn no_signals() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set it is given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        set
    }
}
/// Every signal back to its default action. On Linux through the raw
/// syscall: glibc's sigaction refuses its two internal signals, which an
/// ancestor may have left ignored. An all-zero kernel sigaction is SIG_DFL
/// with an empty mask whatever the architecture's layout.
///
/// # Safety
/// Async-signal-safe; meant for the fork child before exec.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) unsafe fn reset_signal_dispositions() {
    let default = [0u64; 4];
    for sig in 1..=64 {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            default.as_ptr(),
            std::ptr::null_mut::<u64>(),
            8,
        );
    }
}

/// Every signal back to its default action.
///
/// # Safety
/// Async-signal-safe; meant for the fork child before exec.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) unsafe fn reset_signal_dispositions() {
    let mut sa: libc::sigaction = std::mem::zeroed();
    sa.sa_sigaction = libc::SIG_DFL;
    for sig in 1..32 {
        libc::sigaction(sig, &sa, std::ptr::null_mut());
    }
}

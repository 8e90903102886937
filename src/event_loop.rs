//! A quiet PTY read on the JavaScript thread's own event loop (Node.js on
//! Linux).
//!
//! Output normally goes from the relay, on a reactor thread, to JavaScript
//! through the readable callback: two threads wake up for each burst. For an
//! interactive PTY (a shell echoing keystrokes, a command and its prompt)
//! that second wake-up is a large part of the round trip. So once a read
//! has taken a small chunk, libuv watches the master too, and whenever it
//! is readable the JavaScript thread reads it itself (`Pty::read_now`, one
//! read of up to 4 KiB) and calls the consumer at once: one thread wakes up,
//! as with a library that reads on the JavaScript thread. The relay leaves
//! such a PTY alone until the core hands reading back to it (a burst of
//! 4 KiB or more, a full queue, the end of output); a chunk of 4 KiB or more
//! taken by the consumer stops the watching too. Bulk reads stay on the
//! reactor.
//!
//! libuv is looked up at run time and used only when the TypeScript layer
//! says the runtime is Node.js (`useEventLoopReads`): Bun and Deno have no
//! `uv_poll`, and there the readable callback alone is used, as it is on
//! macOS, where kqueue and libuv's workarounds for terminals make a poll on
//! the master a different matter.

use std::alloc::{alloc, dealloc, Layout};
use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void, CStr};
use std::os::fd::{AsFd, AsRawFd};
use std::ptr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use rspty_core::{OpenMaster, Pty, WatchedRead};

/// `UV_POLL` in libuv's `uv_handle_type`, and `UV_READABLE` in `uv_poll_event`.
const UV_POLL: c_int = 8;
const UV_READABLE: c_int = 1;

type PollCallback = unsafe extern "C" fn(*mut c_void, c_int, c_int);
type CloseCallback = unsafe extern "C" fn(*mut c_void);

type HandleSize = unsafe extern "C" fn(c_int) -> usize;
type PollInit = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int;
type PollStart = unsafe extern "C" fn(*mut c_void, c_int, PollCallback) -> c_int;
type PollStop = unsafe extern "C" fn(*mut c_void) -> c_int;
type Close = unsafe extern "C" fn(*mut c_void, Option<CloseCallback>);
type Unref = unsafe extern "C" fn(*mut c_void);

/// The libuv functions used here (stable across libuv 1.x).
struct Uv {
    handle_size: HandleSize,
    poll_init: PollInit,
    poll_start: PollStart,
    poll_stop: PollStop,
    close: Close,
    unref: Unref,
}

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether the runtime's event loop is Node.js's libuv, said once by the
/// TypeScript layer when it loads the addon.
#[napi]
pub fn use_event_loop_reads(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

fn uv() -> Option<&'static Uv> {
    static UV: OnceLock<Option<Uv>> = OnceLock::new();
    if !cfg!(target_os = "linux") || !ENABLED.load(Ordering::Relaxed) {
        return None;
    }
    UV.get_or_init(lookup).as_ref()
}

fn symbol(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: dlsym with RTLD_DEFAULT only looks a NUL-terminated name up in the process.
    let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!address.is_null()).then_some(address)
}

fn lookup() -> Option<Uv> {
    // SAFETY: each address is that of libuv's function of the name looked up, whose C
    // signature is the one it is transmuted to.
    unsafe {
        Some(Uv {
            handle_size: std::mem::transmute::<*mut c_void, HandleSize>(symbol(c"uv_handle_size")?),
            poll_init: std::mem::transmute::<*mut c_void, PollInit>(symbol(c"uv_poll_init")?),
            poll_start: std::mem::transmute::<*mut c_void, PollStart>(symbol(c"uv_poll_start")?),
            poll_stop: std::mem::transmute::<*mut c_void, PollStop>(symbol(c"uv_poll_stop")?),
            close: std::mem::transmute::<*mut c_void, Close>(symbol(c"uv_close")?),
            unref: std::mem::transmute::<*mut c_void, Unref>(symbol(c"uv_unref")?),
        })
    }
}

/// What the poll handle, the watch and the environment's cleanup hook share.
struct Shared {
    uv: &'static Uv,
    env: sys::napi_env,
    /// A weak reference to the function that tells the consumer output came
    /// (the JavaScript side keeps it alive as long as it reads); null once
    /// deleted.
    announce: Cell<sys::napi_ref>,
    /// The `uv_poll_t`; freed by its close callback.
    handle: *mut c_void,
    layout: Layout,
    pty: Weak<Pty>,
    /// Keeps the descriptor libuv watches open until the handle is closed.
    master: RefCell<Option<OpenMaster>>,
    active: Cell<bool>,
    closed: Cell<bool>,
    hook_ran: Cell<bool>,
}

impl Shared {
    /// Stops watching. With `hand_back`, the relay is told to read again;
    /// without it, reading is already back with the relay (the core handed
    /// it back) or there is no PTY left to read.
    fn stop(&self, hand_back: bool) {
        if self.active.replace(false) {
            // SAFETY: the handle is an initialised, not yet closed uv_poll_t of this thread's loop.
            unsafe { (self.uv.poll_stop)(self.handle) };
            if let (true, Some(pty)) = (hand_back, self.pty.upgrade()) {
                pty.unwatch_master();
            }
        }
    }

    fn close(&self) {
        if self.closed.replace(true) {
            return;
        }
        // Stopping takes the fd out of the loop's epoll set at once.
        self.stop(true);
        drop(self.master.take());
        // SAFETY: the handle is initialised and not yet closed; its close callback frees it.
        unsafe { (self.uv.close)(self.handle, Some(on_closed)) };
    }

    /// Deletes the reference to the consumer's function, while `env` is
    /// alive (the handle's close callback may come after the environment's
    /// teardown).
    fn release_announce(&self) {
        let reference = self.announce.replace(ptr::null_mut());
        if !reference.is_null() {
            // SAFETY: on `env`'s thread while it is alive; the reference is deleted once.
            unsafe { sys::napi_delete_reference(self.env, reference) };
        }
    }
}

/// Calls the consumer's function as a callback from the event loop: in a
/// handle scope, with the microtasks it queues run at its end, and an
/// exception it throws reported as uncaught.
fn announce(shared: &Shared) {
    let env = shared.env;
    let mut scope = ptr::null_mut();
    // SAFETY: on the JavaScript thread of `env`, from a libuv callback (no scope is open).
    if unsafe { sys::napi_open_handle_scope(env, &mut scope) } != sys::Status::napi_ok {
        return;
    }
    let mut function = ptr::null_mut();
    let mut receiver = ptr::null_mut();
    let mut result = ptr::null_mut();
    // SAFETY: napi calls on `env`'s thread within the scope just opened, with valid
    // out-pointers; a collected or released function reads as null and is not called.
    unsafe {
        let reference = shared.announce.get();
        if !reference.is_null() {
            sys::napi_get_reference_value(env, reference, &mut function);
        }
        if !function.is_null() {
            // napi_make_callback wants an object for `this`; the function is an arrow.
            sys::napi_get_global(env, &mut receiver);
            let status = sys::napi_make_callback(
                env,
                ptr::null_mut(),
                receiver,
                function,
                0,
                ptr::null(),
                &mut result,
            );
            if status == sys::Status::napi_pending_exception {
                let mut error = ptr::null_mut();
                sys::napi_get_and_clear_last_exception(env, &mut error);
                sys::napi_fatal_exception(env, error);
            }
        }
        sys::napi_close_handle_scope(env, scope);
    }
}

/// The poll handle's `data` (the first field of every libuv handle).
///
/// # Safety
/// `handle` must be a handle made by [`LoopWatch::new`] and not yet closed.
unsafe fn shared_of(handle: *mut c_void) -> *const Shared {
    // SAFETY: per the contract, the handle's first field holds the pointer set at init.
    unsafe { *handle.cast::<*const Shared>() }
}

unsafe extern "C" fn on_readable(handle: *mut c_void, status: c_int, _events: c_int) {
    // SAFETY: libuv calls this only for a started handle, which is not closed yet, and
    // its Shared lives until the close callback.
    let shared = unsafe { &*shared_of(handle) };
    // The watch goes on until a burst, a full queue or the end hands
    // reading back to the relay.
    let Some(pty) = shared.pty.upgrade() else {
        shared.stop(false);
        return;
    };
    if status != 0 {
        shared.stop(true);
        return;
    }
    let read = match pty.read_now() {
        WatchedRead::Quiet(read) => read,
        WatchedRead::HandedBack(read) => {
            // Closed rather than stopped: the master is let go of (the relay
            // may end and close it), and a later watch starts afresh.
            shared.stop(false);
            shared.close();
            read
        }
    };
    if read > 0 {
        announce(shared);
    }
}

unsafe extern "C" fn on_closed(handle: *mut c_void) {
    // SAFETY: the reference counted at init is released here, once, as libuv calls the
    // close callback once.
    let shared = unsafe { Rc::from_raw(shared_of(handle)) };
    // SAFETY: the handle was allocated with this layout and libuv is done with it.
    unsafe { dealloc(handle.cast(), shared.layout) };
}

/// libuv watching one PTY's master on the event loop of the thread that
/// made it; closed when dropped or when that thread's environment ends.
pub(crate) struct LoopWatch {
    shared: Rc<Shared>,
    /// The cleanup hook's own reference to `shared`, until the hook runs.
    hooked: Cell<*const Shared>,
}

unsafe extern "C" fn on_env_cleanup(arg: *mut c_void) {
    // SAFETY: `arg` is the reference counted for the hook when it was added; the hook
    // runs once, and a watch dropped before it removes it first.
    let shared = unsafe { Rc::from_raw(arg.cast_const().cast::<Shared>()) };
    shared.hook_ran.set(true);
    shared.release_announce();
    shared.close();
}

impl LoopWatch {
    /// A watch of `pty`'s master that calls `announce` when it read output,
    /// or `None` where reads stay on the reactor (not Node.js, not Linux,
    /// or the PTY is closed).
    pub(crate) fn new(env: &Env, pty: &Arc<Pty>, announce: sys::napi_value) -> Option<LoopWatch> {
        let uv = uv()?;
        let master = pty.master()?;
        let event_loop = env.get_uv_event_loop().ok()?;
        let mut reference = ptr::null_mut();
        // SAFETY: a weak reference (count 0) to a live function, on its thread.
        if unsafe { sys::napi_create_reference(env.raw(), announce, 0, &mut reference) }
            != sys::Status::napi_ok
        {
            return None;
        }
        // SAFETY: a plain query of a handle type's size.
        let size = unsafe { (uv.handle_size)(UV_POLL) };
        let layout = Layout::from_size_align(size, 16).ok()?;
        // SAFETY: the layout has a non-zero size (a uv_poll_t).
        let handle = unsafe { alloc(layout) }.cast::<c_void>();
        if handle.is_null() {
            return None;
        }
        // SAFETY: the loop is this thread's, the handle is writable memory of uv_poll_t's
        // size, and the fd is open (held by `master` until the handle is closed).
        if unsafe { (uv.poll_init)(event_loop.cast(), handle, master.as_fd().as_raw_fd()) } != 0 {
            // SAFETY: allocated just above with this layout; libuv did not keep it; the
            // reference was made just above.
            unsafe {
                dealloc(handle.cast(), layout);
                sys::napi_delete_reference(env.raw(), reference);
            }
            return None;
        }
        let shared = Rc::new(Shared {
            uv,
            env: env.raw(),
            announce: Cell::new(reference),
            handle,
            layout,
            pty: Arc::downgrade(pty),
            master: RefCell::new(Some(master)),
            active: Cell::new(false),
            closed: Cell::new(false),
            hook_ran: Cell::new(false),
        });
        // SAFETY: `data` is the handle's first field; the reference counted here is
        // released by the close callback. An unref'd handle never holds the loop open
        // (the readable callback does that).
        unsafe {
            *handle.cast::<*const Shared>() = Rc::into_raw(shared.clone());
            (uv.unref)(handle);
        }
        let hooked = Rc::into_raw(shared.clone());
        // SAFETY: the hook and its argument stay valid until the hook runs or is removed.
        let added = unsafe {
            sys::napi_add_env_cleanup_hook(
                env.raw(),
                Some(on_env_cleanup),
                hooked.cast_mut().cast(),
            )
        };
        if added != sys::Status::napi_ok {
            // SAFETY: the reference counted for the hook, which was not added.
            drop(unsafe { Rc::from_raw(hooked) });
            shared.release_announce();
            shared.close();
            return None;
        }
        Some(LoopWatch {
            shared,
            hooked: Cell::new(hooked),
        })
    }

    /// Watches the master and reads it whenever it is readable, until the
    /// core hands reading back to the relay.
    pub(crate) fn start(&self) {
        let shared = &self.shared;
        if shared.closed.get() || shared.active.get() {
            return;
        }
        let Some(pty) = shared.pty.upgrade() else {
            return;
        };
        pty.watch_master();
        // SAFETY: the handle is initialised and not closed; the callback matches uv_poll_cb.
        if unsafe { (shared.uv.poll_start)(shared.handle, UV_READABLE, on_readable) } == 0 {
            shared.active.set(true);
        } else {
            pty.unwatch_master();
        }
    }

    pub(crate) fn stop(&self) {
        self.shared.stop(true);
    }
}

impl Drop for LoopWatch {
    fn drop(&mut self) {
        let shared = &self.shared;
        if !shared.hook_ran.get() {
            let hooked = self.hooked.replace(ptr::null());
            // SAFETY: the hook was added with this argument and has not run; once removed
            // it never will, so its reference is released here.
            unsafe {
                sys::napi_remove_env_cleanup_hook(
                    shared.env,
                    Some(on_env_cleanup),
                    hooked.cast_mut().cast(),
                );
                drop(Rc::from_raw(hooked));
            }
        }
        shared.release_announce();
        shared.close();
    }
}

/// A [`LoopWatch`] slot in a `NativePty`, which is built off the
/// JavaScript thread and then used only on it.
#[derive(Default)]
pub(crate) struct WatchSlot(RefCell<Option<LoopWatch>>);

// SAFETY: the slot is empty while its NativePty is built on a blocking thread and moved to
// the JavaScript thread; it is filled, used and emptied only there (napi calls and the
// finalizer of a JavaScript object run on its thread).
unsafe impl Send for WatchSlot {}

impl WatchSlot {
    /// Starts watching `pty`'s master, making the watch (which calls
    /// `announce`) on first use.
    pub(crate) fn start(&self, env: &Env, pty: &Arc<Pty>, announce: sys::napi_value) {
        let mut slot = self.0.borrow_mut();
        if slot.as_ref().is_none_or(|watch| watch.shared.closed.get()) {
            // A closed watch is dropped first: its hook goes before the new one's.
            drop(slot.take());
            *slot = LoopWatch::new(env, pty, announce);
        }
        if let Some(watch) = slot.as_ref() {
            watch.start();
        }
    }

    pub(crate) fn stop(&self) {
        if let Some(watch) = self.0.borrow().as_ref() {
            watch.stop();
        }
    }

    /// Closes the watch: the master is no longer held for libuv.
    pub(crate) fn close(&self) {
        drop(self.0.borrow_mut().take());
    }
}

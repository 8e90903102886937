//! A pseudo-terminal engine: allocate a PTY pair, start a program in a new
//! session on its slave side, watch for that one child's exit, and relay the
//! master side on an async reactor with bounded queues.
//!
//! The building blocks follow Python's `pty` module:
//! [`openpty`] (with a `/dev/ptmx` fallback), [`spawn`] (session setup without
//! copying the parent's memory), [`Pty`] (the relay of one PTY) and
//! [`copy`] (the relay between a master and two plain fds).
//!
//! Nothing here knows about Node.js; the napi binding is a thin layer above.

pub mod child;
pub mod copy;
mod credentials;
pub mod foreground;
pub mod pty;
pub mod relay;
mod size;
pub mod spawn;
mod sys;
pub mod tap;

pub use child::{Child, ExitStatus};
pub use copy::{copy, CopyOptions, Filter};
pub use foreground::{foreground, Foreground};
pub use pty::{openpty, openpty_ptmx, PtyPair};
pub use relay::{
    Chunk, OpenMaster, Pty, PtyOptions, QueuedWrite, TryRead, WatchedRead, Write, CLOSE_GRACE,
    DEFAULT_HIGH_WATER_MARK, QUIET_CHUNK,
};
pub use size::{PixelSize, WindowSize};
pub use spawn::{spawn, spawn_on_slave, spawn_using, Command, SpawnError, SpawnMethod, SpawnStage};
pub use tap::OutputTap;

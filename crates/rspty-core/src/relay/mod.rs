//! The relay of one PTY on the async reactor: master -> bounded output queue,
//! input queue -> master, and the child's exit reported only once everything
//! it wrote has been queued.
//!
//! One task per PTY, no thread: the task waits on the master's readiness, the
//! child's exit and the input queue at once. When the output queue holds
//! `high_water_mark` bytes the task stops reading, so a child that writes
//! faster than its reader blocks in the kernel instead of growing memory.
//!
//! - [`queue`]: the output queue (pure data, unit-tested on its own);
//! - [`reader`]: reading the master into the queue, one reader at a time;
//! - [`block`]: the mapped blocks that bulk output is read into;
//! - [`input`]: ordered writes, on the caller's thread when nothing waits;
//! - [`pty`]: [`Pty`], the handle callers hold;
//! - [`phase`]: the relay's lifecycle, one enum with its transition table;
//! - [`task`]: the relay task, which carries the transitions out.

mod block;
mod input;
mod phase;
mod pty;
mod queue;
mod reader;
mod task;

pub use input::{QueuedWrite, Write};
pub use pty::{OpenMaster, Pty, PtyOptions, WatchedRead, DEFAULT_HIGH_WATER_MARK};
pub use queue::{Chunk, TryRead};
pub use reader::QUIET_CHUNK;
pub use task::CLOSE_GRACE;

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
//! - [`input`]: ordered writes, on the caller's thread when nothing waits;
//! - [`session`]: the handle callers hold;
//! - [`task`]: the relay task and its lifecycle, as one enum with its table.

mod input;
mod queue;
mod session;
mod task;

pub use input::{QueuedWrite, Write};
pub use queue::{Chunk, TryRead};
pub use session::{Session, SessionOptions, DEFAULT_HIGH_WATER_MARK};
pub use task::CLOSE_GRACE;

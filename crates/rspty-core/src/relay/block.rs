//! Where bulk output is read into: blocks of memory mapped from the kernel
//! rather than taken from malloc.
//!
//! A read pass of bulk output is queued in the block it was read into, and
//! the consumer frees the block on its own thread once it has copied the
//! bytes out. Had the block come from malloc, it would go back to the
//! reading thread's arena, where the JavaScript thread's allocations never
//! look: with 1,000 PTYs printing at once, that arena kept the largest
//! backlog the reactor had queued (peak RSS 138–147 MiB, against 121–128
//! MiB with a single malloc arena for the whole process). A block that is
//! not kept for the next pass goes back to the kernel at once, from
//! whichever thread frees it.

use std::io;
use std::os::fd::BorrowedFd;
use std::ptr::NonNull;
use std::sync::Mutex;

use crate::sys;

/// The size of a block: the most one read pass takes.
pub(crate) const BLOCK_SIZE: usize = 64 * 1024;

/// Freed blocks kept for the next read passes (512 KiB at most): enough
/// for one busy PTY's queue and pass in flight, so a steady stream of
/// output reuses the same memory without a system call.
const KEPT: usize = 8;

/// A mapping of [`BLOCK_SIZE`] bytes that no block owns.
struct Mapping(NonNull<u8>);

// SAFETY: a mapping is plain memory that only its one owner touches.
unsafe impl Send for Mapping {}

static SPARE: Mutex<Vec<Mapping>> = Mutex::new(Vec::new());

/// A block of [`BLOCK_SIZE`] bytes, the first `len` of them read.
pub(crate) struct Block {
    at: NonNull<u8>,
    len: usize,
}

// SAFETY: a block owns its mapping the way a `Box<[u8]>` owns its memory.
unsafe impl Send for Block {}

impl Block {
    /// An empty block: a kept one, else a new mapping. Like a vector that
    /// cannot allocate, a failed mapping aborts the process.
    pub(crate) fn new() -> Block {
        let kept = SPARE.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let at = match kept {
            Some(Mapping(at)) => at,
            None => sys::map_anonymous(BLOCK_SIZE).unwrap_or_else(|_| {
                std::alloc::handle_alloc_error(
                    std::alloc::Layout::from_size_align(BLOCK_SIZE, 1).expect("valid layout"),
                )
            }),
        };
        Block { at, len: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len == BLOCK_SIZE
    }

    /// Forgets what was read, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// The bytes read so far.
    pub(crate) fn filled(&self) -> &[u8] {
        // SAFETY: the mapping is BLOCK_SIZE bytes, zero-filled by the kernel and owned by this
        // block, and `len <= BLOCK_SIZE`.
        unsafe { std::slice::from_raw_parts(self.at.as_ptr(), self.len) }
    }

    /// One `read(2)` into the rest of the block.
    pub(crate) fn read_from(&mut self, fd: BorrowedFd<'_>) -> io::Result<usize> {
        // SAFETY: as in `filled`; the `&mut self` borrow makes this the only reference.
        let rest = unsafe {
            std::slice::from_raw_parts_mut(self.at.as_ptr().add(self.len), BLOCK_SIZE - self.len)
        };
        let n = nix::unistd::read(fd, rest)?;
        self.len += n;
        Ok(n)
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        let mut spare = SPARE.lock().unwrap_or_else(|e| e.into_inner());
        if spare.len() < KEPT {
            spare.push(Mapping(self.at));
            return;
        }
        drop(spare);
        // SAFETY: the block owned this whole mapping, and it is going away.
        unsafe { sys::unmap(self.at, BLOCK_SIZE) };
    }
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block").field("len", &self.len).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn reads_land_after_each_other() {
        let (reader, writer) = nix::unistd::pipe().unwrap();
        nix::unistd::write(&writer, b"abc").unwrap();
        let mut block = Block::new();
        assert_eq!(block.read_from(reader.as_fd()).unwrap(), 3);
        nix::unistd::write(&writer, b"de").unwrap();
        assert_eq!(block.read_from(reader.as_fd()).unwrap(), 2);
        assert_eq!(block.filled(), b"abcde");
        block.clear();
        assert_eq!(block.filled(), b"");
    }
}

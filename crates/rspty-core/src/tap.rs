//! A tap on a PTY's output: something that sees every byte the relay reads
//! from the master, on the reactor thread, as it is read (a screen model).
//!
//! With a tap, the output queue serves a consumer that may never read the
//! raw output: while nobody has read from it, reaching its bound does not
//! stop the relay. The queue detaches instead: it keeps what it holds and
//! drops (and counts) the raw bytes that follow, while the tap still gets
//! every byte. A consumer that started reading before the bound was reached
//! keeps it attached, with the usual backpressure: the child waits for it.
//! The rule depends only on whether a read came before the bound was first
//! reached, so a program knows which it gets.

/// Sees the output of one PTY.
pub trait OutputTap: Send + Sync {
    /// The bytes of one read pass of the master, in order. Runs on the
    /// reactor: it must not block.
    fn output(&self, bytes: &[u8]);
    /// The output has ended (the last holder of the slave closed it, or the
    /// PTY was closed).
    fn ended(&self) {}
}

//! An output tap (a screen model) and what it changes in the output queue.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rspty_core::{openpty, spawn, Command, OutputTap, Pty, PtyOptions, WindowSize};

#[derive(Default)]
struct Counter {
    bytes: AtomicU64,
    ended: AtomicBool,
}

impl OutputTap for Counter {
    fn output(&self, bytes: &[u8]) {
        self.bytes.fetch_add(bytes.len() as u64, Ordering::SeqCst);
    }
    fn ended(&self) {
        self.ended.store(true, Ordering::SeqCst);
    }
}

const TOTAL: u64 = 4_000_000;
const BOUND: usize = 64 * 1024;

/// `head -c TOTAL /dev/zero`: NUL bytes go through the line discipline unchanged.
fn start(tap: &Arc<Counter>) -> Pty {
    let pair = openpty(WindowSize::default()).expect("openpty");
    let mut command = Command::new("head").inherit_env();
    command.args = vec!["-c".into(), TOTAL.to_string().into(), "/dev/zero".into()];
    let child = spawn(&command, &pair).expect("spawn");
    let options = PtyOptions {
        high_water_mark: BOUND,
        tap: Some(tap.clone() as Arc<dyn OutputTap>),
    };
    Pty::start(pair, child, options).expect("session")
}

#[tokio::test]
async fn with_nobody_reading_the_queue_detaches_and_the_child_finishes() {
    let tap = Arc::new(Counter::default());
    let session = start(&tap);
    let status = tokio::time::timeout(Duration::from_secs(30), session.wait())
        .await
        .expect("the child is never stalled");
    assert_eq!(status.code, Some(0));
    assert_eq!(tap.bytes.load(Ordering::SeqCst), TOTAL);
    assert!(tap.ended.load(Ordering::SeqCst));
    // A late reader gets what the queue held when it detached, then the end.
    let mut kept = 0;
    while let Some(chunk) = session.read().await {
        kept += chunk.len() as u64;
    }
    assert!(
        kept >= BOUND as u64 && kept < BOUND as u64 + 64 * 1024,
        "kept {kept}"
    );
    assert_eq!(kept + session.dropped(), TOTAL);
}

#[tokio::test]
async fn a_reader_that_started_first_keeps_every_byte() {
    let tap = Arc::new(Counter::default());
    let session = start(&tap);
    let mut read = 0;
    // The first read comes before the bound is reached: nothing is dropped,
    // and the child waits for this reader.
    while let Some(chunk) = session.read().await {
        read += chunk.len() as u64;
        if read < TOTAL / 2 {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    assert_eq!(read, TOTAL);
    assert_eq!(session.dropped(), 0);
    assert_eq!(tap.bytes.load(Ordering::SeqCst), TOTAL);
    assert_eq!(session.wait().await.code, Some(0));
}

//! The screen parsers: two threads (one per reactor thread) that parse the
//! output a PTY's relay handed over, so that reading the master and parsing
//! what was read run side by side instead of one after the other on the
//! reactor thread.
//!
//! Each screen belongs to one parser (given in turn as screens are made),
//! so that its grid stays in one core's cache. A screen with bytes waiting
//! is queued to its parser once (its `scheduled` flag); the parser parses
//! until nothing waits. See `ScreenState::hand_over` for the bound on what
//! may wait.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use crate::screen::ScreenState;

const PARSERS: usize = 2;

struct Queue {
    screens: Mutex<VecDeque<Arc<ScreenState>>>,
    ready: Condvar,
}

/// The queue of parser `n`, whose thread starts on first use; `None` if the
/// thread could not be started (then the reactor threads parse, as they
/// would past the hand-off's bound).
fn queue(n: usize) -> Option<&'static Queue> {
    static QUEUES: [OnceLock<Option<&'static Queue>>; PARSERS] =
        [const { OnceLock::new() }; PARSERS];
    *QUEUES[n].get_or_init(|| {
        let queue: &'static Queue = Box::leak(Box::new(Queue {
            screens: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name(format!("rspty-screen-{n}"))
            .spawn(move || parse_forever(queue))
            .ok()
            .map(|_| queue)
    })
}

/// The parser of the next screen made.
pub fn next_parser() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed) % PARSERS
}

fn parse_forever(queue: &'static Queue) {
    loop {
        let screen = {
            let mut screens = queue.screens.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(screen) = screens.pop_front() {
                    break screen;
                }
                screens = queue.ready.wait(screens).unwrap_or_else(|e| e.into_inner());
            }
        };
        screen.parse_waiting(true);
    }
}

/// Queues `screen`, whose hand-off has just asked for it, for its parser.
/// Returns false when there is no parser thread: the caller parses.
pub fn schedule(parser: usize, screen: Arc<ScreenState>) -> bool {
    let Some(queue) = queue(parser) else {
        return false;
    };
    queue
        .screens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push_back(screen);
    queue.ready.notify_one();
    true
}

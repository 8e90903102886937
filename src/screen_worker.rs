//! The screen parsers: two threads (one per reactor thread) that parse the
//! output a PTY's relay handed over, so that reading the master and parsing
//! what was read run side by side instead of one after the other on the
//! reactor thread.
//!
//! A screen with bytes waiting is queued here once (its `scheduled` flag);
//! a parser takes it and parses until nothing waits. See
//! `ScreenState::hand_over` for the bound on what may wait.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use crate::screen::ScreenState;

const PARSERS: usize = 2;

struct Queue {
    screens: Mutex<VecDeque<Arc<ScreenState>>>,
    ready: Condvar,
}

fn queue() -> &'static Queue {
    static QUEUE: OnceLock<&'static Queue> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let queue: &'static Queue = Box::leak(Box::new(Queue {
            screens: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
        }));
        for n in 0..PARSERS {
            std::thread::Builder::new()
                .name(format!("rspty-screen-{n}"))
                .spawn(move || parse_forever(queue))
                .expect("cannot start a screen parser thread");
        }
        queue
    })
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

/// Queues `screen`, whose `scheduled` flag the caller has just set, for a
/// parser.
pub fn schedule(screen: Arc<ScreenState>) {
    let queue = queue();
    queue
        .screens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push_back(screen);
    queue.ready.notify_one();
}

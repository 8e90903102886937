//! Output handed from the thread that reads it to the thread that parses it,
//! with a bound: the reader queues each read pass and learns whether a
//! parser must be woken (`Pushed::schedule`) and whether the bound is passed
//! (`Pushed::full`: then it parses what waits itself, before reading on).
//!
//! Whoever parses holds the screen (its lock, in the binding) while it
//! pops, so chunks are parsed in the order they were read, whichever thread
//! parses them.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::Screen;

/// What a push tells the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// Nothing was scheduled: the reader must hand the screen to a parser.
    pub schedule: bool,
    /// More than the limit waits: the reader parses it itself now.
    pub full: bool,
}

#[derive(Default)]
struct Waiting {
    chunks: VecDeque<Vec<u8>>,
    bytes: usize,
    /// A parser was told about this hand-off and has not yet found it empty.
    scheduled: bool,
}

/// The chunks read and not parsed yet, oldest first.
pub struct Handoff {
    waiting: Mutex<Waiting>,
    limit: usize,
}

impl Handoff {
    /// A hand-off that reports `full` once more than `limit` bytes wait.
    pub fn new(limit: usize) -> Handoff {
        Handoff {
            waiting: Mutex::new(Waiting::default()),
            limit,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a copy of `bytes`.
    pub fn push(&self, bytes: &[u8]) -> Pushed {
        let mut waiting = self.lock();
        waiting.bytes += bytes.len();
        waiting.chunks.push_back(bytes.to_vec());
        let schedule = !waiting.scheduled;
        waiting.scheduled = true;
        Pushed {
            schedule,
            full: waiting.bytes > self.limit,
        }
    }

    /// Bytes waiting.
    pub fn waiting(&self) -> usize {
        self.lock().bytes
    }

    /// Feeds `screen` every chunk waiting, oldest first, calling `after`
    /// after each with the chunk's length; returns the bytes parsed. The
    /// caller holds `screen` exclusively for the whole call. `parser`: the
    /// caller is the parser that was scheduled; finding nothing left clears
    /// the schedule, so that the next push schedules again.
    pub fn parse_into(
        &self,
        screen: &mut Screen,
        parser: bool,
        mut after: impl FnMut(&mut Screen, usize),
    ) -> usize {
        let mut parsed = 0;
        loop {
            let next = {
                let mut waiting = self.lock();
                let next = waiting.chunks.pop_front();
                match &next {
                    Some(next) => waiting.bytes -= next.len(),
                    None if parser => waiting.scheduled = false,
                    None => {}
                }
                next
            };
            let Some(next) = next else { return parsed };
            screen.feed(&next);
            parsed += next.len();
            after(screen, next.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Condvar};

    #[test]
    fn a_push_schedules_once_until_the_parser_finds_nothing_left() {
        let handoff = Handoff::new(10);
        let mut screen = Screen::new(20, 3, 0);
        assert_eq!(
            handoff.push(b"abc"),
            Pushed {
                schedule: true,
                full: false
            }
        );
        assert_eq!(
            handoff.push(b"defgh"),
            Pushed {
                schedule: false,
                full: false
            }
        );
        assert_eq!(
            handoff.push(b"ijk"),
            Pushed {
                schedule: false,
                full: true
            }
        );
        assert_eq!(handoff.waiting(), 11);
        // The reader parsing on its own (full) leaves the schedule alone.
        let mut lengths = Vec::new();
        assert_eq!(
            handoff.parse_into(&mut screen, false, |_, n| lengths.push(n)),
            11
        );
        assert_eq!(lengths, [3, 5, 3]);
        assert_eq!(handoff.waiting(), 0);
        assert_eq!(
            handoff.push(b"l"),
            Pushed {
                schedule: false,
                full: false
            }
        );
        // The parser finds the rest, then nothing: the next push schedules again.
        assert_eq!(handoff.parse_into(&mut screen, true, |_, _| {}), 1);
        assert_eq!(screen.text(), "abcdefghijkl");
        assert_eq!(
            handoff.push(b"m"),
            Pushed {
                schedule: true,
                full: false
            }
        );
    }

    /// A reader and a parser thread as in the binding: the reader pushes
    /// numbered lines in small passes, wakes the parser when told to, and
    /// parses itself past the limit; at the end every line is on the screen
    /// in order and no more than the limit plus one pass ever waited.
    #[test]
    fn a_reader_and_a_parser_keep_the_order_and_the_bound() {
        const LIMIT: usize = 4096;
        const LINES: usize = 20_000;
        let handoff = Arc::new(Handoff::new(LIMIT));
        let screen = Arc::new(Mutex::new(Screen::new(20, 5, LINES)));
        let wake = Arc::new((Mutex::new(0_usize), Condvar::new()));
        let parser = {
            let (handoff, screen, wake) = (handoff.clone(), screen.clone(), wake.clone());
            std::thread::spawn(move || loop {
                let mut pending = wake.0.lock().unwrap();
                while *pending == 0 {
                    pending = wake.1.wait(pending).unwrap();
                }
                if *pending == usize::MAX {
                    return;
                }
                *pending -= 1;
                drop(pending);
                handoff.parse_into(&mut screen.lock().unwrap(), true, |_, _| {});
            })
        };
        let text: String = (0..LINES).map(|i| format!("{i}\r\n")).collect();
        let mut most_waiting = 0;
        for pass in text.as_bytes().chunks(61) {
            let pushed = handoff.push(pass);
            most_waiting = most_waiting.max(handoff.waiting());
            if pushed.schedule {
                *wake.0.lock().unwrap() += 1;
                wake.1.notify_one();
            }
            if pushed.full {
                handoff.parse_into(&mut screen.lock().unwrap(), false, |_, _| {});
            }
        }
        handoff.parse_into(&mut screen.lock().unwrap(), false, |_, _| {});
        *wake.0.lock().unwrap() = usize::MAX;
        wake.1.notify_one();
        parser.join().unwrap();
        assert!(most_waiting <= LIMIT + 61, "{most_waiting} bytes waited");
        let screen = screen.lock().unwrap();
        let rows: Vec<String> = screen
            .scrollback()
            .into_iter()
            .chain(screen.lines())
            .collect();
        let expected: Vec<String> = (0..LINES)
            .map(|i| i.to_string())
            .chain(["".into()])
            .collect();
        assert_eq!(rows, expected);
    }
}

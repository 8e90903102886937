//! `NativeScreen`: a screen model, standalone (fed from JavaScript) or fed
//! by a PTY's relay (an output tap). The relay hands each read pass over
//! and a parser thread (`screen_worker.rs`) parses it, so that the reactor
//! thread goes back to reading while the emulator works.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use rspty_core::{OutputTap, Pty};
use rspty_screen::{Color, Handoff, Screen};

/// Called after a parsed batch of output when JavaScript asked for it (see
/// `NativeScreen::arm`). Weak: it never holds the event loop open.
pub type ChangeCallback = ThreadsafeFunction<(), (), (), Status, false, true>;

/// Bytes handed over by the relay and not parsed yet, beyond which the
/// reactor thread parses them itself (and so reads no more until it has):
/// what bounds a screen's memory when the parsers fall behind.
const WAITING_LIMIT: usize = 256 * 1024;

/// Where a PTY's screen sends the replies to the program's queries (cursor
/// position, device attributes...): to the PTY, as a terminal would.
enum ReplyTo {
    /// Until the PTY is attached (its relay may parse a query first).
    Held(Vec<u8>),
    /// Weak: the relay holds the screen, the screen must not hold the PTY.
    Pty(Weak<Pty>),
}

/// A screen and what its watchers need: how much was fed, when output last
/// came, whether it ended, and the callback to call after the next batch.
pub struct ScreenState {
    screen: Mutex<Screen>,
    /// The read passes not parsed yet; popped only by whoever holds `screen`.
    waiting: Handoff,
    /// The parser thread that parses what the relay hands over.
    parser: usize,
    replies: Mutex<ReplyTo>,
    /// Bytes fed so far; changes after each batch.
    fed: AtomicU64,
    last_output: Mutex<Instant>,
    ended: AtomicBool,
    armed: AtomicBool,
    on_change: Option<ChangeCallback>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl ScreenState {
    pub fn new(
        cols: u16,
        rows: u16,
        scrollback: usize,
        on_change: Option<ChangeCallback>,
    ) -> Arc<ScreenState> {
        Arc::new(ScreenState {
            screen: Mutex::new(Screen::new(cols, rows, scrollback)),
            waiting: Handoff::new(WAITING_LIMIT),
            parser: crate::screen_worker::next_parser(),
            replies: Mutex::new(ReplyTo::Held(Vec::new())),
            fed: AtomicU64::new(0),
            last_output: Mutex::new(Instant::now()),
            ended: AtomicBool::new(false),
            armed: AtomicBool::new(false),
            on_change,
        })
    }

    /// Parses `bytes` on this thread (a standalone screen's `feed()`);
    /// returns the replies to the queries among them.
    fn feed(&self, bytes: &[u8]) -> Vec<u8> {
        let replies = {
            let mut screen = lock(&self.screen);
            screen.feed(bytes);
            // Counted under the screen's lock: a watcher that read the count
            // with the screen has seen exactly those bytes parsed.
            self.fed.fetch_add(bytes.len() as u64, Ordering::SeqCst);
            screen.take_replies()
        };
        *lock(&self.last_output) = Instant::now();
        self.changed();
        replies
    }

    /// Sends the replies held so far to `pty`, and from now on those that
    /// follow.
    pub fn attach(&self, pty: &Arc<Pty>) {
        let mut replies = lock(&self.replies);
        if let ReplyTo::Held(held) = &*replies {
            if !held.is_empty() {
                let _ = pty.write(held);
            }
        }
        *replies = ReplyTo::Pty(Arc::downgrade(pty));
    }

    /// Writes replies to the program. Never blocks: what the master does
    /// not take at once is queued for the relay, behind earlier writes. A
    /// write to a PTY that is closed by now is dropped.
    fn reply(&self, bytes: &[u8]) {
        match &mut *lock(&self.replies) {
            ReplyTo::Held(held) => held.extend_from_slice(bytes),
            ReplyTo::Pty(pty) => {
                if let Some(pty) = pty.upgrade() {
                    let _ = pty.write(bytes);
                }
            }
        }
    }

    /// A read pass from the relay (on a reactor thread): queued for a parser
    /// thread. Past `WAITING_LIMIT` bytes waiting, this thread parses them
    /// itself: the relay reads on once the parsers have caught up, and the
    /// child is slowed to the parse rate, never stopped.
    fn hand_over(self: &Arc<Self>, bytes: &[u8]) {
        let pushed = self.waiting.push(bytes);
        if pushed.schedule && !crate::screen_worker::schedule(self.parser, Arc::clone(self)) {
            // No parser thread: parse here, in its place.
            self.parse_waiting(true);
        } else if pushed.full {
            self.parse_waiting(false);
        }
    }

    /// Parses everything handed over so far, in order. `parser`: called by
    /// the parser thread the screen was scheduled to.
    pub(crate) fn parse_waiting(&self, parser: bool) {
        let parsed = {
            let mut screen = lock(&self.screen);
            self.waiting.parse_into(&mut screen, parser, |screen, n| {
                self.fed.fetch_add(n as u64, Ordering::SeqCst);
                // Sent under the screen's lock, so in the order of the queries.
                let replies = screen.take_replies();
                if !replies.is_empty() {
                    self.reply(&replies);
                }
            })
        };
        if parsed > 0 {
            *lock(&self.last_output) = Instant::now();
            self.changed();
        }
    }

    fn changed(&self) {
        if self.armed.swap(false, Ordering::SeqCst) {
            if let Some(callback) = &self.on_change {
                callback.call((), ThreadsafeFunctionCallMode::NonBlocking);
            }
        }
    }

    /// Resizes after parsing what the relay read before.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.parse_waiting(false);
        lock(&self.screen).resize(cols, rows);
    }
}

/// The relay's tap: every read pass is handed over to a parser thread.
pub struct ScreenTap(pub Arc<ScreenState>);

impl OutputTap for ScreenTap {
    fn output(&self, bytes: &[u8]) {
        self.0.hand_over(bytes);
    }

    fn ended(&self) {
        // Everything read is on the screen before the end (and the exit)
        // is reported.
        self.0.parse_waiting(false);
        self.0.ended.store(true, Ordering::SeqCst);
        self.0.changed();
    }
}

#[napi(object)]
pub struct NativeCursor {
    pub row: u32,
    pub col: u32,
    pub visible: bool,
}

#[napi(object)]
pub struct NativeSnapshot {
    pub cols: u32,
    pub rows: u32,
    pub lines: Vec<String>,
    pub cursor: NativeCursor,
    pub title: String,
    pub alternate: bool,
    /// Bytes parsed so far (to tell whether the screen changed since).
    pub fed: f64,
    pub scrollback: Option<Vec<String>>,
}

/// A cell; colours are encoded as in `color_code`.
#[napi(object)]
pub struct NativeCell {
    pub text: String,
    pub width: u32,
    pub fg: i32,
    pub bg: i32,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub inverse: bool,
    pub strikethrough: bool,
    pub hidden: bool,
}

/// -1 for the default colour, 0-255 for a palette entry, 0x1000000 + RGB
/// for a 24-bit colour.
fn color_code(color: Color) -> i32 {
    match color {
        Color::Default => -1,
        Color::Indexed(i) => i.into(),
        Color::Rgb(r, g, b) => {
            0x100_0000 | (i32::from(r) << 16) | (i32::from(g) << 8) | i32::from(b)
        }
    }
}

fn dimension(value: u32, name: &str) -> Result<u16> {
    u16::try_from(value).ok().filter(|v| *v > 0).ok_or_else(|| {
        Error::new(
            Status::InvalidArg,
            format!("{name} must be an integer from 1 to 65535"),
        )
    })
}

#[napi]
pub struct NativeScreen {
    state: Arc<ScreenState>,
}

impl NativeScreen {
    pub fn of(state: Arc<ScreenState>) -> NativeScreen {
        NativeScreen { state }
    }
}

#[napi]
impl NativeScreen {
    /// A standalone screen, fed with `feed()`.
    #[napi(constructor)]
    pub fn new(cols: u32, rows: u32, scrollback: u32) -> Result<NativeScreen> {
        let (cols, rows) = (dimension(cols, "cols")?, dimension(rows, "rows")?);
        Ok(NativeScreen {
            state: ScreenState::new(cols, rows, scrollback as usize, None),
        })
    }

    /// Parses `data`; returns the replies a terminal would send to the
    /// program for the queries in it, or null when there are none.
    #[napi]
    pub fn feed(&self, data: &[u8]) -> Option<String> {
        let replies = self.state.feed(data);
        (!replies.is_empty()).then(|| String::from_utf8_lossy(&replies).into_owned())
    }

    #[napi]
    pub fn resize(&self, cols: u32, rows: u32) -> Result<()> {
        self.state
            .resize(dimension(cols, "cols")?, dimension(rows, "rows")?);
        Ok(())
    }

    #[napi]
    pub fn text(&self) -> String {
        lock(&self.state.screen).text()
    }

    #[napi]
    pub fn snapshot(&self, scrollback: bool) -> NativeSnapshot {
        let screen = lock(&self.state.screen);
        let cursor = screen.cursor();
        NativeSnapshot {
            cols: screen.cols().into(),
            rows: screen.rows().into(),
            lines: screen.lines(),
            cursor: NativeCursor {
                row: cursor.row.into(),
                col: cursor.col.into(),
                visible: cursor.visible,
            },
            title: screen.title(),
            alternate: screen.alternate(),
            fed: self.state.fed.load(Ordering::SeqCst) as f64,
            scrollback: scrollback.then(|| screen.scrollback()),
        }
    }

    /// The cells of visible row `row`; null past the last row.
    #[napi]
    pub fn cells(&self, row: u32) -> Option<Vec<NativeCell>> {
        let row = u16::try_from(row).ok()?;
        let cells = lock(&self.state.screen).cells(row)?;
        Some(
            cells
                .into_iter()
                .map(|c| NativeCell {
                    text: c.text,
                    width: c.width.into(),
                    fg: color_code(c.fg),
                    bg: color_code(c.bg),
                    bold: c.bold,
                    dim: c.dim,
                    italic: c.italic,
                    underline: c.underline,
                    inverse: c.inverse,
                    strikethrough: c.strikethrough,
                    hidden: c.hidden,
                })
                .collect(),
        )
    }

    #[napi(js_name = "toSVG")]
    pub fn to_svg(&self) -> String {
        lock(&self.state.screen).to_svg()
    }

    /// Bytes parsed so far.
    #[napi(getter)]
    pub fn fed(&self) -> f64 {
        self.state.fed.load(Ordering::SeqCst) as f64
    }

    /// Milliseconds since the last output was parsed (or since the screen
    /// was made).
    #[napi(getter)]
    pub fn quiet_ms(&self) -> f64 {
        if self.state.waiting.waiting() > 0 {
            return 0.0; // output came that is still being parsed
        }
        lock(&self.state.last_output).elapsed().as_secs_f64() * 1000.0
    }

    /// The output that feeds this screen has ended.
    #[napi(getter)]
    pub fn ended(&self) -> bool {
        self.state.ended.load(Ordering::SeqCst)
    }

    /// Asks for the change callback after the next batch. Returns false,
    /// without arming, when more than `seen` bytes were parsed already (the
    /// caller looks again instead) or the output has ended.
    #[napi]
    pub fn arm(&self, seen: f64) -> bool {
        self.state.armed.store(true, Ordering::SeqCst);
        let fed = self.state.fed.load(Ordering::SeqCst) as f64;
        if fed != seen || self.state.ended.load(Ordering::SeqCst) {
            self.state.armed.store(false, Ordering::SeqCst);
            return false;
        }
        true
    }
}

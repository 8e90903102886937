//! Feeds captured terminal streams to three Rust emulators and prints, per
//! emulator and capture, every visible row's text and the cursor (JSON, one
//! object a line), or the parse speed.
//!
//! A capture is `NAME.bin` (the bytes a program wrote to its terminal) with
//! `NAME.meta`: a first line `cols rows`, then any `resize OFFSET cols rows`
//! lines (the window was resized after OFFSET bytes).
//!
//! Usage: emulator-compare screens CAPTURE...
//!        emulator-compare speed MEGABYTES CAPTURE...

use std::io::Write;
use std::time::Instant;

struct Capture {
    name: String,
    bytes: Vec<u8>,
    cols: usize,
    rows: usize,
    resizes: Vec<(usize, usize, usize)>,
    checks: Vec<usize>,
}

fn load(path: &str) -> Capture {
    let base = path.strip_suffix(".bin").unwrap_or(path);
    let bytes = std::fs::read(format!("{base}.bin")).expect("capture bytes");
    let meta = std::fs::read_to_string(format!("{base}.meta")).expect("capture meta");
    let mut lines = meta.lines();
    let size: Vec<usize> = lines
        .next()
        .expect("size line")
        .split_whitespace()
        .map(|v| v.parse().expect("number"))
        .collect();
    let meta_lines: Vec<&str> = lines.collect();
    let checks = meta_lines
        .iter()
        .filter_map(|line| line.strip_prefix("check "))
        .map(|v| v.trim().parse().unwrap())
        .collect();
    let resizes = meta_lines
        .iter()
        .filter_map(|line| {
            let v: Vec<&str> = line.split_whitespace().collect();
            (v.first() == Some(&"resize"))
                .then(|| (v[1].parse().unwrap(), v[2].parse().unwrap(), v[3].parse().unwrap()))
        })
        .collect();
    Capture {
        name: std::path::Path::new(base)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
        bytes,
        cols: size[0],
        rows: size[1],
        resizes,
        checks,
    }
}

/// What the comparison needs from an emulator.
trait Emulator {
    fn new(cols: usize, rows: usize) -> Self;
    fn feed(&mut self, bytes: &[u8]);
    fn resize(&mut self, cols: usize, rows: usize);
    /// Visible rows, trailing blanks trimmed.
    fn rows(&self) -> Vec<String>;
    fn cursor(&self) -> (usize, usize);
}

struct Vt100(vt100::Parser);

fn nz(n: usize) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n as u16).expect("positive size")
}

impl Emulator for Vt100 {
    fn new(cols: usize, rows: usize) -> Self {
        Vt100(vt100::Parser::new(nz(rows), nz(cols), 1000))
    }
    fn feed(&mut self, bytes: &[u8]) {
        self.0.process(bytes);
    }
    fn resize(&mut self, cols: usize, rows: usize) {
        self.0.screen_mut().set_size(nz(rows), nz(cols));
    }
    fn rows(&self) -> Vec<String> {
        let screen = self.0.screen();
        let (rows, cols) = screen.size();
        (0..rows.get())
            .map(|r| {
                let mut line = String::new();
                for c in 0..cols.get() {
                    let cell = screen.cell(r, c).unwrap();
                    if cell.is_wide_continuation() {
                        continue;
                    }
                    let s = cell.contents();
                    line.push_str(if s.is_empty() { " " } else { s });
                }
                line.trim_end().to_string()
            })
            .collect()
    }
    fn cursor(&self) -> (usize, usize) {
        let (r, c) = self.0.screen().cursor_position();
        (r as usize, c as usize)
    }
}

/// avt takes text: bytes are decoded here, keeping an incomplete sequence
/// at the end of a chunk for the next one.
struct Avt(avt::Terminal, Vec<u8>);

impl Emulator for Avt {
    fn new(cols: usize, rows: usize) -> Self {
        Avt(avt::Terminal::with_scrollback(cols, rows, Some(1000)).unwrap(), Vec::new())
    }
    fn feed(&mut self, bytes: &[u8]) {
        self.1.extend_from_slice(bytes);
        let mut rest: &[u8] = &std::mem::take(&mut self.1);
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.0.feed(s);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    self.0.feed(std::str::from_utf8(good).unwrap());
                    match e.error_len() {
                        Some(n) => {
                            self.0.feed('\u{fffd}');
                            rest = &bad[n..];
                        }
                        None => {
                            self.1 = bad.to_vec();
                            break;
                        }
                    }
                }
            }
        }
    }
    fn resize(&mut self, cols: usize, rows: usize) {
        self.0.resize(cols, rows);
    }
    fn rows(&self) -> Vec<String> {
        self.0
            .screen()
            .visible_lines()
            .map(|line| {
                let mut text = String::new();
                for cell in line.cells() {
                    if cell.width() == 0 {
                        continue;
                    }
                    text.push(cell.char());
                }
                text.trim_end().to_string()
            })
            .collect()
    }
    fn cursor(&self) -> (usize, usize) {
        let c = self.0.cursor();
        (c.row, c.col)
    }
}

struct Alacritty(
    alacritty_terminal::Term<alacritty_terminal::event::VoidListener>,
    alacritty_terminal::vte::ansi::Processor,
);

impl Emulator for Alacritty {
    fn new(cols: usize, rows: usize) -> Self {
        use alacritty_terminal::term::{test::TermSize, Config, Term};
        let config = Config {
            scrolling_history: 1000,
            ..Config::default()
        };
        Alacritty(
            Term::new(
                config,
                &TermSize::new(cols, rows),
                alacritty_terminal::event::VoidListener,
            ),
            Default::default(),
        )
    }
    fn feed(&mut self, bytes: &[u8]) {
        self.1.advance(&mut self.0, bytes);
    }
    fn resize(&mut self, cols: usize, rows: usize) {
        self.0
            .resize(alacritty_terminal::term::test::TermSize::new(cols, rows));
    }
    fn rows(&self) -> Vec<String> {
        use alacritty_terminal::grid::Dimensions;
        use alacritty_terminal::index::{Column, Line};
        use alacritty_terminal::term::cell::Flags;
        let grid = self.0.grid();
        (0..grid.screen_lines())
            .map(|r| {
                let row = &grid[Line(r as i32)];
                let mut text = String::new();
                for c in 0..grid.columns() {
                    let cell = &row[Column(c)];
                    if cell
                        .flags
                        .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
                    {
                        continue;
                    }
                    // A tab is kept in the cell it started from, shown as a blank.
                    text.push(if cell.c == '\t' { ' ' } else { cell.c });
                    if let Some(zw) = cell.zerowidth() {
                        text.extend(zw);
                    }
                }
                text.trim_end().to_string()
            })
            .collect()
    }
    fn cursor(&self) -> (usize, usize) {
        let p = self.0.grid().cursor.point;
        (p.line.0 as usize, p.column.0)
    }
}

/// Replays the capture, calling `seen` at each checkpoint and at the end.
fn replay<E: Emulator>(capture: &Capture, mut seen: impl FnMut(usize, usize, &E)) {
    let mut emulator = E::new(capture.cols, capture.rows);
    let mut width = capture.cols;
    let mut events: Vec<(usize, Option<(usize, usize)>)> = capture
        .resizes
        .iter()
        .map(|&(o, c, r)| (o, Some((c, r))))
        .chain(capture.checks.iter().map(|&o| (o, None)))
        .collect();
    events.sort_by_key(|e| (e.0, e.1.is_some()));
    let mut at = 0;
    for (offset, resize) in events {
        emulator.feed(&capture.bytes[at..offset]);
        at = offset;
        match resize {
            Some((cols, rows)) => {
                emulator.resize(cols, rows);
                width = cols;
            }
            None => seen(offset, width, &emulator),
        }
    }
    emulator.feed(&capture.bytes[at..]);
    seen(capture.bytes.len(), width, &emulator);
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn print_screen<E: Emulator>(name: &str, capture: &Capture) {
    replay::<E>(capture, |offset, cols, emulator| {
        let rows: Vec<String> = emulator.rows().iter().map(|r| json_string(r)).collect();
        // A pending wrap leaves some cursors one past the last column.
        let (row, col) = emulator.cursor();
        let col = col.min(cols - 1);
        println!(
            "{{\"emulator\":\"{name}\",\"capture\":{},\"offset\":{offset},\"rows\":[{}],\"cursor\":[{row},{col}]}}",
            json_string(&capture.name),
            rows.join(",")
        );
    });
}

/// Feeds `total` bytes of `stream` in 64 KiB pieces; MB/s.
fn speed<E: Emulator>(stream: &[u8], total: usize, cols: usize, rows: usize) -> f64 {
    let mut emulator = E::new(cols, rows);
    let start = Instant::now();
    let mut fed = 0;
    while fed < total {
        for piece in stream.chunks(64 * 1024) {
            emulator.feed(piece);
        }
        fed += stream.len();
    }
    std::hint::black_box(emulator.cursor());
    fed as f64 / 1e6 / start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("screens") => {
            for path in &args[1..] {
                let capture = load(path);
                print_screen::<Alacritty>("alacritty_terminal", &capture);
                print_screen::<Avt>("avt", &capture);
                print_screen::<Vt100>("vt100", &capture);
            }
        }
        Some("speed") => {
            let megabytes: usize = args[1].parse().expect("megabytes");
            for path in &args[2..] {
                let capture = load(path);
                let total = megabytes * 1_000_000;
                let (c, r) = (capture.cols, capture.rows);
                for (name, mbps) in [
                    ("alacritty_terminal", speed::<Alacritty>(&capture.bytes, total, c, r)),
                    ("avt", speed::<Avt>(&capture.bytes, total, c, r)),
                    ("vt100", speed::<Vt100>(&capture.bytes, total, c, r)),
                ] {
                    println!(
                        "{{\"emulator\":\"{name}\",\"capture\":{},\"mbps\":{mbps:.1}}}",
                        json_string(&capture.name)
                    );
                    std::io::stdout().flush().unwrap();
                }
            }
        }
        _ => eprintln!("usage: emulator-compare screens|speed ..."),
    }
}

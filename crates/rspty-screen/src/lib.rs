//! What a terminal shows: a screen model fed with the bytes a program writes
//! to its PTY, read back as text, cells, cursor and title, or drawn as SVG.
//!
//! The emulation is alacritty_terminal's (picked by measurement against
//! avt and vt100; see ARCHITECTURE.md). This crate only feeds it and reads
//! it back in PTY terms, and hands output from a reading thread to a
//! parsing one (`Handoff`). It is separate from `rspty-core` so that the core
//! stays small and a program that never asks for a screen does not build an
//! emulator.

mod handoff;
mod svg;

pub use handoff::{Handoff, Pushed};

use std::sync::{Arc, Mutex};

use alacritty_terminal::event::{Event, EventListener};
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::{Cell as GridCell, Flags};
use alacritty_terminal::term::{Config, Term, TermMode};
use alacritty_terminal::vte::ansi::{self, Processor};

/// Rows of scrollback kept when none is asked for.
pub const DEFAULT_SCROLLBACK: usize = 1000;

/// Where the cursor is (0-based, on the visible screen) and whether the
/// program shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub row: u16,
    pub col: u16,
    pub visible: bool,
}

/// A colour as the program set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// The terminal's default foreground or background.
    Default,
    /// One of the 256 palette entries (0-15 are the ANSI colours).
    Indexed(u8),
    /// A 24-bit colour.
    Rgb(u8, u8, u8),
}

/// One cell of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The character with any combining marks; empty for the second half
    /// of a wide character.
    pub text: String,
    /// Columns the character takes: 1, 2 (wide), or 0 (second half of a
    /// wide character).
    pub width: u8,
    pub fg: Color,
    pub bg: Color,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub inverse: bool,
    pub strikethrough: bool,
    pub hidden: bool,
}

/// The visible screen at one moment, between two parser steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub cols: u16,
    pub rows: u16,
    /// Every visible row, trailing blanks trimmed.
    pub lines: Vec<String>,
    pub cursor: Cursor,
    /// The window title the program set (OSC 0 or 2), or empty.
    pub title: String,
    /// The program is on the alternate screen (full-screen programs such as
    /// vim, less and top).
    pub alternate: bool,
}

/// Receives the emulator's events: the title, and the replies the emulator
/// would send to the program (device attributes, cursor position and other
/// status reports), kept until [`Screen::take_replies`].
#[derive(Clone, Default)]
struct Listener {
    title: Arc<Mutex<String>>,
    replies: Arc<Mutex<Vec<u8>>>,
}

impl EventListener for Listener {
    fn send_event(&self, event: Event) {
        let title = match event {
            Event::Title(title) => title,
            Event::ResetTitle => String::new(),
            Event::PtyWrite(reply) => {
                lock(&self.replies).extend_from_slice(reply.as_bytes());
                return;
            }
            _ => return,
        };
        *lock(&self.title) = title;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The emulator's size type.
struct Size {
    cols: usize,
    rows: usize,
}

impl Dimensions for Size {
    fn total_lines(&self) -> usize {
        self.rows
    }
    fn screen_lines(&self) -> usize {
        self.rows
    }
    fn columns(&self) -> usize {
        self.cols
    }
}

/// A terminal screen fed with a program's output.
pub struct Screen {
    term: Term<Listener>,
    parser: Processor,
    listener: Listener,
}

impl Screen {
    /// A blank screen of `cols` x `rows` (each at least 1) keeping up to
    /// `scrollback` rows that scrolled off the top.
    pub fn new(cols: u16, rows: u16, scrollback: usize) -> Screen {
        let listener = Listener::default();
        let config = Config {
            scrolling_history: scrollback,
            ..Config::default()
        };
        let size = Size {
            cols: cols.max(1).into(),
            rows: rows.max(1).into(),
        };
        Screen {
            term: Term::new(config, &size, listener.clone()),
            parser: Processor::new(),
            listener,
        }
    }

    /// Parses `bytes`. A sequence cut between two calls is completed by the
    /// next call.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.parser.advance(&mut self.term, bytes);
    }

    /// Changes the size; the primary screen reflows wrapped lines
    /// (alacritty's rules), the alternate screen is cut or padded.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.term.resize(Size {
            cols: cols.max(1).into(),
            rows: rows.max(1).into(),
        });
    }

    pub fn cols(&self) -> u16 {
        self.term.columns() as u16
    }

    pub fn rows(&self) -> u16 {
        self.term.screen_lines() as u16
    }

    /// Row `row` of the visible screen (0 is the top), trailing blanks
    /// trimmed; empty past the last row.
    pub fn line(&self, row: u16) -> String {
        if row >= self.rows() {
            return String::new();
        }
        row_text(&self.term.grid()[Line(row.into())])
    }

    /// Every visible row, trailing blanks trimmed.
    pub fn lines(&self) -> Vec<String> {
        (0..self.rows()).map(|row| self.line(row)).collect()
    }

    /// The visible rows joined by newlines, trailing blanks (and blank rows
    /// at the bottom) trimmed.
    pub fn text(&self) -> String {
        let mut text = self.lines().join("\n");
        text.truncate(text.trim_end().len());
        text
    }

    /// The rows that scrolled off the top, oldest first, trailing blanks
    /// trimmed (the primary screen's; the alternate screen has none).
    pub fn scrollback(&self) -> Vec<String> {
        let grid = self.term.grid();
        let history = grid.history_size() as i32;
        (1..=history)
            .rev()
            .map(|back| row_text(&grid[Line(-back)]))
            .collect()
    }

    pub fn cursor(&self) -> Cursor {
        let point = self.term.grid().cursor.point;
        Cursor {
            row: point.line.0.max(0) as u16,
            col: point.column.0 as u16,
            visible: self.term.mode().contains(TermMode::SHOW_CURSOR),
        }
    }

    pub fn title(&self) -> String {
        lock(&self.listener.title).clone()
    }

    /// The replies to the program's queries parsed since the last call, in
    /// order: device attributes (`ESC [ c`, `ESC [ > c`), status and cursor
    /// position reports (`ESC [ 5 n`, `ESC [ 6 n`), mode reports
    /// (`ESC [ ? Ps $ p`) and the text area size in characters
    /// (`ESC [ 18 t`). A terminal writes these back to the program. Colour
    /// queries (OSC 4/10/11) and the size in pixels get no reply.
    pub fn take_replies(&mut self) -> Vec<u8> {
        std::mem::take(&mut *lock(&self.listener.replies))
    }

    pub fn alternate(&self) -> bool {
        self.term.mode().contains(TermMode::ALT_SCREEN)
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            cols: self.cols(),
            rows: self.rows(),
            lines: self.lines(),
            cursor: self.cursor(),
            title: self.title(),
            alternate: self.alternate(),
        }
    }

    /// The cells of visible row `row`, one per column; `None` past the last row.
    pub fn cells(&self, row: u16) -> Option<Vec<Cell>> {
        if row >= self.rows() {
            return None;
        }
        let line = &self.term.grid()[Line(row.into())];
        Some(
            (0..self.term.columns())
                .map(|col| cell(&line[Column(col)]))
                .collect(),
        )
    }

    /// The screen as an SVG picture, with its colours and the cursor.
    pub fn to_svg(&self) -> String {
        svg::render(self)
    }
}

fn row_text(row: &alacritty_terminal::grid::Row<GridCell>) -> String {
    let mut text = String::new();
    for col in 0..row.len() {
        let cell = &row[Column(col)];
        if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
            continue;
        }
        text.push(shown(cell));
        if let Some(marks) = cell.zerowidth() {
            text.extend(marks);
        }
    }
    text.truncate(text.trim_end().len());
    text
}

/// The character a cell shows: a tab is kept in the cell it started from,
/// and the spacer a wide character leaves at the end of a row is a blank.
fn shown(cell: &GridCell) -> char {
    if cell.c == '\t' || cell.flags.contains(Flags::LEADING_WIDE_CHAR_SPACER) {
        ' '
    } else {
        cell.c
    }
}

fn cell(grid_cell: &GridCell) -> Cell {
    let flags = grid_cell.flags;
    let (text, width) = if flags.contains(Flags::WIDE_CHAR_SPACER) {
        (String::new(), 0)
    } else {
        let mut text = String::from(shown(grid_cell));
        if let Some(marks) = grid_cell.zerowidth() {
            text.extend(marks);
        }
        (
            text,
            if flags.contains(Flags::WIDE_CHAR) {
                2
            } else {
                1
            },
        )
    };
    Cell {
        text,
        width,
        fg: color(grid_cell.fg),
        bg: color(grid_cell.bg),
        bold: flags.contains(Flags::BOLD),
        dim: flags.contains(Flags::DIM),
        italic: flags.contains(Flags::ITALIC),
        underline: flags.intersects(Flags::ALL_UNDERLINES),
        inverse: flags.contains(Flags::INVERSE),
        strikethrough: flags.contains(Flags::STRIKEOUT),
        hidden: flags.contains(Flags::HIDDEN),
    }
}

fn color(color: ansi::Color) -> Color {
    match color {
        ansi::Color::Spec(rgb) => Color::Rgb(rgb.r, rgb.g, rgb.b),
        ansi::Color::Indexed(index) => Color::Indexed(index),
        ansi::Color::Named(named) if (named as usize) < 16 => Color::Indexed(named as u8),
        // The dim variants are drawn as their base colour; the rest are the defaults.
        ansi::Color::Named(named) => match named.to_bright() {
            base if (base as usize) < 8 => Color::Indexed(base as u8),
            _ => Color::Default,
        },
    }
}

#[cfg(test)]
mod tests;

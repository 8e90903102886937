//! The screen as an SVG picture: one `<text>` per row (so the picture's text
//! is the screen's text), a rectangle per run of background colour, and the
//! cursor. Colours: VS Code's dark terminal theme for the 16 ANSI colours,
//! xterm's 256-colour cube and greys.

use std::fmt::Write;

use crate::{Cell, Color, Screen};

const FONT_SIZE: f64 = 14.0;
/// The advance of a monospace font at that size (0.6 em).
const CELL_WIDTH: f64 = 8.4;
const LINE_HEIGHT: f64 = 18.0;
const PADDING: f64 = 8.0;
const FOREGROUND: (u8, u8, u8) = (0xd4, 0xd4, 0xd4);
const BACKGROUND: (u8, u8, u8) = (0x1e, 0x1e, 0x1e);

/// The 16 ANSI colours of VS Code's dark terminal theme (xterm's own blues
/// are hard to read on a dark background).
const ANSI: [(u8, u8, u8); 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x31, 0x31),
    (0x0d, 0xbc, 0x79),
    (0xe5, 0xe5, 0x10),
    (0x24, 0x72, 0xc8),
    (0xbc, 0x3f, 0xbc),
    (0x11, 0xa8, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x66, 0x66, 0x66),
    (0xf1, 0x4c, 0x4c),
    (0x23, 0xd1, 0x8b),
    (0xf5, 0xf5, 0x43),
    (0x3b, 0x8e, 0xea),
    (0xd6, 0x70, 0xd6),
    (0x29, 0xb8, 0xdb),
    (0xe5, 0xe5, 0xe5),
];

fn rgb(color: Color, default: (u8, u8, u8)) -> (u8, u8, u8) {
    match color {
        Color::Default => default,
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i @ 0..=15) => ANSI[i as usize],
        // The 6x6x6 cube, then 24 greys.
        Color::Indexed(i @ 16..=231) => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            let i = i - 16;
            (level(i / 36), level(i / 6 % 6), level(i % 6))
        }
        Color::Indexed(i) => {
            let grey = 8 + (i - 232) * 10;
            (grey, grey, grey)
        }
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The colours a cell is drawn with, after inverse and hidden.
fn colors(cell: &Cell) -> ((u8, u8, u8), (u8, u8, u8)) {
    let (fg, bg) = (rgb(cell.fg, FOREGROUND), rgb(cell.bg, BACKGROUND));
    let (fg, bg) = if cell.inverse { (bg, fg) } else { (fg, bg) };
    (if cell.hidden { bg } else { fg }, bg)
}

/// What starts a new `<tspan>`.
#[derive(PartialEq)]
struct Style {
    fill: (u8, u8, u8),
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
    strikethrough: bool,
}

impl Style {
    fn of(cell: &Cell) -> Style {
        Style {
            fill: colors(cell).0,
            bold: cell.bold,
            dim: cell.dim,
            italic: cell.italic,
            underline: cell.underline,
            strikethrough: cell.strikethrough,
        }
    }

    fn attributes(&self) -> String {
        let mut out = String::new();
        if self.fill != FOREGROUND {
            let _ = write!(out, r#" fill="{}""#, hex(self.fill));
        }
        if self.bold {
            out.push_str(r#" font-weight="bold""#);
        }
        if self.dim {
            out.push_str(r#" opacity="0.6""#);
        }
        if self.italic {
            out.push_str(r#" font-style="italic""#);
        }
        match (self.underline, self.strikethrough) {
            (true, true) => out.push_str(r#" text-decoration="underline line-through""#),
            (true, false) => out.push_str(r#" text-decoration="underline""#),
            (false, true) => out.push_str(r#" text-decoration="line-through""#),
            (false, false) => {}
        }
        out
    }
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Not allowed in XML 1.0; the screen never holds them, but be safe.
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push(' '),
            c => out.push(c),
        }
    }
}

pub(crate) fn render(screen: &Screen) -> String {
    let (cols, rows) = (screen.cols(), screen.rows());
    let width = f64::from(cols) * CELL_WIDTH + 2.0 * PADDING;
    let height = f64::from(rows) * LINE_HEIGHT + 2.0 * PADDING;
    let mut out = String::with_capacity(usize::from(cols) * usize::from(rows) * 4 + 1024);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="{FONT_SIZE}" xml:space="preserve">"#
    );
    let title = screen.title();
    if !title.is_empty() {
        out.push_str("<title>");
        escape(&title, &mut out);
        out.push_str("</title>");
    }
    let _ = write!(
        out,
        r#"<rect width="100%" height="100%" fill="{}"/>"#,
        hex(BACKGROUND)
    );
    let x = |col: usize| PADDING + col as f64 * CELL_WIDTH;
    let all: Vec<Vec<Cell>> = (0..rows).filter_map(|r| screen.cells(r)).collect();
    // Backgrounds first, as runs of one colour.
    for (row, cells) in all.iter().enumerate() {
        let y = PADDING + row as f64 * LINE_HEIGHT;
        let mut col = 0;
        while col < cells.len() {
            let bg = colors(&cells[col]).1;
            let start = col;
            while col < cells.len() && colors(&cells[col]).1 == bg {
                col += 1;
            }
            if bg != BACKGROUND {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{y}" width="{}" height="{LINE_HEIGHT}" fill="{}"/>"#,
                    x(start),
                    (col - start) as f64 * CELL_WIDTH,
                    hex(bg)
                );
            }
        }
    }
    let cursor = screen.cursor();
    if cursor.visible && cursor.row < rows && cursor.col < cols {
        let _ = write!(
            out,
            r#"<rect class="cursor" x="{}" y="{}" width="{CELL_WIDTH}" height="{LINE_HEIGHT}" fill="{}" fill-opacity="0.5"/>"#,
            x(cursor.col.into()),
            PADDING + f64::from(cursor.row) * LINE_HEIGHT,
            hex(FOREGROUND)
        );
    }
    let _ = write!(out, r#"<g fill="{}">"#, hex(FOREGROUND));
    for (row, cells) in all.iter().enumerate() {
        // The baseline, about four fifths down the line.
        let y = PADDING + row as f64 * LINE_HEIGHT + LINE_HEIGHT * 0.78;
        let _ = write!(out, r#"<text y="{y:.1}">"#);
        // Up to the last cell that shows something, as text() trims.
        let end = cells
            .iter()
            .rposition(|c| !c.text.trim().is_empty())
            .map_or(0, |i| i + 1);
        let mut col = 0;
        while col < end {
            let style = Style::of(&cells[col]);
            let start = col;
            let mut run = String::new();
            while col < end && Style::of(&cells[col]) == style {
                escape(&cells[col].text, &mut run);
                let wide = cells[col].width == 2;
                col += 1;
                // After a wide character the next column is placed explicitly,
                // whatever width the font gives it.
                if wide {
                    while col < end && cells[col].width == 0 {
                        col += 1;
                    }
                    break;
                }
            }
            let _ = write!(
                out,
                r#"<tspan x="{}"{}>{run}</tspan>"#,
                x(start),
                style.attributes()
            );
        }
        out.push_str("</text>");
    }
    out.push_str("</g></svg>\n");
    out
}

//! The size of a terminal, shared by every module that sets or reads it.

/// The size of a terminal in character cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowSize {
    pub cols: u16,
    pub rows: u16,
}

impl Default for WindowSize {
    /// 80x24, the size of a VT100 and of every terminal emulator's first window.
    fn default() -> Self {
        WindowSize { cols: 80, rows: 24 }
    }
}

/// A window's size in pixels, as `TIOCSWINSZ` carries it beside the cells
/// (`ws_xpixel`, `ws_ypixel`); zero when not known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PixelSize {
    pub width: u16,
    pub height: u16,
}

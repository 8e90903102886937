use super::*;

fn screen(bytes: &str) -> Screen {
    let mut screen = Screen::new(20, 5, 100);
    screen.feed(bytes.as_bytes());
    screen
}

#[test]
fn text_trims_trailing_blanks_and_blank_rows() {
    let s = screen("hello  \r\nworld\r\n\r\n");
    assert_eq!(s.lines(), ["hello", "world", "", "", ""]);
    assert_eq!(s.text(), "hello\nworld");
}

#[test]
fn a_sequence_split_between_feeds_is_completed() {
    let mut s = Screen::new(20, 5, 0);
    s.feed(b"ab\x1b[");
    s.feed(b"31mc\x1b[2");
    s.feed(b";5Hd");
    assert_eq!(s.lines()[0], "abc");
    assert_eq!(s.lines()[1], "    d");
    assert_eq!(s.cells(0).unwrap()[2].fg, Color::Indexed(1));
    assert_eq!(s.cells(0).unwrap()[1].fg, Color::Default);
    assert_eq!(
        s.cursor(),
        Cursor {
            row: 1,
            col: 5,
            visible: true
        }
    );
}

#[test]
fn utf8_split_between_feeds_and_wide_and_combining_characters() {
    let mut s = Screen::new(20, 5, 0);
    let bytes = "日本e\u{301}!".as_bytes();
    s.feed(&bytes[..2]);
    s.feed(&bytes[2..]);
    assert_eq!(s.line(0), "日本e\u{301}!");
    let cells = s.cells(0).unwrap();
    assert_eq!((cells[0].text.as_str(), cells[0].width), ("日", 2));
    assert_eq!((cells[1].text.as_str(), cells[1].width), ("", 0));
    assert_eq!((cells[4].text.as_str(), cells[4].width), ("e\u{301}", 1));
    assert_eq!(s.cursor().col, 6);
}

#[test]
fn attributes_and_colours() {
    let s = screen("\x1b[1;3;4;7mA\x1b[0;38;5;200;48;2;1;2;3mB\x1b[0;2;9;94mC");
    let cells = s.cells(0).unwrap();
    let a = &cells[0];
    assert!(a.bold && a.italic && a.underline && a.inverse && !a.dim);
    assert_eq!(
        (cells[1].fg, cells[1].bg),
        (Color::Indexed(200), Color::Rgb(1, 2, 3))
    );
    assert!(!cells[1].bold);
    assert!(cells[2].dim && cells[2].strikethrough);
    assert_eq!(cells[2].fg, Color::Indexed(12));
}

#[test]
fn title_cursor_visibility_and_alternate_screen() {
    let mut s = screen("\x1b]0;my title\x07primary");
    assert_eq!(s.title(), "my title");
    s.feed(b"\x1b[?1049h\x1b[?25lalt");
    let snap = s.snapshot();
    assert!(snap.alternate);
    assert!(!snap.cursor.visible);
    // 1049 keeps the cursor where it was.
    assert_eq!(snap.lines[0], "       alt");
    s.feed(b"\x1b[?1049l\x1b[?25h");
    assert!(!s.alternate());
    assert_eq!(s.line(0), "primary");
    assert!(s.cursor().visible);
}

#[test]
fn scrollback_keeps_rows_that_scrolled_off_up_to_the_limit() {
    let mut s = Screen::new(10, 3, 4);
    for i in 0..10 {
        s.feed(format!("row {i}\r\n").as_bytes());
    }
    assert_eq!(s.lines(), ["row 8", "row 9", ""]);
    assert_eq!(s.scrollback(), ["row 4", "row 5", "row 6", "row 7"]);
}

#[test]
fn resize_reflows_the_primary_screen() {
    let mut s = Screen::new(10, 3, 10);
    s.feed(b"abcdefghijKL");
    assert_eq!(s.lines(), ["abcdefghij", "KL", ""]);
    s.resize(12, 3);
    assert_eq!((s.cols(), s.rows()), (12, 3));
    assert_eq!(s.lines(), ["abcdefghijKL", "", ""]);
}

#[test]
fn scroll_region_and_insert_delete_lines() {
    let mut s = Screen::new(10, 6, 0);
    for i in 1..=6 {
        s.feed(format!("\x1b[{i};1Hl{i}").as_bytes());
    }
    // Scroll rows 2-4 up by one: row 5 and 6 stay.
    s.feed(b"\x1b[2;4r\x1b[4;1H\n\x1b[r");
    assert_eq!(s.lines(), ["l1", "l3", "l4", "", "l5", "l6"]);
    s.feed(b"\x1b[1;1H\x1b[2L");
    assert_eq!(s.lines(), ["", "", "l1", "l3", "l4", ""]);
    s.feed(b"\x1b[1;1H\x1b[3M");
    assert_eq!(s.lines(), ["l3", "l4", "", "", "", ""]);
}

#[test]
fn svg_has_one_text_per_row_holding_the_row() {
    let s = screen("\x1b[31mred\x1b[0m & <b>\r\n\x1b[44m  blue bg \x1b[0m\r\n日本");
    let svg = s.to_svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>\n"));
    assert_eq!(svg.matches("<text ").count(), 5);
    assert!(svg.contains(r##"<tspan x="8" fill="#cd3131">red</tspan>"##));
    assert!(svg.contains("&amp; &lt;b&gt;"));
    // The blue background run covers ten cells.
    assert!(svg.contains(r##"width="84" height="18" fill="#2472c8""##));
    // Wide characters each get their own position.
    assert!(svg.contains(r#"<tspan x="8">日</tspan><tspan x="24.8">本</tspan>"#));
}

#[test]
fn queries_get_the_replies_a_terminal_sends_in_order() {
    let mut s = Screen::new(20, 5, 0);
    assert_eq!(s.take_replies(), b"");
    s.feed(b"ab\r\ncdef\x1b[6n\x1b[c\x1b[5n");
    // The cursor position is 1-based: row 2, column 5.
    assert_eq!(s.take_replies(), b"\x1b[2;5R\x1b[?6c\x1b[0n");
    assert_eq!(s.take_replies(), b"");
    // A query split between feeds is answered once it is complete.
    s.feed(b"\x1b[");
    assert_eq!(s.take_replies(), b"");
    s.feed(b"6n");
    assert_eq!(s.take_replies(), b"\x1b[2;5R");
}

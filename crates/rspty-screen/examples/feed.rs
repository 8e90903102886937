//! How fast the screen model parses plain text: the same bytes the bench's
//! `cat` scenario produces (100-byte lines, each '\n' arriving as "\r\n"),
//! fed in 64 KiB passes like the relay's reads.
//!
//! Usage: cargo run --release -p rspty-screen --example feed [MIB] [SCROLLBACK]

use std::time::Instant;

use rspty_screen::Screen;

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().map_or(128, |a| a.parse().expect("MIB"));
    let scrollback: usize = args.next().map_or(1000, |a| a.parse().expect("SCROLLBACK"));
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+";
    let lines = mib * 1024 * 1024 / 100;
    let mut bytes = Vec::with_capacity(lines * 101);
    for i in 0..lines {
        for j in 0..99 {
            bytes.push(alphabet[(i + j) % alphabet.len()]);
        }
        bytes.extend_from_slice(b"\r\n");
    }
    for round in 0..3 {
        let mut screen = Screen::new(80, 24, scrollback);
        let t0 = Instant::now();
        for pass in bytes.chunks(64 * 1024) {
            screen.feed(pass);
        }
        let s = t0.elapsed().as_secs_f64();
        println!(
            "round {round}: {:.1} MB/s, {:.2} ns/byte (scrollback {scrollback}; last row {:?})",
            bytes.len() as f64 / 1e6 / s,
            s * 1e9 / bytes.len() as f64,
            screen.line(21).chars().take(20).collect::<String>()
        );
    }
}

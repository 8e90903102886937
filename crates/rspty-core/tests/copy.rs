//! `copy`, Python's `pty.copy`: what reaches the output and what the hooks see.

use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rspty_core::{copy, openpty, spawn, Command, CopyOptions, Filter, WindowSize};

/// What `seq 1 N` prints through a terminal (ONLCR turns \n into \r\n).
fn seq_output(n: usize) -> Vec<u8> {
    (1..=n)
        .flat_map(|i| format!("{i}\r\n").into_bytes())
        .collect()
}

fn pipe() -> (OwnedFd, OwnedFd) {
    nix::unistd::pipe().expect("pipe")
}

/// An identity hook that records every byte it is handed.
fn recording_hook(seen: Arc<Mutex<Vec<u8>>>) -> Filter {
    Box::new(move |chunk: Vec<u8>| {
        seen.lock().unwrap().extend_from_slice(&chunk);
        Box::pin(async move { Ok(chunk) })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_output_hook_sees_each_byte_once_when_the_output_is_slow() {
    const LINES: usize = 200_000;
    let pair = openpty(WindowSize::default()).unwrap();
    let child = spawn(
        &Command::new("seq").arg(LINES.to_string()).inherit_env(),
        &pair,
    )
    .expect("spawn");
    // The relay's master ends (EIO) once the child, the only other holder, exits.
    let (master, slave) = (pair.master, pair.slave);
    drop(slave);
    let (output_reader, output_writer) = pipe();
    // Input that never comes: the writer is held until the end.
    let (input_reader, input_writer) = pipe();
    // A slow terminal: small reads with pauses, so output piles up in copy's buffer.
    let reader = std::thread::spawn(move || {
        let mut file = std::fs::File::from(output_reader);
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = file.read(&mut buf).unwrap();
            if n == 0 {
                return got;
            }
            got.extend_from_slice(&buf[..n]);
            std::thread::sleep(Duration::from_micros(300));
        }
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let options = CopyOptions {
        on_output: Some(recording_hook(seen.clone())),
        on_input: None,
    };
    copy(
        master.as_fd(),
        input_reader.as_fd(),
        output_writer.as_fd(),
        options,
    )
    .await
    .expect("copy");
    drop(output_writer);
    let relayed = reader.join().unwrap();
    drop((input_writer, child));
    let seen = seen.lock().unwrap();
    assert_eq!(relayed.len(), seq_output(LINES).len());
    assert!(
        relayed == seq_output(LINES),
        "the relayed bytes are seq's output"
    );
    assert_eq!(
        seen.len(),
        relayed.len(),
        "bytes the hook saw vs bytes relayed"
    );
    assert!(
        *seen == relayed,
        "the hook saw exactly the relayed bytes, in order"
    );
}

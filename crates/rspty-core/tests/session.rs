//! The relay of one PTY against real programs.

use rspty_core::{
    openpty, spawn, Command, ExitStatus, Session, SessionOptions, TryRead, WindowSize, Write,
};

fn command(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program).inherit_env();
    command.args = args.iter().map(Into::into).collect();
    command
}

async fn start(command: &Command) -> Session {
    let pair = openpty(WindowSize::default()).expect("openpty");
    let child = spawn(command, &pair).expect("spawn");
    Session::start(pair, child, SessionOptions::default()).expect("session")
}

async fn collect(session: &Session) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = session.read().await {
        out.extend_from_slice(&chunk);
    }
    out
}

#[tokio::test]
async fn output_and_exit_code_of_a_short_command() {
    let session = start(&command("sh", &["-c", "printf 'hello\\n'; exit 3"])).await;
    assert_eq!(collect(&session).await, b"hello\r\n");
    assert_eq!(
        session.wait().await,
        ExitStatus {
            code: Some(3),
            signal: None
        }
    );
}

#[tokio::test]
async fn exit_status_waits_for_all_output() {
    for _ in 0..50 {
        let session = start(&command("head", &["-c", "65536", "/dev/zero"])).await;
        let status = session.wait().await;
        assert_eq!(status.code, Some(0));
        assert_eq!(collect(&session).await.len(), 65536);
    }
}

#[tokio::test]
async fn writes_reach_the_child_in_order() {
    let session = start(&command(
        "sh",
        &[
            "-c",
            "stty raw -echo; echo ready; head -c 200000 | fold -w 1 | uniq -c",
        ],
    ))
    .await;
    // Canonical mode would hold back a line without newline: wait for raw mode
    // (which also turns off the \\n -> \\r\\n translation).
    let mut seen = Vec::new();
    while !seen.ends_with(b"ready\n") {
        seen.extend(session.read().await.expect("output before ready"));
    }
    // The kernel takes a few KiB at once: the rest of the first write waits
    // for the relay, and the second must queue behind it whole.
    let first = session.write(&[b'a'; 100_000]).expect("first write");
    let second = session.write(&[b'b'; 100_000]).expect("second write");
    let (Write::Queued(first), Write::Queued(second)) = (first, second) else {
        panic!("100 kB writes to a raw PTY finished at once");
    };
    first.finished().await.expect("first write");
    second.finished().await.expect("second write");
    let out = String::from_utf8(collect(&session).await).unwrap();
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["100000", "a", "100000", "b"]
    );
    assert_eq!(session.wait().await.code, Some(0));
}

#[tokio::test]
async fn a_small_write_with_nothing_queued_is_done_at_once() {
    let session = start(&command("cat", &[])).await;
    assert!(matches!(session.write(b"hi\n"), Ok(Write::Done)));
    let mut seen = Vec::new();
    while seen != b"hi\r\nhi\r\n" {
        seen.extend(session.read().await.expect("the echo and the copy"));
    }
    session.close();
    let error = session
        .write(b"late")
        .err()
        .expect("a write after close fails");
    assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
}

#[tokio::test]
async fn try_read_calls_back_once_output_arrives_after_finding_none() {
    let session = start(&command("sh", &["-c", "read line; echo \"got $line\""])).await;
    let (tx, mut calls) = tokio::sync::mpsc::unbounded_channel();
    session.on_readable(move || tx.send(()).expect("the test is listening"));
    // The shell waits for a line, so there is no output yet.
    assert_eq!(session.try_read(), TryRead::Empty);
    assert!(calls.try_recv().is_err(), "no call before any output");
    session.write(b"x\n").expect("write");
    let mut out = Vec::new();
    let mut waits = 0;
    loop {
        match session.try_read() {
            TryRead::Chunk(chunk) => out.extend(chunk.into_vec()),
            TryRead::Empty => {
                calls.recv().await.expect("a call for each empty read");
                waits += 1;
            }
            TryRead::Ended => break,
        }
    }
    assert_eq!(out, b"x\r\ngot x\r\n");
    assert!(waits >= 1);
    assert!(
        calls.try_recv().is_err(),
        "one call per empty read, none after the end"
    );
    assert_eq!(session.try_read(), TryRead::Ended);
}

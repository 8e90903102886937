//! The relay of one PTY against real programs.

use rspty_core::{openpty, spawn, Command, ExitStatus, Session, SessionOptions, WindowSize};

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
        &["-c", "stty raw -echo; echo ready; head -c 200000 | wc -c"],
    ))
    .await;
    // Canonical mode would hold back a line without newline: wait for raw mode
    // (which also turns off the \\n -> \\r\\n translation).
    let mut seen = Vec::new();
    while !seen.ends_with(b"ready\n") {
        seen.extend(session.read().await.expect("output before ready"));
    }
    let first = session.write(vec![b'a'; 100_000]);
    let second = session.write(vec![b'b'; 100_000]);
    first.await.expect("first write");
    second.await.expect("second write");
    let out = String::from_utf8(collect(&session).await).unwrap();
    assert_eq!(out.trim(), "200000");
    assert_eq!(session.wait().await.code, Some(0));
}

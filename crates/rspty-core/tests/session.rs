//! The relay of one PTY against real programs.

use std::time::Duration;

use rspty_core::{
    openpty, spawn, Command, ExitStatus, Pty, PtyOptions, TryRead, WindowSize, Write,
};

fn command(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program).inherit_env();
    command.args = args.iter().map(Into::into).collect();
    command
}

async fn start(command: &Command) -> Pty {
    let pair = openpty(WindowSize::default()).expect("openpty");
    let child = spawn(command, &pair).expect("spawn");
    Pty::start(pair, child, PtyOptions::default()).expect("session")
}

async fn collect(session: &Pty) -> Vec<u8> {
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
async fn a_write_of_many_relay_turns_reaches_a_fast_reader_whole() {
    // 4 MiB is sixteen of the relay's 256 KiB write turns, most of them
    // ended by the turn's bound rather than by a full master: each turn
    // must resume where the last stopped.
    const SIZE: usize = 4 << 20;
    let session = start(&command(
        "sh",
        &[
            "-c",
            &format!("stty raw -echo; echo ready; head -c {SIZE} | wc -c"),
        ],
    ))
    .await;
    let mut seen = Vec::new();
    while !seen.ends_with(b"ready\n") {
        seen.extend(session.read().await.expect("output before ready"));
    }
    let data: Vec<u8> = (0..SIZE).map(|i| b'a' + (i % 26) as u8).collect();
    if let Write::Queued(rest) = session.write(&data).expect("write") {
        rest.finished().await.expect("the rest of the write");
    }
    let out = String::from_utf8(collect(&session).await).unwrap();
    assert_eq!(out.trim(), SIZE.to_string());
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

/// The fds of this process open on `path`.
fn fds_open_on(path: &std::path::Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

#[tokio::test]
async fn the_parent_holds_the_slave_until_the_exit_is_seen() {
    // macOS and the BSDs discard the master's unread output when the last
    // slave fd closes: the relay keeps its own until the child has exited.
    let pair = openpty(WindowSize::default()).expect("openpty");
    let path = pair.path.clone();
    let child = spawn(
        &command("sh", &["-c", "read line; echo \"got $line\""]),
        &pair,
    )
    .expect("spawn");
    let session = Pty::start(pair, child, PtyOptions::default()).expect("session");
    assert_eq!(
        fds_open_on(&path),
        1,
        "the relay's slave fd while the child runs"
    );
    assert!(matches!(session.write(b"go\n").unwrap(), Write::Done));
    let status = session.wait().await;
    assert_eq!(status.code, Some(0));
    assert_eq!(
        fds_open_on(&path),
        0,
        "no slave fd once the exit was reported"
    );
    assert_eq!(collect(&session).await, b"go\r\ngot go\r\n");
}

/// `waitid(P_PID, WEXITED | WNOWAIT)` through libc: nix has no `waitid` on
/// macOS, where this order matters most.
fn wait_for_exit_without_reaping(pid: nix::unistd::Pid) {
    loop {
        // SAFETY: siginfo_t is plain data that waitid fills in; all-zero is a valid start.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid writes one siginfo_t through a pointer valid for the call.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid.as_raw() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            return;
        }
        let error = std::io::Error::last_os_error();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::Interrupted,
            "waitid: {error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_written_before_the_relay_starts_is_all_there() {
    // The child writes and exits before the relay's first read (the order in
    // which macOS loses output when the slave is closed too early).
    const SIZE: usize = 4000;
    for _ in 0..20 {
        let pair = openpty(WindowSize::default()).expect("openpty");
        let child = spawn(
            &command("head", &["-c", &SIZE.to_string(), "/dev/zero"]),
            &pair,
        )
        .expect("spawn");
        let pid = nix::unistd::Pid::from_raw(child.pid());
        // Wait, without reaping, until the child has exited.
        wait_for_exit_without_reaping(pid);
        let session = Pty::start(pair, child, PtyOptions::default()).expect("session");
        assert_eq!(session.wait().await.code, Some(0));
        assert_eq!(collect(&session).await.len(), SIZE);
    }
}

#[tokio::test]
async fn output_ends_at_the_exit_when_the_child_closes_the_terminal_and_runs_on() {
    // With the relay holding the slave, a child that closes its terminal does
    // not end the output early: it ends with the exit, and nothing is lost.
    let session = start(&command(
        "sh",
        &["-c", "printf before; exec 0<&- 1>&- 2>&-; sleep 0.5"],
    ))
    .await;
    let reader = tokio::spawn(async move {
        let out = collect(&session).await;
        let status = session.exited();
        (out, tokio::time::timeout(Duration::ZERO, status).await.ok())
    });
    let (out, status) = reader.await.unwrap();
    assert_eq!(out, b"before");
    assert_eq!(
        status,
        Some(ExitStatus {
            code: Some(0),
            signal: None
        }),
        "the output ended with the exit, not before it"
    );
}

#[test]
fn a_session_dropped_with_its_runtime_leaves_no_zombie() {
    // A runtime shut down (the last Node.js environment using it went away)
    // drops the relay mid-flight: the child must still be reaped.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let pids: Vec<i32> = runtime.block_on(async {
        let mut pids = Vec::new();
        for _ in 0..4 {
            let session = start(&command("sh", &["-c", "yes"])).await;
            pids.push(session.pid());
            std::mem::forget(session);
        }
        pids
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let alive = |pid: &i32| std::path::Path::new(&format!("/proc/{pid}")).exists();
    while pids.iter().any(alive) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let left: Vec<_> = pids
        .iter()
        .filter(|pid| alive(pid))
        .map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            format!("{pid}: {}", stat.split(' ').nth(2).unwrap_or("?"))
        })
        .collect();
    assert_eq!(left, Vec::<String>::new(), "children left (pid: state)");
}

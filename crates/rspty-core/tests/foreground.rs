//! The foreground process of a session, the pixel size of its window, and a
//! child started as another user.

use std::time::{Duration, Instant};

use rspty_core::{
    openpty, spawn, Command, ExitStatus, PixelSize, Pty, PtyOptions, SpawnStage, WindowSize,
};

fn command(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program).inherit_env();
    command.args = args.iter().map(Into::into).collect();
    command
}

async fn start(command: &Command) -> Pty {
    Pty::spawn(command, WindowSize::default(), PtyOptions::default()).expect("spawn")
}

async fn read_until(session: &Pty, marker: &str) -> String {
    let mut seen = String::new();
    while !seen.contains(marker) {
        let chunk = session.read().await.expect("output ended early");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

async fn collect(session: &Pty) -> String {
    let mut out = Vec::new();
    while let Some(chunk) = session.read().await {
        out.extend_from_slice(&chunk);
    }
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test]
async fn foreground_follows_a_shell_to_its_only_child() {
    let dir = std::env::temp_dir().canonicalize().expect("tmp");
    let script = format!("cd {}; echo ready; sh -c 'sleep 5'", dir.display());
    let session = start(&command("sh", &["-c", &script])).await;
    read_until(&session, "ready").await;
    // No event announces the exec of sleep: poll for it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let found = loop {
        let found = session.foreground().expect("foreground");
        if found.as_ref().is_some_and(|f| f.name == "sleep") || Instant::now() > deadline {
            break found.expect("a foreground process");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(found.name, "sleep");
    assert_eq!(found.cwd.as_deref(), Some(dir.as_path()));
    assert_ne!(found.pid, session.pid());
    session.close();
    session.wait().await;
    assert_eq!(session.foreground().expect("after close"), None);
}

#[tokio::test]
async fn resize_with_pixels_sets_all_four_fields() {
    let session = start(&command(
        "python3",
        &[
            "-c",
            "import fcntl, struct, sys, termios\nprint('ready', flush=True)\nsys.stdin.readline()\nprint(*struct.unpack('HHHH', fcntl.ioctl(0, termios.TIOCGWINSZ, bytes(8))))",
        ],
    ))
    .await;
    read_until(&session, "ready").await;
    let size = WindowSize {
        cols: 120,
        rows: 50,
    };
    let pixels = PixelSize {
        width: 1200,
        height: 900,
    };
    session.resize_with_pixels(size, pixels).expect("resize");
    assert!(session.write(b"\n").is_ok());
    assert!(collect(&session).await.contains("50 120 1200 900"));
}

#[tokio::test]
async fn a_child_switches_to_the_given_user_and_group() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = command("sh", &["-c", "echo $(id -u):$(id -g):$(id -G)"]);
    if root {
        cmd.uid = Some(65534);
        cmd.gid = Some(65534);
        let session = start(&cmd).await;
        assert_eq!(collect(&session).await, "65534:65534:65534\r\n");
        assert_eq!(
            session.wait().await,
            ExitStatus {
                code: Some(0),
                signal: None
            }
        );
    } else {
        // Without the privilege: EPERM, reported as the credentials' failure.
        cmd.uid = Some(0);
        let pair = openpty(WindowSize::default()).expect("openpty");
        let error = spawn(&cmd, &pair).expect_err("setuid(0) must fail");
        assert_eq!(error.stage, SpawnStage::Credentials);
        assert_eq!(error.error.raw_os_error(), Some(libc::EPERM));
    }
}

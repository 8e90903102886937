//! Session setup, pinned for both ways of making the child: posix_spawn
//! (glibc) and the fork fallback (macOS, musl, older glibc).

use rspty_core::{
    openpty, spawn_using, Command, ExitStatus, Session, SessionOptions, SpawnMethod, SpawnStage,
    WindowSize,
};

fn methods() -> Vec<SpawnMethod> {
    let mut methods = vec![SpawnMethod::Fork];
    if SpawnMethod::best() == SpawnMethod::PosixSpawn {
        methods.push(SpawnMethod::PosixSpawn);
    }
    methods
}

fn sh(script: &str) -> Command {
    Command::new("sh").arg("-c").arg(script).inherit_env()
}

async fn output_of(command: &Command, method: SpawnMethod) -> (String, ExitStatus) {
    let pair = openpty(WindowSize::default()).unwrap();
    let child = spawn_using(command, &pair, method).expect("spawn");
    let session = Session::start(pair, child, SessionOptions::default()).unwrap();
    let mut out = Vec::new();
    while let Some(chunk) = session.read().await {
        out.extend(chunk);
    }
    (String::from_utf8(out).unwrap(), session.wait().await)
}

#[tokio::test]
async fn the_child_is_a_session_leader_with_the_pty_as_controlling_terminal() {
    // Fields 5-8 of /proc/self/stat: pgrp session tty_nr tpgid.
    let script = "echo $$; cut -d' ' -f5,6,8 /proc/$$/stat; tty";
    for method in methods() {
        let (out, status) = output_of(&sh(script), method).await;
        let lines: Vec<&str> = out.lines().map(|l| l.trim_end_matches('\r')).collect();
        let pid = lines[0];
        assert_eq!(lines[1], format!("{pid} {pid} {pid}"), "{method:?}");
        assert!(
            lines[2].starts_with("/dev/pts/"),
            "{method:?}: {}",
            lines[2]
        );
        assert_eq!(status.code, Some(0), "{method:?}");
    }
}

#[tokio::test]
async fn setsid_in_the_child_fails_because_it_already_leads_a_session() {
    // python3's os.setsid raises EPERM for a session leader.
    let script =
        "exec python3 -c 'import os\ntry:\n os.setsid()\nexcept OSError as e: print(e.errno)'";
    for method in methods() {
        let (out, _) = output_of(&sh(script), method).await;
        assert_eq!(out, format!("{}\r\n", libc::EPERM), "{method:?}");
    }
}

#[tokio::test]
async fn only_fds_0_1_2_and_no_signal_ignored_or_blocked() {
    let script = "ls /proc/$$/fd | tr '\\n' ' '; grep -E '^Sig(Ign|Blk)' /proc/$$/status | tr -s '\\t\\n' '  '";
    for method in methods() {
        let (out, _) = output_of(&sh(script), method).await;
        assert_eq!(
            out, "0 1 2 SigBlk: 0000000000000000 SigIgn: 0000000000000000 ",
            "{method:?}"
        );
    }
}

#[tokio::test]
async fn cwd_and_env_are_applied() {
    for method in methods() {
        let command = Command::new("/bin/sh")
            .arg("-c")
            .arg("printf '%s %s' \"$PWD\" \"$ONLY\"")
            .env("ONLY", "this")
            .cwd("/usr");
        let (out, _) = output_of(&command, method).await;
        assert_eq!(out, "/usr this", "{method:?}");
    }
}

#[tokio::test]
async fn failures_carry_the_real_errno_and_stage() {
    let cases = [
        (
            Command::new("/no/such/program"),
            SpawnStage::Exec,
            libc::ENOENT,
        ),
        (Command::new("/etc/passwd"), SpawnStage::Exec, libc::EACCES),
        (
            Command::new("/bin/true").cwd("/no/such/dir"),
            SpawnStage::Cwd,
            libc::ENOENT,
        ),
        (
            Command::new("/bin/true").cwd("/etc/passwd"),
            SpawnStage::Cwd,
            libc::ENOTDIR,
        ),
        (
            Command::new("no-such-program").env("PATH", "/usr/bin:/bin"),
            SpawnStage::Exec,
            libc::ENOENT,
        ),
    ];
    for method in methods() {
        for (command, stage, errno) in &cases {
            let pair = openpty(WindowSize::default()).unwrap();
            let err = spawn_using(command, &pair, method).unwrap_err();
            assert_eq!(
                (err.stage, err.error.raw_os_error()),
                (*stage, Some(*errno)),
                "{method:?} {command:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_name_without_slash_is_found_in_the_child_path_not_the_parent_s() {
    for method in methods() {
        let pair = openpty(WindowSize::default()).unwrap();
        // Without PATH in the child's environment the default PATH applies.
        let child = spawn_using(&Command::new("true"), &pair, method).expect("default PATH");
        let session = Session::start(pair, child, SessionOptions::default()).unwrap();
        assert_eq!(session.wait().await.code, Some(0), "{method:?}");
        let pair = openpty(WindowSize::default()).unwrap();
        let err = spawn_using(
            &Command::new("true").env("PATH", "/nonexistent"),
            &pair,
            method,
        )
        .unwrap_err();
        assert_eq!(err.error.raw_os_error(), Some(libc::ENOENT), "{method:?}");
    }
}

//! Pty setup, pinned for both ways of making the child: posix_spawn
//! (glibc) and the fork fallback (macOS, musl, older glibc).

use rspty_core::{
    openpty, spawn_using, Command, ExitStatus, Pty, PtyOptions, SpawnMethod, SpawnStage, WindowSize,
};

fn methods() -> Vec<SpawnMethod> {
    let mut methods = vec![SpawnMethod::Fork];
    if SpawnMethod::best() == SpawnMethod::PosixSpawn {
        methods.push(SpawnMethod::PosixSpawn);
    }
    methods
}

/// Under qemu-user (the aarch64 run of these tests on an x86-64 machine), the
/// name of the real machine: a program this test starts is a host binary and
/// runs natively, so `uname -m` there differs from this binary's architecture.
/// Some of qemu-user's own limits then show through; the tests that meet one
/// leave out exactly that check and say why.
fn emulated_on() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let out = std::process::Command::new("uname")
        .arg("-m")
        .output()
        .ok()?;
    let machine = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!machine.is_empty() && machine != std::env::consts::ARCH).then_some(machine)
}

fn sh(script: &str) -> Command {
    Command::new("sh").arg("-c").arg(script).inherit_env()
}

async fn output_of(command: &Command, method: SpawnMethod) -> (String, ExitStatus) {
    let pair = openpty(WindowSize::default()).unwrap();
    let child = spawn_using(command, &pair, method).expect("spawn");
    let session = Pty::start(pair, child, PtyOptions::default()).unwrap();
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
    // Read from outside once `cat` has copied a line, so it is past its
    // start-up (the loader and locale files): a shell would show the fds and
    // the mask of its own forks.
    for method in methods() {
        let pair = openpty(WindowSize::default()).unwrap();
        let child = spawn_using(&Command::new("cat").inherit_env(), &pair, method).unwrap();
        let session = Pty::start(pair, child, PtyOptions::default()).unwrap();
        session.write(b"x\n").unwrap();
        let mut seen = Vec::new();
        while seen != b"x\r\nx\r\n" {
            seen.extend(session.read().await.expect("the echo and the copy"));
        }
        let proc = format!("/proc/{}", session.pid());
        let mut fds: Vec<String> = std::fs::read_dir(format!("{proc}/fd"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        fds.sort();
        let targets: Vec<_> = fds
            .iter()
            .map(|fd| std::fs::read_link(format!("{proc}/fd/{fd}")).unwrap_or_default())
            .collect();
        assert_eq!(fds, ["0", "1", "2"], "{method:?} {targets:?}");
        let status = std::fs::read_to_string(format!("{proc}/status")).unwrap();
        let mask = |name: &str| {
            let hex = status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in {status}"));
            u64::from_str_radix(hex.trim(), 16).unwrap()
        };
        let mut ignored = mask("SigIgn:");
        if let Some(machine) = emulated_on() {
            // qemu-user keeps host signal 32 ignored for its own use and cannot
            // reset it for the guest, so a host program the guest execs inherits it.
            eprintln!("qemu-user on {machine}: signal 32 left out of the SigIgn check");
            ignored &= !(1 << 31);
        }
        assert_eq!(
            (mask("SigBlk:"), ignored),
            (0, 0),
            "{method:?}: blocked and ignored signal masks"
        );
        session.close();
        let status = session.wait().await;
        assert_eq!(status.signal, Some(libc::SIGHUP), "{method:?}");
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
    let emulated = emulated_on();
    for method in methods() {
        for (command, stage, errno) in &cases {
            if let (Some(machine), SpawnMethod::PosixSpawn, SpawnStage::Exec) =
                (&emulated, method, stage)
            {
                // qemu-user runs glibc's CLONE_VFORK child as a plain fork, so
                // posix_spawn returns before the exec and never sees its error.
                eprintln!(
                    "qemu-user on {machine}: posix_spawn exec error of {command:?} not checked"
                );
                continue;
            }
            let pair = openpty(WindowSize::default()).unwrap();
            let Err(err) = spawn_using(command, &pair, method) else {
                panic!("{method:?} {command:?}: spawned");
            };
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
        let session = Pty::start(pair, child, PtyOptions::default()).unwrap();
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

//! The lifecycle of a relay: one enum, whose phases and transitions are
//! listed here and carried out in `task.rs`.
//!
//! | phase | reads | leaves on | to |
//! |---|---|---|---|
//! | `Running` | within the bound | exit | drain, close the slave, drain: `Ended` (EIO), `WaitingForHangUp` (would block), `Reported` (drain limit) |
//! | | | EIO (the terminal was hung up) | `EndBeforeExit` |
//! | `EndBeforeExit` | no | exit | as `Running`'s exit |
//! | | | `EXIT_HANGUP_WAIT` | a read: EIO again: `OutputEnded`; else `Running` (the terminal was opened again) |
//! | `WaitingForHangUp` | past the bound | EIO | report the exit, `Ended` |
//! | | | `EXIT_HANGUP_WAIT` or the drain limit | report the exit, `Reported` |
//! | `Reported` | within the bound | EIO | `Ended` |
//! | `OutputEnded` | no | exit | report the exit, `Ended` |
//! | | | `kill_at` | SIGKILL to the child's group |
//! | any | | `close()` | without an exit: `OutputEnded` with `kill_at` after [`CLOSE_GRACE`](super::CLOSE_GRACE); with one: report it, `Ended` |
//!
//! `WaitingForHangUp` means another process (a grandchild, or a child being
//! spawned at that moment) still holds the slave: its last bytes may be on
//! their way until it closes it, so the exit is reported at the end of
//! output or `EXIT_HANGUP_WAIT` later.

use tokio::time::Instant;

use crate::child::ExitStatus;

/// Where the relay is in the life of its PTY (see the table above).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Running,
    EndBeforeExit {
        recheck_at: Instant,
    },
    OutputEnded {
        kill_at: Option<Instant>,
    },
    WaitingForHangUp {
        status: ExitStatus,
        report_at: Instant,
        drained: usize,
    },
    Reported,
    Ended,
}

impl Phase {
    pub(super) fn exit_seen(self) -> bool {
        matches!(
            self,
            Phase::WaitingForHangUp { .. } | Phase::Reported | Phase::Ended
        )
    }

    pub(super) fn reads(self) -> bool {
        matches!(
            self,
            Phase::Running | Phase::WaitingForHangUp { .. } | Phase::Reported
        )
    }

    /// Between the exit and its report, reading ignores the queue's bound:
    /// the rest of the output is what the kernel still holds.
    pub(super) fn bounded(self) -> bool {
        !matches!(self, Phase::WaitingForHangUp { .. })
    }

    pub(super) fn deadline(self) -> Option<Instant> {
        match self {
            Phase::EndBeforeExit { recheck_at } => Some(recheck_at),
            Phase::OutputEnded { kill_at } => kill_at,
            Phase::WaitingForHangUp { report_at, .. } => Some(report_at),
            _ => None,
        }
    }
}

//! What JavaScript asks to run, as the core's [`Command`].

use napi_derive::napi;
use rspty_core::Command;

#[napi(object)]
pub struct SpawnRequest {
    pub file: String,
    pub args: Vec<String>,
    /// The whole environment as `[name, value]` pairs; without it, this
    /// process's own environment, read here on the JavaScript thread.
    pub env: Option<Vec<(String, String)>>,
    /// TERM for the child, set over this process's environment when `env`
    /// is not given.
    pub term: Option<String>,
    pub cwd: Option<String>,
    pub cols: u32,
    pub rows: u32,
    pub high_water_mark: Option<u32>,
    /// Keep a screen model with this many rows of scrollback.
    pub screen: Option<u32>,
    /// The user the child switches to before exec.
    pub uid: Option<u32>,
    /// The group the child switches to before exec.
    pub gid: Option<u32>,
}

impl SpawnRequest {
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.file);
        command.args = self.args.iter().map(Into::into).collect();
        match &self.env {
            Some(pairs) => {
                command.env = pairs
                    .iter()
                    .map(|(name, value)| (name.into(), value.into()))
                    .collect();
            }
            None => command = command.inherit_env(),
        }
        if let Some(term) = &self.term {
            command = command.env("TERM", term);
        }
        command.cwd = self.cwd.as_ref().map(Into::into);
        command.uid = self.uid;
        command.gid = self.gid;
        command
    }
}

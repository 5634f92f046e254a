//! What the servers the tests play through have in common: each runs without a sound card
//! in its own private runtime folder and HOME, so that tests never meet another server (or
//! a user's), can be crashed and restarted, and comes with the recorder that captures what
//! reached its device (`pipewire.rs`, `jack.rs`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::compare::Frame;
use super::process::{Process, wait_until};

/// How long a server may take to come up.
pub const STARTUP: Duration = Duration::from_secs(20);

/// How long a short command (`pw-cli`, `jack_lsp`) may take.
pub const COMMAND: Duration = Duration::from_secs(10);

/// Variables from the caller's environment that could lead a process to another server.
const FOREIGN: [&str; 10] = [
    "PIPEWIRE_REMOTE",
    "PIPEWIRE_RUNTIME_DIR",
    "PULSE_SERVER",
    "PULSE_RUNTIME_PATH",
    "JACK_DEFAULT_SERVER",
    "ALSA_CONFIG_PATH",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "XDG_DATA_HOME",
    "XDG_CONFIG_DIRS",
];

/// The environment of every process a server's test starts (iemlab included).
#[derive(Clone)]
pub struct Env {
    vars: Vec<(&'static str, OsString)>,
}

impl Env {
    /// A private runtime folder (mode 0700) and HOME under `dir`, and `jack_server` as the only
    /// JACK server name (none starts on its own).
    pub fn private(dir: &Path, jack_server: &str) -> Env {
        use std::os::unix::fs::PermissionsExt;
        let runtime = dir.join("run");
        let home = dir.join("home");
        std::fs::create_dir_all(&runtime).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        let mut bus = OsString::from("unix:path=");
        bus.push(runtime.join("bus"));
        Env {
            vars: vec![
                ("XDG_RUNTIME_DIR", runtime.into_os_string()),
                ("DBUS_SESSION_BUS_ADDRESS", bus),
                ("HOME", home.into_os_string()),
                ("JACK_DEFAULT_SERVER", jack_server.into()),
                ("JACK_NO_START_SERVER", "1".into()),
            ],
        }
    }

    /// `program` with this environment.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        for name in FOREIGN {
            command.env_remove(name);
        }
        command.envs(self.vars.iter().map(|(k, v)| (k, v)));
        command
    }

    pub fn get(&self, name: &str) -> &OsString {
        &self.vars.iter().find(|(k, _)| *k == name).unwrap().1
    }

    pub fn home(&self) -> PathBuf {
        PathBuf::from(self.get("HOME"))
    }

    pub fn runtime(&self) -> PathBuf {
        PathBuf::from(self.get("XDG_RUNTIME_DIR"))
    }
}

/// A sound server a test plays through: started under a folder of its own, crashed and
/// restarted on demand, recorded at its device.
pub trait Server: Sized {
    /// The `--host` that is its own (and iemlab's default while it runs).
    const NATIVE: &'static str;
    /// Starts it under `dir` and waits until its device takes audio.
    fn start(dir: &Path) -> Self;
    /// The environment that reaches it (and only it).
    fn env(&self) -> &Env;
    /// Its processes' logs.
    fn logs(&self) -> String;
    /// Kills it (SIGKILL), as a crash would.
    fn kill(&mut self);
    /// Starts it again after [`Server::kill`], the same way.
    fn restart(&mut self);
    /// Starts recording its device to `path` for at least `seconds`, and waits until the
    /// recorder receives audio.
    fn record(&self, path: &Path, seconds: f64) -> Recorder;
}

/// Bytes in the file at `path` (0 if there is none yet).
pub fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// How a recorder ends.
pub(super) enum RecorderKind {
    /// Stopped with SIGINT, which makes it write the WAV header.
    PwRecord,
    /// Stops on its own after `seconds`.
    JackRec { seconds: f64 },
}

/// A recorder capturing what a server's device received.
pub struct Recorder {
    pub(super) process: Process,
    pub(super) path: PathBuf,
    pub(super) kind: RecorderKind,
}

impl Recorder {
    /// Stops the recording once everything played has reached it, and reads it back.
    pub fn finish(mut self) -> Vec<Frame> {
        match self.kind {
            RecorderKind::PwRecord => {
                // A further 0.25 s recorded means the last quantum iemlab played is on disk.
                let target = file_len(&self.path) + 48_000 / 4 * 8;
                wait_until(
                    "pw-record to record past the end of playback",
                    Duration::from_secs(10),
                    || {
                        if file_len(&self.path) >= target {
                            return Ok(());
                        }
                        Err(self.process.log())
                    },
                );
                self.process.signal(libc::SIGINT);
                let status = self.process.wait(Duration::from_secs(10));
                assert!(
                    status.is_some(),
                    "pw-record did not stop on SIGINT\n{}",
                    self.process.log()
                );
            }
            RecorderKind::JackRec { seconds } => {
                let timeout = Duration::from_secs_f64(seconds + 20.0);
                let status = self.process.wait(timeout);
                assert!(
                    status.is_some_and(|s| s.success()),
                    "jack_rec did not finish its {seconds} s within {timeout:?} ({status:?})\n{}",
                    self.process.log()
                );
            }
        }
        super::noise::read(&self.path).unwrap_or_else(|e| panic!("{e}\n{}", self.process.log()))
    }

    /// Whether the recorder is still running (a fixed-length one may have stopped too early).
    pub fn is_running(&mut self) -> bool {
        self.process.exited().is_none()
    }
}

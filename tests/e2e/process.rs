//! Processes a test starts (servers, recorders, iemlab, short commands): each is ended by its
//! pid when the test is done with it, on a panic too, and every wait for one has a timeout
//! that fails with what was seen.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(20);

/// A started process whose output goes to a log file; dropping it kills it (SIGKILL) and
/// reaps it.
pub struct Process {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `command`, its stdout and stderr going to `log`. Fails the test when it cannot
    /// be started.
    pub fn start(name: &str, command: &mut Command, log: &Path) -> Process {
        let out = File::create(log).unwrap();
        let err = out.try_clone().unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}"));
        Process {
            name: name.to_string(),
            child,
            log: log.to_path_buf(),
        }
    }

    /// Process id.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// What it printed so far, under its name.
    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!(
            "--- {} (pid {}) ---\n{}",
            self.name,
            self.pid(),
            text.trim_end()
        )
    }

    /// Its exit status, if it has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Sends `signal` (SIGINT, SIGKILL, …) to it.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on the pid of our own unreaped child: it cannot have been reused.
        unsafe {
            libc::kill(self.pid(), signal);
        }
    }

    /// Waits up to `timeout` for it to exit; None if it is still running then.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Kills it (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        if self.exited().is_none() {
            self.signal(libc::SIGKILL);
            let _ = self.child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs a short command (`pw-cli`, `jack_lsp`, …) to its end, within `timeout`; returns its
/// exit status and what it printed (stdout, then stderr).
pub fn run(command: &mut Command, dir: &Path, timeout: Duration) -> (ExitStatus, String) {
    let name = command.get_program().to_string_lossy().into_owned();
    let log = dir.join(format!("{name}.out"));
    let mut process = Process::start(&name, command, &log);
    let Some(status) = process.wait(timeout) else {
        panic!(
            "{name} did not finish within {timeout:?} ({command:?})\n{}",
            process.log()
        );
    };
    (status, std::fs::read_to_string(&log).unwrap_or_default())
}

/// Polls `check` until it gives a value. Until then it says what it saw instead; after
/// `timeout` the test fails with what was awaited and what was seen last.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(value) => return value,
            Err(seen) if Instant::now() >= deadline => {
                panic!("timed out after {timeout:?} waiting for {what}; saw:\n{seen}")
            }
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

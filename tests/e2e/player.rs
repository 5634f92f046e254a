//! The release `iemlab` binary run as a listener runs it: stdout read as it comes (including
//! a prompt that has no line end yet), answers typed on stdin, killed by pid if a test ends
//! while it still runs.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::process::wait_until;
use super::servers::Env;

/// A running `iemlab`.
pub struct Iemlab {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Pipe>,
    stderr: Arc<Pipe>,
}

/// What a child wrote to one of its pipes, as it arrives.
#[derive(Default)]
struct Pipe {
    bytes: Mutex<Vec<u8>>,
    closed: AtomicBool,
}

impl Pipe {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes.lock().unwrap()).into_owned()
    }
}

/// How an `iemlab` run ended.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// The line saying where it plays (`output: … via HOST (…)`).
    pub fn output_line(&self) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with("output: "))
            .unwrap_or("")
    }

    /// The last stdout line (`done: played …`).
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }
}

impl std::fmt::Display for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "iemlab exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

impl Iemlab {
    /// Starts `iemlab ARGS` in `env`.
    pub fn start(env: &Env, args: &[&str]) -> Iemlab {
        let mut child = env
            .command(env!("CARGO_BIN_EXE_iemlab"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        Iemlab {
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
        }
    }

    /// What it printed so far.
    pub fn stdout(&self) -> String {
        self.stdout.text()
    }

    fn seen(&self) -> String {
        format!(
            "--- iemlab stdout ---\n{}\n--- iemlab stderr ---\n{}",
            self.stdout().trim_end(),
            self.stderr.text().trim_end()
        )
    }

    /// Waits until stdout contains `text`; fails after `timeout` with what it printed.
    pub fn wait_for(&mut self, text: &str, timeout: Duration, context: impl Fn() -> String) {
        wait_until(&format!("iemlab to print {text:?}"), timeout, || {
            if self.stdout().contains(text) {
                return Ok(());
            }
            let exited = self.child.try_wait().unwrap();
            if let Some(status) = exited
                && self.stdout.closed.load(Ordering::Acquire)
                && !self.stdout().contains(text)
            {
                panic!(
                    "iemlab exited with {status} without printing {text:?}\n{}\n{}",
                    self.seen(),
                    context()
                );
            }
            Err(format!("iemlab still runs\n{}\n{}", self.seen(), context()))
        });
    }

    /// Types `line` and Enter.
    pub fn answer(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits up to `timeout` for it to exit (stdin left open, as a listener's terminal is);
    /// fails with what it printed if it does not.
    pub fn finish(mut self, timeout: Duration, context: impl Fn() -> String) -> Finished {
        let status = wait_until("iemlab to exit", timeout, || {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Ok(status);
            }
            Err(format!("{}\n{}", self.seen(), context()))
        });
        // The readers end when the pipes close; wait for the last output to arrive.
        let (stdout, stderr) = (&self.stdout, &self.stderr);
        let closed = |p: &Pipe| p.closed.load(Ordering::Acquire);
        wait_until("iemlab's output to close", Duration::from_secs(10), || {
            (closed(stdout) && closed(stderr))
                .then_some(())
                .ok_or_else(String::new)
        });
        Finished {
            status,
            stdout: self.stdout(),
            stderr: self.stderr.text(),
        }
    }
}

impl Drop for Iemlab {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `pipe` on a thread, as it arrives, until it closes.
fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Pipe> {
    let shared = Arc::new(Pipe::default());
    let sink = Arc::clone(&shared);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.bytes.lock().unwrap().extend_from_slice(&buf[..n]);
        }
        sink.closed.store(true, Ordering::Release);
    });
    shared
}

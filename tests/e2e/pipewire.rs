//! PipeWire as a desktop runs it, without a sound card: a D-Bus session bus, PipeWire and
//! WirePlumber, and a null sink as the default output, recorded with pw-record.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::process::{Process, run, wait_until};
use super::servers::{COMMAND, Env, Recorder, RecorderKind, STARTUP, Server, file_len};

/// The null sink iemlab plays into on PipeWire.
const SINK: &str = "iemlab-sink";

/// Bytes a recording holds once its recorder certainly receives audio: past any WAV header
/// and ~40 ms of stereo 32-bit audio.
const RECORDER_READY: u64 = 16_384;

/// A JACK server name no server has (none is ever started under it), so that iemlab on
/// the PipeWire machine finds no JACK server even while one runs elsewhere.
fn no_jack_server() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "iemlab-e2e-no-jack-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A PipeWire session as a desktop has one: its own D-Bus session bus, PipeWire and
/// WirePlumber, and a null sink at 48 kHz as the default output.
pub struct PipeWire {
    dir: PathBuf,
    env: Env,
    // Declared before the bus: dropped (killed) first.
    wireplumber: Option<Process>,
    pipewire: Option<Process>,
    _dbus: Process,
    /// Counts restarts, to keep every run's log.
    runs: usize,
}

impl PipeWire {
    /// Starts PipeWire and WirePlumber (again), creates the null sink and waits until
    /// WirePlumber has made it the default.
    fn start_servers(&mut self) {
        self.runs += 1;
        let run_no = self.runs;
        let pipewire = Process::start(
            "pipewire",
            &mut self.env.command("pipewire"),
            &self.dir.join(format!("pipewire-{run_no}.log")),
        );
        let socket = self.env.runtime().join("pipewire-0");
        wait_until("PipeWire's socket", STARTUP, || {
            socket.exists().then_some(()).ok_or_else(|| pipewire.log())
        });
        self.pipewire = Some(pipewire);
        self.wireplumber = Some(Process::start(
            "wireplumber",
            &mut self.env.command("wireplumber"),
            &self.dir.join(format!("wireplumber-{run_no}.log")),
        ));
        wait_until(
            "WirePlumber to connect to PipeWire (pw-cli ls Client)",
            STARTUP,
            || {
                let clients = self.pw_cli(&["ls", "Client"]).1;
                if clients.contains("WirePlumber") {
                    return Ok(());
                }
                Err(format!("pw-cli ls Client:\n{clients}\n{}", self.logs()))
            },
        );
        let node = format!(
            "{{ factory.name=support.null-audio-sink node.name={SINK} media.class=Audio/Sink \
             object.linger=true audio.position=[FL FR] audio.rate=48000 }}"
        );
        let (status, out) = self.pw_cli(&["create-node", "adapter", &node]);
        assert!(
            status.success(),
            "pw-cli create-node failed ({status}): {out}\n{}",
            self.logs()
        );
        wait_until(
            "WirePlumber to make the null sink the default output",
            STARTUP,
            || {
                let (_, metadata) = run(
                    self.env
                        .command("pw-metadata")
                        .args(["0", "default.audio.sink"]),
                    &self.dir,
                    COMMAND,
                );
                if metadata.contains(SINK) {
                    return Ok(());
                }
                Err(format!(
                    "pw-metadata 0 default.audio.sink:\n{metadata}\n{}",
                    self.logs()
                ))
            },
        );
    }

    fn pw_cli(&self, args: &[&str]) -> (std::process::ExitStatus, String) {
        run(self.env.command("pw-cli").args(args), &self.dir, COMMAND)
    }
}

impl Server for PipeWire {
    const NATIVE: &'static str = "pipewire";

    /// Starts the bus, PipeWire and WirePlumber under `dir` and waits until the null sink is
    /// the default output.
    fn start(dir: &Path) -> PipeWire {
        let env = Env::private(dir, &no_jack_server());
        let bus = env.get("DBUS_SESSION_BUS_ADDRESS").clone();
        let mut address = OsString::from("--address=");
        address.push(&bus);
        let dbus = Process::start(
            "dbus-daemon",
            env.command("dbus-daemon")
                .args(["--session", "--nofork"])
                .arg(address),
            &dir.join("dbus.log"),
        );
        let socket = env.runtime().join("bus");
        wait_until("the D-Bus session bus", STARTUP, || {
            socket.exists().then_some(()).ok_or_else(|| dbus.log())
        });
        let mut pw = PipeWire {
            dir: dir.to_path_buf(),
            env,
            wireplumber: None,
            pipewire: None,
            _dbus: dbus,
            runs: 0,
        };
        pw.start_servers();
        pw
    }

    /// The environment that reaches this PipeWire.
    fn env(&self) -> &Env {
        &self.env
    }

    /// PipeWire's and WirePlumber's logs.
    fn logs(&self) -> String {
        let mut out = String::new();
        for p in [&self.pipewire, &self.wireplumber].into_iter().flatten() {
            out.push_str(&p.log());
            out.push('\n');
        }
        out
    }

    /// Kills PipeWire and WirePlumber (SIGKILL), as a crash would; the bus stays.
    fn kill(&mut self) {
        for p in [&mut self.wireplumber, &mut self.pipewire]
            .into_iter()
            .flatten()
        {
            p.kill();
        }
    }

    /// Starts PipeWire and WirePlumber again after [`PipeWire::kill`], with a new null sink.
    fn restart(&mut self) {
        self.kill();
        self.wireplumber = None;
        self.pipewire = None;
        self.start_servers();
    }

    /// Starts recording what reaches the null sink to `path` (32-bit float), and waits until
    /// the recorder receives audio.
    fn record(&self, path: &Path, _seconds: f64) -> Recorder {
        // Real-time priority: an ordinary-priority recorder drops quanta at 64-frame buffers
        // when the machine is busy (PipeWire's own data thread is SCHED_FIFO 88 as root).
        let mut command = self.env.command("chrt");
        command
            .args([
                "-f",
                "80",
                "pw-record",
                "-P",
                "{ stream.capture.sink=true }",
            ])
            .args(["--target", SINK, "--rate", "48000", "--channels", "2"])
            .args(["--format", "f32"])
            .arg(path);
        let mut process = Process::start("pw-record", &mut command, &path.with_extension("log"));
        // Samples on disk mean the recorder's stream is linked and the graph runs it.
        wait_until("pw-record to receive audio", STARTUP, || {
            if file_len(path) > RECORDER_READY {
                return Ok(());
            }
            Err(format!(
                "{} holds {} bytes\n{}\n{}",
                path.display(),
                file_len(path),
                process.log(),
                self.logs()
            ))
        });
        assert!(process.exited().is_none(), "{}", process.log());
        Recorder {
            process,
            path: path.to_path_buf(),
            kind: RecorderKind::PwRecord,
        }
    }
}

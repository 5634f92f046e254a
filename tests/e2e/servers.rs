//! Real audio servers without a sound card, each in its own private runtime folder and HOME
//! so that tests never meet another server (or a user's): PipeWire with WirePlumber playing
//! into a null sink, and JACK on its dummy driver with `jack_thru` as the device. Each comes
//! with the recorder that captures what reached it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::compare::Frame;
use super::process::{Process, run, wait_until};

/// How long a server may take to come up.
const STARTUP: Duration = Duration::from_secs(20);

/// How long a short command (`pw-cli`, `jack_lsp`) may take.
const COMMAND: Duration = Duration::from_secs(10);

/// The null sink iemlab plays into on PipeWire.
const SINK: &str = "iemlab-sink";

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
    fn private(dir: &Path, jack_server: &str) -> Env {
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

    fn get(&self, name: &str) -> &OsString {
        &self.vars.iter().find(|(k, _)| *k == name).unwrap().1
    }

    fn home(&self) -> PathBuf {
        PathBuf::from(self.get("HOME"))
    }

    fn runtime(&self) -> PathBuf {
        PathBuf::from(self.get("XDG_RUNTIME_DIR"))
    }
}

/// A name no other test (or run) uses.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
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
        let env = Env::private(dir, &unique("iemlab-e2e-no-jack"));
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

/// Bytes a recording holds once its recorder certainly receives audio: past any WAV header
/// and ~40 ms of stereo 32-bit audio.
const RECORDER_READY: u64 = 16_384;

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// A JACK server (dummy driver, 48 kHz, 256-frame periods) with `jack_thru` as the device:
/// iemlab plays into its inputs, natively or through ALSA's jack plugin (the private HOME's
/// `.asoundrc` makes that the ALSA default device), and the recorder takes its outputs.
pub struct Jack {
    dir: PathBuf,
    env: Env,
    name: String,
    // Declared before the server: dropped (killed) first.
    thru: Option<Process>,
    jackd: Option<Process>,
    runs: usize,
}

/// The JACK server name of this checkout's tests: the same for every test (they run one at
/// a time), because JACK's shared registry holds only 8 server names and frees a name only
/// when a server of the same name starts again (a name whose server is gone is reclaimed);
/// a new name per test would fill it. Another checkout gets another name.
fn server_name() -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    env!("CARGO_MANIFEST_DIR").hash(&mut hasher);
    format!("iemlab-e2e-{:08x}", hasher.finish() as u32)
}

/// ALSA's default device on the JACK machine: the jack plugin, playing into `jack_thru`.
const ASOUNDRC: &str = "pcm.!default { type plug slave.pcm \"jackout\" }\n\
     pcm.jackout { type jack playback_ports { 0 jack_thru:input_1 1 jack_thru:input_2 } }\n";

impl Jack {
    fn start_server(&mut self) {
        self.runs += 1;
        let run_no = self.runs;
        let mut command = self.env.command("jackd");
        command.args(["--no-realtime", "-X", "loopback", "-d", "dummy"]);
        command.args(["-r", "48000", "-p", "256"]);
        self.jackd = Some(Process::start(
            "jackd",
            &mut command,
            &self.dir.join(format!("jackd-{run_no}.log")),
        ));
        self.wait_for_ports("jackd's system ports", &["system:playback_2"]);
        self.thru = Some(Process::start(
            "jack_thru",
            &mut self.env.command("jack_thru"),
            &self.dir.join(format!("jack_thru-{run_no}.log")),
        ));
        // jack_thru connects the (silent) system capture ports to its inputs; wait for that,
        // then undo it so that only iemlab reaches the recorder.
        self.wait_for_ports(
            "jack_thru and its connections",
            &["jack_thru:output_2", "   system:capture_2"],
        );
        for ch in ["1", "2"] {
            let (status, out) = run(
                self.env.command("jack_disconnect").args([
                    format!("system:capture_{ch}"),
                    format!("jack_thru:input_{ch}"),
                ]),
                &self.dir,
                COMMAND,
            );
            assert!(status.success(), "jack_disconnect: {out}\n{}", self.logs());
        }
    }

    /// `jack_lsp -c` until it lists every one of `lines`.
    fn wait_for_ports(&self, what: &str, lines: &[&str]) -> String {
        wait_until(what, STARTUP, || {
            let ports = self.ports();
            if lines.iter().all(|l| ports.contains(l)) {
                return Ok(ports);
            }
            Err(format!("jack_lsp -c:\n{ports}\n{}", self.logs()))
        })
    }

    /// What `jack_lsp -c` says (ports and their connections).
    fn ports(&self) -> String {
        run(self.env.command("jack_lsp").arg("-c"), &self.dir, COMMAND).1
    }
}

impl Server for Jack {
    const NATIVE: &'static str = "jack";

    /// Starts a JACK server with a name of its own and `jack_thru` under `dir`.
    fn start(dir: &Path) -> Jack {
        let name = server_name();
        let env = Env::private(dir, &name);
        std::fs::write(env.home().join(".asoundrc"), ASOUNDRC).unwrap();
        let mut jack = Jack {
            dir: dir.to_path_buf(),
            env,
            name,
            thru: None,
            jackd: None,
            runs: 0,
        };
        jack.start_server();
        jack
    }

    /// The environment that reaches this server (its name, the `.asoundrc`).
    fn env(&self) -> &Env {
        &self.env
    }

    /// The server's and jack_thru's logs.
    fn logs(&self) -> String {
        let mut out = String::new();
        for p in [&self.jackd, &self.thru].into_iter().flatten() {
            out.push_str(&p.log());
            out.push('\n');
        }
        out
    }

    /// Kills the server (SIGKILL), as a crash would; jack_thru goes with it.
    fn kill(&mut self) {
        if let Some(p) = &mut self.jackd {
            p.kill();
        }
    }

    /// Starts the server and jack_thru again after [`Jack::kill`].
    fn restart(&mut self) {
        self.kill();
        self.thru = None;
        self.jackd = None;
        self.start_server();
    }

    /// Records `seconds` of jack_thru's outputs to `path` (jack_rec ends on its own after a
    /// fixed time; SIGINT would leave its WAV header unwritten), once it is connected.
    fn record(&self, path: &Path, seconds: f64) -> Recorder {
        let mut command = self.env.command("jack_rec");
        command
            .arg("-f")
            .arg(path)
            .args(["-d", &format!("{seconds}"), "-b", "32"])
            .args(["jack_thru:output_1", "jack_thru:output_2"]);
        let process = Process::start("jack_rec", &mut command, &path.with_extension("log"));
        wait_until("jack_rec to connect to jack_thru", STARTUP, || {
            let ports = self.ports();
            if connected(&ports, "jack_thru:output_1", "jackrec:input1")
                && connected(&ports, "jack_thru:output_2", "jackrec:input2")
            {
                return Ok(());
            }
            Err(format!(
                "jack_lsp -c:\n{ports}\n{}\n{}",
                process.log(),
                self.logs()
            ))
        });
        Recorder {
            process,
            path: path.to_path_buf(),
            kind: RecorderKind::JackRec { seconds },
        }
    }
}

/// Whether `jack_lsp -c` output lists `to` under `from`.
fn connected(ports: &str, from: &str, to: &str) -> bool {
    ports
        .lines()
        .skip_while(|l| *l != from)
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .any(|l| l.trim() == to)
}

impl Drop for Jack {
    fn drop(&mut self) {
        self.thru = None;
        // A server ended gently removes its socket and shared memory; its semaphores stay
        // behind either way, under names only this server used.
        if let Some(p) = &mut self.jackd {
            p.signal(libc::SIGTERM);
            p.wait(Duration::from_secs(3));
        }
        self.jackd = None;
        let ours = [
            format!("jack_sem.0_{}_", self.name),
            format!("jack_{}_", self.name),
        ];
        if let Ok(entries) = std::fs::read_dir("/dev/shm") {
            for entry in entries.flatten() {
                let file = entry.file_name().to_string_lossy().into_owned();
                if ours.iter().any(|prefix| file.starts_with(prefix)) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
}

enum RecorderKind {
    /// Stopped with SIGINT, which makes it write the WAV header.
    PwRecord,
    /// Stops on its own after `seconds`.
    JackRec { seconds: f64 },
}

/// A recorder capturing what a server's device received.
pub struct Recorder {
    process: Process,
    path: PathBuf,
    kind: RecorderKind,
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

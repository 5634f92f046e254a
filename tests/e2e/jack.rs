//! JACK without a sound card: jackd on its dummy driver with `jack_thru` as the device,
//! reached natively or through ALSA's jack plugin, recorded with jack_rec.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::process::{Process, run, wait_until};
use super::servers::{COMMAND, Env, Recorder, RecorderKind, STARTUP, Server};

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

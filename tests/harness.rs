//! What the test modules share, each once: the built `iemlab` binary, the repository's
//! files, temporary folders, WAV files written and read back, waiting with a deadline that
//! fails with what it saw, and counting what a player reported.

pub mod mutate;

use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use iemlab::engine::{Event, FeederEvent, Player, PlayerEvent};

/// How often [`wait_until`] looks again.
const POLL: Duration = Duration::from_millis(2);

/// The built binary, run to its end with its output captured (`assert_cmd`).
pub fn iemlab() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_iemlab"));
    command.envs(own_folders());
    command
}

/// Config and data folders of the tests' own (under the target folder), so that no test
/// reads the config of the user running them or writes notes into their data folder; a
/// test that sets these variables itself overrides them.
fn own_folders() -> [(&'static str, PathBuf); 2] {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("home");
    [
        ("XDG_CONFIG_HOME", home.join("config")),
        ("XDG_DATA_HOME", home.join("data")),
    ]
}

/// The built binary as a plain process, for tests that talk to it while it runs (stdin,
/// signals, stdout read as it comes).
pub fn iemlab_process() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_iemlab"));
    command.envs(own_folders());
    command
}

/// `path` in the repository (shipped profiles, playlists, measurements, fixtures).
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The fixture `name` in tests/data.
pub fn data(name: &str) -> PathBuf {
    repo("tests/data").join(name)
}

/// The shipped EQ profile file `name` in presets/eq.
pub fn eq_preset(name: &str) -> PathBuf {
    repo("presets/eq").join(name)
}

/// A new temporary folder, removed with everything in it when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Writes interleaved stereo `samples` as a 32-bit float WAV at `rate`.
pub fn write_wav_f32(path: &Path, rate: u32, samples: &[f32]) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write_wav(file, stereo(rate, 32, hound::SampleFormat::Float), samples);
}

/// Writes interleaved stereo `samples` as a 16-bit WAV at `rate`.
pub fn write_wav_i16(path: &Path, rate: u32, samples: &[i16]) {
    std::fs::write(path, wav_i16_bytes(rate, samples)).unwrap();
}

/// A 16-bit stereo WAV of interleaved `samples` at `rate`, as bytes.
pub fn wav_i16_bytes(rate: u32, samples: &[i16]) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    write_wav(
        &mut cursor,
        stereo(rate, 16, hound::SampleFormat::Int),
        samples,
    );
    cursor.into_inner()
}

fn stereo(rate: u32, bits: u16, format: hound::SampleFormat) -> hound::WavSpec {
    hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: format,
    }
}

fn write_wav<S: hound::Sample + Copy>(to: impl Write + Seek, spec: hound::WavSpec, samples: &[S]) {
    let mut w = hound::WavWriter::new(to, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// A WAV's format and its samples as f32 (integers scaled to ±1), interleaved.
pub fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    (spec, samples)
}

/// A point in time after which a wait has failed. `check` in a loop that does its own work
/// each time round; [`wait_until`] for one that only looks.
pub struct Deadline {
    what: String,
    timeout: Duration,
    until: Instant,
}

impl Deadline {
    /// `timeout` from now, for `what` (named in the failure).
    pub fn new(what: impl Into<String>, timeout: Duration) -> Self {
        Deadline {
            what: what.into(),
            timeout,
            until: Instant::now() + timeout,
        }
    }

    /// Fails the test once the time is up, naming what it waited for and `seen`, the last
    /// state it saw.
    pub fn check(&self, seen: impl FnOnce() -> String) {
        if Instant::now() >= self.until {
            panic!(
                "timed out after {:?} waiting for {}; last saw: {}",
                self.timeout,
                self.what,
                seen()
            );
        }
    }
}

/// Polls `check` until it gives a value; until then it says what it sees instead. After
/// `timeout` the test fails with what it waited for and what it saw last.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Deadline::new(what, timeout);
    loop {
        match check() {
            Ok(value) => return value,
            Err(seen) => deadline.check(|| seen),
        }
        std::thread::sleep(POLL);
    }
}

/// Waits (at most 10 s) until the feeder has queued enough for the output to start without
/// running dry, as a session does; the player's events meanwhile are added to `events`.
pub fn wait_ready(player: &mut Player, events: &mut Vec<PlayerEvent>) {
    wait_until("the feeder to get ahead", Duration::from_secs(10), || {
        events.extend(player.poll());
        if player.wait_ready(Duration::ZERO) {
            Ok(())
        } else {
            Err(format!(
                "{} frames queued; events {events:?}",
                player.status().queued_frames()
            ))
        }
    });
}

/// How many of each kind of event a player reported: what a test that drives the engine
/// expects to have happened, so it shows that the path it exercises really ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCounts {
    /// Tracks begun (from their start or from a seek).
    pub track_starts: usize,
    /// Tracks the callback skipped.
    pub skips: usize,
    /// Loop seams.
    pub loop_seams: usize,
    /// Switches of the heard profile.
    pub switches: usize,
    /// Cues reached.
    pub cues: usize,
    /// Callbacks that found the ring short.
    pub underruns: usize,
    /// Pause fades finished.
    pub pauses: usize,
    /// Resumes.
    pub resumes: usize,
    /// Ends of the playlist.
    pub ends: usize,
    /// Tracks the feeder opened.
    pub opened: usize,
    /// Tracks the feeder skipped.
    pub feeder_skips: usize,
    /// Reports of damaged packets skipped.
    pub damaged: usize,
    /// Seeks that failed.
    pub seek_failures: usize,
    /// The feeder's reports that it has fed every track.
    pub fed: usize,
}

impl EventCounts {
    /// The counts of `events`.
    pub fn of(events: &[PlayerEvent]) -> Self {
        let mut c = EventCounts::default();
        for e in events {
            let n = match e {
                PlayerEvent::Audio(a) => match a {
                    Event::TrackStarted { .. } => &mut c.track_starts,
                    Event::Skipped { .. } => &mut c.skips,
                    Event::LoopSeam { .. } => &mut c.loop_seams,
                    Event::Switched { .. } => &mut c.switches,
                    Event::CueReached { .. } => &mut c.cues,
                    Event::Underrun => &mut c.underruns,
                    Event::Paused => &mut c.pauses,
                    Event::Resumed => &mut c.resumes,
                    Event::Ended => &mut c.ends,
                },
                PlayerEvent::Feeder(f) => match f {
                    FeederEvent::Opened { .. } => &mut c.opened,
                    FeederEvent::Skipped { .. } => &mut c.feeder_skips,
                    FeederEvent::Damaged { .. } => &mut c.damaged,
                    FeederEvent::SeekFailed { .. } => &mut c.seek_failures,
                    FeederEvent::Finished => &mut c.fed,
                },
            };
            *n += 1;
        }
        c
    }
}

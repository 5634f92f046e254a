//! The command line as clap parses it: [`Cli`] and its commands, the arguments of the commands
//! whose code is spread over several modules (`play`, `ab`, `render`, `check`, `demo`,
//! `devices`, `report`, `completions`, `man`), their value enums and the value parsers they
//! share. It imports no other file of the CLI but those that own their command's arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Listening harness for reviewing and tuning in-ear monitors.
#[derive(Parser, Debug)]
#[command(name = "iemlab", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
    #[command(flatten)]
    pub(super) verbosity: super::verbosity::Verbosity,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Render through an EQ profile: a track to a WAV or FLAC file, or a playlist or many
    /// tracks to a folder of tagged FLAC with a playlist.m3u8 (decode, resample, EQ, dither).
    Render(RenderArgs),
    /// Validate EQ profiles and playlists (.toml) and FR measurements (.csv/.txt); lists every problem with file and line.
    Check(CheckArgs),
    /// Synthesise built-in test material and render it through shipped profiles.
    Demo(DemoArgs),
    /// Play a playlist or files through the real-time engine (to the DAC, a WAV or nowhere).
    Play(PlayArgs),
    /// List audio output devices with their rates, formats and buffer ranges.
    Devices(DevicesArgs),
    /// Compare EQ profiles A/B(/C/D): instant level-matched switching, cues, loops, blind ABX, notes.
    Ab(AbArgs),
    /// Turn listening notes into a Markdown review draft.
    Report(ReportArgs),
    /// Export a profile as a preset for a player, DSP or EQ app (see --list).
    Export(super::export::ExportArgs),
    /// Import an Equalizer APO, AutoEQ or CamillaDSP preset as a profile.
    Import(super::import::ImportArgs),
    /// Fit an EQ profile that turns a measured FR into a target (or another IEM's FR).
    Fit(super::fit::FitArgs),
    /// Draw measured FR, target, EQ response and equalised result as SVG or PNG.
    Plot(super::plot::PlotArgs),
    /// The reviewer's measurement databases (graph-tool folders): `db list`.
    Db(super::db::DbCommandArgs),
    /// The reviewer's bench in a local web page: graphs, an EQ editor you hear as you drag,
    /// A/B/C/D at the playlist's cues, blind tests, notes and the review draft.
    Studio(StudioArgs),
    /// List the playlists, EQ profiles, measurements and targets built into iemlab (usable by
    /// name from any folder), or print one.
    Shipped(super::shipped::ShippedArgs),
    /// Print a shell completion script, e.g. `iemlab completions bash > ~/.local/share/bash-completion/completions/iemlab`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `iemlab man | man -l -`.
    Man(ManArgs),
}

/// Arguments of `iemlab completions`.
#[derive(clap::Args, Debug)]
pub(super) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(super) shell: clap_complete::Shell,
}

/// Arguments of `iemlab man`.
#[derive(clap::Args, Debug)]
pub(super) struct ManArgs {
    /// The page of one command (e.g. `fit`, as `iemlab-fit(1)`) instead of iemlab's own.
    #[arg(value_name = "COMMAND")]
    pub(super) command: Option<String>,
}

/// `--template`: the structure of the draft.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(super) enum Template {
    /// The IEM review template: timbre; bass and dynamics; resolution; stereo imaging and
    /// soundstage; comparisons.
    Review,
}

/// `render --ab --switch`: where the switch times come from.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub(super) enum Switch {
    /// At the cues of the playlist entry given by --playlist and --track.
    Cues,
}

/// `render --ab --match`: how the profiles' levels are matched.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub(super) enum Matching {
    /// Equal integrated loudness (ITU-R BS.1770) over the track through every profile.
    Loudness,
    /// No level matching.
    Off,
}

/// `ab --match`: how the profiles' levels are matched.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub(super) enum AbMatching {
    /// Equal integrated loudness (ITU-R BS.1770) over the track through every profile.
    Loudness,
    /// Equal loudness on pink noise.
    Pink,
    /// No level matching.
    Off,
}

/// Arguments of `iemlab play`.
#[derive(clap::Args, Debug)]
pub(super) struct PlayArgs {
    /// A playlist (.toml) or audio files.
    #[arg(required = true, value_name = "PLAYLIST|FILE")]
    pub(super) inputs: Vec<PathBuf>,
    /// EQ profile (.toml), or `flat`.
    #[arg(long, value_name = "PROFILE")]
    pub(super) eq: Option<String>,
    #[command(flatten)]
    pub(super) sim: super::sim::SimArgs,
    #[command(flatten)]
    pub(super) session: SessionArgs,
    /// Show which file each entry resolves to (or why none), and exit.
    #[arg(long)]
    pub(super) list: bool,
    /// Notes file (JSON Lines, appended as you go; `m` or `note: TEXT` takes one) [default:
    /// notes.jsonl in iemlab's data folder, e.g. ~/.local/share/iemlab/notes/].
    #[arg(long, value_name = "FILE")]
    pub(super) notes: Option<PathBuf>,
}

/// What every listening session takes: where the tracks are and where the sound goes.
#[derive(clap::Args, Debug, Clone)]
pub(super) struct SessionArgs {
    /// Folder to find the playlist's tracks in (repeatable; default from the config file).
    #[arg(long, value_name = "DIR")]
    pub(super) library: Vec<PathBuf>,
    /// Output: a device name or index (see `iemlab devices`), `null`, or `wav:OUT.wav`; with
    /// `--host jack`, the JACK client (or port pattern) to connect to.
    #[arg(long, value_name = "NAME")]
    pub(super) device: Option<String>,
    /// Audio host: `pipewire`, `pulseaudio`, `jack` or `alsa` (default: the running sound
    /// server's own).
    #[arg(long, value_name = "HOST")]
    pub(super) host: Option<String>,
    /// Start at entry N (1-based) or at the section with this name.
    #[arg(long, value_name = "SECTION|N")]
    pub(super) start: Option<String>,
    /// Output volume in dB (0 = full scale; starts low for your ears' sake).
    #[arg(long, value_name = "DB", default_value_t = -20.0, allow_negative_numbers = true,
          value_parser = parse_volume)]
    pub(super) volume: f64,
    /// Limiter ceiling in dBFS: no output sample goes above it.
    #[arg(long, value_name = "DBFS", default_value_t = -1.0, allow_negative_numbers = true,
          value_parser = parse_ceiling)]
    pub(super) ceiling: f64,
    /// Device buffer size in frames (default about 10 ms; clamped into what the device takes).
    #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u32).range(16..=65536))]
    pub(super) buffer: Option<u32>,
    /// With the null or WAV output: run as fast as possible instead of in real time.
    #[arg(long)]
    pub(super) fast: bool,
    /// Let `--device wav:OUT.wav` (and an ABX log) replace an existing file.
    #[arg(long)]
    pub(super) force: bool,
    /// Test hook: make a null or WAV output fail like an unplugged sound card after SECS.
    #[arg(long, value_name = "SECS", hide = true)]
    pub(super) fail_output_after: Option<f64>,
}

/// Arguments of `iemlab devices`.
#[derive(clap::Args, Debug)]
pub(super) struct DevicesArgs {
    /// Also list outputs that report no configuration (ALSA plugins that cannot play here).
    #[arg(long)]
    pub(super) all: bool,
    /// Print the outputs as one JSON array.
    #[arg(long)]
    pub(super) json: bool,
}

/// Arguments of `iemlab ab`.
#[derive(clap::Args, Debug)]
pub(super) struct AbArgs {
    /// A playlist (.toml) or audio files.
    #[arg(required = true, value_name = "PLAYLIST|FILE")]
    pub(super) inputs: Vec<PathBuf>,
    /// Profile A (.toml or `flat`), or with --iem another IEM of the database by name.
    #[arg(long, value_name = "PROFILE|IEM")]
    pub(super) a: String,
    /// Profile B (.toml or `flat`), or with --iem another IEM by name.
    #[arg(long, value_name = "PROFILE|IEM")]
    pub(super) b: String,
    /// Profile C (optional).
    #[arg(long, value_name = "PROFILE|IEM")]
    pub(super) c: Option<String>,
    /// Profile D (optional).
    #[arg(long, value_name = "PROFILE|IEM")]
    pub(super) d: Option<String>,
    #[command(flatten)]
    pub(super) sim: super::sim::SimArgs,
    /// When to switch: `keys` (a/b/c/d, space toggles), `cues` (at every cue of the entry,
    /// sample-accurately), or `every SECS`.
    #[arg(long, num_args = 1..=2, value_names = ["MODE", "SECS"], default_values = ["keys"])]
    pub(super) switch: Vec<String>,
    /// Repeat this region (mm:ss-mm:ss), alternating A and B on each pass.
    #[arg(long = "loop", value_name = "FROM-TO")]
    pub(super) loop_region: Option<String>,
    /// Level matching: `loudness` (BS.1770 over the track), `pink` (pink noise), or `off`.
    #[arg(
        long = "match",
        value_name = "HOW",
        value_enum,
        default_value = "loudness"
    )]
    pub(super) matching: AbMatching,
    /// Blind ABX: labels hidden; each trial plays X (A or B at random), answer a or b.
    #[arg(long)]
    pub(super) blind: bool,
    /// Blind ratings: A–D play the profiles in a hidden, shuffled order; rate what you hear
    /// with `rate: SECTION SCORE [words]` (in the note prompt, m, or as a stdin
    /// line), sections timbre, bass, resolution, stereo, score 1 (Poor) to 5
    /// (Outstanding). At the end the order is revealed and the ratings are saved unblinded
    /// in the notes file, where `report` makes a table of them.
    #[arg(long, conflicts_with = "blind")]
    pub(super) rate: bool,
    /// ABX trials before the result.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub(super) trials: u32,
    /// Seed of the ABX sequence (default: from the clock).
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Answer the ABX trials from this string of a/b (for scripted runs).
    #[arg(long, value_name = "ab…")]
    pub(super) answers: Option<String>,
    /// Where to write the ABX trial log (JSON).
    #[arg(long, value_name = "FILE")]
    pub(super) abx_log: Option<PathBuf>,
    /// Crossfade length when switching, 0–200 ms.
    #[arg(long, value_name = "MS", default_value_t = 20.0, value_parser = parse_crossfade)]
    pub(super) crossfade_ms: f64,
    /// Notes file (JSON Lines, appended as you go) [default: notes.jsonl in iemlab's data
    /// folder, e.g. ~/.local/share/iemlab/notes/].
    #[arg(long, value_name = "FILE")]
    pub(super) notes: Option<PathBuf>,
    #[command(flatten)]
    pub(super) session: SessionArgs,
}

/// Arguments of `iemlab report`.
#[derive(clap::Args, Debug)]
pub(super) struct ReportArgs {
    /// Notes file written by `iemlab ab` or `play` [default: the one they write when no
    /// `--notes` is given, in iemlab's data folder].
    pub(super) notes: Option<PathBuf>,
    /// Draft structure.
    #[arg(long, value_enum, default_value = "review")]
    pub(super) template: Template,
    /// Playlist for track order, links and focus.
    #[arg(long, value_name = "PLAYLIST")]
    pub(super) playlist: Option<PathBuf>,
    /// Output Markdown file (default, or `-`: print).
    #[arg(short, long, value_name = "OUT.md")]
    pub(super) output: Option<PathBuf>,
    /// Replace OUT.md if it exists.
    #[arg(long)]
    pub(super) force: bool,
}

fn parse_crossfade(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of ms"))?;
    if (0.0..=200.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} ms is outside 0 to 200 ms"))
    }
}

fn parse_volume(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of dB"))?;
    if (-90.0..=0.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} dB is outside -90 to 0 dB"))
    }
}

fn parse_ceiling(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of dB"))?;
    if (-30.0..=0.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} dBFS is outside -30 to 0 dBFS"))
    }
}

/// Arguments of `iemlab render`.
#[derive(clap::Args, Debug)]
pub(super) struct RenderArgs {
    /// Audio file to render (WAV, FLAC, ALAC/AAC in M4A, MP3, Ogg Vorbis, AIFF, Opus, WebM);
    /// or, with -o FOLDER/, several files or one playlist (.toml), each rendered into the
    /// folder as `NN - Artist - Title.flac` with a playlist.m3u8 in order.
    #[arg(required = true, num_args = 1.., value_name = "INPUT")]
    pub(super) inputs: Vec<PathBuf>,
    /// Folders the playlist's tracks are looked up in (repeatable; default: the config
    /// file's `library`).
    #[arg(long, value_name = "DIR")]
    pub(super) library: Vec<PathBuf>,
    /// EQ profile (.toml), or `flat` for no EQ.
    #[arg(long, value_name = "PROFILE.toml", required_unless_present = "ab")]
    pub(super) eq: Option<String>,
    /// A/B render: profiles (.toml or `flat`) separated by commas; starts on the first and
    /// moves to the next at each --switch-at time.
    #[arg(
        long,
        value_name = "A.toml,B.toml",
        value_delimiter = ',',
        conflicts_with = "eq"
    )]
    pub(super) ab: Option<Vec<String>>,
    /// With --ab: track times to switch at (mm:ss, comma separated).
    #[arg(long, value_name = "mm:ss,…", value_delimiter = ',', value_parser = parse_time_arg)]
    pub(super) switch_at: Vec<f64>,
    /// With --ab and --playlist/--track: when to switch.
    #[arg(long, value_enum, requires = "playlist")]
    pub(super) switch: Option<Switch>,
    /// With --ab: playlist whose entry --track supplies the cue times.
    #[arg(long, value_name = "PLAYLIST", requires = "track")]
    pub(super) playlist: Option<PathBuf>,
    /// With --playlist: entry number (1-based).
    #[arg(long, value_name = "N")]
    pub(super) track: Option<usize>,
    /// With --ab: crossfade length, 0–200 ms.
    #[arg(long, value_name = "MS", default_value_t = 20.0, value_parser = parse_crossfade)]
    pub(super) crossfade_ms: f64,
    /// With --ab: level matching.
    #[arg(
        long = "match",
        value_name = "HOW",
        value_enum,
        default_value = "loudness"
    )]
    pub(super) matching: Matching,
    /// Output file (`.wav` or `.flac`; `-`: WAV on stdout, with the summary on stderr), or a
    /// folder (ending in `/`, or an existing folder) for many inputs or a playlist.
    #[arg(short, long, value_name = "OUT.wav|OUTDIR/")]
    pub(super) output: PathBuf,
    #[command(flatten)]
    pub(super) sim: super::sim::SimArgs,
    /// Output sample rate in Hz (default: the input's rate).
    #[arg(long, value_name = "HZ", value_parser = clap::value_parser!(u32).range(8000..=768_000))]
    pub(super) rate: Option<u32>,
    /// Start at this track time (mm:ss, mm:ss.fff or seconds).
    #[arg(long, value_name = "mm:ss", value_parser = parse_time_arg)]
    pub(super) from: Option<f64>,
    /// Stop at this track time (mm:ss, mm:ss.fff or seconds).
    #[arg(long, value_name = "mm:ss", value_parser = parse_time_arg)]
    pub(super) to: Option<f64>,
    /// What to write: FLAC (the default for a folder or a `.flac` name), WAV (24-bit, the
    /// default otherwise), or WAV in a sample format (s24, s16, f32). Integer output gets
    /// TPDF dither unless the samples pass through untouched.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(super) format: Option<OutputFormat>,
    /// Bits per sample of FLAC (and of `--format wav`): 16 or 24.
    #[arg(long, value_name = "BITS", value_parser = parse_bits)]
    pub(super) bits: Option<u32>,
    /// Files rendered at once (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(super) jobs: Option<u16>,
    /// Overwrite existing output files.
    #[arg(long)]
    pub(super) force: bool,
}

/// `render --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum OutputFormat {
    /// FLAC, 24-bit (16 with --bits 16).
    Flac,
    /// WAV, 24-bit integer (16 with --bits 16).
    Wav,
    /// WAV, 24-bit integer.
    S24,
    /// WAV, 16-bit integer.
    S16,
    /// WAV, 32-bit float (keeps samples over full scale).
    F32,
}

/// Arguments of `iemlab check`.
#[derive(clap::Args, Debug)]
pub(super) struct CheckArgs {
    /// Files to validate.
    #[arg(required_unless_present = "iem", value_name = "FILE")]
    pub(super) files: Vec<PathBuf>,
    /// Also validate the measurements of an IEM of the --db database by name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub(super) iem: Vec<String>,
    #[command(flatten)]
    pub(super) db: super::db::DbArgs,
    /// Playback rate to validate frequencies against (Nyquist limit).
    #[arg(long, value_name = "HZ", default_value_t = crate::preset::DEFAULT_CHECK_RATE,
          value_parser = clap::value_parser!(u32).range(8000..=768_000))]
    pub(super) rate: u32,
    /// Print one JSON object per file (path, kind, ok, problems and the file's summary).
    #[arg(long)]
    pub(super) json: bool,
}

/// Arguments of `iemlab demo`.
#[derive(clap::Args, Debug)]
pub(super) struct DemoArgs {
    /// Folder to write the demo files into.
    #[arg(short, long, value_name = "DIR", default_value = "iemlab-demo")]
    pub(super) output: PathBuf,
    /// Only write the files; do not play them to the sound card.
    #[arg(long)]
    pub(super) no_play: bool,
}

fn parse_bits(s: &str) -> Result<u32, String> {
    match s {
        "16" => Ok(16),
        "24" => Ok(24),
        _ => Err(format!(
            "{s} bits: FLAC and WAV are written at 16 or 24 bits"
        )),
    }
}

fn parse_time_arg(s: &str) -> Result<f64, crate::timecode::NotATime> {
    crate::timecode::parse_time(s)
}

/// Arguments of `iemlab studio`.
#[derive(clap::Args, Debug)]
pub(crate) struct StudioArgs {
    /// A playlist (.toml) or audio files [default: the built-in demo material].
    #[arg(value_name = "PLAYLIST|FILE")]
    pub(super) inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) sim: super::sim::SimArgs,
    #[command(flatten)]
    pub(super) session: SessionArgs,
    /// Port on 127.0.0.1 (0, the default: a free one).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(super) port: u16,
    /// Do not open the page in the browser (only print its address).
    #[arg(long)]
    pub(super) no_open: bool,
    /// Notes file (JSON Lines) [default: notes.jsonl in iemlab's data folder].
    #[arg(long, value_name = "FILE")]
    pub(super) notes: Option<PathBuf>,
    /// Folder the edited profiles are saved to as they are edited (and restored from at the
    /// next start) [default: studio/ in iemlab's data folder].
    #[arg(long, value_name = "DIR")]
    pub(super) autosave: Option<PathBuf>,
    /// Crossfade of a profile switch, ms.
    #[arg(long, value_name = "MS", default_value_t = 20.0)]
    pub(super) crossfade_ms: f64,
}

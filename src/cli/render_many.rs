//! `iemlab render PLAYLIST|FILES… -o OUTDIR/`: every track through one profile into a
//! folder, with a playlist.m3u8, for a player that has no EQ.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{OutputFormat, RenderArgs};
use super::exit::{UsageError, exit_code};
use super::output::is_stdout;
use crate::decode::AudioFile;
use crate::playlist::Resolution;
use crate::preset::EqProfile;
use crate::render::batch::{BatchOptions, Track, file_name, m3u8, output_tags, render_tracks};
use crate::render::{Encoding, RenderError, RenderSummary, WavFormat};
use crate::timecode::format_time;

/// Name of the playlist written beside the tracks.
pub(super) const PLAYLIST_NAME: &str = "playlist.m3u8";

/// A track of the queue that will be rendered: its place in the playlist and its source.
struct Planned {
    track: Track,
    /// Output frames expected (for the progress bar).
    frames: u64,
}

pub(super) fn run(args: &RenderArgs) -> anyhow::Result<ExitCode> {
    refuse_single_file_options(args)?;
    let folder = args.output.clone();
    if folder.exists() && !folder.is_dir() {
        return Err(UsageError(format!(
            "{}: is a file; rendering several tracks needs a folder (-o FOLDER/)",
            folder.display()
        ))
        .into());
    }
    let format = encoding(args, true)?;
    let resolved = super::listen::resolve(&args.inputs, &args.library)?;
    let spec = args.eq.as_deref().unwrap_or("flat");
    let profile = match args.sim.simulate(&args.sim.slots(&[spec]))?.pop().flatten() {
        Some((profile, line)) => {
            log::info!("{line}");
            profile
        }
        None => load_profile(spec, args.rate.unwrap_or(48_000))?,
    };
    let label = profile_label(&profile, spec);

    let width = resolved.len().to_string().len().max(2);
    let mut planned = Vec::new();
    let mut failed: Vec<(usize, anyhow::Error)> = Vec::new();
    let mut rates = BTreeSet::new();
    for (i, entry) in resolved.iter().enumerate() {
        let Resolution::Found { path, .. } = &entry.resolution else {
            continue;
        };
        let file = match AudioFile::open(path) {
            Ok(file) => file,
            Err(e) => {
                failed.push((i, e.into()));
                continue;
            }
        };
        let info = file.info();
        let out_rate = args.rate.unwrap_or(info.sample_rate);
        rates.insert(out_rate);
        let frames = info.frames.map_or(0, |f| {
            (f as f64 * f64::from(out_rate) / f64::from(info.sample_rate)) as u64
        });
        // The playlist's names, else the file's tags, else its name.
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (artist, title) = if resolved.name.is_some() && !entry.entry.title.is_empty() {
            (entry.entry.artist.clone(), entry.entry.title.clone())
        } else {
            (
                file.tags().artist.clone().unwrap_or_default(),
                file.tags().title.clone().unwrap_or(stem),
            )
        };
        let (tags, note) = output_tags(path, &artist, &title, &label);
        if let Some(note) = note {
            log::info!("{note}");
        }
        let format = source_bits(format, info.bits_per_sample, args.bits);
        let name = file_name(i + 1, width, &artist, &title, format.extension());
        planned.push(Planned {
            track: Track {
                input: path.clone(),
                output: folder.join(name),
                title: if artist.is_empty() {
                    title
                } else {
                    format!("{artist} - {title}")
                },
                format,
                tags: matches!(format, Encoding::Flac { .. }).then_some(tags),
            },
            frames,
        });
    }
    for rate in &rates {
        profile.check_rate(*rate)?;
    }
    let missing = resolved.missing_lines();
    for line in &missing {
        log::warn!("{line}");
    }
    for (i, e) in &failed {
        log::error!("{}: {}", resolved.heading(*i), super::exit::error_text(e));
    }
    if planned.is_empty() {
        return Err(UsageError(format!(
            "nothing to render: {} of {} tracks missing, {} unreadable",
            missing.len(),
            resolved.len(),
            failed.len()
        ))
        .into());
    }
    let playlist_path = folder.join(PLAYLIST_NAME);
    refuse_existing(&planned, &playlist_path, args.force)?;
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("{}: cannot create folder", folder.display()))?;

    let started = Instant::now();
    let total: u64 = planned.iter().map(|p| p.frames).sum();
    let bar = progress_bar(total);
    let tracks: Vec<Track> = planned.into_iter().map(|p| p.track).collect();
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(2, |n| n.get()),
        usize::from,
    );
    let options = BatchOptions {
        rate: args.rate,
        force: args.force,
        jobs,
    };
    let printed = Mutex::new(());
    let results = render_tracks(
        &tracks,
        &profile,
        options,
        &|frames| bar.inc(frames),
        &|_, result: &Result<RenderSummary, RenderError>| {
            if let Ok(summary) = result {
                let _guard = printed.lock();
                bar.suspend(|| println!("{}", summary.line()));
            }
        },
    );
    bar.finish_and_clear();

    let mut entries = Vec::new();
    let mut seconds = 0.0;
    let mut first_error = None;
    for (track, result) in tracks.iter().zip(results) {
        match result {
            Ok(summary) => {
                if let Some(warning) = summary.clip_warning() {
                    super::output::warn_line(&format!("{}: {warning}", summary.output.display()));
                }
                seconds += summary.audio_seconds();
                entries.push((
                    track.title.clone(),
                    summary.audio_seconds(),
                    file_of(&track.output),
                ));
            }
            Err(e) => {
                let e =
                    anyhow::Error::from(e).context(format!("rendering {}", track.input.display()));
                log::error!("{}", super::exit::error_text(&e));
                first_error.get_or_insert(e);
            }
        }
    }
    if !entries.is_empty() {
        let name = resolved.name.as_ref().map(|n| format!("{n} (EQ: {label})"));
        let text = m3u8(name.as_deref(), &entries);
        crate::atomic_file::save(&playlist_path, text.as_bytes(), args.force)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{}: {} of {} tracks, {} ({}, EQ: {label}) in {elapsed:.1} s, {:.0}× real time; playlist {}",
        folder.display(),
        entries.len(),
        resolved.len(),
        format_time(seconds),
        describe(&tracks),
        seconds / elapsed.max(1e-9),
        playlist_path.display(),
    );
    if !missing.is_empty() {
        println!(
            "skipped {} missing: {}",
            missing.len(),
            missing
                .iter()
                .map(|l| l.trim_start_matches("missing "))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    match (first_error, failed.into_iter().next()) {
        (Some(e), _) | (None, Some((_, e))) => Ok(ExitCode::from(exit_code(&e))),
        (None, None) => Ok(ExitCode::SUCCESS),
    }
}

/// FLAC without `--bits` keeps a lossless source's depth (16-bit sources give 16-bit files,
/// dithered when processed: a 16-bit player gets nothing from 24); otherwise 24 bits.
pub(super) fn source_bits(format: Encoding, source: Option<u32>, given: Option<u32>) -> Encoding {
    match format {
        Encoding::Flac { .. } if given.is_none() => Encoding::Flac {
            bits: if source.is_some_and(|b| b <= 16) {
                16
            } else {
                24
            },
        },
        other => other,
    }
}

/// What `--format` and `--bits` ask for; without `--format`, FLAC for a folder or a `.flac`
/// name and 24-bit WAV otherwise.
pub(super) fn encoding(args: &RenderArgs, folder: bool) -> Result<Encoding, UsageError> {
    let ext = args
        .output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let bits = args.bits;
    let wav = |bits: Option<u32>| {
        Encoding::Wav(if bits == Some(16) {
            WavFormat::S16
        } else {
            WavFormat::S24
        })
    };
    let sample_format = |format: WavFormat| match bits {
        Some(b) if b != format.bits() => Err(UsageError(format!(
            "--bits {b} does not go with --format {}",
            format!("{format:?}").to_lowercase()
        ))),
        _ => Ok(Encoding::Wav(format)),
    };
    let chosen = match args.format {
        Some(OutputFormat::Flac) => Encoding::Flac {
            bits: bits.unwrap_or(24),
        },
        Some(OutputFormat::Wav) => wav(bits),
        Some(OutputFormat::S24) => sample_format(WavFormat::S24)?,
        Some(OutputFormat::S16) => sample_format(WavFormat::S16)?,
        Some(OutputFormat::F32) => sample_format(WavFormat::F32)?,
        None if folder || ext.as_deref() == Some("flac") => Encoding::Flac {
            bits: bits.unwrap_or(24),
        },
        None => wav(bits),
    };
    if !folder
        && let Some(ext) = ext.as_deref()
        && matches!(ext, "wav" | "flac")
        && ext != chosen.extension()
    {
        return Err(UsageError(format!(
            "{}: the name says {} but --format writes {}",
            args.output.display(),
            ext.to_uppercase(),
            chosen.describe()
        )));
    }
    Ok(chosen)
}

/// How the profile is named in tags: its own name, else what was typed.
pub(super) fn profile_label(profile: &EqProfile, spec: &str) -> String {
    if profile.name.trim().is_empty() {
        spec.to_string()
    } else {
        profile.name.clone()
    }
}

/// Loads `--eq` for output at `rate` Hz: a profile file, or `flat` for none.
pub(super) fn load_profile(spec: &str, rate: u32) -> anyhow::Result<EqProfile> {
    let profile = EqProfile::load_named(spec)?;
    profile.check_rate(rate)?;
    Ok(profile)
}

/// Options that only make sense for one output file.
fn refuse_single_file_options(args: &RenderArgs) -> Result<(), UsageError> {
    let refused = [
        (args.ab.is_some(), "--ab"),
        (args.from.is_some(), "--from"),
        (args.to.is_some(), "--to"),
        (is_stdout(&args.output), "-o -"),
    ];
    match refused.iter().find(|(given, _)| *given) {
        Some((_, option)) => Err(UsageError(format!(
            "{option} renders one file; with several inputs or a playlist, -o is a folder"
        ))),
        None => Ok(()),
    }
}

/// Without `--force`, refuses before any work when an output already exists, naming them.
fn refuse_existing(planned: &[Planned], playlist: &Path, force: bool) -> Result<(), UsageError> {
    if force {
        return Ok(());
    }
    let existing: Vec<PathBuf> = planned
        .iter()
        .map(|p| p.track.output.clone())
        .chain([playlist.to_path_buf()])
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = existing
        .iter()
        .take(5)
        .map(|p| p.display().to_string())
        .collect();
    Err(UsageError(format!(
        "{} output files exist already ({}{}); give --force to replace them",
        existing.len(),
        shown.join(", "),
        if existing.len() > 5 { ", …" } else { "" }
    )))
}

/// One bar for the whole queue, in seconds of output; hidden by -q or a stderr that is not a
/// terminal.
fn progress_bar(frames: u64) -> ProgressBar {
    let bar = if log::log_enabled!(log::Level::Info) {
        ProgressBar::new(frames)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent:>3}% rendered, {elapsed}, ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// "FLAC 16-bit" or "FLAC 16/24-bit" for the tracks written.
fn describe(tracks: &[Track]) -> String {
    let kinds: BTreeSet<String> = tracks.iter().map(|t| t.format.describe()).collect();
    kinds.into_iter().collect::<Vec<_>>().join(", ")
}

/// The file name within the folder, for the playlist.
fn file_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

//! `iemlab studio`: the reviewer's bench as a local web page. One page, served from the
//! binary on 127.0.0.1, shows the database's measurements against the target, edits EQ by
//! dragging bands on the graph, and drives the same engine as `play`/`ab`: every edit is
//! heard at once, profiles A–D switch level-matched at the playlist's cue points, blind
//! tests and notes go where the terminal's go. See docs/STUDIO.md for the page's API.

mod data;
mod desk;
mod profile_json;
mod server;
mod state;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::args::StudioArgs;
use super::listen;
use crate::engine::{self, EngineConfig, MAX_PROFILES, Output, Pace, Prepared, TrackSource};
use crate::playlist::Resolved;
use crate::preset::EqProfile;
use desk::{Desk, DeskSetup, SLOTS, letter};

pub(super) fn run(args: StudioArgs) -> anyhow::Result<ExitCode> {
    // The built-in material when no playlist or file is given: the page works anywhere.
    let mut demo_dir = None;
    let (resolved, playlist_path) = if args.inputs.is_empty() {
        let path = demo_file(&mut demo_dir)?;
        (Resolved::from_files(&[path]), None)
    } else {
        let playlist = args
            .inputs
            .iter()
            .find(|p| listen::is_playlist_path(p))
            .cloned();
        (
            listen::resolve(&args.inputs, &args.session.library)?,
            playlist,
        )
    };
    for line in resolved.missing_lines() {
        eprintln!("{line}");
    }
    let bench = Arc::new(data::Bench::new(args.sim.db.open()?));
    let iem = args.sim.iem.clone();
    let start = resolved.start_index(args.session.start.as_deref())?;
    let Some(preferred_rate) = resolved.first_rate(start) else {
        eprintln!("nothing to play: no entry resolved to a readable file");
        return Ok(ExitCode::from(2));
    };
    let output = Output::parse(args.session.device.as_deref());
    let pace = if args.session.fast {
        Pace::Fast
    } else {
        Pace::RealTime
    };
    let prepared = Prepared::new(
        &output,
        args.session.host.as_deref(),
        preferred_rate,
        args.session.buffer,
        pace,
        args.session.force,
    )?;
    let rate = prepared.rate();
    let autosave_dir = args.autosave.clone().unwrap_or_else(|| {
        crate::paths::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("studio")
    });
    let profiles = restore(&autosave_dir, rate);
    let mut config = EngineConfig::new(rate);
    config.callback.volume_db = args.session.volume;
    config.callback.ceiling_db = args.session.ceiling;
    config.callback.start_held = true;
    config.period_frames = prepared.buffer_frames();
    config.start_track = start;
    let sources = (0..resolved.len())
        .map(|i| TrackSource {
            path: resolved.path(i).map(Path::to_path_buf),
            loop_region: resolved.loop_region(i),
            levels_db: [0.0; MAX_PROFILES],
        })
        .collect();
    let (player, callback) = engine::start(config, sources);
    let output_name = prepared.describe();
    let setup = DeskSetup {
        resolved,
        player,
        callback,
        prepared,
        rate,
        profiles,
        notes: args.notes.clone().unwrap_or_else(crate::paths::notes_file),
        autosave_dir,
        host: args.session.host.clone(),
        buffer: args.session.buffer,
        pace,
        volume: args.session.volume,
        fade_ms: args.crossfade_ms,
        output_name,
        playlist_path,
    };
    serve(setup, bench, iem, args.port, !args.no_open)
}

/// Binds the port, prints the address, opens the browser and serves until the page (or a
/// signal) stops the desk.
fn serve(
    setup: DeskSetup,
    bench: Arc<data::Bench>,
    iem: Option<String>,
    port: u16,
    open: bool,
) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| super::exit::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let token = new_token()?;
    let url = format!("http://127.0.0.1:{port}/?token={token}");
    let (jobs_tx, jobs_rx) = std::sync::mpsc::channel();
    let (status_tx, status_rx) = tokio::sync::watch::channel(desk::StatusJson::default());
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    // The desk starts the engine and the output on its own thread while the page loads;
    // requests wait for it in the job queue. If it cannot start, the server stops and the
    // error is the command's.
    let desk_thread = std::thread::Builder::new()
        .name("iemlab-desk".into())
        .spawn(move || {
            let started = Desk::start(setup);
            let result = started.map(|desk| {
                desk.run(jobs_rx, |s| {
                    let _ = status_tx.send(s);
                })
            });
            let _ = shutdown_tx.send(true);
            result
        })?;
    let shared = server::Shared {
        token: token.into(),
        port,
        jobs: jobs_tx,
        status: status_rx,
        shutdown: shutdown_rx.clone(),
        bench,
        iem: iem.map(Into::into),
    };
    let app = server::router(shared);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        // The address first, alone on its line, as soon as the page can be asked for.
        println!("{url}");
        let _ = std::io::stdout().flush();
        if open {
            open_browser(&url);
        }
        let mut shutdown = shutdown_rx;
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown.wait_for(|s| *s).await;
            })
            .await
    });
    let desk = desk_thread
        .join()
        .map_err(|_| anyhow::anyhow!("the studio's desk thread stopped unexpectedly"))?;
    desk?;
    served?;
    Ok(ExitCode::SUCCESS)
}

/// 128 random bits as hex.
fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Opens `url` in the desktop's browser; says so when it cannot (the address is printed).
fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("note: could not start {program}; open the address above in a browser");
    }
}

/// The built-in demo material as a WAV file the engine can play: made once per version in
/// iemlab's data folder (written whole or not at all) and reused, so the page comes up at
/// once; in a temporary folder (`temp`, kept while the studio runs) without a data folder.
fn demo_file(temp: &mut Option<tempfile::TempDir>) -> anyhow::Result<PathBuf> {
    let name = format!("iemlab demo material {}.wav", env!("CARGO_PKG_VERSION"));
    if let Some(dir) = crate::paths::data_dir() {
        let path = dir.join(&name);
        if path.is_file() {
            return Ok(path);
        }
        if std::fs::create_dir_all(&dir).is_ok() && write_demo(&path).is_ok() {
            return Ok(path);
        }
    }
    let dir = temp.insert(tempfile::Builder::new().prefix("iemlab-studio").tempdir()?);
    let path = dir.path().join(name);
    write_demo(&path)?;
    Ok(path)
}

/// Writes the built-in demo material to `path`.
fn write_demo(path: &Path) -> anyhow::Result<()> {
    use crate::render::{WavFormat, WavSink};
    let rate = 48_000;
    let material = crate::material::demo_material(rate);
    let mut sink = WavSink::create(path, rate, WavFormat::F32, true)?;
    sink.write(&material.samples)?;
    sink.finish()?;
    Ok(())
}

/// The profiles saved by the last studio session, by slot (a file that no longer loads is
/// named and left alone).
fn restore(dir: &Path, rate: u32) -> [Option<EqProfile>; SLOTS] {
    std::array::from_fn(|slot| {
        let path = desk::autosave_path(dir, slot);
        if !path.exists() {
            return None;
        }
        match EqProfile::load(&path).and_then(|p| p.check_rate(rate).map(|()| p)) {
            Ok(p) => {
                eprintln!(
                    "slot {}: '{}' restored from {}",
                    letter(slot),
                    p.name,
                    path.display()
                );
                Some(p)
            }
            Err(e) => {
                eprintln!("slot {}: not restored: {e}", letter(slot));
                None
            }
        }
    })
}

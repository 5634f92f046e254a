//! Ctrl-C (SIGINT) and SIGTERM: long commands stop at the next block and clean up themselves
//! (the render's temp file removed, the session's terminal restored, notes already synced);
//! anything that does not stop within a moment is ended here after removing every temp file
//! [`crate::atomic_file`] has open. Exit codes follow the shell's convention, 128 + signal.
//! On Unix signal-hook watches both signals; on Windows the `ctrlc` crate reports Ctrl-C
//! (and Ctrl-Break) as SIGINT.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The signal received (0 = none yet).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// How many code paths are running that check [`requested`] and stop by themselves.
static COOPERATING: AtomicUsize = AtomicUsize::new(0);
/// Temp files being written, removed when a signal ends the process.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// How long a cooperating command gets to stop cleanly before it is ended.
const GRACE: Duration = Duration::from_secs(2);

/// SIGINT's number.
pub const SIGINT: i32 = 2;
/// SIGTERM's number.
pub const SIGTERM: i32 = 15;

/// The temp-file registry, locked (a poisoned lock is still usable: it is a list of paths).
pub(crate) fn temps() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The signal received so far, if any.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::Relaxed) {
        0 => None,
        s => Some(s),
    }
}

/// "SIGINT", "SIGTERM" or "signal N".
pub fn signal_name(signal: i32) -> String {
    match signal {
        SIGINT => "SIGINT (Ctrl-C)".into(),
        SIGTERM => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// The conventional exit code after `signal`: 130 for SIGINT, 143 for SIGTERM.
pub fn exit_code(signal: i32) -> u8 {
    (128 + signal).clamp(0, 255) as u8
}

/// Held while a command checks [`requested`] and stops by itself; a signal then gives it
/// [`GRACE`] before ending the process.
pub struct Cooperating(());

impl Drop for Cooperating {
    fn drop(&mut self) {
        COOPERATING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Marks the calling command as one that stops by itself on a signal.
pub fn cooperate() -> Cooperating {
    COOPERATING.fetch_add(1, Ordering::SeqCst);
    Cooperating(())
}

/// Starts watching for SIGINT and SIGTERM (once, from the binary).
#[cfg(unix)]
pub fn install() -> std::io::Result<()> {
    use signal_hook::iterator::Signals;
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Some(signal) = signals.forever().next() else {
                return;
            };
            SIGNAL.store(signal, Ordering::SeqCst);
            // A second signal ends at once, as users expect from pressing Ctrl-C twice.
            grace_then_end(signal, || signals.pending().next().is_some());
        })?;
    Ok(())
}

/// Starts watching for Ctrl-C and Ctrl-Break (once, from the binary); both count as SIGINT.
#[cfg(windows)]
pub fn install() -> std::io::Result<()> {
    ctrlc::set_handler(|| {
        // The handler runs on ctrlc's own thread, once per key press: the first starts the
        // grace period on a thread of its own, so that a second press gets here and ends
        // the process at once.
        if SIGNAL.swap(SIGINT, Ordering::SeqCst) != 0 {
            end(SIGINT);
        }
        let _ = std::thread::Builder::new()
            .name("ctrl-c".into())
            .spawn(|| grace_then_end(SIGINT, || false));
    })
    .map_err(std::io::Error::other)
}

/// Neither Unix nor Windows: Ctrl-C ends the process as usual.
#[cfg(not(any(unix, windows)))]
pub fn install() -> std::io::Result<()> {
    Ok(())
}

/// After `signal`: gives cooperating commands [`GRACE`] to stop by themselves (less if
/// `again()` reports a second signal), then ends the process.
#[cfg(any(unix, windows))]
fn grace_then_end(signal: i32, mut again: impl FnMut() -> bool) -> ! {
    let deadline = Instant::now() + GRACE;
    while COOPERATING.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        if again() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    end(signal);
}

/// Removes every registered temp file, without waiting for the registry (for a dying
/// process: a panic on another thread). Returns how many were removed.
pub fn remove_temps_now() -> usize {
    let Ok(temps) = TEMPS.try_lock() else {
        return 0;
    };
    temps
        .iter()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// Removes every registered temp file, restores the terminal and exits with 128 + signal.
fn end(signal: i32) -> ! {
    // Held until exit: no temp file is created or renamed into place from here on.
    let temps = temps();
    let mut removed = 0;
    for path in temps.iter() {
        if std::fs::remove_file(path).is_ok() {
            removed += 1;
        }
    }
    if crossterm::terminal::is_raw_mode_enabled().unwrap_or(false) {
        let _ = crossterm::terminal::disable_raw_mode();
        eprintln!();
    }
    let files = match removed {
        0 => String::new(),
        1 => "; 1 unfinished file removed".into(),
        n => format!("; {n} unfinished files removed"),
    };
    eprintln!("interrupted by {}{files}", signal_name(signal));
    std::process::exit(i32::from(exit_code(signal)));
}

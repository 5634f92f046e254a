//! What the binary survives: full disks, devices as destinations, missing folders, symlinks,
//! and SIGINT/SIGTERM in the middle of a render or a listening session. Every test checks
//! that nothing partial is left beside the destination and an existing file is untouched.

#![cfg(unix)]

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use predicates::prelude::*;

use crate::harness::{Deadline, iemlab, iemlab_process, repo, temp_dir, wait_until, wav_i16_bytes};

/// A stereo 16-bit WAV of a tone, as bytes.
fn wav_bytes(rate: u32, seconds: f64) -> Vec<u8> {
    let tone: Vec<i16> = (0..(seconds * f64::from(rate)) as usize)
        .flat_map(|i| {
            let v = (0.3 * (i as f64 * 0.05).sin() * 32767.0) as i16;
            [v, v]
        })
        .collect();
    wav_i16_bytes(rate, &tone)
}

/// Names in `dir` other than `keep`, to catch temp files left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

fn has_temp(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".iemlab-")
    })
}

/// What `dir` holds, for a failure message.
fn listing(dir: &Path) -> String {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let names: Vec<String> = entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            format!("{} holds {names:?}", dir.display())
        }
        Err(e) => format!("{}: {e}", dir.display()),
    }
}

/// Waits (at most 30 s) for `check` while `child` runs; fails with what `check` saw last,
/// and the child's exit status if it had ended.
fn wait_for(what: &str, child: &mut Child, mut check: impl FnMut() -> Result<(), String>) {
    wait_until(what, Duration::from_secs(30), || {
        check().map_err(|seen| match child.try_wait() {
            Ok(Some(status)) => format!("{seen}; iemlab had already exited ({status})"),
            _ => seen,
        })
    });
}

fn kill(child: &Child, signal: i32) {
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
}

/// Waits for `child` (at most 20 s) and returns its exit code and stderr.
fn finish(mut child: Child) -> (i32, String) {
    let stderr = |child: &mut Child| {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut err).unwrap();
        }
        err
    };
    let deadline = Deadline::new("iemlab to exit after the signal", Duration::from_secs(20));
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code().unwrap_or(-1), stderr(&mut child));
        }
        deadline.check(|| {
            let _ = child.kill();
            let _ = child.wait();
            format!("still running; its stderr:\n{}", stderr(&mut child))
        });
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn sigterm_mid_render_stops_at_the_next_block_and_removes_the_temp_file() {
    let dir = temp_dir();
    let input = dir.path().join("in.wav");
    std::fs::write(&input, wav_bytes(48_000, 60.0)).unwrap();
    let out = dir.path().join("out.wav");
    std::fs::write(&out, "old render").unwrap();
    let mut child = iemlab_process()
        .arg("render")
        .arg(&input)
        .arg("--eq")
        .arg(repo("presets/eq/bass-boost.toml"))
        .args(["--rate", "44100", "--force", "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the render's temp file", &mut child, || {
        has_temp(dir.path())
            .then_some(())
            .ok_or_else(|| listing(dir.path()))
    });
    // Frozen mid-render with its temp file half written, then terminated.
    kill(&child, libc::SIGSTOP);
    assert!(
        has_temp(dir.path()),
        "the render finished before it could be stopped"
    );
    kill(&child, libc::SIGTERM);
    kill(&child, libc::SIGCONT);
    let (code, err) = finish(child);
    assert_eq!(code, 143, "{err}");
    assert!(
        err.contains("out.wav: not written: interrupted by SIGTERM (unfinished file removed)"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"old render");
    assert_eq!(
        leftovers(dir.path(), &["in.wav", "out.wav"]),
        Vec::<String>::new()
    );
}

#[test]
fn sigint_during_a_batch_fit_keeps_finished_profiles_and_removes_unfinished_ones() {
    let dir = temp_dir();
    let frs = dir.path().join("fr");
    std::fs::create_dir(&frs).unwrap();
    for i in 0..16 {
        std::fs::copy(
            repo("tests/data/fr/Crimson L.txt"),
            frs.join(format!("iem{i:02}.txt")),
        )
        .unwrap();
    }
    let out = dir.path().join("out");
    let mut child = iemlab_process()
        .args(["fit", "--fr"])
        .arg(&frs)
        .args(["--target", "Harman IE 2019 v2", "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let profiles = || -> Vec<PathBuf> {
        std::fs::read_dir(&out)
            .map(|d| {
                d.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .filter(|p| !p.to_string_lossy().contains("/.iemlab-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    wait_for("the first fitted profile", &mut child, || {
        (!profiles().is_empty())
            .then_some(())
            .ok_or_else(|| listing(&out))
    });
    // Fitting does not stop by itself: the signal thread removes the temp files and ends it.
    kill(&child, libc::SIGINT);
    let (code, err) = finish(child);
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("interrupted by SIGINT (Ctrl-C)"), "{err}");
    let done = profiles();
    assert!(
        !done.is_empty() && done.len() < 16,
        "{} profiles",
        done.len()
    );
    for p in &done {
        iemlab::preset::EqProfile::load(p).unwrap();
    }
    assert!(!has_temp(&out));
}

#[test]
fn sigterm_while_a_render_waits_to_open_its_input_writes_nothing() {
    let dir = temp_dir();
    let fifo = dir.path().join("in.wav");
    mkfifo(&fifo);
    let child = iemlab_process()
        .arg("render")
        .arg(&fifo)
        .args(["--eq", "flat", "--rate", "48000", "-o"])
        .arg(dir.path().join("out.wav"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Blocked opening the pipe (nothing writes to it); give it time to start watching for
    // signals first. It cannot reach a block to notice the signal, so it is ended for it.
    std::thread::sleep(Duration::from_millis(300));
    kill(&child, libc::SIGTERM);
    let (code, err) = finish(child);
    assert_eq!(code, 143, "{err}");
    assert!(err.contains("interrupted by SIGTERM"), "{err}");
    assert_eq!(leftovers(dir.path(), &["in.wav"]), Vec::<String>::new());
}

#[test]
fn sigterm_in_an_ab_session_keeps_the_notes_and_discards_the_recording() {
    let dir = temp_dir();
    let input = dir.path().join("track.wav");
    std::fs::write(&input, wav_bytes(48_000, 20.0)).unwrap();
    let notes = dir.path().join("notes.jsonl");
    let rec = dir.path().join("rec.wav");
    let mut child = iemlab_process()
        .arg("ab")
        .arg(&input)
        .args(["--a", "flat", "--b", "flat", "--match", "off", "--notes"])
        .arg(&notes)
        .arg("--device")
        .arg(format!("wav:{}", rec.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "note: first impression, warm").unwrap();
    stdin.flush().unwrap();
    wait_for("the note", &mut child, || {
        match std::fs::read_to_string(&notes) {
            Ok(text) if text.ends_with('\n') => Ok(()),
            Ok(text) => Err(format!("{}: {text:?}", notes.display())),
            Err(e) => Err(format!("{}: {e}", notes.display())),
        }
    });
    kill(&child, libc::SIGTERM);
    let mut out = child.stdout.take().unwrap();
    let (code, err) = finish(child);
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut out, &mut stdout).unwrap();
    assert_eq!(code, 143, "{stdout}\n{err}");
    assert!(
        stdout.contains("interrupted by SIGTERM: stopping"),
        "{stdout}"
    );
    assert!(err.contains("not written: interrupted by SIGTERM"), "{err}");
    let saved = iemlab::ab::notes::read_notes(&notes).unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].text, "first impression, warm");
    assert!(!rec.exists());
    assert_eq!(
        leftovers(dir.path(), &["track.wav", "notes.jsonl"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_full_file_system_mid_render_is_reported_and_leaves_the_old_file() {
    let dir = temp_dir();
    let input = dir.path().join("in.wav");
    std::fs::write(&input, wav_bytes(48_000, 5.0)).unwrap();
    let out = dir.path().join("out.wav");
    std::fs::write(&out, "old render").unwrap();
    let mut cmd = iemlab_process();
    cmd.arg("render")
        .arg(&input)
        .args(["--eq", "flat", "--force", "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // A 256 kB file size limit: writes beyond it fail with EFBIG, as on a full quota.
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 256 * 1024,
                rlim_max: 256 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (code, err) = finish(cmd.spawn().unwrap());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("out.wav: cannot write: File too large"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"old render");
    assert_eq!(
        leftovers(dir.path(), &["in.wav", "out.wav"]),
        Vec::<String>::new()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn every_writing_command_reports_dev_full_and_dev_null_works() {
    let dir = temp_dir();
    let input = dir.path().join("in.wav");
    std::fs::write(&input, wav_bytes(48_000, 1.0)).unwrap();
    let profile = repo("presets/eq/bass-boost.toml");
    let fr = repo("tests/data/fr/Crimson L.txt");
    let notes = dir.path().join("notes.jsonl");
    std::fs::write(
        &notes,
        "{\"time\":\"2026-01-01T00:00:00Z\",\"track\":\"t\",\"position\":\"00:01.000\",\"text\":\"warm\"}\n",
    )
    .unwrap();
    let apo = repo("tests/data/presets/Example IEM ParametricEQ.txt");
    let commands: Vec<(&str, Vec<std::ffi::OsString>)> = vec![
        (
            "render",
            vec![
                input.clone().into(),
                "--eq".into(),
                "flat".into(),
                "-o".into(),
            ],
        ),
        (
            "render --ab",
            vec![
                input.clone().into(),
                "--ab".into(),
                "flat,flat".into(),
                "-o".into(),
            ],
        ),
        (
            "export",
            vec![
                profile.clone().into(),
                "--format".into(),
                "apo".into(),
                "-o".into(),
            ],
        ),
        ("import", vec![apo.into(), "-o".into()]),
        (
            "fit",
            vec![
                "--fr".into(),
                fr.clone().into(),
                "--target".into(),
                "Harman IE 2019 v2".into(),
                "-o".into(),
            ],
        ),
        (
            "report",
            vec![
                notes.into(),
                "--template".into(),
                "review".into(),
                "-o".into(),
            ],
        ),
    ];
    for (name, args) in &commands {
        let sub = name.split(' ').next().unwrap();
        iemlab()
            .arg(sub)
            .args(args)
            .arg("/dev/full")
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "/dev/full: cannot write: No space left on device",
            ));
        iemlab()
            .arg(sub)
            .args(args)
            .arg("/dev/null")
            .assert()
            .success();
    }
    // A WAV cannot go down a pipe: refused before any work.
    iemlab()
        .arg("render")
        .arg(&input)
        .args(["--eq", "flat", "-o", "/dev/stdout"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a WAV file needs a real file"));
    // A preset can.
    iemlab()
        .arg("export")
        .arg(&profile)
        .args(["--format", "apo", "-o", "/dev/stdout"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Preamp:"));
    assert_eq!(
        leftovers(dir.path(), &["in.wav", "notes.jsonl"]),
        Vec::<String>::new()
    );
}

#[test]
fn missing_folders_and_symlinked_destinations_are_handled() {
    let dir = temp_dir();
    let profile = repo("presets/eq/bass-boost.toml");
    let export = |out: &Path, force: bool| {
        let mut c = iemlab();
        c.arg("export")
            .arg(&profile)
            .args(["--format", "apo", "-o"])
            .arg(out);
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    export(&dir.path().join("no/such/out.txt"), false)
        .code(2)
        .stderr(
            predicate::str::contains("no/such/out.txt: cannot create a file in folder")
                .and(predicate::str::contains("No such file or directory")),
        );
    export(dir.path(), true)
        .code(2)
        .stderr(predicate::str::contains("is a folder"));

    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    export(&link, false)
        .code(2)
        .stderr(predicate::str::contains(
            "already exists (use --force to overwrite)",
        ));
    export(&link, true).success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(std::fs::read_to_string(&link).unwrap().contains("Preamp:"));

    // Root ignores permissions, so the read-only case only means something for a user.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        export(&ro.join("out.txt"), false).code(1).stderr(
            predicate::str::contains("ro/out.txt: cannot create a file in folder")
                .and(predicate::str::contains("Permission denied")),
        );
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

//! `render PLAYLIST|FILES… -o FOLDER/`: the review playlist as tagged FLAC files in order,
//! with a playlist, checked by reading the files back (symphonia, lofty) and by the
//! reference FLAC decoder (`flac -t`, Debian's `flac`).

use std::path::{Path, PathBuf};
use std::process::Command;

use lofty::config::WriteOptions;
use lofty::file::TaggedFileExt;
use lofty::picture::{MimeType, Picture, PictureType};
use lofty::tag::{Accessor, ItemKey, Tag, TagExt, TagType};
use predicates::prelude::*;

use crate::harness::{data, eq_preset, iemlab, temp_dir};

/// A small PNG (the picture's bytes are what is compared, not its pixels).
const COVER: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\x9cc\xf8\xcf\xc0\0\0\x03\x01\x01\0\xc9\xfe\x92\xef\0\0\0\0IEND\xaeB`\x82";

/// A library with a tagged FLAC (cover art, ReplayGain), an MP3 matched by its tags, and a
/// playlist of three entries, one of them missing.
fn library(dir: &Path) -> (PathBuf, PathBuf) {
    let lib = dir.join("music");
    std::fs::create_dir_all(&lib).unwrap();
    let flac = lib.join("Polyphia - Playing God.flac");
    std::fs::copy(data("s16-44k.flac"), &flac).unwrap();
    let mut tag = Tag::new(TagType::VorbisComments);
    tag.set_artist("Polyphia".into());
    tag.set_title("Playing God".into());
    tag.set_album("New Levels New Devils".into());
    tag.insert_text(ItemKey::ReplayGainTrackGain, "-7.10 dB".into());
    tag.push_picture(
        Picture::unchecked(COVER.to_vec())
            .pic_type(PictureType::CoverFront)
            .mime_type(MimeType::Png)
            .build(),
    );
    tag.save_to_path(&flac, WriteOptions::default()).unwrap();
    std::fs::copy(data("mp3-44k.mp3"), lib.join("track07.mp3")).unwrap();
    let playlist = dir.join("review.toml");
    std::fs::write(
        &playlist,
        r#"version = 1
name = "Test review"

[[sections]]
name = "Timbre"

[[sections.tracks]]
artist = "Polyphia"
title = "Playing God"
focus = "guitars"

[[sections.tracks]]
artist = "2CELLOS"
title = "Now We Are Free"
focus = "cellos"

[[sections]]
name = "Bass"

[[sections.tracks]]
artist = "Test Artist"
title = "Test Tone"
focus = "tone"
"#,
    )
    .unwrap();
    (lib, playlist)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Samples of an audio file as iemlab decodes it (symphonia).
fn decode(path: &Path) -> Vec<f32> {
    let mut file = iemlab::decode::AudioFile::open(path).unwrap();
    let mut out = Vec::new();
    while file.read(&mut out, 4096).unwrap() > 0 {}
    out
}

/// The reference decoder checks the stream and its MD5.
fn flac_test(path: &Path) {
    let status = Command::new("flac")
        .args(["-t", "-s"])
        .arg(path)
        .status()
        .expect("the flac command (apt-get install flac) checks the written files");
    assert!(status.success(), "flac -t {}", path.display());
}

#[test]
fn a_playlist_renders_to_tagged_flac_in_order_with_a_playlist() {
    let dir = temp_dir();
    let (lib, playlist) = library(dir.path());
    let out = dir.path().join("dap");
    iemlab()
        .arg("render")
        .arg(&playlist)
        .arg("--library")
        .arg(&lib)
        .arg("--eq")
        .arg(eq_preset("bass-boost.toml"))
        .arg("-o")
        .arg(format!("{}/", out.display()))
        .assert()
        .success()
        .stdout(predicate::str::contains("2 of 3 tracks"))
        .stdout(predicate::str::contains("skipped 1 missing"))
        .stdout(predicate::str::contains("2CELLOS"));
    // Numbered by place in the playlist, so adding the missing track later keeps the names.
    assert_eq!(
        names(&out),
        [
            "01 - Polyphia - Playing God.flac",
            "03 - Test Artist - Test Tone.flac",
            "playlist.m3u8"
        ]
    );
    let m3u = std::fs::read_to_string(out.join("playlist.m3u8")).unwrap();
    assert_eq!(
        m3u,
        "#EXTM3U\n#PLAYLIST:Test review (EQ: Bass boost (+6 dB shelf at 105 Hz))\n\
         #EXTINF:1,Polyphia - Playing God\n01 - Polyphia - Playing God.flac\n\
         #EXTINF:1,Test Artist - Test Tone\n03 - Test Artist - Test Tone.flac\n"
    );

    let first = out.join("01 - Polyphia - Playing God.flac");
    let tagged = lofty::read_from_path(&first).unwrap();
    let tag = tagged.primary_tag().unwrap();
    assert_eq!(tag.artist().as_deref(), Some("Polyphia"));
    assert_eq!(tag.album().as_deref(), Some("New Levels New Devils"));
    assert_eq!(tag.pictures().len(), 1);
    assert_eq!(tag.pictures()[0].data(), COVER);
    assert!(tag.get_string(ItemKey::ReplayGainTrackGain).is_none());
    let comments: Vec<&str> = tag.get_strings(ItemKey::Comment).collect();
    assert!(
        comments
            .iter()
            .any(|c| c.contains("EQ: Bass boost (+6 dB shelf at 105 Hz)")),
        "{comments:?}"
    );
    // A 16-bit source stays 16-bit.
    let file = iemlab::decode::AudioFile::open(&first).unwrap();
    assert_eq!(file.info().bits_per_sample, Some(16));
    assert_eq!(file.info().frames, Some(22050));
    // The MP3's own tags (title, artist) come across too.
    let second = out.join("03 - Test Artist - Test Tone.flac");
    let tagged = lofty::read_from_path(&second).unwrap();
    assert_eq!(
        tagged.primary_tag().unwrap().title().as_deref(),
        Some("Test Tone")
    );
    flac_test(&first);
    flac_test(&second);
}

#[test]
fn the_flac_is_the_float_render_within_the_dither() {
    let dir = temp_dir();
    let source = data("s16-44k.flac");
    let float = dir.path().join("float.wav");
    iemlab()
        .arg("render")
        .arg(&source)
        .arg("--eq")
        .arg(eq_preset("bass-boost.toml"))
        .args(["--format", "f32", "-o"])
        .arg(&float)
        .assert()
        .success();
    let reference = decode(&float);
    for bits in [16u32, 24] {
        let out = dir.path().join(format!("out{bits}.flac"));
        iemlab()
            .arg("render")
            .arg(&source)
            .arg("--eq")
            .arg(eq_preset("bass-boost.toml"))
            .args(["--bits", &bits.to_string(), "-o"])
            .arg(&out)
            .assert()
            .success();
        flac_test(&out);
        let decoded = decode(&out);
        assert_eq!(decoded.len(), reference.len());
        // TPDF dither (±1 LSB) plus rounding (±½ LSB): never more than 1.5 LSB off, and
        // on average the noise of TPDF dither, √(1/4) LSB RMS.
        let lsb = 1.0 / (1u64 << (bits - 1)) as f64;
        let diffs: Vec<f64> = decoded
            .iter()
            .zip(&reference)
            .map(|(d, r)| f64::from(*d) - f64::from(*r))
            .collect();
        let worst = diffs.iter().fold(0.0f64, |m, d| m.max(d.abs()));
        let rms = (diffs.iter().map(|d| d * d).sum::<f64>() / diffs.len() as f64).sqrt();
        assert!(worst <= 1.5 * lsb + 1e-7, "{bits} bits: worst {worst:e}");
        assert!(
            rms > 0.3 * lsb && rms < 0.7 * lsb,
            "{bits} bits: RMS {:.3} LSB",
            rms / lsb
        );
    }
}

#[test]
fn a_flat_render_of_a_16_bit_file_is_the_file_bit_for_bit() {
    let dir = temp_dir();
    let source = data("s16-44k.flac");
    let out = dir.path().join("flat.flac");
    iemlab()
        .arg("render")
        .arg(&source)
        .args(["--eq", "flat", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(decode(&out), decode(&source));
}

#[test]
fn outputs_that_exist_are_refused_before_any_work_without_force() {
    let dir = temp_dir();
    let (lib, playlist) = library(dir.path());
    let out = dir.path().join("dap");
    let render = |force: bool| {
        let mut cmd = iemlab();
        cmd.arg("render")
            .arg(&playlist)
            .arg("--library")
            .arg(&lib)
            .args(["--eq", "flat", "-o"])
            .arg(&out);
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    std::fs::create_dir_all(&out).unwrap();
    // An existing folder is a folder without the trailing slash too.
    render(false).success();
    let before = std::fs::read(out.join("01 - Polyphia - Playing God.flac")).unwrap();
    render(false)
        .code(2)
        .stderr(predicate::str::contains("3 output files exist already"))
        .stderr(predicate::str::contains("01 - Polyphia - Playing God.flac"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        std::fs::read(out.join("01 - Polyphia - Playing God.flac")).unwrap(),
        before
    );
    render(true).success();
    assert_eq!(names(&out).len(), 3);
}

#[test]
fn a_broken_track_is_named_the_others_are_rendered_and_the_exit_code_is_2() {
    let dir = temp_dir();
    let good = dir.path().join("good.wav");
    let tone: Vec<i16> = (0..8000)
        .map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16)
        .collect();
    crate::harness::write_wav_i16(&good, 44_100, &tone);
    let broken = dir.path().join("broken.flac");
    std::fs::write(&broken, b"fLaC but not really".repeat(40)).unwrap();
    let out = dir.path().join("out");
    iemlab()
        .arg("render")
        .arg(&good)
        .arg(&broken)
        .args(["--eq", "flat", "-o"])
        .arg(format!("{}/", out.display()))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.flac"))
        .stdout(predicate::str::contains("1 of 2 tracks"));
    // Loose files are named from their tags, else their file name, in the order given.
    assert_eq!(names(&out), ["01 - good.flac", "playlist.m3u8"]);
    // A 16-bit source through no EQ: the FLAC holds exactly its samples.
    assert_eq!(decode(&out.join("01 - good.flac")), decode(&good));
}

#[test]
fn formats_and_names_that_disagree_are_refused() {
    let dir = temp_dir();
    let source = data("s16-44k.flac");
    iemlab()
        .arg("render")
        .arg(&source)
        .args(["--eq", "flat", "--format", "flac", "-o"])
        .arg(dir.path().join("out.wav"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the name says WAV but --format writes FLAC 24-bit",
        ));
    iemlab()
        .arg("render")
        .arg(&source)
        .args(["--eq", "flat", "--format", "s16", "--bits", "24", "-o"])
        .arg(dir.path().join("out.wav"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--bits 24 does not go with --format s16",
        ));
    iemlab()
        .arg("render")
        .arg(&source)
        .arg(&source)
        .args(["--eq", "flat", "--from", "0:01", "-o"])
        .arg(dir.path().join("out/"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--from renders one file"));
    assert!(names(dir.path()).is_empty());
}

#[test]
fn a_folder_of_wav_at_16_bits() {
    let dir = temp_dir();
    let out = dir.path().join("wav");
    iemlab()
        .arg("render")
        .arg(data("s16-44k.flac"))
        .arg(data("mp3-44k.mp3"))
        .args(["--eq", "flat", "--format", "s16", "-o"])
        .arg(format!("{}/", out.display()))
        .assert()
        .success();
    assert_eq!(
        names(&out),
        [
            "01 - Test Artist - Test Tone.wav",
            "02 - Test Artist - Test Tone.wav",
            "playlist.m3u8"
        ]
    );
    let (spec, _) = crate::harness::read_wav(&out.join("01 - Test Artist - Test Tone.wav"));
    assert_eq!(spec.bits_per_sample, 16);
}

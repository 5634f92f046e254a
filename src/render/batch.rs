//! Many tracks into one folder: the review playlist (or a list of files) rendered through one
//! profile, for a player that has no EQ of its own. Files are named `NN - Artist - Title`
//! in playlist order, carry the source's tags and cover art plus the profile's name, and a
//! `playlist.m3u8` lists them in order. Several tracks render at once, one per core.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use lofty::file::TaggedFileExt;
use lofty::ogg::tag::VorbisComments;
use lofty::tag::Tag;

use super::{RenderError, RenderRequest, RenderSummary, render_with_progress};
use crate::encode::Encoding;
use crate::preset::EqProfile;

/// One track to render.
#[derive(Clone, Debug)]
pub struct Track {
    /// Source file.
    pub input: PathBuf,
    /// File to write.
    pub output: PathBuf,
    /// "Artist - Title", for the playlist.
    pub title: String,
    /// What to write.
    pub format: Encoding,
    /// Tags for the written file.
    pub tags: Option<VorbisComments>,
}

/// How every track is rendered.
#[derive(Clone, Copy, Debug)]
pub struct BatchOptions {
    /// Output rate (`None`: each source's own).
    pub rate: Option<u32>,
    /// Replace existing files.
    pub force: bool,
    /// Tracks rendered at once.
    pub jobs: usize,
}

/// Renders every track through `profile`, `options.jobs` at a time, longest first so the
/// last one to finish is short. `progress` gets the output frames of each block written;
/// `done` is called as each track finishes. Results are in `tracks` order.
pub fn render_tracks(
    tracks: &[Track],
    profile: &EqProfile,
    options: BatchOptions,
    progress: &(dyn Fn(u64) + Sync),
    done: &(dyn Fn(usize, &Result<RenderSummary, RenderError>) + Sync),
) -> Vec<Result<RenderSummary, RenderError>> {
    let mut order: Vec<usize> = (0..tracks.len()).collect();
    let length = |i: usize| std::fs::metadata(&tracks[i].input).map_or(0, |m| m.len());
    order.sort_by_key(|&i| std::cmp::Reverse(length(i)));
    let next = AtomicUsize::new(0);
    let workers = options.jobs.clamp(1, tracks.len().max(1));
    let mut results: Vec<(usize, Result<RenderSummary, RenderError>)> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done_here = Vec::new();
                        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                            let track = &tracks[i];
                            let request = RenderRequest {
                                input: track.input.clone(),
                                output: track.output.clone(),
                                rate: options.rate,
                                from: None,
                                to: None,
                                format: track.format,
                                tags: track.tags.clone(),
                                force: options.force,
                            };
                            let result = render_with_progress(&request, profile, progress);
                            done(i, &result);
                            done_here.push((i, result));
                        }
                        done_here
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// `NN - Artist - Title.EXT` (`NN - Title.EXT` without an artist), numbered from 1 with at
/// least two digits, with characters that file systems or players refuse replaced.
pub fn file_name(number: usize, width: usize, artist: &str, title: &str, ext: &str) -> String {
    let mut stem = format!("{number:0width$}", width = width.max(2));
    for part in [artist, title] {
        let part = clean(part);
        if !part.is_empty() {
            stem.push_str(" - ");
            stem.push_str(&part);
        }
    }
    // Most file systems hold 255 bytes per name.
    let limit = 255 - ext.len() - 1;
    while stem.len() > limit {
        stem.pop();
    }
    format!("{}.{ext}", stem.trim_end())
}

/// A name part safe on Linux, macOS, Windows and FAT-formatted players: no path separators,
/// no `<>:"|?*`, no control characters, no leading or trailing dots or spaces.
fn clean(part: &str) -> String {
    let replaced: String = part
        .chars()
        .map(|c| match c {
            '/' | '\\' | '|' => '-',
            ':' => '-',
            '<' | '>' | '"' | '?' | '*' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let words: Vec<&str> = replaced.split_whitespace().collect();
    words
        .join(" ")
        .trim_matches(|c: char| c == '.' || c == ' ')
        .to_string()
}

/// An extended M3U playlist (UTF-8) of the rendered files in order, relative to the folder
/// it is written in: `#EXTINF:seconds,Artist - Title` then the file name.
pub fn m3u8(name: Option<&str>, entries: &[(String, f64, String)]) -> String {
    let mut out = String::from("#EXTM3U\n");
    if let Some(name) = name {
        out.push_str(&format!("#PLAYLIST:{}\n", one_line(name)));
    }
    for (title, seconds, file) in entries {
        out.push_str(&format!(
            "#EXTINF:{},{}\n{file}\n",
            seconds.round() as u64,
            one_line(title)
        ));
    }
    out
}

fn one_line(text: &str) -> String {
    text.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}

/// Tags for a rendered copy of `source`: the source's own (whatever format it carries them
/// in, cover art included), the playlist's artist and title where the source has none, the
/// profile named in a comment and in `IEMLAB_EQ`. Loudness tags (ReplayGain, R128) are
/// dropped: they describe the source, not the equalised copy. Also returns a note when the
/// source's tags could not be read.
pub fn output_tags(
    source: &Path,
    artist: &str,
    title: &str,
    profile: &str,
) -> (VorbisComments, Option<String>) {
    let (tag, note) = match lofty::read_from_path(source) {
        Ok(file) => (
            file.primary_tag()
                .or_else(|| file.first_tag())
                .cloned()
                .unwrap_or_else(|| Tag::new(file.primary_tag_type())),
            None,
        ),
        Err(e) => (
            Tag::new(lofty::tag::TagType::VorbisComments),
            Some(format!(
                "{}: tags not copied ({e}); artist and title from the playlist",
                source.display()
            )),
        ),
    };
    let mut tags = VorbisComments::from(tag);
    for key in [
        "REPLAYGAIN_TRACK_GAIN",
        "REPLAYGAIN_TRACK_PEAK",
        "REPLAYGAIN_ALBUM_GAIN",
        "REPLAYGAIN_ALBUM_PEAK",
        "REPLAYGAIN_REFERENCE_LOUDNESS",
        "R128_TRACK_GAIN",
        "R128_ALBUM_GAIN",
        "IEMLAB_EQ",
        "ENCODER",
    ] {
        let _ = tags.remove(key).count();
    }
    if tags.get("ARTIST").is_none() && !artist.is_empty() {
        tags.insert("ARTIST".into(), artist.to_string());
    }
    if tags.get("TITLE").is_none() && !title.is_empty() {
        tags.insert("TITLE".into(), title.to_string());
    }
    tags.push(
        "COMMENT".into(),
        format!("EQ: {profile} (rendered by iemlab)"),
    );
    tags.insert("IEMLAB_EQ".into(), profile.to_string());
    tags.insert(
        "ENCODER".into(),
        format!("iemlab {}", env!("CARGO_PKG_VERSION")),
    );
    (tags, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_numbered_and_safe() {
        assert_eq!(
            file_name(1, 2, "Amon Amarth", "A Reckoning in Blood", "flac"),
            "01 - Amon Amarth - A Reckoning in Blood.flac"
        );
        assert_eq!(
            file_name(12, 2, "AC/DC", "Who Made Who?", "flac"),
            "12 - AC-DC - Who Made Who_.flac"
        );
        assert_eq!(
            file_name(3, 3, "", "Title: \"x\"", "wav"),
            "003 - Title- _x_.wav"
        );
        assert_eq!(
            file_name(4, 2, " ..", "..hidden.", "flac"),
            "04 - hidden.flac"
        );
        let long = "x".repeat(400);
        assert!(file_name(5, 2, &long, &long, "flac").len() <= 255);
    }

    #[test]
    fn the_playlist_lists_files_in_order_with_durations() {
        let text = m3u8(
            Some("IEM review"),
            &[
                ("A - One".into(), 61.4, "01 - A - One.flac".into()),
                ("B - Two\nlines".into(), 200.6, "02 - B - Two.flac".into()),
            ],
        );
        assert_eq!(
            text,
            "#EXTM3U\n#PLAYLIST:IEM review\n#EXTINF:61,A - One\n01 - A - One.flac\n\
             #EXTINF:201,B - Two lines\n02 - B - Two.flac\n"
        );
    }
}

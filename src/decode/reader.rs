//! Opening a file: probing the container, picking the track, building the decoder, and reading
//! the few facts symphonia leaves out (MP4 edit lists, Matroska's DiscardPadding, chained Ogg,
//! ALAC bit depth).
//!
//! Calls into symphonia run under [`crate::contain::contained`] (here and in [`super::packets`]): a decoder that
//! panics on hostile input costs a packet (the decoder is rebuilt), a demuxer that panics ends
//! the stream, and neither takes the program down. (The panic message still reaches stderr
//! through the panic hook.)

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::well_known::{FORMAT_ID_ISOMP4, FORMAT_ID_MKV, FORMAT_ID_OGG};
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, Track, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::Timestamp;

use super::matroska::EndPadding;
use super::timeline::{Layout, Timeline, opus_pre_skip};
use super::{AudioFile, AudioInfo, DecodeError, Discard, Downmix, codecs, mp4, tags};

/// A file presented to symphonia as a stream that cannot seek. Demuxers then read straight
/// through instead of jumping to the end for durations and trailing chunks, which is what
/// fails on a truncated file (an interrupted download): AIFF scans for chunks after the sound
/// data, Ogg looks for the last page, WebM for its cues.
struct ForwardOnly(File);

impl Read for ForwardOnly {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Seek for ForwardOnly {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}

impl MediaSource for ForwardOnly {
    fn is_seekable(&self) -> bool {
        false
    }

    fn byte_len(&self) -> Option<u64> {
        None
    }
}

impl AudioFile {
    /// Opens and probes `path`, picking its default audio track (or the first one that can be
    /// decoded). A file that cannot be probed normally is retried forward-only (see
    /// [`ForwardOnly`]); the first error is the one reported if that fails too.
    pub fn open(path: &Path) -> Result<AudioFile, DecodeError> {
        match open_with(path, false, None) {
            Err(first @ (DecodeError::Unsupported { .. } | DecodeError::NoAudio { .. }))
                if path.is_file() =>
            {
                open_with(path, true, None).map_err(|_| first)
            }
            result => result,
        }
    }

    /// Reopens the file: decoding restarts from the first frame.
    pub(super) fn rewind(&mut self) -> Result<(), DecodeError> {
        let (skipped, chained) = (self.skipped, self.chained);
        // The same file: its padding need not be read again (a clone of, normally, one block).
        let mut padding = self.padding.clone();
        padding.restart();
        *self = open_with(&self.path, self.forward_only, Some(padding))?;
        self.skipped = skipped;
        // A chain found while playing stays known: the header only describes the first link.
        if chained {
            self.chained = true;
            self.info.frames = None;
        }
        Ok(())
    }
}

/// Opens `path`, read as a stream that cannot seek when `forward_only`. `padding` is what an
/// earlier opening of the same file found (see [`EndPadding`]); `None` reads it again.
fn open_with(
    path: &Path,
    forward_only: bool,
    padding: Option<EndPadding>,
) -> Result<AudioFile, DecodeError> {
    let unsupported = |reason: &str| DecodeError::Unsupported {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let open_error = |source| DecodeError::Open {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(open_error)?;
    let meta = file.metadata().map_err(open_error)?;
    if meta.is_dir() {
        return Err(open_error(std::io::Error::other("it is a folder")));
    }
    if meta.len() == 0 {
        return Err(unsupported("the file is empty"));
    }
    let source: Box<dyn MediaSource> = if forward_only {
        Box::new(ForwardOnly(file))
    } else {
        Box::new(file)
    };
    let mss = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(&ext.to_ascii_lowercase());
    }
    let probed = crate::contain::contained(|| {
        symphonia::default::get_probe().probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
    });
    let mut format = match probed {
        Ok(Ok(format)) => format,
        Ok(Err(e)) => return Err(unsupported(&e.to_string())),
        Err(_) => return Err(unsupported("the demuxer crashed reading it")),
    };
    let Picked {
        track,
        original,
        params,
        decoder,
    } = pick_track(path, format.as_ref())?;
    let rate = params
        .sample_rate
        .filter(|r| *r > 0)
        .ok_or_else(|| unsupported("no sample rate"))?;
    let layout = layout(format.as_ref(), &track, &original, path, rate);
    let timeline = Timeline::new(track.time_base, rate, layout);
    let codec = decoder.codec_info().short_name.to_string();
    let lossless = codecs::is_lossless(&codec);
    let bits_per_sample = if lossless {
        params
            .bits_per_sample
            .or(decoder.codec_params().bits_per_sample)
            .or_else(|| bits_from_name(&codec))
            .or_else(|| alac_bits(original.extra_data.as_deref().unwrap_or_default()))
    } else {
        None
    };
    let channels = params.channels.clone().unwrap_or_default();
    let tags = tags::read_tags(format.as_mut());
    // A chained Ogg file's header only describes its first link: its length is unknown.
    let chained = format.format_info().format == FORMAT_ID_OGG && {
        let serials: Vec<u32> = format.tracks().iter().map(|t| t.id).collect();
        ogg_is_chained(path, &serials)
    };
    // symphonia reads Matroska's DiscardPadding and drops it: it is read from the file here
    // (12 ms for an hour of 128 kbit/s WebM Opus), once: reopening for a seek passes it on.
    let padding = match padding {
        Some(known) => known,
        None if format.format_info().format == FORMAT_ID_MKV => {
            File::open(path).map(EndPadding::read).unwrap_or_default()
        }
        None => EndPadding::default(),
    };
    // MP3 without a Xing/LAME header has only an estimate of its length.
    let length_exact = !matches!(codec.as_str(), "mp1" | "mp2" | "mp3") || track.delay.is_some();
    Ok(AudioFile {
        path: path.to_path_buf(),
        info: AudioInfo {
            sample_rate: rate,
            source_channels: channels.count(),
            frames: track
                .num_frames
                .filter(|_| !chained)
                .map(|n| n.saturating_sub(timeline.delay())),
            codec,
            bits_per_sample,
        },
        tags,
        format,
        decoder,
        params,
        track_id: track.id,
        timeline,
        padding,
        downmix: Downmix::for_channels(&channels),
        layout: channels,
        scratch: Vec::new(),
        pending: Vec::new(),
        pending_pos: 0,
        discard: Some(Discard::Start(0)),
        scan_before: None,
        overshot: false,
        link_base: 0,
        last_end: 0,
        expected: None,
        position: 0,
        skipped: 0,
        consecutive_errors: 0,
        ended: false,
        chained,
        used: false,
        length_exact,
        forward_only,
        lossless,
        links: 0,
    })
}

/// The track picked to play, and its decoder.
struct Picked {
    track: Track,
    /// The parameters as the container gave them.
    original: AudioCodecParameters,
    /// The parameters the decoder was built from (see [`codecs::decoder_params`]).
    params: AudioCodecParameters,
    decoder: Box<dyn AudioDecoder>,
}

/// The default audio track, or else the first audio track whose codec can be decoded.
fn pick_track(path: &Path, format: &dyn FormatReader) -> Result<Picked, DecodeError> {
    let default_id = format.default_track(TrackType::Audio).map(|t| t.id);
    let mut audio: Vec<&Track> = format
        .tracks()
        .iter()
        .filter(|t| matches!(t.codec_params, Some(CodecParameters::Audio(_))))
        .collect();
    audio.sort_by_key(|t| Some(t.id) != default_id);
    let mut first_error = None;
    for track in audio {
        let Some(CodecParameters::Audio(original)) = &track.codec_params else {
            continue;
        };
        let params = codecs::decoder_params(original);
        match make_decoder(&params) {
            Ok(decoder) => {
                return Ok(Picked {
                    track: track.clone(),
                    original: original.clone(),
                    params,
                    decoder,
                });
            }
            Err(reason) => {
                first_error.get_or_insert((original.codec, reason));
            }
        }
    }
    Err(match first_error {
        Some((codec, reason)) => DecodeError::UnsupportedCodec {
            path: path.to_path_buf(),
            codec: codecs::codec_name(codec),
            reason,
        },
        None => DecodeError::NoAudio {
            path: path.to_path_buf(),
        },
    })
}

/// Builds a decoder from the shared registry; a panic in its setup is an error, not a crash.
pub(super) fn make_decoder(params: &AudioCodecParameters) -> Result<Box<dyn AudioDecoder>, String> {
    let made = crate::contain::contained(|| {
        codecs::registry().make_audio_decoder(params, &AudioDecoderOptions::default())
    });
    match made {
        Ok(Ok(decoder)) => Ok(decoder),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the decoder crashed on its setup data".into()),
    }
}

/// Where the track's encoder delay is recorded (see [`super::timeline`]).
pub(super) fn layout(
    format: &dyn FormatReader,
    track: &Track,
    original: &AudioCodecParameters,
    path: &Path,
    rate: u32,
) -> Layout {
    let container = format.format_info().format;
    let extra = original.extra_data.as_deref().unwrap_or_default();
    let edit_list = || {
        let file = File::open(path).ok()?;
        let ticks = mp4::edit_delay(&mut BufReader::new(file), track.id)?;
        let frames = Timeline::new(track.time_base, rate, Layout::Exact)
            .ticks_to_frames(i64::try_from(ticks).ok()?);
        u64::try_from(frames).ok()
    };
    if original.codec == CODEC_ID_OPUS {
        let pre_skip = opus_pre_skip(extra)
            .or(track.delay.map(u64::from))
            .unwrap_or(0);
        if container == FORMAT_ID_MKV {
            Layout::OpusCounted(pre_skip)
        } else if container == FORMAT_ID_ISOMP4 {
            // MP4's dOps stores the pre-skip big-endian; the edit list normally repeats it.
            let be = extra
                .get(10..)
                .and_then(<[u8]>::first_chunk::<2>)
                .map(|b| u64::from(u16::from_be_bytes(*b)));
            Layout::Delayed(edit_list().or(be).unwrap_or(0))
        } else {
            Layout::Delayed(pre_skip)
        }
    } else if container == FORMAT_ID_ISOMP4 {
        Layout::Delayed(edit_list().unwrap_or(0))
    } else {
        Layout::Exact
    }
}

/// Bit depth from a PCM codec name such as "pcm_s24le" or "pcm_f32be".
fn bits_from_name(codec: &str) -> Option<u32> {
    let digits: String = codec
        .strip_prefix("pcm_")?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whether the last Ogg page in the file belongs to none of the streams the file starts with
/// (`serials`), i.e. the file is a chain of streams: one read of the last 64 KiB (Ogg pages are
/// at most 65307 bytes). A multiplexed stream symphonia does not map (Theora video) can look
/// like a chain too; that only costs exact lengths and fast seeks, not correct audio.
fn ogg_is_chained(path: &Path, serials: &[u32]) -> bool {
    let last_serial = || -> Option<u32> {
        let mut file = File::open(path).ok()?;
        let len = file.seek(SeekFrom::End(0)).ok()?;
        let start = len.saturating_sub(65_536);
        file.seek(SeekFrom::Start(start)).ok()?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail).ok()?;
        let at = tail.windows(5).rposition(|w| w == b"OggS\0")?;
        Some(u32::from_le_bytes(
            *tail.get(at + 14..)?.first_chunk::<4>()?,
        ))
    };
    last_serial().is_some_and(|last| !serials.contains(&last))
}

/// Bit depth from an ALAC magic cookie (ALACSpecificConfig), which may follow `frma` and
/// `alac` atom headers: byte 5 of the cookie.
fn alac_bits(extra: &[u8]) -> Option<u32> {
    let mut cookie = extra;
    for atom in [b"frma", b"alac"] {
        if cookie.get(4..8) == Some(&atom[..]) {
            cookie = cookie.get(12..)?;
        }
    }
    if cookie.len() < 24 {
        return None;
    }
    cookie
        .get(5)
        .map(|d| u32::from(*d))
        .filter(|d| matches!(d, 16 | 20 | 24 | 32))
}

impl AudioFile {
    /// Asks the demuxer for timestamp `ts` of our track; `false` if it could not.
    pub(super) fn seek_format(&mut self, ts: i64) -> bool {
        let to = SeekTo::Timestamp {
            ts: Timestamp::new(ts),
            track_id: self.track_id,
        };
        let seeked = crate::contain::contained(|| self.format.seek(SeekMode::Accurate, to));
        matches!(seeked, Ok(Ok(_)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn pcm_bit_depths_come_from_codec_names() {
        assert_eq!(bits_from_name("pcm_s24le"), Some(24));
        assert_eq!(bits_from_name("pcm_f32be"), Some(32));
        assert_eq!(bits_from_name("pcm_alaw"), None);
        assert_eq!(bits_from_name("flac"), None);
    }

    #[test]
    fn alac_bit_depth_comes_from_the_magic_cookie() {
        let mut cookie = vec![0, 0, 16, 0, 0, 24, 40, 10, 14, 2, 0, 255];
        cookie.resize(24, 0);
        assert_eq!(alac_bits(&cookie), Some(24));
        let mut atom = vec![0, 0, 0, 36, b'a', b'l', b'a', b'c', 0, 0, 0, 0];
        atom.extend_from_slice(&cookie);
        assert_eq!(alac_bits(&atom), Some(24));
        assert_eq!(alac_bits(&cookie[..20]), None);
    }
}

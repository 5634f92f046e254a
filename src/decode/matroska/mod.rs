//! The one piece of Matroska/WebM that symphonia 0.6 drops: `DiscardPadding`.
//!
//! An Opus encoder fills the last packet up to a whole frame; WebM records how much of it is
//! filler as the `DiscardPadding` (nanoseconds, at the end of the block's decoded audio) of the
//! `BlockGroup` holding that packet. symphonia parses the element and then throws it away, so
//! without this a WebM Opus file plays up to a packet (20 ms from ffmpeg and browsers) of
//! encoder filler past its end: 13.5 ms in tests/data/opus-48k.webm. The file is walked once
//! here, reading element headers and, of block groups only, the few bytes that identify the
//! block; then [`EndPadding::take`] tells which packet symphonia hands out is the padded one.
//!
//! A packet is recognised by its track, its timestamp (the block's time minus the track's
//! `CodecDelay`, both counted in `TimestampScale` ticks and rounded down, as symphonia does)
//! and its length. For a laced block the padding ends the last of its frames. A negative
//! `DiscardPadding` (filler at the start of a block, which no muxer known writes) is ignored,
//! as is the deprecated `TrackTimestampScale`.

use std::io::{BufReader, Read, Seek};

mod block;

use block::{BlockHead, block_head};

/// Elements read before giving up, so a hostile file cannot keep the walk busy (a day of 20 ms
/// Opus packets is 4.3 million blocks).
const MAX_ELEMENTS: usize = 16_000_000;
/// Padded blocks remembered (normally one per track: the last).
const MAX_PADDED: usize = 65_536;
/// Track entries whose codec delay is remembered.
const MAX_TRACKS: usize = 1024;
/// Bytes read from the start of a block: enough for its header and its first lace size.
const BLOCK_HEAD: usize = 512;

const ID_SEGMENT: u32 = 0x1853_8067;
const ID_INFO: u32 = 0x1549_A966;
const ID_TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const ID_TRACKS: u32 = 0x1654_AE6B;
const ID_TRACK_ENTRY: u32 = 0xAE;
const ID_TRACK_NUMBER: u32 = 0xD7;
const ID_CODEC_DELAY: u32 = 0x56AA;
const ID_CLUSTER: u32 = 0x1F43_B675;
const ID_CLUSTER_TIMESTAMP: u32 = 0xE7;
const ID_BLOCK_GROUP: u32 = 0xA0;
const ID_BLOCK: u32 = 0xA1;
const ID_DISCARD_PADDING: u32 = 0x75A2;

/// A block whose decoded audio ends in padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PaddedBlock {
    /// Matroska track number (symphonia's track ID).
    track: u64,
    /// Timestamp symphonia gives the block's first frame.
    pts: i64,
    /// Bytes in the block's first frame.
    first_len: u64,
    /// Frames laced in the block; the padding ends the last.
    laces: u32,
    /// Padding in nanoseconds.
    padding_ns: u64,
}

/// The `DiscardPadding` of a Matroska file's blocks, and which packet it belongs to.
#[derive(Clone, Debug, Default)]
pub(crate) struct EndPadding {
    /// Sorted by track and timestamp.
    blocks: Vec<PaddedBlock>,
    /// A laced padded block has begun: its track, the packets of it still to come, and the
    /// padding of its last.
    laced: Option<(u64, u32, u64)>,
}

impl EndPadding {
    /// Walks the Matroska file in `r`. A file that is damaged, cut short or not Matroska gives
    /// what was found before the damage (often nothing).
    pub(crate) fn read<R: Read + Seek>(r: R) -> EndPadding {
        let mut walk = Walk::new(BufReader::with_capacity(1 << 16, r));
        walk.run();
        walk.finish()
    }

    /// Padding in nanoseconds to drop from the end of the decoded packet of `track` stamped
    /// `pts` and holding `len` bytes; 0 for almost every packet. Call for every packet of the
    /// track, in order.
    pub(crate) fn take(&mut self, track: u32, pts: i64, len: usize) -> u64 {
        let track = u64::from(track);
        if let Some((laced_track, left, padding_ns)) = self.laced
            && laced_track == track
        {
            if left <= 1 {
                self.laced = None;
                return padding_ns;
            }
            self.laced = Some((laced_track, left - 1, padding_ns));
            return 0;
        }
        let from = self
            .blocks
            .partition_point(|b| (b.track, b.pts) < (track, pts));
        let found = self
            .blocks
            .iter()
            .skip(from)
            .take_while(|b| b.track == track && b.pts == pts)
            .find(|b| u64::try_from(len).is_ok_and(|len| len == b.first_len))
            .copied();
        match found {
            Some(block) if block.laces > 1 => {
                self.laced = Some((track, block.laces - 1, block.padding_ns));
                0
            }
            Some(block) => block.padding_ns,
            None => 0,
        }
    }

    /// Forgets a laced block begun before a seek.
    pub(crate) fn restart(&mut self) {
        self.laced = None;
    }
}

/// Frames of `padding_ns` nanoseconds at `rate` Hz, rounded to the nearest (as ffmpeg does).
pub(crate) fn padding_frames(padding_ns: u64, rate: u32) -> i64 {
    let frames = (u128::from(padding_ns) * u128::from(rate) + 500_000_000) / 1_000_000_000;
    i64::try_from(frames).unwrap_or(i64::MAX)
}

/// An element header: its ID and where its payload lies (`end` is `None` for an unknown size).
struct Header {
    id: u32,
    payload: u64,
    end: Option<u64>,
}

/// A block group being read.
#[derive(Default)]
struct Group {
    end: u64,
    block: Option<BlockHead>,
    padding_ns: Option<i64>,
}

/// A track entry being read.
#[derive(Default)]
struct Entry {
    end: u64,
    number: Option<u64>,
    codec_delay_ns: u64,
}

/// The walk over a file's elements. Masters that matter are entered (their children are read
/// next, which copes with the unknown sizes of live recordings); everything else is skipped.
struct Walk<R> {
    r: BufReader<R>,
    /// Position of `r`.
    at: u64,
    len: u64,
    timestamp_scale: u64,
    /// (track number, codec delay in nanoseconds).
    delays: Vec<(u64, u64)>,
    entry: Option<Entry>,
    cluster_time: Option<u64>,
    group: Option<Group>,
    /// Padded blocks found, stamped with the block's time (the codec delay not yet taken off).
    found: Vec<PaddedBlock>,
}

impl<R: Read + Seek> Walk<R> {
    fn new(mut r: BufReader<R>) -> Walk<R> {
        let len = r.seek(std::io::SeekFrom::End(0)).unwrap_or(0);
        let at = r.seek(std::io::SeekFrom::Start(0)).map_or(len, |_| 0);
        Walk {
            r,
            at,
            len,
            timestamp_scale: 1_000_000,
            delays: Vec::new(),
            entry: None,
            cluster_time: None,
            group: None,
            found: Vec::new(),
        }
    }

    fn run(&mut self) {
        let mut pos = 0;
        let mut segments = 0;
        for _ in 0..MAX_ELEMENTS {
            self.close_before(pos);
            let Some(h) = self.header(pos) else {
                break;
            };
            match h.id {
                // Only the first segment is played.
                ID_SEGMENT if segments > 0 => break,
                ID_SEGMENT => {
                    segments += 1;
                    pos = h.payload;
                    continue;
                }
                ID_INFO | ID_TRACKS => {
                    pos = h.payload;
                    continue;
                }
                ID_CLUSTER => {
                    self.cluster_time = None;
                    pos = h.payload;
                    continue;
                }
                ID_TRACK_ENTRY => {
                    if let Some(end) = h.end {
                        self.entry = Some(Entry {
                            end,
                            ..Entry::default()
                        });
                        pos = h.payload;
                        continue;
                    }
                }
                ID_BLOCK_GROUP => {
                    if let Some(end) = h.end {
                        self.group = Some(Group {
                            end,
                            ..Group::default()
                        });
                        pos = h.payload;
                        continue;
                    }
                }
                _ => self.read_leaf(&h),
            }
            match h.end {
                Some(end) if end <= self.len => pos = end,
                // Only segments and clusters may have an unknown size; a leaf running past
                // the end of the file is where a cut file stops.
                _ => break,
            }
        }
        self.close_before(u64::MAX);
    }

    /// Reads the elements that matter; the rest are skipped by the caller.
    fn read_leaf(&mut self, h: &Header) {
        let Some(end) = h.end else {
            return;
        };
        let size = end - h.payload;
        match h.id {
            ID_TIMESTAMP_SCALE => {
                if let Some(scale) = self.uint(h.payload, size).filter(|s| *s > 0) {
                    self.timestamp_scale = scale;
                }
            }
            ID_TRACK_NUMBER => {
                let number = self.uint(h.payload, size);
                if let Some(entry) = &mut self.entry {
                    entry.number = number;
                }
            }
            ID_CODEC_DELAY => {
                let delay = self.uint(h.payload, size);
                if let Some(entry) = &mut self.entry {
                    entry.codec_delay_ns = delay.unwrap_or(0);
                }
            }
            ID_CLUSTER_TIMESTAMP => self.cluster_time = self.uint(h.payload, size),
            ID_DISCARD_PADDING => {
                let padding = self.int(h.payload, size);
                if let Some(group) = &mut self.group {
                    group.padding_ns = padding;
                }
            }
            ID_BLOCK if self.group.is_some() => {
                let mut buf = [0u8; BLOCK_HEAD];
                let n = usize::try_from(size).map_or(BLOCK_HEAD, |s| s.min(BLOCK_HEAD));
                let head = buf.get_mut(..n).unwrap_or_default();
                let block = self
                    .bytes(h.payload, head)
                    .ok()
                    .and_then(|()| block_head(head, size));
                if let Some(group) = &mut self.group {
                    group.block = block;
                }
            }
            _ => {}
        }
    }

    /// Ends the track entry and block group that end at or before `pos`.
    fn close_before(&mut self, pos: u64) {
        if let Some(entry) = self.entry.take_if(|e| e.end <= pos)
            && let Some(number) = entry.number
            && self.delays.len() < MAX_TRACKS
        {
            self.delays.push((number, entry.codec_delay_ns));
        }
        let Some(group) = self.group.take_if(|g| g.end <= pos) else {
            return;
        };
        let (Some(block), Some(padding), Some(cluster)) =
            (group.block, group.padding_ns, self.cluster_time)
        else {
            return;
        };
        let time = i64::try_from(cluster)
            .ok()
            .and_then(|c| c.checked_add(i64::from(block.relative)));
        if let (Some(time), Ok(padding_ns @ 1..)) = (time, u64::try_from(padding))
            && self.found.len() < MAX_PADDED
        {
            self.found.push(PaddedBlock {
                track: block.track,
                pts: time,
                first_len: block.first_len,
                laces: block.laces,
                padding_ns,
            });
        }
    }

    /// The padded blocks, with timestamps as symphonia gives them.
    fn finish(self) -> EndPadding {
        let scale = self.timestamp_scale;
        let mut blocks: Vec<PaddedBlock> = self
            .found
            .iter()
            .filter_map(|&block| {
                let delay_ns = self
                    .delays
                    .iter()
                    .find(|(n, _)| *n == block.track)
                    .map_or(0, |(_, d)| *d);
                let delay = i64::try_from(delay_ns / scale).ok()?;
                Some(PaddedBlock {
                    pts: block.pts.checked_sub(delay)?,
                    ..block
                })
            })
            .collect();
        blocks.sort_by_key(|b| (b.track, b.pts));
        EndPadding {
            blocks,
            laced: None,
        }
    }

    /// Reads the element header at `pos`.
    fn header(&mut self, pos: u64) -> Option<Header> {
        let mut first = [0u8; 1];
        self.bytes(pos, &mut first).ok()?;
        let [b] = first;
        // IDs keep their length marker; they are at most 4 bytes.
        let id_len = b.leading_zeros() + 1;
        if id_len > 4 {
            return None;
        }
        let mut id = u32::from(b);
        for _ in 1..id_len {
            id = (id << 8) | u32::from(self.byte()?);
        }
        let s = self.byte()?;
        let size_len = s.leading_zeros() + 1;
        if size_len > 8 {
            return None;
        }
        let mut size = u64::from(s) & (0xFF >> size_len);
        for _ in 1..size_len {
            size = (size << 8) | u64::from(self.byte()?);
        }
        // All ones: the size is unknown.
        let unknown = size == (1u64 << (7 * size_len)) - 1;
        let payload = self.at;
        Some(Header {
            id,
            payload,
            end: if unknown {
                None
            } else {
                payload.checked_add(size)
            },
        })
    }

    /// The next byte.
    fn byte(&mut self) -> Option<u8> {
        let mut b = [0u8; 1];
        self.read_on(&mut b).ok()?;
        let [b] = b;
        Some(b)
    }

    /// An unsigned integer element's value (at most 8 bytes, big-endian).
    fn uint(&mut self, pos: u64, size: u64) -> Option<u64> {
        let size = usize::try_from(size).ok().filter(|s| *s <= 8)?;
        let mut buf = [0u8; 8];
        self.bytes(pos, buf.get_mut(8 - size..)?).ok()?;
        Some(u64::from_be_bytes(buf))
    }

    /// A signed integer element's value (at most 8 bytes, big-endian two's complement).
    fn int(&mut self, pos: u64, size: u64) -> Option<i64> {
        let width = u32::try_from(size).ok().filter(|s| (1..=8).contains(s))?;
        let raw = self.uint(pos, size)?;
        let shift = 64 - 8 * width;
        Some(((raw << shift) as i64) >> shift)
    }

    /// Fills `buf` from `pos`.
    fn bytes(&mut self, pos: u64, buf: &mut [u8]) -> std::io::Result<()> {
        if pos != self.at {
            let delta = i64::try_from(i128::from(pos) - i128::from(self.at))
                .map_err(std::io::Error::other)?;
            // Relative, so that a short skip stays inside the buffer.
            self.r.seek_relative(delta)?;
            self.at = pos;
        }
        self.read_on(buf)
    }

    /// Fills `buf` from where the last read ended.
    fn read_on(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        self.r.read_exact(buf)?;
        self.at += buf.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests;

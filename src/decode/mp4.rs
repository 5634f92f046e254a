//! The one piece of MP4 that symphonia 0.6 does not apply: the edit list (`moov/trak/edts/elst`).
//!
//! Encoders put the codec's start-up delay before the audio and record it as the edit list's
//! media time: AAC encoders prime 1024 (ffmpeg, Apple) or 2112 frames, Opus in MP4 stores its
//! pre-skip there. Without it, AAC in M4A starts with up to 2112 frames (48 ms) of priming and
//! everything after sits late by that much, which would break sample-accurate cue points.
//!
//! Only box headers are read while walking; just the few small boxes needed are read whole.

use std::io::{Read, Seek, SeekFrom};

/// Box walking stops after this many boxes, so a hostile file cannot keep it busy.
const MAX_BOXES: usize = 4096;

/// One box: its type and where its payload lies in the file.
struct BoxHeader {
    kind: [u8; 4],
    payload: u64,
    end: u64,
}

/// Reads the box header at `pos`, if a whole, sane one is there before `limit`.
fn read_header<R: Read + Seek>(r: &mut R, pos: u64, limit: u64) -> Option<BoxHeader> {
    if pos.checked_add(8)? > limit {
        return None;
    }
    r.seek(SeekFrom::Start(pos)).ok()?;
    let mut head = [0u8; 8];
    r.read_exact(&mut head).ok()?;
    let [s0, s1, s2, s3, k0, k1, k2, k3] = head;
    let kind = [k0, k1, k2, k3];
    let (size, header_len) = match u32::from_be_bytes([s0, s1, s2, s3]) {
        // The box runs to the end of its parent.
        0 => (limit - pos, 8),
        1 => {
            let mut large = [0u8; 8];
            r.read_exact(&mut large).ok()?;
            (u64::from_be_bytes(large), 16)
        }
        n => (u64::from(n), 8),
    };
    let end = pos.checked_add(size)?;
    if size < header_len || end > limit {
        return None;
    }
    Some(BoxHeader {
        kind,
        payload: pos + header_len,
        end,
    })
}

/// Children of the box whose payload spans `start..end`.
fn children<R: Read + Seek>(r: &mut R, start: u64, end: u64, budget: &mut usize) -> Vec<BoxHeader> {
    let mut out = Vec::new();
    let mut pos = start;
    while *budget > 0 {
        *budget -= 1;
        let Some(header) = read_header(r, pos, end) else {
            break;
        };
        pos = header.end;
        out.push(header);
    }
    out
}

/// Reads a small box's payload whole (at most 4 KiB: tkhd and elst are tiny).
fn payload<R: Read + Seek>(r: &mut R, b: &BoxHeader) -> Option<Vec<u8>> {
    let len = usize::try_from((b.end - b.payload).min(4096)).ok()?;
    let mut buf = vec![0u8; len];
    r.seek(SeekFrom::Start(b.payload)).ok()?;
    r.read_exact(&mut buf).ok()?;
    Some(buf)
}

fn be_u32(buf: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(*buf.get(at..)?.first_chunk::<4>()?))
}

fn be_u64(buf: &[u8], at: usize) -> Option<u64> {
    let b = buf.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_be_bytes(a))
}

/// Track ID from a `tkhd` payload (full box: version, flags, times, then the ID).
fn track_id(tkhd: &[u8]) -> Option<u32> {
    match tkhd.first()? {
        1 => be_u32(tkhd, 20),
        _ => be_u32(tkhd, 12),
    }
}

/// Media time of the first edit that shows media (an initial empty edit, media time -1, is a
/// gap in the presentation, not a skip into the media, and is passed over).
fn first_media_time(elst: &[u8]) -> Option<u64> {
    let version = *elst.first()?;
    let count = be_u32(elst, 4)?;
    let entry_len = if version == 1 { 20 } else { 12 };
    for i in 0..count.min(64) as usize {
        let at = 8 + i * entry_len;
        let media_time = if version == 1 {
            be_u64(elst, at + 8)? as i64
        } else {
            i64::from(be_u32(elst, at + 4)? as i32)
        };
        if media_time >= 0 {
            return u64::try_from(media_time).ok();
        }
    }
    None
}

/// The edit-list media time (in the track's media time scale, which is symphonia's time base
/// for the track) of track `wanted`, or of the only track when IDs do not match up. `None` when
/// the file has no edit list or is not MP4.
pub(crate) fn edit_delay<R: Read + Seek>(r: &mut R, wanted: u32) -> Option<u64> {
    let mut budget = MAX_BOXES;
    let len = r.seek(SeekFrom::End(0)).ok()?;
    // Top-level boxes are walked only up to `moov`: fragmented files follow it with thousands
    // of fragments.
    let mut pos = 0;
    let moov = loop {
        budget = budget.checked_sub(1)?;
        let b = read_header(r, pos, len)?;
        if &b.kind == b"moov" {
            break b;
        }
        pos = b.end;
    };
    let mut found = Vec::new();
    for trak in children(r, moov.payload, moov.end, &mut budget) {
        if &trak.kind != b"trak" {
            continue;
        }
        let mut id = None;
        let mut delay = None;
        for b in children(r, trak.payload, trak.end, &mut budget) {
            match &b.kind {
                b"tkhd" => id = payload(r, &b).as_deref().and_then(track_id),
                b"edts" => {
                    let edits = children(r, b.payload, b.end, &mut budget);
                    if let Some(elst) = edits.iter().find(|e| &e.kind == b"elst") {
                        delay = payload(r, elst).as_deref().and_then(first_media_time);
                    }
                }
                _ => {}
            }
        }
        found.push((id, delay));
    }
    match found.iter().find(|(id, _)| *id == Some(wanted)) {
        Some((_, delay)) => *delay,
        None if found.len() == 1 => found.first().and_then(|(_, d)| *d),
        None => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    fn movie(elst: &[u8]) -> Vec<u8> {
        let mut tkhd = vec![0u8; 84];
        tkhd[12..16].copy_from_slice(&7u32.to_be_bytes());
        let trak = [boxed(b"tkhd", &tkhd), boxed(b"edts", &boxed(b"elst", elst))].concat();
        [
            boxed(b"ftyp", b"M4A \0\0\0\0"),
            boxed(b"mdat", &[0u8; 32]),
            boxed(b"moov", &boxed(b"trak", &trak)),
        ]
        .concat()
    }

    #[test]
    fn reads_the_media_time_of_the_first_real_edit() {
        // Version 0: an empty edit (-1) first, then media from 1024.
        let mut elst = vec![0, 0, 0, 0, 0, 0, 0, 2];
        elst.extend_from_slice(&[0, 0, 0, 10, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0]);
        elst.extend_from_slice(&[0, 0, 1, 0xf4, 0, 0, 4, 0, 0, 1, 0, 0]);
        let file = movie(&elst);
        assert_eq!(edit_delay(&mut Cursor::new(&file), 7), Some(1024));
        // A single track is used even when the ID differs.
        assert_eq!(edit_delay(&mut Cursor::new(&file), 1), Some(1024));
    }

    #[test]
    fn damaged_or_foreign_data_gives_none() {
        let mut elst = vec![1, 0, 0, 0, 0, 0, 0, 5];
        elst.extend_from_slice(&[0u8; 7]);
        let file = movie(&elst);
        assert_eq!(edit_delay(&mut Cursor::new(&file), 7), None);
        for cut in [0, 5, 20, file.len() - 3] {
            assert_eq!(edit_delay(&mut Cursor::new(&file[..cut]), 7), None);
        }
        assert_eq!(edit_delay(&mut Cursor::new(b"RIFF\0\0\0\0WAVE"), 1), None);
        // A box claiming to be larger than the file.
        let mut huge = boxed(b"moov", &[0u8; 16]);
        huge[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(edit_delay(&mut Cursor::new(&huge), 1), None);
    }
}

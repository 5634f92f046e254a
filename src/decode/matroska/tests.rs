use super::*;
use std::io::Cursor;

/// An element: ID bytes, an 8-byte size, the payload.
fn el(id: u32, payload: &[u8]) -> Vec<u8> {
    let id_bytes = id.to_be_bytes();
    let skip = id_bytes.iter().take_while(|b| **b == 0).count();
    let mut v = id_bytes[skip..].to_vec();
    v.push(0x01);
    v.extend_from_slice(&(payload.len() as u64).to_be_bytes()[1..]);
    v.extend_from_slice(payload);
    v
}

/// An element with an unknown size (live recordings' segments and clusters).
fn open_el(id: u32) -> Vec<u8> {
    let mut v = id.to_be_bytes().to_vec();
    v.push(0xFF);
    v
}

fn uint(id: u32, v: u64) -> Vec<u8> {
    el(id, &v.to_be_bytes())
}

fn block(track: u8, relative: i16, flags: u8, body: &[u8]) -> Vec<u8> {
    let mut b = vec![0x80 | track];
    b.extend_from_slice(&relative.to_be_bytes());
    b.push(flags);
    b.extend_from_slice(body);
    b
}

fn group(block: &[u8], padding: Option<i64>) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(p) = padding {
        // A four-byte signed value: muxers write the shortest that holds it.
        body.extend_from_slice(&el(ID_DISCARD_PADDING, &p.to_be_bytes()[4..]));
    }
    body.extend(el(ID_BLOCK, block));
    el(ID_BLOCK_GROUP, &body)
}

fn file(clusters: &[Vec<u8>], unknown_sizes: bool) -> Vec<u8> {
    let entry = [
        uint(ID_TRACK_NUMBER, 1),
        uint(ID_CODEC_DELAY, 6_500_000),
        el(0x86, b"A_OPUS"),
    ]
    .concat();
    let head = [
        el(0x1A45_DFA3, &[0x42, 0x82, 0x84, b'w', b'e', b'b', b'm']),
        el(ID_INFO, &uint(ID_TIMESTAMP_SCALE, 1_000_000)),
        el(ID_TRACKS, &el(ID_TRACK_ENTRY, &entry)),
    ];
    if unknown_sizes {
        let mut v = head[0].clone();
        v.extend(open_el(ID_SEGMENT));
        v.extend_from_slice(&head[1]);
        v.extend_from_slice(&head[2]);
        for c in clusters {
            v.extend(open_el(ID_CLUSTER));
            v.extend_from_slice(c);
        }
        v
    } else {
        let segment = [
            head[1].clone(),
            head[2].clone(),
            clusters
                .iter()
                .map(|c| el(ID_CLUSTER, c))
                .collect::<Vec<_>>()
                .concat(),
        ]
        .concat();
        [head[0].clone(), el(ID_SEGMENT, &segment)].concat()
    }
}

/// Two clusters of 20 ms packets; the last block carries 13.5 ms of padding, like
/// ffmpeg's WebM Opus.
fn webm(unknown_sizes: bool) -> Vec<u8> {
    let first = [
        uint(ID_CLUSTER_TIMESTAMP, 0),
        el(0xA3, &block(1, 0, 0x80, &[0xFC; 10])),
        el(0xA3, &block(1, 21, 0x80, &[0xFC; 11])),
    ]
    .concat();
    let second = [
        uint(ID_CLUSTER_TIMESTAMP, 1000),
        el(0xA3, &block(1, 1, 0x80, &[0xFC; 12])),
        group(&block(1, 21, 0, &[0xFC; 13]), Some(13_500_000)),
    ]
    .concat();
    file(&[first, second], unknown_sizes)
}

#[test]
fn the_padded_last_packet_is_found_by_time_and_length() {
    for unknown_sizes in [false, true] {
        let mut p = EndPadding::read(Cursor::new(webm(unknown_sizes)));
        // Block time 1021 ms, codec delay 6.5 ms rounded down: 1015.
        assert_eq!(p.take(1, 1015, 13), 13_500_000, "{unknown_sizes}");
        assert_eq!(p.take(1, 1015, 12), 0);
        assert_eq!(p.take(1, 1016, 13), 0);
        assert_eq!(p.take(2, 1015, 13), 0);
        assert_eq!(p.take(1, -6, 10), 0);
    }
    assert_eq!(padding_frames(13_500_000, 48_000), 648);
    assert_eq!(padding_frames(10_400, 48_000), 0);
    assert_eq!(padding_frames(10_417, 48_000), 1);
}

#[test]
fn a_laced_block_pads_its_last_frame() {
    // Xiph lacing, three frames of 3, 4 and 5 bytes.
    let laced = block(1, 40, 0b010, &[2, 3, 4, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    let cluster = [
        uint(ID_CLUSTER_TIMESTAMP, 0),
        group(&laced, Some(5_000_000)),
    ]
    .concat();
    let mut p = EndPadding::read(Cursor::new(file(&[cluster], false)));
    assert_eq!(p.take(1, 34, 3), 0);
    assert_eq!(p.take(1, 54, 4), 0);
    assert_eq!(p.take(1, 74, 5), 5_000_000);
    assert_eq!(p.take(1, 34, 3), 0);
    // A seek in the middle of it forgets it.
    p.take(1, 34, 3);
    p.restart();
    assert_eq!(p.take(1, 74, 5), 0);
}

#[test]
fn block_headers_and_lace_sizes() {
    let head = |flags, body: &[u8]| {
        let b = block(1, -3, flags, body);
        block_head(&b, b.len() as u64)
    };
    let one = head(0x80, &[9; 7]).unwrap();
    assert_eq!(
        (one.track, one.relative, one.laces, one.first_len),
        (1, -3, 1, 7)
    );
    // Xiph: a first size of 255 + 4.
    let xiph = head(0b010, &[1, 255, 4]).unwrap();
    assert_eq!((xiph.laces, xiph.first_len), (2, 259));
    // Fixed: 12 bytes in 3.
    assert_eq!(head(0b100, &[2; 13]).unwrap().first_len, 4);
    assert_eq!(head(0b100, &[2; 12]), None);
    // EBML: first size 0x4102 - 0x4000 = 258.
    assert_eq!(head(0b110, &[1, 0x41, 0x02]).unwrap().first_len, 258);
    assert_eq!(block_head(&[0x81, 0], 2), None);
    assert_eq!(block_head(&[], 0), None);
}

#[test]
fn finds_the_padding_ffmpeg_wrote() {
    // tests/data/opus-48k.webm: the last block, at 1501 ms with a 6.5 ms codec delay, holds
    // a 153-byte packet and 13.5 ms of padding.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/opus-48k.webm");
    let bytes = std::fs::read(path).unwrap();
    let mut p = EndPadding::read(Cursor::new(&bytes));
    assert_eq!(p.take(1, 1495, 153), 13_500_000);
    // Every byte changed in turn: whatever is found, nothing panics.
    let mut damaged = bytes.clone();
    for i in 0..damaged.len() {
        for flip in [0x01, 0x80, 0xFF] {
            damaged[i] ^= flip;
            EndPadding::read(Cursor::new(&damaged)).take(1, 1495, 153);
            damaged[i] ^= flip;
        }
    }
}

#[test]
fn damaged_or_foreign_files_give_nothing_and_do_not_panic() {
    let good = webm(false);
    for cut in [0, 3, 40, good.len() / 2, good.len() - 9, good.len() - 1] {
        let mut p = EndPadding::read(Cursor::new(&good[..cut]));
        assert_eq!(p.take(1, 1015, 13), 0, "cut at {cut}");
    }
    let mut flipped = good.clone();
    for i in (20..flipped.len()).step_by(5) {
        flipped[i] ^= 0xA5;
        let _ = EndPadding::read(Cursor::new(&flipped));
    }
    let mut p = EndPadding::read(Cursor::new(b"OggS\0\x02 not matroska at all".to_vec()));
    assert_eq!(p.take(1, 0, 4), 0);
    // Zero and negative paddings are not end padding.
    for padding in [0, -13_500_000, i64::from(i32::MIN)] {
        let cluster = [
            uint(ID_CLUSTER_TIMESTAMP, 0),
            group(&block(1, 0, 0, &[1, 2]), Some(padding)),
        ]
        .concat();
        let mut p = EndPadding::read(Cursor::new(file(&[cluster], false)));
        assert_eq!(p.take(1, -6, 2), 0, "{padding}");
    }
}

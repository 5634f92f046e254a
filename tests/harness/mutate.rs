//! Mutations of real user files for the fuzz tests (`fuzz_props`, `fuzz_corpus`): cut, flip,
//! duplicate and reorder lines, put NaN/Inf/huge numbers where numbers were, and re-encode
//! (UTF-16, Latin-1, CRLF, BOM). Starting from the real fixtures rather than random bytes
//! gets past the first line of every parser.

use std::path::{Path, PathBuf};

/// Text put where a number or a random position was.
pub const TOKENS: &[&str] = &[
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-320",
    "1.7976931348623157e308",
    "-0",
    "0",
    "-1",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
    "0x1F",
    "1,5",
    "",
    " ",
    "\t",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "=",
    ":",
    ",",
    ";",
    "#",
    "*",
    "- ",
    "\n",
    "\r",
    "\r\n",
    "\0",
    "\u{feff}",
    "é",
    "ẞ(feat. x)",
    "İ",
    "\u{202e}",
    "Filter 1: ON PK Fc",
    "bands = [",
    "[[sections]]",
    "filters:",
    "pipeline:",
    "GraphicEQ: 20 0; 20 1",
    "Preamp: 1e309 dB",
];

/// How a file is re-encoded.
#[derive(Clone, Copy, Debug)]
pub enum Encoding {
    /// UTF-16 little-endian with a byte-order mark (Windows Notepad's "Unicode").
    Utf16Le,
    /// UTF-16 big-endian with a byte-order mark.
    Utf16Be,
    /// UTF-16 little-endian without a byte-order mark.
    Utf16LeBare,
    /// Every character above U+00FF becomes '?', the rest one byte each.
    Latin1,
    /// Line ends become CR LF.
    Crlf,
    /// Line ends become a lone CR (classic Mac).
    CrOnly,
    /// A UTF-8 byte-order mark in front.
    Bom,
    /// Two UTF-8 byte-order marks in front.
    DoubleBom,
}

pub const ENCODINGS: [Encoding; 8] = [
    Encoding::Utf16Le,
    Encoding::Utf16Be,
    Encoding::Utf16LeBare,
    Encoding::Latin1,
    Encoding::Crlf,
    Encoding::CrOnly,
    Encoding::Bom,
    Encoding::DoubleBom,
];

/// One change to a file. Positions are taken modulo the file's size (or line count).
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Keep the first `frac`/65536 of the bytes.
    Truncate(u16),
    /// Flip one bit.
    FlipBit { at: u32, bit: u8 },
    /// Overwrite one byte.
    SetByte { at: u32, byte: u8 },
    /// Remove up to `len` bytes.
    DeleteRange { at: u32, len: u16 },
    /// Insert a token.
    Insert { at: u32, token: usize },
    /// Repeat a line `times` more times.
    DuplicateLine { line: u32, times: u8 },
    /// Remove a line.
    DeleteLine { line: u32 },
    /// Exchange two lines.
    SwapLines { a: u32, b: u32 },
    /// Replace the `nth` number in the file with a token.
    ReplaceNumber { nth: u32, token: usize },
    /// Re-encode the whole file.
    Encode(Encoding),
    /// Repeat the whole file `times` more times.
    Repeat { times: u8 },
}

/// `bytes` with `mutations` applied in order.
pub fn apply(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for m in mutations {
        out = apply_one(out, m);
    }
    out
}

fn pos(at: u32, len: usize) -> usize {
    at as usize % (len + 1)
}

fn token(index: usize) -> &'static [u8] {
    TOKENS[index % TOKENS.len()].as_bytes()
}

fn apply_one(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
    match *m {
        Mutation::Truncate(frac) => {
            let keep = (b.len() as u64 * u64::from(frac) / 65_536) as usize;
            b.truncate(keep);
            b
        }
        Mutation::FlipBit { at, bit } => {
            if !b.is_empty() {
                let i = at as usize % b.len();
                b[i] ^= 1 << (bit % 8);
            }
            b
        }
        Mutation::SetByte { at, byte } => {
            if !b.is_empty() {
                let i = at as usize % b.len();
                b[i] = byte;
            }
            b
        }
        Mutation::DeleteRange { at, len } => {
            let start = pos(at, b.len());
            let end = (start + usize::from(len)).min(b.len());
            b.drain(start..end);
            b
        }
        Mutation::Insert { at, token: t } => {
            let i = pos(at, b.len());
            b.splice(i..i, token(t).iter().copied());
            b
        }
        Mutation::DuplicateLine { line, times } => {
            let mut lines = split_lines(&b);
            if !lines.is_empty() {
                let i = line as usize % lines.len();
                let copy = lines[i].clone();
                for _ in 0..times {
                    lines.insert(i, copy.clone());
                }
            }
            lines.concat()
        }
        Mutation::DeleteLine { line } => {
            let mut lines = split_lines(&b);
            if !lines.is_empty() {
                lines.remove(line as usize % lines.len());
            }
            lines.concat()
        }
        Mutation::SwapLines { a, b: other } => {
            let mut lines = split_lines(&b);
            if !lines.is_empty() {
                let n = lines.len();
                lines.swap(a as usize % n, other as usize % n);
            }
            lines.concat()
        }
        Mutation::ReplaceNumber { nth, token: t } => {
            let numbers = number_spans(&b);
            if numbers.is_empty() {
                return b;
            }
            let (start, end) = numbers[nth as usize % numbers.len()];
            b.splice(start..end, token(t).iter().copied());
            b
        }
        Mutation::Encode(e) => encode(&b, e),
        Mutation::Repeat { times } => b.repeat(usize::from(times % 8) + 1),
    }
}

/// Lines with their line ends kept, so `concat` restores the file.
fn split_lines(b: &[u8]) -> Vec<Vec<u8>> {
    b.split_inclusive(|&c| c == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Byte ranges of the numbers in a file (runs of digits, signs, dots and exponents holding a
/// digit).
fn number_spans(b: &[u8]) -> Vec<(usize, usize)> {
    let is_part = |c: u8| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E');
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit()
            || (matches!(b[i], b'-' | b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            while i < b.len() && is_part(b[i]) {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

/// `b` re-encoded (read as UTF-8, lossily, first).
pub fn encode(b: &[u8], e: Encoding) -> Vec<u8> {
    let text = String::from_utf8_lossy(b);
    let utf16 = |big: bool, bom: bool| {
        let mut out = Vec::new();
        if bom {
            out.extend(if big { [0xfe, 0xff] } else { [0xff, 0xfe] });
        }
        for u in text.encode_utf16() {
            out.extend(if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    };
    match e {
        Encoding::Utf16Le => utf16(false, true),
        Encoding::Utf16Be => utf16(true, true),
        Encoding::Utf16LeBare => utf16(false, false),
        Encoding::Latin1 => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect(),
        Encoding::Crlf => text
            .replace("\r\n", "\n")
            .replace('\n', "\r\n")
            .into_bytes(),
        Encoding::CrOnly => text.replace("\r\n", "\n").replace('\n', "\r").into_bytes(),
        Encoding::Bom => [&[0xef, 0xbb, 0xbf][..], b].concat(),
        Encoding::DoubleBom => [&[0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf][..], b].concat(),
    }
}

/// A small deterministic generator (xorshift64*), so the corpus test picks the same
/// mutations on every run without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A random mutation.
    pub fn mutation(&mut self) -> Mutation {
        let at = self.next() as u32;
        let t = self.below(TOKENS.len() as u64) as usize;
        match self.below(11) {
            0 => Mutation::Truncate(self.next() as u16),
            1 => Mutation::FlipBit {
                at,
                bit: self.next() as u8,
            },
            2 => Mutation::SetByte {
                at,
                byte: self.next() as u8,
            },
            3 => Mutation::DeleteRange {
                at,
                len: self.below(64) as u16,
            },
            4 => Mutation::Insert { at, token: t },
            5 => Mutation::DuplicateLine {
                line: at,
                times: 1 + self.below(3) as u8,
            },
            6 => Mutation::DeleteLine { line: at },
            7 => Mutation::SwapLines {
                a: at,
                b: self.next() as u32,
            },
            8 => Mutation::Encode(ENCODINGS[self.below(ENCODINGS.len() as u64) as usize]),
            9 => Mutation::Repeat {
                times: self.below(3) as u8,
            },
            _ => Mutation::ReplaceNumber { nth: at, token: t },
        }
    }
}

/// The named mutation classes every fixture goes through in the corpus test.
pub fn named_classes() -> Vec<(&'static str, Vec<Mutation>)> {
    let tok = |token: &str| TOKENS.iter().position(|x| *x == token).unwrap();
    let replace_all = |token: &str| {
        let t = tok(token);
        // Enough replacements to hit numbers all over a short file.
        (0..12u32)
            .map(|i| Mutation::ReplaceNumber {
                nth: i * 7 + 1,
                token: t,
            })
            .collect::<Vec<_>>()
    };
    vec![
        ("empty", vec![Mutation::Truncate(0)]),
        ("half", vec![Mutation::Truncate(32_768)]),
        ("cut-last-bytes", vec![Mutation::Truncate(65_000)]),
        (
            "flip",
            (0..8)
                .map(|i| Mutation::FlipBit {
                    at: i * 997 + 13,
                    bit: i as u8,
                })
                .collect(),
        ),
        (
            "dup-lines",
            (0..4)
                .map(|i| Mutation::DuplicateLine {
                    line: i * 5 + 2,
                    times: 2,
                })
                .collect(),
        ),
        (
            "swap-lines",
            vec![
                Mutation::SwapLines { a: 3, b: 9 },
                Mutation::SwapLines { a: 1, b: 6 },
            ],
        ),
        ("nan", replace_all("NaN")),
        ("inf", replace_all("inf")),
        ("huge", replace_all("1e309")),
        ("big-int", replace_all("18446744073709551616")),
        ("negative", replace_all("-1")),
        ("utf16le", vec![Mutation::Encode(Encoding::Utf16Le)]),
        ("utf16be", vec![Mutation::Encode(Encoding::Utf16Be)]),
        (
            "utf16-no-bom",
            vec![Mutation::Encode(Encoding::Utf16LeBare)],
        ),
        (
            "latin1",
            vec![
                Mutation::Insert {
                    at: 0,
                    token: tok("é"),
                },
                Mutation::Encode(Encoding::Latin1),
            ],
        ),
        ("crlf", vec![Mutation::Encode(Encoding::Crlf)]),
        ("cr-only", vec![Mutation::Encode(Encoding::CrOnly)]),
        ("bom", vec![Mutation::Encode(Encoding::Bom)]),
        ("double-bom", vec![Mutation::Encode(Encoding::DoubleBom)]),
        ("repeated", vec![Mutation::Repeat { times: 3 }]),
        (
            "nul",
            vec![Mutation::Insert {
                at: 40,
                token: tok("\0"),
            }],
        ),
    ]
}

/// The repository folder.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Files in `dir` (relative to the repository) whose names end in one of `exts`, sorted.
pub fn files(dir: &str, exts: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_ascii_lowercase();
            p.is_file() && exts.iter().any(|e| name.ends_with(e))
        })
        .collect();
    out.sort();
    out
}

/// Seed files for each kind of user file.
pub fn profiles() -> Vec<PathBuf> {
    files("presets/eq", &[".toml"])
}

pub fn playlists() -> Vec<PathBuf> {
    files("playlists", &[".toml"])
}

pub fn fr_files() -> Vec<PathBuf> {
    [
        files("presets/fr", &[".txt", ".csv"]),
        files("presets/targets", &[".txt", ".csv"]),
        files("tests/data/fr", &[".txt", ".csv"]),
    ]
    .concat()
}

/// Presets `import` reads: the fixtures and every golden export iemlab itself writes in a
/// format `import` knows (APO, GraphicEQ, Wavelet, CamillaDSP).
pub fn import_files() -> Vec<PathBuf> {
    [
        files("tests/data/presets", &[".txt", ".yml"]),
        files("tests/fixtures/presets/camilladsp", &[".yml"]),
        files(
            "tests/golden",
            &[
                ".apo.txt",
                ".graphiceq.txt",
                ".wavelet.txt",
                ".camilladsp.yml",
            ],
        ),
    ]
    .concat()
}

/// Audio fixtures (every container and codec the decoder reads).
pub fn audio_files() -> Vec<PathBuf> {
    files(
        "tests/data",
        &[
            ".wav", ".flac", ".aiff", ".mp3", ".m4a", ".ogg", ".opus", ".webm", ".mka", ".mkv",
        ],
    )
}

//! A server's recording against the file iemlab played, block by block (10 ms blocks): which
//! blocks never arrived, where audio moved (silence inserted, a jump), and how much of the
//! end is missing. One bad block is reported as one: after it the comparison finds the next
//! block near where it belongs and goes on from there.

use std::fmt;
use std::ops::Range;

/// A stereo frame.
pub type Frame = [f32; 2];

/// 10 ms at 48 kHz.
pub const BLOCK: usize = 480;

/// Largest difference between a recorded and a source sample that still counts as equal: the
/// audio only crosses format conversions (f32, and from jack_rec 32-bit integers), never
/// arithmetic.
pub const TOLERANCE: f32 = 1e-5;

/// How far from where it was expected a block is looked for: further than any device buffer
/// (4096 frames) or server period, so that audio that moved is found, not counted as lost.
const SEARCH: usize = 24_000;

/// Frames per second, for saying where a block is.
const RATE: f64 = 48_000.0;

/// A block found, but not right after the block before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discontinuity {
    /// Index of the source block, counted from where the recording starts in the source.
    pub block: usize,
    /// Frames between where it was expected and where it is: positive when silence or other
    /// audio was inserted before it, negative when audio was skipped.
    pub shift: i64,
}

/// Frames inserted inside a block with every source frame still there in order around them:
/// what a late cycle does to a stream (the server plays silence for it, and the audio
/// follows a cycle later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insertion {
    /// Source frame the inserted frames come before.
    pub before: usize,
    /// How many frames were inserted.
    pub frames: usize,
}

/// What the comparison found.
#[derive(Debug)]
pub struct Comparison {
    /// Recording frame holding the first source frame compared.
    pub recording_start: usize,
    /// Source frame the recording starts with (0 unless it began mid-file).
    pub source_start: usize,
    /// Source blocks compared, from `source_start` to the end of the source.
    pub blocks: usize,
    /// Blocks found nowhere near where they belong.
    pub lost: Vec<usize>,
    /// What the recording holds where each lost block was expected.
    pub lost_detail: Vec<LostBlock>,
    /// Blocks found elsewhere than right after the previous block.
    pub discontinuities: Vec<Discontinuity>,
    /// Frames inserted inside blocks, every source frame of the block still there in order.
    pub insertions: Vec<Insertion>,
    /// Source frames at the end that the recording does not have.
    pub missing_at_end: usize,
}

impl Comparison {
    /// Whether every block is there, in order, with nothing missing at the end.
    pub fn is_exact(&self) -> bool {
        self.insertions.is_empty() && self.every_source_frame_in_order()
    }

    /// Whether every source frame is there, in order, to the end, whatever was inserted
    /// between them (late cycles).
    pub fn every_source_frame_in_order(&self) -> bool {
        self.lost.is_empty()
            && self.discontinuities.iter().all(|d| d.shift > 0)
            && self.missing_at_end == 0
    }

    /// Whether everything that differs from the source is what missed server cycles of
    /// `cycle` frames leave: audio replaced in place (by silence or, through ALSA's plugin,
    /// stale audio; at most two cycles in a row in any one block, when the server missed
    /// consecutive ones: [`Comparison::cycles_missed`] counts them), one cycle of silence
    /// inserted, or (the
    /// plugin catching up after one) at most a cycle of silence and a jump of at most a
    /// cycle; with every other frame there in order and nothing missing at the end.
    pub fn only_missed_cycles(&self, cycle: usize) -> bool {
        let within = |shift: i64| shift != 0 && shift.unsigned_abs() as usize <= cycle;
        // A catch-up may cross a block boundary: the jump shows at the first block found
        // after the run of lost blocks that holds it.
        let jump_after = |block: usize| {
            let mut next = block + 1;
            while self.lost.contains(&next) {
                next += 1;
            }
            self.discontinuities
                .iter()
                .any(|d| d.block == next && within(d.shift))
        };
        let lost_ok =
            self.lost.iter().zip(&self.lost_detail).all(|(&block, l)| {
                l.is_within(2 * cycle) || (l.silent <= cycle && jump_after(block))
            });
        lost_ok
            && self.discontinuities.iter().all(|d| within(d.shift))
            && self.insertions.iter().all(|i| i.frames <= cycle)
            && self.missing_at_end == 0
    }

    /// How many places were damaged, for a message.
    pub fn missed_cycles(&self) -> usize {
        self.lost.len() + self.discontinuities.len() + self.insertions.len()
    }

    /// How many server cycles of `cycle` frames the damage covers: each damaged block
    /// counts the cycles its run of differing frames spans (two missed in a row count two),
    /// each jump and insertion one.
    pub fn cycles_missed(&self, cycle: usize) -> usize {
        let in_blocks: usize = self
            .lost_detail
            .iter()
            .map(|l| (l.span.1 + 1 - l.span.0).div_ceil(cycle).max(1))
            .sum();
        in_blocks + self.discontinuities.len() + self.insertions.len()
    }

    /// Seconds into the source of block `block`.
    fn seconds(&self, block: usize) -> f64 {
        (self.source_start + block * BLOCK) as f64 / RATE
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 12;
        write!(
            f,
            "{} of {} blocks lost, {} discontinuities, {} insertions, {} frames missing at the \
             end (source from frame {} found at recording frame {})",
            self.lost.len(),
            self.blocks,
            self.discontinuities.len(),
            self.insertions.len(),
            self.missing_at_end,
            self.source_start,
            self.recording_start
        )?;
        if !self.lost.is_empty() {
            let shown: Vec<String> = self
                .lost
                .iter()
                .take(SHOWN)
                .map(|&b| format!("{b} ({:.2} s)", self.seconds(b)))
                .collect();
            let more = if self.lost.len() > SHOWN { ", …" } else { "" };
            write!(f, "\n  lost: {}{more}", shown.join(", "))?;
            for detail in self.lost_detail.iter().take(3) {
                write!(f, "\n    {detail}")?;
            }
        }
        if !self.discontinuities.is_empty() {
            let shown: Vec<String> = self
                .discontinuities
                .iter()
                .take(SHOWN)
                .map(|d| {
                    format!(
                        "block {} ({:.2} s) {:+} frames",
                        d.block,
                        self.seconds(d.block),
                        d.shift
                    )
                })
                .collect();
            let more = if self.discontinuities.len() > SHOWN {
                ", …"
            } else {
                ""
            };
            write!(f, "\n  discontinuities: {}{more}", shown.join(", "))?;
        }
        if !self.insertions.is_empty() {
            let shown: Vec<String> = self
                .insertions
                .iter()
                .take(SHOWN)
                .map(|i| format!("{} frames at {:.4} s", i.frames, i.before as f64 / RATE))
                .collect();
            let more = if self.insertions.len() > SHOWN {
                ", …"
            } else {
                ""
            };
            write!(f, "\n  inserted: {}{more}", shown.join(", "))?;
        }
        Ok(())
    }
}

/// Compares `recording` with `source`. The recording's first sound must be an exact block of
/// the source starting somewhere in `source_from` (`0..1` when the whole file was played);
/// every source block from there to the end is then looked for in turn.
pub fn compare(
    recording: &[Frame],
    source: &[Frame],
    source_from: Range<usize>,
) -> Result<Comparison, String> {
    let recording_start = recording
        .iter()
        .position(|f| f.iter().any(|s| s.abs() > TOLERANCE))
        .ok_or_else(|| format!("the recording ({} frames) is silent", recording.len()))?;
    let first = &recording[recording_start..(recording_start + BLOCK).min(recording.len())];
    let source_start = source_from
        .clone()
        .find(|&s| source.len() >= s + first.len() && equal(first, &source[s..s + first.len()]))
        .ok_or_else(|| {
            format!(
                "the recording's first sound, at frame {recording_start} ({:.3} s, {:?}), is \
                 not a block of the source starting in frames {source_from:?}",
                recording_start as f64 / RATE,
                recording[recording_start]
            )
        })?;
    let blocks = (source.len() - source_start).div_ceil(BLOCK);
    let mut comparison = Comparison {
        recording_start,
        source_start,
        blocks,
        lost: Vec::new(),
        lost_detail: Vec::new(),
        discontinuities: Vec::new(),
        insertions: Vec::new(),
        missing_at_end: 0,
    };
    // Recording frame where the current block is expected.
    let mut expected = recording_start;
    for block in 0..blocks {
        let from = source_start + block * BLOCK;
        let want = &source[from..(from + BLOCK).min(source.len())];
        if let Some(have) = recording.get(expected..expected + want.len())
            && equal(have, want)
        {
            expected += want.len();
            continue;
        }
        match find_near(recording, want, expected) {
            Some(at) => {
                comparison.discontinuities.push(Discontinuity {
                    block,
                    shift: at as i64 - expected as i64,
                });
                expected = at + want.len();
            }
            None if let Some((split, frames)) = find_split(recording, want, expected) => {
                comparison.insertions.push(Insertion {
                    before: from + split,
                    frames,
                });
                expected += want.len() + frames;
            }
            None => {
                comparison.lost.push(block);
                comparison
                    .lost_detail
                    .push(describe(recording.get(expected..).unwrap_or(&[]), want));
                expected += want.len();
            }
        }
    }
    count_missing_end(&mut comparison, recording, source);
    Ok(comparison)
}

/// Lost blocks that run to the end of the source are the end missing, not losses: the
/// recording stopped, or went silent, there. The first of them may still be there in part.
fn count_missing_end(comparison: &mut Comparison, recording: &[Frame], source: &[Frame]) {
    let mut first_missing = comparison.blocks;
    while first_missing > 0 && comparison.lost.last() == Some(&(first_missing - 1)) {
        comparison.lost.pop();
        comparison.lost_detail.pop();
        first_missing -= 1;
    }
    if first_missing == comparison.blocks {
        return;
    }
    let from = comparison.source_start + first_missing * BLOCK;
    // Where that block was expected: right after the last block found.
    let shift: i64 = comparison.discontinuities.iter().map(|d| d.shift).sum();
    let expected = (comparison.recording_start as i64
        + (from - comparison.source_start) as i64
        + shift)
        .max(0) as usize;
    let present = source[from..]
        .iter()
        .zip(recording.get(expected..).unwrap_or(&[]))
        .take_while(|(s, r)| equal(&[**s], &[**r]))
        .count();
    comparison.missing_at_end = source.len() - from - present;
}

/// Where `want` is in `recording` within [`SEARCH`] frames of `expected`, nearest first.
fn find_near(recording: &[Frame], want: &[Frame], expected: usize) -> Option<usize> {
    let last = recording.len().checked_sub(want.len())?;
    (1..=SEARCH)
        .flat_map(|d| [expected.checked_add(d), expected.checked_sub(d)])
        .flatten()
        .filter(|&at| at <= last)
        .find(|&at| equal(&recording[at..at + want.len()], want))
}

/// Where `want`, expected at `expected`, is split by inserted frames: the first `split` frames
/// in place and the rest `frames` later (within [`SEARCH`]).
fn find_split(recording: &[Frame], want: &[Frame], expected: usize) -> Option<(usize, usize)> {
    let have = recording.get(expected..)?;
    let split = want
        .iter()
        .zip(have)
        .take_while(|(w, h)| equal(&[**w], &[**h]))
        .count();
    if split == 0 || split == want.len() {
        return None;
    }
    let rest = &want[split..];
    let from = expected + split;
    (1..=SEARCH)
        .map(|frames| (from + frames, frames))
        .take_while(|&(at, _)| at + rest.len() <= recording.len())
        .find(|&(at, _)| equal(&recording[at..at + rest.len()], rest))
        .map(|(_, frames)| (split, frames))
}

/// What the recording holds where a lost block was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LostBlock {
    /// Frames that differ from the source.
    pub differ: usize,
    /// Of them, frames that are silent.
    pub silent: usize,
    /// First and last differing frame, counted in the block.
    pub span: (usize, usize),
}

impl LostBlock {
    /// Whether the block is there but for one run of at most `frames` frames in place of
    /// the source's: cycles the server played as silence (or, through ALSA's plugin, as
    /// stale audio).
    pub fn is_within(&self, frames: usize) -> bool {
        self.differ > 0 && self.span.1 + 1 - self.span.0 <= frames
    }
}

impl fmt::Display for LostBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} frames differ, from frame {} to {} of the block; {} of them silent",
            self.differ, self.span.0, self.span.1, self.silent
        )
    }
}

/// Which frames of `have` differ from `want`, and whether they are silent.
fn describe(have: &[Frame], want: &[Frame]) -> LostBlock {
    let differ: Vec<usize> = (0..want.len())
        .filter(|&i| have.get(i).is_none_or(|h| !equal(&[*h], &[want[i]])))
        .collect();
    let silent = differ
        .iter()
        .filter(|&&i| have.get(i).is_some_and(|h| h == &[0.0; 2]))
        .count();
    LostBlock {
        differ: differ.len(),
        silent,
        span: (
            differ.first().copied().unwrap_or(0),
            differ.last().copied().unwrap_or(0),
        ),
    }
}

/// Whether two runs of frames are equal within [`TOLERANCE`].
fn equal(a: &[Frame], b: &[Frame]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x[0] - y[0]).abs() <= TOLERANCE && (x[1] - y[1]).abs() <= TOLERANCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Noise from a fixed seed (no two blocks alike), 0.5 s.
    fn source() -> Vec<Frame> {
        crate::e2e::noise::frames(24_000, 7)
    }

    /// `lead` frames of silence, then `audio`, then `tail` frames of silence.
    fn recorded(lead: usize, audio: &[Frame], tail: usize) -> Vec<Frame> {
        let mut out = vec![[0.0; 2]; lead];
        out.extend_from_slice(audio);
        out.extend(std::iter::repeat_n([0.0; 2], tail));
        out
    }

    #[test]
    fn a_faithful_recording_is_exact_and_says_where_the_file_starts() {
        let src = source();
        let c = compare(&recorded(1000, &src, 3000), &src, 0..1).unwrap();
        assert!(c.is_exact(), "{c}");
        assert_eq!((c.recording_start, c.source_start, c.blocks), (1000, 0, 50));
    }

    #[test]
    fn a_zeroed_block_is_one_lost_block_and_the_rest_stays_in_place() {
        let src = source();
        let mut rec = recorded(1000, &src, 3000);
        for f in &mut rec[1000 + 10 * BLOCK..1000 + 11 * BLOCK] {
            *f = [0.0; 2];
        }
        let c = compare(&rec, &src, 0..1).unwrap();
        assert_eq!(c.lost, vec![10], "{c}");
        assert!(c.discontinuities.is_empty(), "{c}");
        assert_eq!(c.missing_at_end, 0, "{c}");
    }

    #[test]
    fn a_lost_quantum_inside_a_block_is_that_block_only() {
        let src = source();
        let mut rec = recorded(1000, &src, 3000);
        for f in &mut rec[1000 + 20 * BLOCK + 100..1000 + 20 * BLOCK + 164] {
            *f = [0.0; 2];
        }
        let c = compare(&rec, &src, 0..1).unwrap();
        assert_eq!(c.lost, vec![20], "{c}");
        assert!(c.discontinuities.is_empty(), "{c}");
        assert!(!c.every_source_frame_in_order(), "{c}");
        // 64 frames: one cycle of 64, two of 32 (allowed in a row), four of 16 (too many).
        assert!(c.only_missed_cycles(64) && c.only_missed_cycles(32), "{c}");
        assert!(!c.only_missed_cycles(16), "{c}");
        assert_eq!(c.cycles_missed(32), 2, "{c}");
    }

    #[test]
    fn inserted_silence_is_a_discontinuity_and_the_comparison_resyncs_after_it() {
        let src = source();
        let mut audio = src[..12 * BLOCK].to_vec();
        audio.extend(std::iter::repeat_n([0.0; 2], 64));
        audio.extend_from_slice(&src[12 * BLOCK..]);
        let c = compare(&recorded(500, &audio, 2000), &src, 0..1).unwrap();
        assert!(c.lost.is_empty(), "{c}");
        assert_eq!(
            c.discontinuities,
            vec![Discontinuity {
                block: 12,
                shift: 64
            }],
            "{c}"
        );
        assert_eq!(c.missing_at_end, 0, "{c}");
    }

    #[test]
    fn a_gap_inside_a_block_is_an_insertion_with_every_source_frame_in_order() {
        let src = source();
        let cut = 30 * BLOCK + 200;
        let mut audio = src[..cut].to_vec();
        audio.extend(std::iter::repeat_n([0.0; 2], 256));
        audio.extend_from_slice(&src[cut..]);
        let c = compare(&recorded(500, &audio, 2000), &src, 0..1).unwrap();
        assert!(c.lost.is_empty(), "{c}");
        assert!(c.discontinuities.is_empty(), "{c}");
        assert_eq!(
            c.insertions,
            vec![Insertion {
                before: cut,
                frames: 256
            }],
            "{c}"
        );
        assert!(c.every_source_frame_in_order() && !c.is_exact(), "{c}");
        assert!(
            c.only_missed_cycles(256) && !c.only_missed_cycles(64),
            "{c}"
        );
    }

    #[test]
    fn skipped_audio_is_a_negative_discontinuity() {
        let src = source();
        let mut audio = src[..5 * BLOCK].to_vec();
        audio.extend_from_slice(&src[5 * BLOCK + 64..]);
        let c = compare(&recorded(500, &audio, 2000), &src, 0..1).unwrap();
        assert_eq!(c.lost, vec![5], "{c}");
        assert_eq!(
            c.discontinuities,
            vec![Discontinuity {
                block: 6,
                shift: -64
            }],
            "{c}"
        );
        assert!(!c.every_source_frame_in_order(), "{c}");
        // A jump of one cycle is what ALSA's plugin does to catch up after a missed one.
        assert!(c.only_missed_cycles(64) && !c.only_missed_cycles(32), "{c}");
    }

    #[test]
    fn a_missed_cycle_then_a_jump_is_a_missed_cycle_and_a_long_gap_is_not() {
        let src = source();
        let cut = 24 * BLOCK + 56;
        let mut audio = src[..cut].to_vec();
        audio.extend(std::iter::repeat_n([0.0; 2], 64));
        audio.extend_from_slice(&src[cut + 128..]);
        let c = compare(&recorded(500, &audio, 2000), &src, 0..1).unwrap();
        assert!(c.only_missed_cycles(64), "{c}");
        let mut audio = src[..cut].to_vec();
        audio.extend(std::iter::repeat_n([0.0; 2], 400));
        audio.extend_from_slice(&src[cut + 400..]);
        let c = compare(&recorded(500, &audio, 2000), &src, 0..1).unwrap();
        assert!(!c.only_missed_cycles(64), "{c}");
    }

    #[test]
    fn a_cut_end_is_frames_missing_whether_the_recording_stops_or_goes_silent() {
        let src = source();
        let played = &src[..src.len() - 700];
        for tail in [0, 5000] {
            let c = compare(&recorded(800, played, tail), &src, 0..1).unwrap();
            assert_eq!(c.missing_at_end, 700, "tail {tail}: {c}");
            assert!(c.lost.is_empty(), "tail {tail}: {c}");
            assert!(c.discontinuities.is_empty(), "tail {tail}: {c}");
            assert!(!c.only_missed_cycles(1024), "tail {tail}: {c}");
        }
    }

    #[test]
    fn a_recording_that_begins_mid_file_is_found_there() {
        let src = source();
        let c = compare(&recorded(300, &src[12_345..], 1000), &src, 0..src.len()).unwrap();
        assert!(c.is_exact(), "{c}");
        assert_eq!(c.source_start, 12_345);
    }

    #[test]
    fn a_recording_of_something_else_is_an_error_not_a_loss() {
        let src = source();
        let other = crate::e2e::noise::frames(24_000, 8);
        let err = compare(&recorded(300, &other, 0), &src, 0..1).unwrap_err();
        assert!(err.contains("not a block of the source"), "{err}");
        let err = compare(&recorded(300, &[], 0), &src, 0..1).unwrap_err();
        assert!(err.contains("silent"), "{err}");
    }
}

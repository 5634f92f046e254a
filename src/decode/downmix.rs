//! Any channel layout → stereo.
//!
//! - Mono: the same signal on left and right (a centred phantom image at the file's level).
//! - Stereo (any two channels): unchanged, first channel left, second right.
//! - Positioned multichannel (5.1, 7.1, …): ITU-R BS.775 downmix. Front left/right go to their
//!   side at 1.0; the centre goes to both sides at 0.7071 (−3 dB); surrounds (side or rear left
//!   and right) go to their side at −3 dB. BS.775 has no rule for the channels of larger
//!   layouts, so they follow the same logic: channels on one side (wide, top, bottom) go to
//!   that side at −3 dB and centred ones (rear centre, top centre) to both at −3 dB. LFE is
//!   dropped: BS.775 leaves it out, and the main channels already carry the bass that
//!   headphones reproduce. Then the whole matrix is scaled so that a full-scale signal in every
//!   channel cannot exceed full scale at the output (for 5.1 everything is divided by
//!   1 + 2 · 0.7071 = 2.414, about −7.7 dB), so a downmix never clips.
//! - First-order (or higher) Ambisonics (ACN/SN3D): a mid-side decode of W and Y,
//!   L = (W + Y) / 2, R = (W − Y) / 2, which puts a source at 90° fully on the left.
//! - Anything else with more than two channels (discrete channels without positions, custom
//!   labels): the first two, as left and right, since there is no principled mix and those are
//!   the stereo pair in every common convention.

use symphonia::core::audio::{Channels, Position};

/// −3 dB.
const MINUS_3DB: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Per source channel, its gain into the left and right outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Downmix {
    gains: Vec<[f32; 2]>,
    /// Plain stereo: copied through without arithmetic.
    identity: bool,
}

impl Downmix {
    /// The matrix for a decoded buffer's channel layout.
    pub fn for_channels(channels: &Channels) -> Downmix {
        let count = channels.count();
        let gains = match channels {
            _ if count == 0 => Vec::new(),
            _ if count == 1 => vec![[1.0, 1.0]],
            _ if count == 2 => vec![[1.0, 0.0], [0.0, 1.0]],
            Channels::Positioned(positions) => positioned(*positions),
            // ACN order: W, Y, Z, X, …
            Channels::Ambisonic(_) => leading(count, [[0.5, 0.5], [0.5, -0.5]]),
            _ => leading(count, [[1.0, 0.0], [0.0, 1.0]]),
        };
        Downmix {
            identity: count == 2,
            gains,
        }
    }

    /// Number of source channels.
    pub fn source_channels(&self) -> usize {
        self.gains.len()
    }

    /// Gains of source channel `index` into (left, right).
    pub fn gains(&self, index: usize) -> Option<[f32; 2]> {
        self.gains.get(index).copied()
    }

    /// Converts interleaved `input` (of `source_channels()` channels) to interleaved stereo,
    /// appended to `out`. A trailing partial frame is ignored.
    pub fn apply(&self, input: &[f32], out: &mut Vec<f32>) {
        let n = self.gains.len();
        if n == 0 {
            return;
        }
        if self.identity {
            let whole = input.chunks_exact(2);
            let partial = whole.remainder().len();
            out.extend_from_slice(input.get(..input.len() - partial).unwrap_or_default());
            return;
        }
        out.reserve(input.len() / n * 2);
        for frame in input.chunks_exact(n) {
            let (mut l, mut r) = (0.0f32, 0.0f32);
            for (s, g) in frame.iter().zip(&self.gains) {
                l += s * g[0];
                r += s * g[1];
            }
            out.push(l);
            out.push(r);
        }
    }
}

/// Gains for one speaker position: [left, right].
fn position_gains(p: Position) -> [f32; 2] {
    const LEFT: Position = Position::REAR_LEFT
        .union(Position::SIDE_LEFT)
        .union(Position::FRONT_LEFT_WIDE)
        .union(Position::TOP_FRONT_LEFT)
        .union(Position::TOP_REAR_LEFT)
        .union(Position::TOP_SIDE_LEFT)
        .union(Position::BOTTOM_FRONT_LEFT);
    const RIGHT: Position = Position::REAR_RIGHT
        .union(Position::SIDE_RIGHT)
        .union(Position::FRONT_RIGHT_WIDE)
        .union(Position::TOP_FRONT_RIGHT)
        .union(Position::TOP_REAR_RIGHT)
        .union(Position::TOP_SIDE_RIGHT)
        .union(Position::BOTTOM_FRONT_RIGHT);
    const LFE: Position = Position::LFE1.union(Position::LFE2);
    if p == Position::FRONT_LEFT || p == Position::FRONT_LEFT_CENTER {
        [1.0, 0.0]
    } else if p == Position::FRONT_RIGHT || p == Position::FRONT_RIGHT_CENTER {
        [0.0, 1.0]
    } else if LEFT.contains(p) {
        [MINUS_3DB, 0.0]
    } else if RIGHT.contains(p) {
        [0.0, MINUS_3DB]
    } else if LFE.contains(p) {
        [0.0, 0.0]
    } else {
        // Front, rear, top and bottom centre.
        [MINUS_3DB, MINUS_3DB]
    }
}

/// `count` channels (3 or more) of which the first two carry `first` and the rest are
/// dropped.
fn leading(count: usize, first: [[f32; 2]; 2]) -> Vec<[f32; 2]> {
    first
        .into_iter()
        .chain(std::iter::repeat([0.0, 0.0]))
        .take(count)
        .collect()
}

/// Gains in canonical (bit) order of the positions present, which is the order symphonia
/// delivers positioned channels in.
fn positioned(positions: Position) -> Vec<[f32; 2]> {
    let mut gains: Vec<[f32; 2]> = positions.iter().map(position_gains).collect();
    // Scale so the loudest output cannot pass full scale when every input is at full scale.
    let worst = (0..2)
        .map(|side| gains.iter().filter_map(|g| g.get(side)).sum::<f32>())
        .fold(0.0f32, f32::max);
    if worst > 1.0 {
        for g in &mut gains {
            g[0] /= worst;
            g[1] /= worst;
        }
    }
    gains
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn mix(d: &Downmix, input: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        d.apply(input, &mut out);
        out
    }

    #[test]
    fn mono_goes_to_both_sides_at_full_level() {
        let d = Downmix::for_channels(&Channels::Discrete(1));
        assert_eq!(mix(&d, &[0.5, -0.25]), [0.5, 0.5, -0.25, -0.25]);
    }

    #[test]
    fn stereo_is_unchanged() {
        let d = Downmix::for_channels(&Channels::Positioned(
            Position::FRONT_LEFT | Position::FRONT_RIGHT,
        ));
        assert_eq!(mix(&d, &[0.1, 0.2, 0.3, 0.4]), [0.1, 0.2, 0.3, 0.4]);
        // A trailing half frame is dropped rather than shifting the channels.
        assert_eq!(mix(&d, &[0.1, 0.2, 0.3]), [0.1, 0.2]);
    }

    #[test]
    fn five_one_follows_bs775_and_cannot_clip() {
        let layout = Position::FRONT_LEFT
            | Position::FRONT_RIGHT
            | Position::FRONT_CENTER
            | Position::LFE1
            | Position::SIDE_LEFT
            | Position::SIDE_RIGHT;
        let d = Downmix::for_channels(&Channels::Positioned(layout));
        assert_eq!(d.source_channels(), 6);
        let scale = 1.0 + 2.0 * MINUS_3DB;
        let close = |a: f32, b: f32| (a - b).abs() < 1e-6;
        // Front left: full level on the left only, after scaling.
        let out = mix(&d, &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert!(close(out[0], 1.0 / scale) && out[1] == 0.0, "{out:?}");
        // Centre: equal in both sides, 3 dB below the fronts.
        let out = mix(&d, &[0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
        assert!(
            close(out[0], MINUS_3DB / scale) && out[0] == out[1],
            "{out:?}"
        );
        // LFE is dropped.
        assert_eq!(mix(&d, &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0]), [0.0, 0.0]);
        // Surround left: its side only, at -3 dB.
        let out = mix(&d, &[0.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
        assert!(close(out[0], MINUS_3DB / scale) && out[1] == 0.0, "{out:?}");
        let out = mix(&d, &[0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        assert!(out[0] == 0.0 && close(out[1], MINUS_3DB / scale), "{out:?}");
        // Everything at full scale (the worst case) lands exactly at full scale.
        let out = mix(&d, &[1.0; 6]);
        assert!(close(out[0], 1.0) && close(out[1], 1.0), "{out:?}");
        let out = mix(&d, &[-1.0; 6]);
        assert!(close(out[0], -1.0) && close(out[1], -1.0), "{out:?}");
    }

    #[test]
    fn seven_one_four_never_clips_and_keeps_sides_apart() {
        let layout = Position::FRONT_LEFT
            | Position::FRONT_RIGHT
            | Position::FRONT_CENTER
            | Position::LFE1
            | Position::REAR_LEFT
            | Position::REAR_RIGHT
            | Position::SIDE_LEFT
            | Position::SIDE_RIGHT
            | Position::TOP_FRONT_LEFT
            | Position::TOP_FRONT_RIGHT
            | Position::TOP_REAR_LEFT
            | Position::TOP_REAR_RIGHT;
        let d = Downmix::for_channels(&Channels::Positioned(layout));
        let out = mix(&d, &[1.0; 12]);
        assert!(out[0] <= 1.0 + 1e-6 && out[1] <= 1.0 + 1e-6, "{out:?}");
        for i in 0..12 {
            let [l, r] = d.gains(i).unwrap_or_default();
            assert!(l >= 0.0 && r >= 0.0);
        }
    }

    #[test]
    fn three_channels_without_a_left_right_pair_still_mix() {
        // Centre + rear left + rear right.
        let d = Downmix::for_channels(&Channels::Positioned(
            Position::FRONT_CENTER | Position::REAR_LEFT | Position::REAR_RIGHT,
        ));
        let out = mix(&d, &[1.0, 1.0, 1.0]);
        assert!((out[0] - 1.0).abs() < 1e-6 && (out[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn ambisonics_decode_mid_side() {
        let d = Downmix::for_channels(&Channels::Ambisonic(1));
        assert_eq!(d.source_channels(), 4);
        // A source hard left in SN3D: W = Y = s.
        assert_eq!(mix(&d, &[0.5, 0.5, 0.0, 0.0]), [0.5, 0.0]);
    }

    #[test]
    fn unpositioned_multichannel_keeps_the_first_two() {
        let d = Downmix::for_channels(&Channels::Discrete(4));
        assert_eq!(mix(&d, &[0.1, 0.2, 0.9, 0.9]), [0.1, 0.2]);
        assert!(Downmix::for_channels(&Channels::None).source_channels() == 0);
        assert!(mix(&Downmix::for_channels(&Channels::None), &[1.0]).is_empty());
    }
}

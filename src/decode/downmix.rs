//! Any channel layout → stereo.
//!
//! - Mono: the same signal on left and right (a centred phantom image at the file's level).
//! - Stereo: unchanged.
//! - Positioned multichannel (5.1, 7.1, …): ITU-R BS.775 downmix. Front left/right go to their
//!   side at 1.0; centre to both at 0.7071 (−3 dB); side/rear left and right to their side at
//!   0.7071; rear centre to both at 0.5; LFE is dropped (BS.775 leaves it out, and headphones
//!   reproduce the bass already in the main channels). The whole matrix is then scaled so
//!   that a full-scale signal in every channel cannot exceed full scale at the output.
//! - Discrete channels with no positions (more than two): the first two, as left and right.

use symphonia::core::audio::{Channels, Position};

/// −3 dB.
const MINUS_3DB: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Per source channel, its gain into the left and right outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Downmix {
    gains: Vec<[f32; 2]>,
}

impl Downmix {
    /// The matrix for a decoded buffer's channel layout.
    pub fn for_channels(channels: &Channels) -> Downmix {
        let count = channels.count();
        let gains = match channels {
            _ if count == 0 => Vec::new(),
            _ if count == 1 => vec![[1.0, 1.0]],
            Channels::Positioned(positions) if count > 2 => positioned(*positions),
            _ if count == 2 => vec![[1.0, 0.0], [0.0, 1.0]],
            _ => {
                let mut g = vec![[0.0, 0.0]; count];
                g[0] = [1.0, 0.0];
                g[1] = [0.0, 1.0];
                g
            }
        };
        Downmix { gains }
    }

    /// Number of source channels.
    pub fn source_channels(&self) -> usize {
        self.gains.len()
    }

    /// Converts interleaved `input` (of `source_channels()` channels) to interleaved stereo,
    /// appended to `out`.
    pub fn apply(&self, input: &[f32], out: &mut Vec<f32>) {
        let n = self.gains.len();
        if n == 0 {
            return;
        }
        if n == 2 && self.gains[0] == [1.0, 0.0] && self.gains[1] == [0.0, 1.0] {
            out.extend_from_slice(&input[..input.len() / 2 * 2]);
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

/// BS.775 gains in canonical (bit) order of the positions present.
fn positioned(positions: Position) -> Vec<[f32; 2]> {
    let mut gains: Vec<[f32; 2]> = Vec::new();
    for bit in 0..64 {
        let Some(p) = Position::from_bits(1u64 << bit) else {
            continue;
        };
        if !positions.contains(p) {
            continue;
        }
        let g = if p == Position::FRONT_LEFT || p == Position::FRONT_LEFT_CENTER {
            [1.0, 0.0]
        } else if p == Position::FRONT_RIGHT || p == Position::FRONT_RIGHT_CENTER {
            [0.0, 1.0]
        } else if p == Position::FRONT_CENTER {
            [MINUS_3DB, MINUS_3DB]
        } else if p == Position::REAR_LEFT || p == Position::SIDE_LEFT {
            [MINUS_3DB, 0.0]
        } else if p == Position::REAR_RIGHT || p == Position::SIDE_RIGHT {
            [0.0, MINUS_3DB]
        } else if p == Position::REAR_CENTER {
            [0.5, 0.5]
        } else {
            // LFE and height channels are left out.
            [0.0, 0.0]
        };
        gains.push(g);
    }
    // Scale so the loudest output cannot pass full scale when every input is at full scale.
    let worst = (0..2)
        .map(|side| gains.iter().map(|g| g[side]).sum::<f32>())
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
mod tests {
    use super::*;

    #[test]
    fn mono_goes_to_both_sides_at_full_level() {
        let d = Downmix::for_channels(&Channels::Discrete(1));
        let mut out = Vec::new();
        d.apply(&[0.5, -0.25], &mut out);
        assert_eq!(out, [0.5, 0.5, -0.25, -0.25]);
    }

    #[test]
    fn stereo_is_unchanged() {
        let d = Downmix::for_channels(&Channels::Positioned(
            Position::FRONT_LEFT | Position::FRONT_RIGHT,
        ));
        let mut out = Vec::new();
        d.apply(&[0.1, 0.2, 0.3, 0.4], &mut out);
        assert_eq!(out, [0.1, 0.2, 0.3, 0.4]);
    }

    #[test]
    fn five_one_follows_bs775_and_cannot_clip() {
        let layout = Position::FRONT_LEFT
            | Position::FRONT_RIGHT
            | Position::FRONT_CENTER
            | Position::LFE1
            | Position::REAR_LEFT
            | Position::REAR_RIGHT;
        let d = Downmix::for_channels(&Channels::Positioned(layout));
        assert_eq!(d.source_channels(), 6);
        let scale = 1.0 + 2.0 * MINUS_3DB;
        // Centre only: equal in both sides at -3 dB before scaling.
        let mut out = Vec::new();
        d.apply(&[0.0, 0.0, 1.0, 0.0, 0.0, 0.0], &mut out);
        assert!((out[0] - MINUS_3DB / scale).abs() < 1e-6 && out[0] == out[1]);
        // LFE is dropped.
        out.clear();
        d.apply(&[0.0, 0.0, 0.0, 1.0, 0.0, 0.0], &mut out);
        assert_eq!(out, [0.0, 0.0]);
        // Everything at full scale lands exactly at full scale.
        out.clear();
        d.apply(&[1.0; 6], &mut out);
        assert!((out[0] - 1.0).abs() < 1e-6 && (out[1] - 1.0).abs() < 1e-6);
        // Rear left stays on the left.
        out.clear();
        d.apply(&[0.0, 0.0, 0.0, 0.0, 1.0, 0.0], &mut out);
        assert!(out[0] > 0.2 && out[1] == 0.0);
    }

    #[test]
    fn unpositioned_multichannel_keeps_the_first_two() {
        let d = Downmix::for_channels(&Channels::Discrete(4));
        let mut out = Vec::new();
        d.apply(&[0.1, 0.2, 0.9, 0.9], &mut out);
        assert_eq!(out, [0.1, 0.2]);
    }
}

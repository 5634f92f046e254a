//! Level matching: a gain per profile so that a passage played through each has the same
//! integrated loudness (ITU-R BS.1770). Louder usually sounds better, so an A/B without
//! matching is biased towards whichever profile boosts more.
//!
//! Each profile is measured as the engine plays it: its EQ chain plus the automatic preamp
//! that keeps it from boosting above 0 dB. The loudest profiles are turned down to the
//! quietest one, so matching never adds gain.

use crate::dsp::{db_to_gain, integrated_lufs};
use crate::engine::safety_gain_db;
use crate::preset::EqProfile;

/// What matching measured and decided.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelMatch {
    /// Loudness of the passage through each profile before matching, LUFS.
    pub loudness_lufs: Vec<f64>,
    /// Gain to add to each profile, dB (0 for the quietest, negative for the others).
    pub gains_db: Vec<f64>,
}

impl LevelMatch {
    /// No matching: every gain 0 dB.
    pub fn off(profiles: usize) -> Self {
        LevelMatch {
            loudness_lufs: vec![f64::NAN; profiles],
            gains_db: vec![0.0; profiles],
        }
    }
}

/// Measures `passage` (interleaved stereo at `rate`) through each profile (None = flat) and
/// returns the gains that equalise their loudness. Errors when the passage is silent.
pub fn match_levels(
    profiles: &[Option<&EqProfile>],
    passage: &[f32],
    rate: u32,
) -> Result<LevelMatch, String> {
    let mut loudness = Vec::with_capacity(profiles.len());
    let mut buf = Vec::with_capacity(passage.len());
    for profile in profiles {
        buf.clear();
        buf.extend_from_slice(passage);
        if let Some(p) = profile {
            let mut chain = p.chain(rate).map_err(|e| e.to_string())?;
            chain.process_interleaved(&mut buf);
            let safety = db_to_gain(safety_gain_db(p, rate)) as f32;
            for s in &mut buf {
                *s *= safety;
            }
        }
        let l = integrated_lufs(&buf, rate)
            .ok_or("the passage is too quiet to measure its loudness (silence?)")?;
        loudness.push(l);
    }
    let quietest = loudness.iter().copied().fold(f64::INFINITY, f64::min);
    Ok(LevelMatch {
        gains_db: loudness.iter().map(|l| quietest - l).collect(),
        loudness_lufs: loudness,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::material::pink_noise_stereo;

    #[test]
    fn matched_profiles_measure_the_same_loudness() {
        let rate = 48_000;
        let noise = pink_noise_stereo(rate, 8.0);
        let text = |gain: f64| {
            format!(
                "version = 1\nname = \"s\"\npreamp_db = 0\nbands = [{{ type = \"low_shelf\", freq_hz = 200, gain_db = {gain}, q = 0.7 }}]\n"
            )
        };
        let a = EqProfile::parse(&text(6.0), std::path::Path::new("a")).unwrap();
        let b = EqProfile::parse(&text(-4.0), std::path::Path::new("b")).unwrap();
        let m = match_levels(&[Some(&a), Some(&b), None], &noise, rate).unwrap();
        assert!(m.gains_db.iter().all(|&g| g <= 0.0));
        assert!(m.gains_db.contains(&0.0));
        // Apply the gains and measure again.
        for (i, p) in [Some(&a), Some(&b), None].iter().enumerate() {
            let mut buf = noise.clone();
            if let Some(p) = p {
                p.chain(rate).unwrap().process_interleaved(&mut buf);
            }
            let g = db_to_gain(m.gains_db[i] + p.map_or(0.0, |p| safety_gain_db(p, rate))) as f32;
            buf.iter_mut().for_each(|s| *s *= g);
            let l = integrated_lufs(&buf, rate).unwrap();
            let quietest = m
                .loudness_lufs
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            assert!(
                (l - quietest).abs() < 0.05,
                "profile {i}: {l} vs {quietest}"
            );
        }
    }
}

//! Level matching: a gain per profile so that a passage played through each has the same
//! integrated loudness (ITU-R BS.1770). Louder usually sounds better, so an A/B without
//! matching is biased towards whichever profile boosts more.
//!
//! Each profile is measured as the engine plays it: its EQ chain plus the automatic preamp
//! that keeps it from boosting above 0 dB. The loudest profiles are turned down to the
//! quietest one, so matching never adds gain.

use crate::dsp::{db_to_gain, integrated_lufs};
use crate::exit_status::ExitStatus;
use crate::preset::{EqProfile, ProfileError};

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

/// Why levels could not be matched.
#[derive(Debug, thiserror::Error)]
pub enum LevelMatchError {
    /// A profile cannot run at the passage's rate.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The passage has no loudness to match (silence, or too short).
    #[error("the passage is too quiet to measure its loudness (silence?)")]
    Silent,
}

/// The profiles and the track are the user's: exit code 2.
impl ExitStatus for LevelMatchError {
    fn exit_code(&self) -> u8 {
        2
    }
}

/// Measures `passage` (interleaved stereo at `rate`) through each profile (None = flat) and
/// returns the gains that equalise their loudness. Errors when the passage is silent.
pub fn match_levels(
    profiles: &[Option<&EqProfile>],
    passage: &[f32],
    rate: u32,
) -> Result<LevelMatch, LevelMatchError> {
    let mut loudness = Vec::with_capacity(profiles.len());
    let mut buf = Vec::with_capacity(passage.len());
    for profile in profiles {
        buf.clear();
        buf.extend_from_slice(passage);
        if let Some(p) = profile {
            let mut chain = p.chain(rate)?;
            chain.process_interleaved(&mut buf);
            let safety = db_to_gain(p.safety_gain_db(rate)) as f32;
            for s in &mut buf {
                *s *= safety;
            }
        }
        let l = integrated_lufs(&buf, rate).ok_or(LevelMatchError::Silent)?;
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
            let g = db_to_gain(m.gains_db[i] + p.map_or(0.0, |p| p.safety_gain_db(rate))) as f32;
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

/// How the profiles of an A/B session are levelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matching {
    /// Integrated loudness (BS.1770) of each entry's passage through each profile.
    Loudness,
    /// Loudness of pink noise through each profile, the same for every entry.
    Pink,
    /// No matching.
    Off,
}

/// Longest stretch of an entry analysed for level matching.
pub const MATCH_SECONDS: f64 = 60.0;

/// Level matches for every entry of `playlist` (None where one cannot be analysed): on the
/// passage being compared (`region`, else a minute around the first cue, else the first
/// minute), or on pink noise at the first entry's rate (or the lowest common rate above it at
/// which every profile runs).
pub fn match_entries(
    playlist: &crate::playlist::Resolved,
    profiles: &[Option<&EqProfile>],
    how: Matching,
    region: Option<(f64, f64)>,
) -> Result<Vec<Option<LevelMatch>>, LevelMatchError> {
    match how {
        Matching::Off => Ok(vec![Some(LevelMatch::off(profiles.len())); playlist.len()]),
        Matching::Pink => {
            let first = playlist.first_rate(0).unwrap_or(48_000);
            let runs_at = |r: u32| profiles.iter().flatten().try_for_each(|p| p.check_rate(r));
            let common = [first, 48_000, 96_000, 192_000]
                .into_iter()
                .filter(|&r| r >= first)
                .find(|&r| runs_at(r).is_ok());
            let rate = match common {
                Some(rate) => rate,
                None => runs_at(first).map(|()| first)?,
            };
            let noise = crate::material::pink_noise_stereo(rate, 10.0);
            let m = match_levels(profiles, &noise, rate)?;
            Ok(vec![Some(m); playlist.len()])
        }
        Matching::Loudness => Ok((0..playlist.len())
            .map(|i| {
                let path = playlist.path(i)?;
                let (from, to) = region
                    .or_else(|| {
                        let cue = playlist.cues(i).first()?.at;
                        Some(((cue - 10.0).max(0.0), cue + MATCH_SECONDS - 10.0))
                    })
                    .unwrap_or((0.0, MATCH_SECONDS));
                let (info, samples) = crate::decode::decode_range(path, from, Some(to)).ok()?;
                match_levels(profiles, &samples, info.sample_rate).ok()
            })
            .collect()),
    }
}

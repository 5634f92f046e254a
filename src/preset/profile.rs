//! EQ profiles (`presets/eq/*.toml`): the filters a profile holds, and the running
//! [`EqChain`] built from it for a sample rate. Reading and writing the files is in
//! `profile_toml.rs`; a profile is read without knowing the rate it will play at, and what
//! depends on the rate (a band at or above Nyquist) is checked when its chain is built.
//!
//! ```toml
//! version = 1
//! name = "Tame the 6 kHz peak"
//! preamp_db = -2.0
//! bands = [
//!   { type = "low_shelf", freq_hz = 105, gain_db = 3.0, q = 0.7 },
//!   { type = "peaking", freq_hz = 6000, gain_db = -4.0, q = 4.0 },
//! ]
//! # or, instead of bands, the ISO 10-band graphic EQ (31.25 Hz … 16 kHz):
//! # graphic = { gains_db = [3, 2, 0, 0, 0, 0, -1, -2, 0, 1] }
//!
//! # optional: what one channel adds after the shared filters (a trim and its own bands)
//! [left]
//! gain_db = 0.0
//! bands = [ { type = "peaking", freq_hz = 3000, gain_db = 1.5, q = 2.0 } ]
//! [right]
//! gain_db = -0.4
//! bands = []
//! ```

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use crate::dsp::{
    BandError, BandSpec, Channel, Coeffs, EqChain, ISO_BANDS_HZ, MAX_STAGES, graphic_bands,
};
use crate::eq::{Range, standard_freqs};
use crate::exit_status::ExitStatus;
use crate::problem::{FileProblem, Listed};

/// The profile format version this build reads and writes.
pub const PROFILE_VERSION: u32 = 1;

/// Largest |gain| (dB) a band, slider or preamp may have.
pub const MAX_GAIN_DB: f64 = 30.0;

/// Rate `check` validates against unless told otherwise (CD audio; the lowest common rate,
/// so the strictest Nyquist limit).
pub const DEFAULT_CHECK_RATE: u32 = 44_100;

/// Lowest band frequency (Hz). Far below hearing a filter does nothing useful, and near 0 Hz
/// (1e-320, say) its coefficients underflow and the response is NaN.
pub const MIN_FREQ_HZ: f64 = 1.0;

/// Q range of a band. Outside it the coefficients lose all precision (a Q of 1e-300 makes
/// them infinite); real presets stay within 0.1–20.
pub const MIN_Q: f64 = 0.01;
/// Largest Q of a band.
pub const MAX_Q: f64 = 100.0;

/// A validated EQ profile.
#[derive(Clone, Debug)]
pub struct EqProfile {
    /// Display name.
    pub name: String,
    /// Gain applied before the filters (negative to make room for boosts).
    pub preamp_db: f64,
    /// The filters both channels run.
    pub shape: EqShape,
    /// What each channel (left, right) adds after them: empty unless the profile is
    /// per-channel.
    pub channels: [ChannelEq; 2],
    /// The file it was read from, if any: problems found later, when its chain is built for a
    /// rate, name the file and line.
    pub origin: Option<Origin>,
}

/// Two profiles are equal when their filters are: where they were read from does not count.
impl PartialEq for EqProfile {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.preamp_db == other.preamp_db
            && self.shape == other.shape
            && self.channels == other.channels
    }
}

/// What one channel of a per-channel profile adds to the shared filters: a trim and bands
/// run after them (the `[left]` and `[right]` tables of a profile file).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChannelEq {
    /// Gain (dB) on top of the profile's preamp.
    pub gain_db: f64,
    /// Bands after the shared ones, this channel only.
    pub bands: Vec<BandSpec>,
}

impl ChannelEq {
    /// Whether it adds nothing.
    pub fn is_empty(&self) -> bool {
        self.gain_db == 0.0 && self.bands.is_empty()
    }
}

/// Where a profile was read from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origin {
    /// The profile file.
    pub path: PathBuf,
    /// The line of each band's `freq_hz` (parametric profiles).
    pub band_lines: Vec<usize>,
    /// The line of `graphic` (graphic profiles).
    pub graphic_line: usize,
    /// The line of each band's `freq_hz` in the `[left]` and `[right]` tables.
    pub channel_band_lines: [Vec<usize>; 2],
    /// The line of the preamp (0: not known), for a profile imported from another format.
    pub preamp_line: usize,
}

/// What the filters of a profile are.
#[derive(Clone, Debug, PartialEq)]
pub enum EqShape {
    /// Parametric bands, applied in order.
    Parametric(Vec<BandSpec>),
    /// Gains (dB) of the ten ISO graphic EQ sliders.
    Graphic([f64; 10]),
}

impl EqShape {
    /// `bands` as a shape: the ISO graphic EQ when `graphic` and they are its ten bands
    /// (centres and Q √2), else parametric.
    pub fn from_bands(bands: &[BandSpec], graphic: bool) -> Self {
        let iso = graphic
            && bands.len() == 10
            && bands
                .iter()
                .zip(ISO_BANDS_HZ)
                .all(|(b, f)| b.freq_hz == f && (b.q - std::f64::consts::SQRT_2).abs() < 1e-12);
        match bands {
            [a, b, c, d, e, f, g, h, i, j] if iso => {
                EqShape::Graphic([a, b, c, d, e, f, g, h, i, j].map(|band| band.gain_db))
            }
            _ => EqShape::Parametric(bands.to_vec()),
        }
    }
}

/// Why a profile could not be loaded, or cannot run at a sample rate.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}", path = .path.display())]
    Io {
        /// File path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not have the profile's fields.
    #[error("{}", Listed(.problems))]
    Invalid {
        /// Every problem found.
        problems: Vec<FileProblem>,
    },
    /// Bands that cannot run at this sample rate (at or above its Nyquist frequency).
    #[error("{}", Listed(.problems))]
    Rate {
        /// The sample rate.
        rate: u32,
        /// Each band that cannot run, with its file (or, for a profile made in memory, its
        /// name), line, field and value.
        problems: Vec<FileProblem>,
    },
}

/// A profile the user gave that cannot be read or played: exit code 2.
impl ExitStatus for ProfileError {
    fn exit_code(&self) -> u8 {
        2
    }
}

impl EqProfile {
    /// A profile that changes nothing (bypass).
    pub fn flat() -> Self {
        EqProfile {
            name: "flat".into(),
            preamp_db: 0.0,
            shape: EqShape::Parametric(Vec::new()),
            channels: Default::default(),
            origin: None,
        }
    }

    /// A profile of `shape` under `preamp_db`, the same on both channels, made in memory.
    pub fn shared(name: impl Into<String>, preamp_db: f64, shape: EqShape) -> Self {
        EqProfile {
            name: name.into(),
            preamp_db,
            shape,
            channels: Default::default(),
            origin: None,
        }
    }

    /// One profile from a profile for each channel: what each runs becomes that channel's
    /// part ([`EqProfile::split`]).
    pub fn from_channels(name: impl Into<String>, left: &EqProfile, right: &EqProfile) -> Self {
        if left == right && !left.is_per_channel() {
            return EqProfile {
                name: name.into(),
                origin: None,
                ..left.clone()
            };
        }
        Self::split(
            name,
            [
                left.channel_eq(Channel::Left),
                right.channel_eq(Channel::Right),
            ],
        )
    }

    /// The profile that runs `channels` (each channel's whole preamp and bands, left and
    /// right): the bands both begin with are shared, the louder channel's preamp is the
    /// profile's and the other's difference its trim. Channels that run the same make a
    /// profile that is not per-channel.
    pub fn split(name: impl Into<String>, channels: [ChannelEq; 2]) -> Self {
        let [left, right] = channels;
        let common = left
            .bands
            .iter()
            .zip(&right.bands)
            .take_while(|(l, r)| l == r)
            .count();
        let preamp_db = left.gain_db.max(right.gain_db);
        let own = |c: ChannelEq| ChannelEq {
            gain_db: trim(c.gain_db, preamp_db),
            bands: c.bands.get(common..).unwrap_or_default().to_vec(),
        };
        let shared = left.bands.get(..common).unwrap_or_default().to_vec();
        EqProfile {
            name: name.into(),
            preamp_db,
            shape: EqShape::Parametric(shared),
            channels: [own(left), own(right)],
            origin: None,
        }
        .tidy()
    }

    /// The same profile with equal channel parts folded into the shared ones (the trim into
    /// the preamp, the bands after the shared bands; a graphic EQ with bands after it becomes
    /// its ten peaking bands), so a profile that runs the same on both channels is never
    /// taken for one with channel parts. Where the folded bands were read stays known.
    pub fn tidy(mut self) -> Self {
        if self.is_per_channel() || self.channels.iter().all(ChannelEq::is_empty) {
            return self;
        }
        let [left, _] = std::mem::take(&mut self.channels);
        self.preamp_db += left.gain_db;
        if !left.bands.is_empty() {
            let mut bands = self.bands();
            bands.extend(left.bands);
            self.shape = EqShape::Parametric(bands);
            if let Some(origin) = &mut self.origin {
                let [own, _] = std::mem::take(&mut origin.channel_band_lines);
                if origin.band_lines.is_empty() && origin.graphic_line > 0 {
                    origin.band_lines = vec![origin.graphic_line; ISO_BANDS_HZ.len()];
                }
                origin.band_lines.extend(own);
            }
        }
        self
    }

    /// The profile's shared filters as parametric bands (a graphic EQ becomes its ten
    /// peaking bands). For a per-channel profile these are not all it does: see
    /// [`EqProfile::channel_bands`].
    pub fn bands(&self) -> Vec<BandSpec> {
        match &self.shape {
            EqShape::Parametric(bands) => bands.clone(),
            EqShape::Graphic(gains) => graphic_bands(gains).to_vec(),
        }
    }

    /// Whether the two channels run different filters or gains.
    pub fn is_per_channel(&self) -> bool {
        self.channels[0] != self.channels[1]
    }

    /// What `channel` runs: the shared bands, then its own.
    pub fn channel_bands(&self, channel: Channel) -> Vec<BandSpec> {
        let mut bands = self.bands();
        bands.extend_from_slice(&channel.pick(&self.channels).bands);
        bands
    }

    /// The gain (dB) before `channel`'s filters: the preamp and the channel's trim.
    pub fn channel_preamp_db(&self, channel: Channel) -> f64 {
        self.preamp_db + channel.pick(&self.channels).gain_db
    }

    /// All that `channel` runs, as one channel's EQ: its whole preamp and its bands.
    pub fn channel_eq(&self, channel: Channel) -> ChannelEq {
        ChannelEq {
            gain_db: self.channel_preamp_db(channel),
            bands: self.channel_bands(channel),
        }
    }

    /// The profile that runs on both channels what this one runs on `channel` (the profile
    /// itself when it is not per-channel).
    pub fn channel_profile(&self, channel: Channel) -> EqProfile {
        if !self.is_per_channel() && self.channels[0].bands.is_empty() {
            return EqProfile {
                preamp_db: self.channel_preamp_db(channel),
                channels: Default::default(),
                ..self.clone()
            };
        }
        let own = self.channel_eq(channel);
        EqProfile {
            name: self.name.clone(),
            preamp_db: own.gain_db,
            shape: EqShape::Parametric(own.bands),
            channels: Default::default(),
            origin: None,
        }
    }

    /// Where the profile came from, as messages name it: its file, or its name.
    pub fn source(&self) -> PathBuf {
        match &self.origin {
            Some(o) => o.path.clone(),
            None => PathBuf::from(format!("profile '{}'", self.name)),
        }
    }

    /// Every band that cannot run at `sample_rate` Hz (at or above Nyquist; for a profile
    /// made in memory, also a Q or gain no filter can have), with the line of the band in
    /// its file.
    pub fn rate_problems(&self, sample_rate: u32) -> Vec<FileProblem> {
        let mut problems = self.shared_rate_problems(sample_rate);
        let path = self.source();
        let rate = f64::from(sample_rate);
        let nyquist = rate / 2.0;
        for channel in Channel::BOTH {
            let own = channel.pick(&self.channels);
            let lines = self
                .origin
                .as_ref()
                .map(|o| channel.pick(&o.channel_band_lines));
            for (i, b) in own.bands.iter().enumerate() {
                let Err(error) = Coeffs::new(b, rate) else {
                    continue;
                };
                let line = lines.and_then(|l| l.get(i).copied()).unwrap_or(0);
                let (field, message) = band_problem(error, nyquist, sample_rate);
                problems.push(FileProblem::in_field(
                    &path,
                    line,
                    format!("{}.bands[{i}].{field}", channel.name()),
                    message,
                ));
            }
        }
        problems
    }

    /// [`EqProfile::rate_problems`] of the shared filters.
    fn shared_rate_problems(&self, sample_rate: u32) -> Vec<FileProblem> {
        let path = self.source();
        let rate = f64::from(sample_rate);
        let nyquist = rate / 2.0;
        let origin = self.origin.as_ref();
        match &self.shape {
            EqShape::Graphic(gains) => {
                let line = origin.map_or(0, |o| o.graphic_line);
                let bands = graphic_bands(gains);
                // One problem for the sliders a rate cannot run: the highest names it.
                let too_high = bands
                    .iter()
                    .rev()
                    .find(|b| matches!(Coeffs::new(b, rate), Err(BandError::Frequency { .. })));
                let mut problems: Vec<FileProblem> = too_high
                    .map(|b| {
                        FileProblem::in_field(
                            &path,
                            line,
                            "graphic",
                            format!(
                                "the {} kHz band cannot run at {sample_rate} Hz (Nyquist {nyquist} Hz)",
                                b.freq_hz / 1000.0
                            ),
                        )
                    })
                    .into_iter()
                    .collect();
                problems.extend(bands.iter().enumerate().filter_map(|(i, b)| {
                    match Coeffs::new(b, rate) {
                        Err(BandError::Gain(g)) => Some(FileProblem::in_field(
                            &path,
                            line,
                            format!("graphic.gains_db[{i}]"),
                            format!("{g} is not a finite number of dB"),
                        )),
                        _ => None,
                    }
                }));
                problems
            }
            EqShape::Parametric(bands) => bands
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    let error = Coeffs::new(b, rate).err()?;
                    let line = origin
                        .and_then(|o| o.band_lines.get(i).copied())
                        .unwrap_or(0);
                    let (field, message) = band_problem(error, nyquist, sample_rate);
                    Some(FileProblem::in_field(
                        &path,
                        line,
                        format!("bands[{i}].{field}"),
                        message,
                    ))
                })
                .collect(),
        }
    }

    /// Checks that every band can run at `sample_rate` Hz; the error names the file, line,
    /// band and value of each one that cannot.
    pub fn check_rate(&self, sample_rate: u32) -> Result<(), ProfileError> {
        let problems = self.rate_problems(sample_rate);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ProfileError::Rate {
                rate: sample_rate,
                problems,
            })
        }
    }

    /// A running chain for playback at `sample_rate` Hz, or why the profile cannot run at
    /// that rate ([`EqProfile::check_rate`]).
    pub fn chain(&self, sample_rate: u32) -> Result<EqChain, ProfileError> {
        self.check_rate(sample_rate)?;
        let rate = f64::from(sample_rate);
        let coeffs = Channel::BOTH.map(|channel| {
            self.channel_bands(channel)
                .iter()
                .filter_map(|b| Coeffs::new(b, rate).ok())
                .collect::<Vec<Coeffs>>()
        });
        let preamps = Channel::BOTH.map(|channel| self.channel_preamp_db(channel));
        let [left, right] = &coeffs;
        EqChain::with_channel_stages(rate, preamps, [left, right]).map_err(|e| {
            ProfileError::Invalid {
                problems: vec![FileProblem::in_field(
                    &self.source(),
                    0,
                    "bands",
                    format!("{e} (per channel)"),
                )],
            }
        })
    }

    /// Number of filter stages the busier channel runs (what [`MAX_STAGES`] limits).
    pub fn stage_count(&self) -> usize {
        let shared = match &self.shape {
            EqShape::Parametric(bands) => bands.len(),
            EqShape::Graphic(_) => ISO_BANDS_HZ.len(),
        };
        shared
            + self
                .channels
                .iter()
                .map(|c| c.bands.len())
                .max()
                .unwrap_or(0)
    }

    /// Whether each channel's chain fits in [`MAX_STAGES`].
    pub fn fits_in_a_chain(&self) -> bool {
        self.stage_count() <= MAX_STAGES
    }

    /// Gain (dB) that keeps the profile from boosting any frequency above 0 dB at `rate`: the
    /// automatic preamp on top of the profile's own.
    pub fn safety_gain_db(&self, rate: u32) -> f64 {
        self.max_gain_db(rate)
            .map_or(0.0, |max| if max > 0.0 { -max } else { 0.0 })
    }

    /// Largest gain (dB, preamp included) of the profile over 20 Hz–20 kHz (or up to Nyquist)
    /// at `sample_rate`, on the standard 1/48-octave grid: above 0 dB, a full-scale signal
    /// can clip. None when the profile cannot run at that rate.
    pub fn max_gain_db(&self, sample_rate: u32) -> Option<f64> {
        let chain = self.chain(sample_rate).ok()?;
        standard_freqs(f64::from(sample_rate))
            .into_iter()
            .flat_map(|f| Channel::BOTH.map(|channel| chain.response_db(channel, f)))
            .reduce(f64::max)
    }

    /// The preamp that keeps this profile (its own preamp aside) from boosting above 0 dB,
    /// rounded down to 0.1 dB or to the step of `range`, never above 0 dB, within `range`
    /// when given; the number nearest that decimal, as a profile file shows it.
    pub fn safe_preamp_db(&self, rate: u32, range: Option<Range>) -> f64 {
        let flat = EqProfile {
            preamp_db: 0.0,
            ..self.clone()
        };
        // The same profile may play at 44.1 or 48 kHz too, where the top octave differs
        // slightly: leave headroom for the loudest of them.
        let peak = [rate, 44_100, 48_000]
            .into_iter()
            .filter_map(|r| flat.max_gain_db(r))
            .fold(0.0f64, f64::max);
        let range = range.unwrap_or(Range::new(f64::NEG_INFINITY, 0.0));
        let step = range.step.unwrap_or(0.1);
        // Round the headroom up to whole steps (a tiny epsilon keeps 3.0 from becoming 3.1).
        let steps = ((peak / step) - 1e-9).ceil().max(0.0);
        Range {
            step: Some(step),
            ..range
        }
        .floor(-(steps * step))
    }
}

/// The trim that takes `preamp_db` to `whole_db` exactly, as the shortest decimal that does:
/// -6.8 − -6.1 is -0.7000000000000002 in binary, and -6.1 + -0.7 is -6.8 just as well.
fn trim(whole_db: f64, preamp_db: f64) -> f64 {
    let exact = whole_db - preamp_db;
    (0..16)
        .filter_map(|decimals| format!("{exact:.decimals$}").parse::<f64>().ok())
        .find(|&t| preamp_db + t == whole_db)
        .unwrap_or(exact)
}

/// The field and message of a band that cannot run at `sample_rate`.
fn band_problem(error: BandError, nyquist: f64, sample_rate: u32) -> (&'static str, String) {
    match error {
        BandError::Frequency { freq_hz, .. } => (
            "freq_hz",
            format!(
                "{freq_hz} Hz is outside 0 < freq_hz < {nyquist} Hz (Nyquist at {sample_rate} Hz)"
            ),
        ),
        BandError::Q(q) => ("q", format!("{q} must be a finite number above 0")),
        BandError::Gain(g) => ("gain_db", format!("{g} is not a finite number of dB")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A +4 dB shelf under a -3.5 dB preamp (line 5), and a cut at 23 kHz (line 6).
    const AIR: &str = "version = 1\nname = \"air\"\npreamp_db = -3.5\nbands = [\n\
        { type = \"low_shelf\", freq_hz = 105, gain_db = 4.0, q = 0.7 },\n\
        { type = \"peaking\", freq_hz = 23000, gain_db = -3.0, q = 4 }]\n";

    fn parse(text: &str) -> EqProfile {
        EqProfile::parse(text, Path::new("x.toml")).unwrap()
    }

    #[test]
    fn nyquist_is_checked_when_the_chain_is_built() {
        let p = parse(AIR);
        assert!(p.chain(96_000).is_ok());
        let err = p.chain(44_100).unwrap_err();
        assert!(
            matches!(err, ProfileError::Rate { rate: 44_100, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "x.toml:6: bands[1].freq_hz: 23000 Hz is outside 0 < freq_hz < 22050 Hz (Nyquist at 44100 Hz)"
        );
        assert!(p.check_rate(48_000).is_ok());
        assert!(p.max_gain_db(44_100).is_none());
    }

    #[test]
    fn a_graphic_profile_needs_a_rate_above_32_khz() {
        let p = parse(
            "version = 1\nname = \"g\"\npreamp_db = 0\ngraphic = { gains_db = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }\n",
        );
        assert!(p.check_rate(44_100).is_ok());
        let err = p.check_rate(32_000).unwrap_err().to_string();
        assert_eq!(
            err,
            "x.toml:4: graphic: the 16 kHz band cannot run at 32000 Hz (Nyquist 16000 Hz)"
        );
    }

    #[test]
    fn a_profile_made_in_memory_is_named_by_its_name() {
        let p = EqProfile {
            name: "mine".into(),
            preamp_db: 0.0,
            shape: EqShape::Parametric(vec![
                BandSpec::peaking(1000.0, 1.0, 1.0),
                BandSpec::peaking(30_000.0, 1.0, 1.0),
            ]),
            channels: Default::default(),
            origin: None,
        };
        let err = p.chain(48_000).unwrap_err().to_string();
        assert!(
            err.starts_with("profile 'mine': bands[1].freq_hz: 30000 Hz"),
            "{err}"
        );
        // Where a profile came from is not part of it.
        assert_eq!(
            parse(AIR),
            EqProfile {
                channels: Default::default(),
                origin: None,
                ..parse(AIR)
            }
        );
    }

    #[test]
    fn split_shares_what_both_channels_begin_with() {
        let a = BandSpec::peaking(100.0, 3.0, 1.0);
        let b = BandSpec::peaking(3000.0, -2.0, 2.0);
        let c = BandSpec::peaking(5000.0, 1.0, 3.0);
        let p = EqProfile::split(
            "s",
            [
                ChannelEq {
                    gain_db: -6.0,
                    bands: vec![a, b],
                },
                ChannelEq {
                    gain_db: -6.5,
                    bands: vec![a, c],
                },
            ],
        );
        assert_eq!(p.preamp_db, -6.0);
        assert_eq!(p.shape, EqShape::Parametric(vec![a]));
        assert_eq!(p.channels[0].bands, vec![b]);
        assert_eq!(p.channels[1].gain_db, -0.5);
        assert_eq!(p.channel_bands(Channel::Right), vec![a, c]);
        // The trim is the shortest decimal that gives the channel's gain back exactly.
        let trimmed = EqProfile::split(
            "u",
            [
                ChannelEq {
                    gain_db: -6.1,
                    bands: vec![a],
                },
                ChannelEq {
                    gain_db: -6.8,
                    bands: vec![c],
                },
            ],
        );
        assert_eq!(trimmed.channels[1].gain_db, -0.7);
        assert_eq!(trimmed.channel_preamp_db(Channel::Right), -6.8);
        let same = ChannelEq {
            gain_db: -1.0,
            bands: vec![a, b],
        };
        let q = EqProfile::split("t", [same.clone(), same]);
        assert!(!q.is_per_channel());
        assert!(q.channels.iter().all(ChannelEq::is_empty));
        assert_eq!((q.preamp_db, q.bands()), (-1.0, vec![a, b]));
        let back = EqProfile::from_channels(
            "s",
            &p.channel_profile(Channel::Left),
            &p.channel_profile(Channel::Right),
        );
        assert_eq!(back, p);
    }

    #[test]
    fn max_gain_includes_preamp() {
        let p = parse(AIR);
        let g = p.max_gain_db(48_000).unwrap();
        // The +4 dB shelf with -3.5 dB preamp peaks near +0.5 dB.
        assert!((g - 0.5).abs() < 0.3, "{g}");
    }
}

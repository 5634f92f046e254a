//! `iemlab export`: an EQ profile as the preset file a player, DSP or EQ app imports.
//!
//! Every format is described once in [`crate::preset::device::DEVICES`] (slots, ranges,
//! steps); [`approximate`] brings a profile inside that description, the format's writer
//! prints it, and [`export`] measures the worst deviation between the profile's response
//! and the exported one, refusing when it exceeds the tolerance.

mod apo;
pub mod approximate;
mod apps;
mod camilla;

pub(crate) use crate::preset::profile_toml::{exact, number};
pub use approximate::deviation;
pub use approximate::{Held, approximate};

use crate::dsp::Channel;
use crate::exit_status::ExitStatus;
use crate::preset::device::{self, DeviceSpec};
use crate::preset::device_fit::{DeviceFitError, fit_mean};
use crate::preset::{EqProfile, ProfileError};

/// Sample rate the deviation is measured at (the usual DAP and DAC rate).
pub const EXPORT_RATE: u32 = 48_000;

/// Default largest deviation (dB) `iemlab export` accepts.
pub const DEFAULT_TOLERANCE_DB: f64 = 1.0;

/// One export format: its id on the command line, the file it writes and how.
#[derive(Clone, Copy, Debug)]
pub struct Format {
    /// `--format` id; also the id of its [`DeviceSpec`].
    pub id: &'static str,
    /// Usual file name ending.
    pub extension: &'static str,
    /// What the user does with the file.
    pub usage: &'static str,
    write: fn(&Held, &DeviceSpec) -> String,
    /// The writer of a per-channel profile (each channel's settings, left and right), for a
    /// format that holds one EQ per channel; None for one EQ on both channels.
    write_channels: Option<fn(&[Held; 2], &DeviceSpec) -> String>,
}

impl Format {
    /// Whether the format holds a different EQ for each channel.
    pub fn per_channel(&self) -> bool {
        self.write_channels.is_some()
    }

    /// The format's limits.
    pub fn device(&self) -> &'static DeviceSpec {
        // Every FORMATS id has a DEVICES entry; a unit test checks it.
        device::find(self.id).unwrap_or(&device::DEVICES[0])
    }
}

/// Every format `iemlab export` writes, in `--list` order.
pub static FORMATS: &[Format] = &[
    Format {
        id: "apo",
        extension: "txt",
        usage: "Equalizer APO config.txt or Peace import (Preamp + Filter lines, per channel in Channel sections)",
        write: apo::parametric,
        write_channels: Some(apo::parametric_channels),
    },
    Format {
        id: "graphiceq",
        extension: "txt",
        usage: "Equalizer APO GraphicEQ line (127 AutoEQ nodes, preamp folded in)",
        write: apo::graphic_eq_config,
        write_channels: None,
    },
    Format {
        id: "wavelet",
        extension: "txt",
        usage: "Wavelet: AutoEQ → import this GraphicEQ file",
        write: apo::graphic_eq_line,
        write_channels: None,
    },
    Format {
        id: "poweramp",
        extension: "json",
        usage: "Poweramp Equalizer: presets → import (parametric preset JSON)",
        write: apps::poweramp,
        write_channels: None,
    },
    Format {
        id: "rockbox",
        extension: "cfg",
        usage: "Rockbox: copy to /.rockbox/eqs/, then Sound Settings → Equalizer → Browse EQ Presets",
        write: apps::rockbox,
        write_channels: None,
    },
    Format {
        id: "qudelix",
        extension: "txt",
        usage: "Qudelix 5K app: enter the filters and pre-gain by hand (the app has no import)",
        write: apo::parametric,
        write_channels: None,
    },
    Format {
        id: "fiio",
        extension: "txt",
        usage: "FiiO Control PEQ: enter the filters and global gain by hand",
        write: apo::parametric,
        write_channels: None,
    },
    Format {
        id: "camilladsp",
        extension: "yml",
        usage: "CamillaDSP: merge `filters` and `pipeline` into your config",
        write: camilla::camilladsp,
        write_channels: Some(camilla::camilladsp_channels),
    },
    Format {
        id: "easyeffects",
        extension: "json",
        usage: "EasyEffects: copy to ~/.config/easyeffects/output/ and load the preset",
        write: apps::easyeffects,
        write_channels: Some(apps::easyeffects_channels),
    },
    Format {
        id: "jamesdsp",
        extension: "txt",
        usage: "JamesDSP: Arbitrary response equalizer → import this GraphicEQ string",
        write: apo::graphic_eq_line,
        write_channels: None,
    },
    Format {
        id: "csv",
        extension: "csv",
        usage: "Spreadsheets and scripts: one row per band, plus the preamp",
        write: camilla::csv,
        write_channels: Some(camilla::csv_channels),
    },
];

/// The format called `id` (case-insensitive).
pub fn find(id: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.id.eq_ignore_ascii_case(id))
}

/// A profile written in a format, with what it took.
#[derive(Clone, Debug)]
pub struct Exported {
    /// The file's contents.
    pub text: String,
    /// The settings written: one for both channels, or left then right for a per-channel
    /// profile in a per-channel format.
    pub held: Vec<Held>,
    /// Everything that had to change to fit the format.
    pub notes: Vec<String>,
    /// Largest |difference| (dB) between the profile's response and the exported one,
    /// 20 Hz–20 kHz on a 1/48-octave grid, preamp included.
    pub deviation_db: f64,
    /// Where that largest difference is (Hz).
    pub worst_hz: f64,
}

/// Why a profile was not exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No format has this id.
    #[error("unknown format '{0}'; formats: {list}", list = ids().join(", "))]
    UnknownFormat(String),
    /// The profile cannot run as given (a band beyond Nyquist at the export rate).
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The format cannot hold this profile at all.
    #[error("{format} cannot hold '{name}': {why}")]
    Unholdable {
        /// Format id.
        format: &'static str,
        /// Profile name.
        name: String,
        /// Why.
        why: String,
    },
    /// A per-channel profile and a format with one EQ for both channels.
    #[error(
        "{format} has one EQ for both channels and '{name}' is per-channel: export one channel \
         with --channel left or --channel right, or --channel mean for one EQ fitted to the mean \
         of the two; per-channel formats: {list}",
        list = FORMATS.iter().filter(|f| f.per_channel()).map(|f| f.id).collect::<Vec<_>>().join(", ")
    )]
    OneEq {
        /// Format id.
        format: &'static str,
        /// Profile name.
        name: String,
    },
    /// The closest the format can hold is further from the profile than allowed.
    #[error(
        "{format} cannot hold '{name}' within {tolerance_db} dB: the closest it holds is \
         {deviation_db:.2} dB off at {worst_hz:.0} Hz ({notes}); raise --tolerance to accept it"
    )]
    TooFar {
        /// Format id.
        format: &'static str,
        /// Profile name.
        name: String,
        /// Worst deviation (dB).
        deviation_db: f64,
        /// Where (Hz).
        worst_hz: f64,
        /// The tolerance asked for.
        tolerance_db: f64,
        /// What was changed, joined.
        notes: String,
    },
}

/// The format or profile the user chose cannot be exported: exit code 2.
impl ExitStatus for ExportError {
    fn exit_code(&self) -> u8 {
        2
    }
}

/// Which EQ of a per-channel profile to export to a format with one EQ for both channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelChoice {
    /// The left channel's.
    Left,
    /// The right channel's.
    Right,
    /// One EQ fitted to the mean of the two channels' responses.
    Mean,
}

/// What [`choose_channel`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Chosen {
    /// The profile runs the same EQ on both channels: nothing to choose.
    SameOnBoth,
    /// One channel's EQ was taken.
    Channel,
    /// One EQ was fitted to the mean of the two, within this many dB of it.
    Mean(f64),
}

/// The profile `choice` asks for of a per-channel `profile`, for `format`: one channel's EQ,
/// or one EQ fitted to the mean of both in what the format holds. A profile that is not
/// per-channel comes back as it is.
pub fn choose_channel(
    profile: EqProfile,
    choice: ChannelChoice,
    format: &Format,
) -> Result<(EqProfile, Chosen), DeviceFitError> {
    if !profile.is_per_channel() {
        return Ok((profile, Chosen::SameOnBoth));
    }
    Ok(match choice {
        ChannelChoice::Left => (profile.channel_profile(Channel::Left), Chosen::Channel),
        ChannelChoice::Right => (profile.channel_profile(Channel::Right), Chosen::Channel),
        ChannelChoice::Mean => {
            let (mean, worst) = fit_mean(&profile, format.device(), EXPORT_RATE)?;
            (mean, Chosen::Mean(worst))
        }
    })
}

/// Every format id.
pub fn ids() -> Vec<&'static str> {
    FORMATS.iter().map(|f| f.id).collect()
}

/// `profile` written as `format`, or an error when the format cannot hold it within
/// `tolerance_db` (in either channel), or holds one EQ and the profile is per-channel.
pub fn export(
    profile: &EqProfile,
    format: &Format,
    tolerance_db: f64,
) -> Result<Exported, ExportError> {
    let device = format.device();
    let channels: Vec<EqProfile> = match (profile.is_per_channel(), format.write_channels) {
        (false, _) => vec![profile.clone()],
        (true, Some(_)) => Channel::BOTH
            .iter()
            .map(|&c| profile.channel_profile(c))
            .collect(),
        (true, None) => {
            return Err(ExportError::OneEq {
                format: format.id,
                name: profile.name.clone(),
            });
        }
    };
    let mut held = Vec::new();
    let mut notes = Vec::new();
    let (mut deviation_db, mut worst_hz) = (0.0, 0.0);
    for (channel, one) in Channel::BOTH.iter().zip(&channels) {
        let (h, n) = approximate(one, device, EXPORT_RATE);
        let (d, at) = deviation(one, &h, EXPORT_RATE)?;
        let label = |note: &String| {
            if channels.len() > 1 {
                format!("{}: {note}", channel.name())
            } else {
                note.clone()
            }
        };
        notes.extend(n.iter().map(label));
        if d > deviation_db || held.is_empty() {
            (deviation_db, worst_hz) = (d, at);
        }
        held.push(h);
    }
    if deviation_db > tolerance_db {
        return Err(ExportError::TooFar {
            format: format.id,
            name: profile.name.clone(),
            deviation_db,
            worst_hz,
            tolerance_db,
            notes: if notes.is_empty() {
                "values rounded to the format's steps".into()
            } else {
                notes.join("; ")
            },
        });
    }
    if let ([left, right], "easyeffects") = (held.as_slice(), format.id)
        && let Some(why) = apps::easyeffects_channels_problem(&[left.clone(), right.clone()])
    {
        return Err(ExportError::Unholdable {
            format: format.id,
            name: profile.name.clone(),
            why,
        });
    }
    let text = match (held.as_slice(), format.write_channels) {
        ([left, right], Some(write)) => write(&[left.clone(), right.clone()], device),
        _ => held
            .first()
            .map(|one| (format.write)(one, device))
            .unwrap_or_default(),
    };
    Ok(Exported {
        text,
        held,
        notes,
        deviation_db,
        worst_hz,
    })
}

/// The limits of a format in one line, for `iemlab export --list` and the README.
pub fn describe(device: &DeviceSpec) -> String {
    use crate::preset::device::Layout;
    let range = |r: &crate::preset::Range| {
        let step = r
            .step
            .map_or(String::new(), |s| format!(" (step {})", exact(s)));
        format!("{}…{}{step}", exact(r.min), exact(r.max))
    };
    let layout = match device.layout {
        Layout::Parametric { slots } => {
            let mut kinds: Vec<&str> = Vec::new();
            for slot in slots {
                for k in slot.iter() {
                    if !kinds.contains(&k.name()) {
                        kinds.push(k.name());
                    }
                }
            }
            let fixed = slots.windows(2).any(|w| w[0] != w[1]);
            let kinds = if kinds.len() == 8 {
                "any type".to_string()
            } else {
                kinds.join("/")
            };
            format!(
                "{} filters ({kinds}{})",
                slots.len(),
                if fixed { ", fixed slots" } else { "" }
            )
        }
        Layout::Graphic { freqs_hz, q } => {
            format!("{} fixed bands, Q {}", freqs_hz.len(), number(q, 2, 2))
        }
        Layout::Curve { freqs_hz } => {
            return format!(
                "{}-node curve, {}…{} Hz; gain {} dB, preamp folded in",
                freqs_hz.len(),
                exact(freqs_hz[0]),
                exact(freqs_hz[freqs_hz.len() - 1]),
                range(&device.gain_db)
            );
        }
    };
    format!(
        "{layout}; gain {} dB; Q {}; {} Hz; preamp {} dB",
        range(&device.gain_db),
        range(&device.q),
        range(&device.freq_hz),
        range(&device.preamp_db)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_a_device_with_its_id() {
        for f in FORMATS {
            assert_eq!(device::find(f.id).map(|d| d.id), Some(f.id));
            // The table says which formats hold one EQ per channel; their writers agree.
            assert_eq!(f.device().per_channel, f.per_channel(), "{}", f.id);
        }
        assert_eq!(FORMATS.len(), 11);
    }

    #[test]
    fn numbers_trim_and_never_print_minus_zero() {
        assert_eq!(number(6.0, 2, 1), "6.0");
        assert_eq!(number(-1.25, 2, 1), "-1.25");
        assert_eq!(number(105.0, 2, 0), "105");
        assert_eq!(number(-0.04, 1, 1), "0.0");
        assert_eq!(number(0.7, 2, 2), "0.70");
        assert_eq!(exact(-0.0), "0");
        assert_eq!(exact(31.25), "31.25");
    }
}

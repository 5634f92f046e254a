//! Where each value of an imported profile came from: a file (the preset, or a file it
//! includes) and a line of it, so a value the profile cannot hold is reported where the user
//! wrote it.

use std::path::PathBuf;

use crate::dsp::{Channel, MAX_STAGES};
use crate::preset::profile::{EqProfile, Origin};

/// A line of a user's file.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Place {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
}

/// Where the values of an imported profile came from, field by field of the profile.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Places {
    /// Each shared band's line.
    pub bands: Vec<Place>,
    /// Each band of a channel's own (left, right).
    pub channel_bands: [Vec<Place>; 2],
    /// The line that set the profile's preamp.
    pub preamp: Option<Place>,
    /// The line that set each channel's trim (left, right).
    pub channel_gains: [Option<Place>; 2],
}

/// One channel's whole chain as an importer read it: where its preamp and each of its bands
/// came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct ChannelPlaces {
    /// The line of the preamp (the last one, when several add up).
    pub preamp: Option<Place>,
    /// Each band's line, in the channel's order.
    pub bands: Vec<Place>,
}

impl Places {
    /// The lines an importer gave in the profile's [`Origin`], all in its one file.
    pub fn from_origin(origin: &Origin) -> Self {
        let place = |line: usize| {
            (line > 0).then(|| Place {
                path: origin.path.clone(),
                line,
            })
        };
        let all = |lines: &[usize]| -> Vec<Place> {
            lines
                .iter()
                .map(|&line| Place {
                    path: origin.path.clone(),
                    line,
                })
                .collect()
        };
        Places {
            bands: all(&origin.band_lines),
            channel_bands: origin.channel_band_lines.each_ref().map(|l| all(l)),
            preamp: place(origin.preamp_line),
            channel_gains: [place(origin.preamp_line), place(origin.preamp_line)],
        }
    }

    /// The places of `profile`'s fields, for a profile made by [`EqProfile::split`] from two
    /// channel chains read from `channels` (left, right): the shared bands are the ones both
    /// chains begin with (named at the left channel's lines), the rest each channel's own; the
    /// preamp is the louder channel's.
    pub fn split(profile: &EqProfile, channels: [ChannelPlaces; 2]) -> Self {
        let shared = profile.bands().len();
        let [left, right] = channels;
        let louder = if profile.channel_preamp_db(Channel::Left)
            >= profile.channel_preamp_db(Channel::Right)
        {
            &left
        } else {
            &right
        };
        let own = |c: &ChannelPlaces| -> Vec<Place> {
            if profile.is_per_channel() {
                c.bands.get(shared..).unwrap_or_default().to_vec()
            } else {
                Vec::new()
            }
        };
        Places {
            bands: left.bands.get(..shared).unwrap_or_default().to_vec(),
            channel_bands: [own(&left), own(&right)],
            preamp: louder.preamp.clone(),
            channel_gains: [left.preamp.clone(), right.preamp.clone()],
        }
    }

    /// The place of a profile field as the profile parser names it (`bands[3].gain_db`,
    /// `left.bands[0].q`, `preamp_db`, `right.gain_db`), if known.
    pub fn of_field(&self, field: &str) -> Option<&Place> {
        let index_in = |prefix: &str| -> Option<usize> {
            field.strip_prefix(prefix)?.split(']').next()?.parse().ok()
        };
        if let Some(i) = index_in("bands[") {
            return self.bands.get(i);
        }
        // Too many bands: the first one with no room in the chain.
        if field == "bands" {
            return self.bands.get(MAX_STAGES).or(self.bands.last());
        }
        for channel in Channel::BOTH {
            let name = channel.name();
            if field == format!("{name}.bands") {
                let own = channel.pick(&self.channel_bands);
                return own
                    .get(MAX_STAGES.saturating_sub(self.bands.len()))
                    .or(own.last());
            }
            if let Some(i) = index_in(&format!("{name}.bands[")) {
                return channel.pick(&self.channel_bands).get(i);
            }
            if field == format!("{name}.gain_db") {
                return channel.pick(&self.channel_gains).as_ref();
            }
        }
        match field {
            "preamp_db" => self.preamp.as_ref(),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::dsp::BandSpec;
    use crate::preset::profile::ChannelEq;

    fn at(line: usize) -> Place {
        Place {
            path: PathBuf::from("a.txt"),
            line,
        }
    }

    #[test]
    fn a_split_profile_names_each_field_at_its_line() {
        let (a, b) = (
            BandSpec::peaking(100.0, 3.0, 1.0),
            BandSpec::peaking(3000.0, -2.0, 2.0),
        );
        let profile = EqProfile::split(
            "s",
            [
                ChannelEq {
                    gain_db: -3.0,
                    bands: vec![a, b],
                },
                ChannelEq {
                    gain_db: -4.0,
                    bands: vec![a],
                },
            ],
        );
        let places = Places::split(
            &profile,
            [
                ChannelPlaces {
                    preamp: Some(at(1)),
                    bands: vec![at(2), at(3)],
                },
                ChannelPlaces {
                    preamp: Some(at(5)),
                    bands: vec![at(6)],
                },
            ],
        );
        assert_eq!(places.of_field("bands[0].freq_hz"), Some(&at(2)));
        assert_eq!(places.of_field("left.bands[0].q"), Some(&at(3)));
        assert_eq!(places.of_field("right.bands[0].q"), None);
        assert_eq!(places.of_field("preamp_db"), Some(&at(1)));
        assert_eq!(places.of_field("right.gain_db"), Some(&at(5)));
        assert_eq!(places.of_field("name"), None);
    }
}

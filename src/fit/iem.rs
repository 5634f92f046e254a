//! Fitting an IEM as the database holds it (one measured channel, or left and right) to a
//! reference: one EQ for the average of its channels, or each channel fitted on its own (a
//! per-channel profile). What `ab --iem` simulates and the studio page fits.

use crate::fr::{FrCurve, LogGrid};
use crate::preset::{EqProfile, Layout};

use super::{CorrectionOptions, EqLayout, FitError, FitReport, correction, fit, fit_channels};

/// How to fit an IEM: everything but the curves.
#[derive(Clone, Copy, Debug)]
pub struct IemFitOptions<'a> {
    /// How measurement and reference are prepared.
    pub opts: CorrectionOptions,
    /// The shape of EQ to fit.
    pub layout: EqLayout<'a>,
    /// Playback rate the filters are designed for (Hz).
    pub rate: u32,
    /// Fit each channel on its own (needs both channels measured).
    pub per_channel: bool,
}

/// A fitted IEM.
#[derive(Clone, Debug)]
pub struct IemFit {
    /// The profile.
    pub profile: EqProfile,
    /// The fit error: of the average's fit, or of the channel fitted worse (RMS below
    /// 10 kHz).
    pub report: FitReport,
    /// Each channel's fit error (left, right), for a per-channel fit.
    pub channels: Option<[FitReport; 2]>,
}

impl IemFit {
    /// How close the fit came, in a few words: "1.23 dB RMS, 3.40 dB max below 10 kHz", or
    /// each channel's RMS for a per-channel fit.
    pub fn error_line(&self) -> String {
        match &self.channels {
            Some([l, r]) => format!(
                "left {:.2} dB RMS, right {:.2} dB RMS below 10 kHz",
                l.rms_low_db, r.rms_low_db
            ),
            None => format!(
                "{:.2} dB RMS, {:.2} dB max below 10 kHz",
                self.report.rms_low_db, self.report.max_low_db
            ),
        }
    }
}

/// Fits the IEM measured as `mine` (its channels, left first when there are two; named
/// `my_name`) to `reference`, as `how` says; the profile is called `name`.
pub fn fit_iem(
    mine: &[FrCurve],
    my_name: &str,
    reference: &FrCurve,
    how: &IemFitOptions<'_>,
    name: &str,
) -> Result<IemFit, FitError> {
    if !how.per_channel {
        let measured = crate::fr::average(mine, &LogGrid::STANDARD, my_name)?;
        let c = correction(&measured, reference, &how.opts);
        let fitted = fit(&c.goal, how.layout, how.rate, name)?;
        return Ok(IemFit {
            profile: fitted.profile,
            report: fitted.report,
            channels: None,
        });
    }
    let [a, b] = mine else {
        return Err(FitError::Request(format!(
            "a per-channel fit needs both channels measured; {my_name} has {}",
            mine.len()
        )));
    };
    match how.layout {
        EqLayout::Graphic => {
            return Err(FitError::Request(
                "a per-channel fit is parametric; the graphic EQ has one EQ for both channels"
                    .into(),
            ));
        }
        EqLayout::Device(d, _) if !d.per_channel => {
            return Err(FitError::Request(format!(
                "{} has one EQ for both channels: fit it without per-channel",
                d.name
            )));
        }
        EqLayout::Device(d, _) if matches!(d.layout, Layout::Graphic { .. }) => {
            return Err(FitError::Request(format!(
                "{} is a graphic EQ: fit it without per-channel",
                d.name
            )));
        }
        _ => {}
    }
    // Left first: a pair named "X R", "X L" is taken in its sides' order.
    let (left, right) = if crate::fr::is_right(&a.name) && !crate::fr::is_right(&b.name) {
        (b, a)
    } else {
        (a, b)
    };
    let fitted = fit_channels(
        left, right, reference, &how.opts, how.layout, how.rate, name,
    )?;
    let [l, r] = fitted.reports;
    let worst = if l.rms_low_db >= r.rms_low_db { l } else { r };
    Ok(IemFit {
        profile: fitted.profile,
        report: worst,
        channels: Some([l, r]),
    })
}

//! What one fit made: the line `iemlab fit` prints, or with `--json` one object.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::plan::{Plan, describe};
use crate::cli::output::is_stdout;
use crate::fit::{ChannelFit, Correction, FitReport, Fitted, Imbalance};
use crate::preset::EqShape;

/// What one fit made: the summary line, or with `--json` one object.
#[derive(Serialize)]
pub(super) struct Done {
    /// The profile written (`-` for stdout).
    output: PathBuf,
    /// The measurement file(s) fitted (two for a left/right average).
    fr: Vec<PathBuf>,
    /// The profile's name.
    name: String,
    /// The measurement's name (an L/R average drops the side).
    measurement: String,
    /// The target's or simulated IEM's name.
    reference: String,
    /// `parametric` or `graphic`.
    shape: &'static str,
    /// Bands (of the busier channel, for a per-channel profile).
    bands: usize,
    /// `--device` id, if any.
    device: Option<&'static str>,
    /// Sample rate the filters are designed for.
    fs: u32,
    smoothing: String,
    max_gain_db: f64,
    preamp_db: f64,
    /// Fit error in dB: RMS and largest, 20 Hz–10 kHz and 10–20 kHz.
    error_db: ErrorJson,
    /// Wall time of the fit.
    time_ms: f64,
    /// The plot written beside the profile (`--plot`).
    plot: Option<PathBuf>,
    /// A per-channel fit (`--per-channel`): each channel's error and the L−R imbalance.
    #[serde(skip_serializing_if = "Option::is_none")]
    channels: Option<ChannelsJson>,
    /// The text line, as printed without `--json`.
    #[serde(skip)]
    line: String,
}

/// What a per-channel fit did to each channel.
#[derive(Serialize)]
struct ChannelsJson {
    left_error_db: ErrorJson,
    right_error_db: ErrorJson,
    /// L − R over 100 Hz–10 kHz, before and after the EQ.
    imbalance_before_db: Imbalance,
    imbalance_after_db: Imbalance,
}

/// A fit's error figures (dB).
#[derive(Serialize)]
struct ErrorJson {
    rms_20_10k: f64,
    max_20_10k: f64,
    rms_10k_20k: f64,
    max_10k_20k: f64,
}

impl From<&FitReport> for ErrorJson {
    fn from(r: &FitReport) -> Self {
        ErrorJson {
            rms_20_10k: r.rms_low_db,
            max_20_10k: r.max_low_db,
            rms_10k_20k: r.rms_high_db,
            max_10k_20k: r.max_high_db,
        }
    }
}

impl Done {
    pub(super) fn new(
        plan: &Plan<'_>,
        fr: &[PathBuf],
        c: &Correction,
        fitted: &Fitted,
        out: &Path,
    ) -> Self {
        let plot = plan.args.plot.then(|| out.with_extension("png"));
        let mut line = format!(
            "wrote {}: {}, preamp {:+.1} dB ({} → {})",
            if is_stdout(out) {
                "stdout".into()
            } else {
                out.display().to_string()
            },
            describe(plan, fitted),
            fitted.profile.preamp_db,
            c.measured.name,
            c.reference.name
        );
        if let Some(png) = &plot {
            line.push_str(&format!("; plot {}", png.display()));
        }
        let (shape, bands) = match &fitted.profile.shape {
            _ if fitted.profile.is_per_channel() => ("parametric", fitted.profile.stage_count()),
            EqShape::Graphic(g) => ("graphic", g.len()),
            EqShape::Parametric(b) => ("parametric", b.len()),
        };
        let r = &fitted.report;
        Done {
            output: out.to_path_buf(),
            fr: fr.to_vec(),
            name: fitted.profile.name.clone(),
            measurement: c.measured.name.clone(),
            reference: c.reference.name.clone(),
            shape,
            bands,
            device: plan.device.map(|d| d.id),
            fs: plan.args.fs,
            smoothing: plan.opts.smoothing.to_string(),
            max_gain_db: plan.opts.max_gain_db,
            preamp_db: fitted.profile.preamp_db,
            error_db: ErrorJson::from(r),
            time_ms: r.elapsed.as_secs_f64() * 1000.0,
            plot,
            channels: None,
            line,
        }
    }

    /// The same, for a per-channel fit: each channel's error and the imbalance.
    pub(super) fn with_channels(self, fit: &ChannelFit) -> Self {
        let [left, right] = &fit.reports;
        Done {
            channels: Some(ChannelsJson {
                left_error_db: ErrorJson::from(left),
                right_error_db: ErrorJson::from(right),
                imbalance_before_db: fit.before,
                imbalance_after_db: fit.after,
            }),
            ..self
        }
    }

    /// "wrote OUT.toml: 10 parametric bands, …, preamp -6.3 dB (Crimson L → Harman in-ear 2019)".
    pub(super) fn line(&self) -> &str {
        &self.line
    }
}

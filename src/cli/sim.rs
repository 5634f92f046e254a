//! "The sound of that IEM on mine": profiles fitted on the fly from the database, for `ab`
//! and `render --ab`. With `--iem MINE`, a name given where a profile goes (`--a P8`) is
//! another IEM of the database, and its profile is a fit of MINE to it, made as `fit
//! --simulate` makes it; a profile file, a shipped profile or `flat` still works there.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use super::db::DbArgs;
use crate::db::{self, Database};
use crate::fit::{CorrectionOptions, EqLayout, IemFitOptions, fit_iem};
use crate::fr::{FrCurve, LogGrid};
use crate::preset::EqProfile;

/// The fit options a simulation takes (as `iemlab fit` has them).
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct SimArgs {
    /// Your IEM by name in the --db database: a name given to --a/--b/--c/--d (or in --ab)
    /// then means "that IEM's sound on mine", fitted on the fly.
    #[arg(long, value_name = "NAME")]
    pub(crate) iem: Option<String>,
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Parametric bands of each simulation.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=32))]
    pub(crate) peq: u16,
    /// Largest boost a simulation may apply (dB).
    #[arg(long, value_name = "DB", default_value_t = crate::fit::correction::DEFAULT_MAX_GAIN_DB)]
    pub(crate) max_gain: f64,
    /// Rate the simulations' filters are designed for (Hz).
    #[arg(long, value_name = "HZ", default_value_t = 48_000,
          value_parser = clap::value_parser!(u32).range(8000..=768_000))]
    pub(crate) fs: u32,
    /// Fit each channel of your IEM to the other IEM (per-channel simulations).
    #[arg(long)]
    pub(crate) per_channel: bool,
}

/// What a profile slot holds: a profile as `spec` names it, or a simulation.
pub(crate) enum Slot {
    /// A profile file, a shipped profile or `flat`.
    Profile,
    /// Another IEM of the database by name.
    Simulation(String),
}

/// Whether `spec` names a profile (a file, a shipped profile, `flat`, or anything ending in
/// `.toml`) rather than an IEM.
fn is_profile(spec: &str) -> bool {
    let path = Path::new(spec);
    EqProfile::names_flat(spec)
        || path.exists()
        || crate::shipped::find(path).is_some()
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

impl SimArgs {
    /// What each spec is: without --iem every spec is a profile.
    pub(crate) fn slots(&self, specs: &[&str]) -> Vec<Slot> {
        specs
            .iter()
            .map(|s| match (&self.iem, is_profile(s)) {
                (Some(_), false) => Slot::Simulation((*s).to_string()),
                _ => Slot::Profile,
            })
            .collect()
    }

    /// The simulations among `slots`, fitted side by side: for each slot, None (a profile
    /// slot) or the simulated profile and the line saying how close it came.
    pub(crate) fn simulate(
        &self,
        slots: &[Slot],
    ) -> anyhow::Result<Vec<Option<(EqProfile, String)>>> {
        let Some(mine) = &self.iem else {
            return Ok(slots.iter().map(|_| None).collect());
        };
        if !slots.iter().any(|s| matches!(s, Slot::Simulation(_))) {
            return Ok(slots.iter().map(|_| None).collect());
        }
        if !(self.max_gain.is_finite()
            && (0.0..=crate::preset::MAX_GAIN_DB).contains(&self.max_gain))
        {
            return Err(super::exit::UsageError(format!(
                "--max-gain {} must be between 0 and {} dB",
                self.max_gain,
                crate::preset::MAX_GAIN_DB
            ))
            .into());
        }
        let dbs = self.db.open_for(&format!("--iem {mine}"))?;
        let (my_name, my_curves) = load(&dbs, mine)?;
        slots
            .par_iter()
            .map(|slot| match slot {
                Slot::Profile => Ok(None),
                Slot::Simulation(other) => {
                    let (other_name, other_curves) = load(&dbs, other)?;
                    self.fit_one(&my_name, &my_curves, &other_name, &other_curves)
                        .map(Some)
                }
            })
            .collect()
    }

    /// My IEM fitted to sound like the other: the profile and its line.
    fn fit_one(
        &self,
        my_name: &str,
        mine: &[FrCurve],
        other_name: &str,
        other: &[FrCurve],
    ) -> anyhow::Result<(EqProfile, String)> {
        let start = Instant::now();
        let how = IemFitOptions {
            opts: CorrectionOptions {
                max_gain_db: self.max_gain,
                ..CorrectionOptions::default()
            },
            layout: EqLayout::Parametric(usize::from(self.peq)),
            rate: self.fs,
            per_channel: self.per_channel,
        };
        let reference = crate::fr::average(other, &LogGrid::STANDARD, other_name)?;
        let name = format!("{other_name} on {my_name}");
        if self.per_channel && mine.len() != 2 {
            return Err(super::exit::UsageError(format!(
                "--per-channel: {my_name} has one measured channel in the database; simulate without --per-channel"
            ))
            .into());
        }
        let fitted = fit_iem(mine, my_name, &reference, &how, &name)?;
        let line = format!(
            "{name}: {} bands, fit error {}, {:.0} ms",
            self.peq,
            fitted.error_line(),
            start.elapsed().as_secs_f64() * 1000.0
        );
        Ok((fitted.profile, line))
    }
}

/// The measurements of the IEM called `name`: its full name and the channels that exist.
fn load(dbs: &[Database], name: &str) -> anyhow::Result<(String, Vec<FrCurve>)> {
    let found = db::find(dbs, name)?;
    let curves: Vec<FrCurve> = found.load()?.into_iter().flatten().collect();
    Ok((found.full_name(), curves))
}

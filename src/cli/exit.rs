//! Errors as the command line reports them: its own usage errors, the text of an error and
//! its causes, and the exit code, found through the registry of every error type it can
//! meet (see [`crate::exit_status`] for the codes and why a registry). A new error type that
//! reaches the command line gets a line here; its variants' codes stay with it.

use crate::ab::matching::LevelMatchError;
use crate::ab::notes::NotesError;
use crate::atomic_file::SaveError;
use crate::db::DbError;
use crate::decode::DecodeError;
use crate::engine::OutputError;
use crate::engine::device::DeviceError;
use crate::exit_status::{self, ExitStatus, Probe, probe};
use crate::fit::FitError;
use crate::fr::FrError;
use crate::fr::plot::PlotError;
use crate::playlist::{PlaylistError, StartError};
use crate::preset::ProfileError;
use crate::preset::device_fit::DeviceFitError;
use crate::preset::export::ExportError;
use crate::preset::import::ImportError;
use crate::problem::FileProblem;
use crate::render::RenderError;
use crate::render::ab::AbRenderError;
use crate::resample::ResampleError;
use crate::timecode::NotATime;

/// Every error type that can reach the command line's error report.
const ERRORS: &[Probe] = &[
    probe::<AbRenderError>,
    probe::<DecodeError>,
    probe::<DeviceError>,
    probe::<DbError>,
    probe::<DeviceFitError>,
    probe::<ExportError>,
    probe::<FileProblem>,
    probe::<FitError>,
    probe::<FrError>,
    probe::<ImportError>,
    probe::<LevelMatchError>,
    probe::<NotATime>,
    probe::<NotesError>,
    probe::<OutputError>,
    probe::<PlaylistError>,
    probe::<PlotError>,
    probe::<ProfileError>,
    probe::<RenderError>,
    probe::<ResampleError>,
    probe::<SaveError>,
    probe::<StartError>,
    probe::<UsageError>,
];

/// The exit code of `err`: that of its outermost cause of a known type, else 1.
pub(super) fn exit_code(err: &anyhow::Error) -> u8 {
    exit_status::exit_code(err.chain(), ERRORS)
}

/// The error and its causes joined with ": ", leaving out a cause whose text the message
/// before it already quotes (errors that embed their source in their own message).
pub(super) fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}

/// A usage error as an `anyhow::Error` (exit code 2).
pub(super) fn usage(message: String) -> anyhow::Error {
    UsageError(message).into()
}

/// A mistake in how the command was called, found after argument parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct UsageError(pub(super) String);

/// The user called the command wrongly: exit code 2.
impl ExitStatus for UsageError {
    fn exit_code(&self) -> u8 {
        2
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use std::path::{Path, PathBuf};

    use anyhow::Context;

    use super::*;

    fn code(err: &anyhow::Error) -> u8 {
        exit_code(err)
    }

    fn io_error() -> std::io::Error {
        std::io::Error::other("disk on fire")
    }

    #[test]
    fn a_file_problem_is_the_users() {
        let problem = FileProblem::at(Path::new("a.csv"), 3, "'x' is not a number");
        assert_eq!(code(&problem.clone().into()), 2);
        let fr = FrError::Problem(problem.clone());
        assert_eq!(code(&fr.into()), 2);
        let import = ImportError::Problem(problem);
        assert_eq!(code(&import.into()), 2);
    }

    #[test]
    fn a_failing_disk_is_the_machines() {
        let save = SaveError::io(Path::new("out.wav"), "write", io_error());
        assert_eq!(code(&save.into()), 1);
        let render = RenderError::Wav(SaveError::io(Path::new("out.wav"), "write", io_error()));
        assert_eq!(code(&render.into()), 1);
        let resample = RenderError::Resample(ResampleError::Process("too short".into()));
        assert_eq!(code(&resample.into()), 1);
    }

    #[test]
    fn wrapping_errors_ask_the_inner_one() {
        let exists = SaveError::Exists(PathBuf::from("out.wav"));
        let output = OutputError::Wav(exists);
        assert_eq!(code(&output.into()), 2);
        let found = OutputError::Device(DeviceError::NotFound("usb".into()));
        assert_eq!(code(&found.into()), 2);
        let lost = OutputError::Device(DeviceError::NoDevice);
        assert_eq!(code(&lost.into()), 1);
        let plot = PlotError::Save(SaveError::Exists(PathBuf::from("fit.png")));
        assert_eq!(code(&plot.into()), 2);
    }

    #[test]
    fn context_keeps_the_code() {
        let problem: Result<(), _> = Err(FileProblem::file(Path::new("p.toml"), "empty"));
        let err = problem.context("loading the profile").unwrap_err();
        assert_eq!(code(&err), 2);
        let disk: Result<(), _> = Err(SaveError::io(Path::new("o.wav"), "sync", io_error()));
        let err = disk.context("saving").context("rendering").unwrap_err();
        assert_eq!(code(&err), 1);
    }

    #[test]
    fn untyped_errors_are_the_machines_and_usage_the_users() {
        assert_eq!(code(&anyhow::anyhow!("something broke")), 1);
        let usage = super::usage("--loop 2:00-1:00: the end is before the start".into());
        assert_eq!(code(&usage.context("ab")), 2);
    }
}

//! Exit codes of errors: 2 when the user's input is at fault (a bad file, a bad value, a file
//! that would be overwritten, a device that does not exist), 1 for a fault of the machine
//! (I/O, a device lost), 128 + N for signal N.
//!
//! Each error type says its own code through [`ExitStatus`]; an error that wraps another
//! (a render error around a WAV file's save error) asks the inner one, so a variant's code is
//! decided once, beside the variant. What stays is finding the trait behind a `dyn Error`:
//! stable Rust downcasts a `dyn Error` only to a concrete type, never to a `dyn ExitStatus`,
//! so [`exit_code`] keeps a registry of the library's error types, one [`probe`] line each,
//! and callers add probes for their own types (the CLI's usage error). Walking the causes
//! outermost first makes the most specific typed error decide, also when `anyhow` context
//! or an untyped wrapper sits above it.

use std::error::Error;

use crate::ab::matching::LevelMatchError;
use crate::ab::notes::NotesError;
use crate::atomic_file::SaveError;
use crate::decode::DecodeError;
use crate::engine::OutputError;
use crate::engine::device::DeviceError;
use crate::fit::FitError;
use crate::fr::FrError;
use crate::fr::plot::PlotError;
use crate::playlist::{PlaylistError, StartError};
use crate::preset::ProfileError;
use crate::preset::export::ExportError;
use crate::preset::import::ImportError;
use crate::problem::FileProblem;
use crate::render::RenderError;
use crate::render::ab::AbRenderError;
use crate::resample::ResampleError;
use crate::timecode::NotATime;

/// An error that knows the process exit code it stands for.
pub trait ExitStatus: Error {
    /// 2 when the user's input is at fault, 1 for a fault of the machine, 128 + N for
    /// signal N.
    fn exit_code(&self) -> u8;
}

/// Reads the exit code of `cause` when it is one particular error type.
pub type Probe = fn(&(dyn Error + 'static)) -> Option<u8>;

/// The [`Probe`] for error type `E`.
pub fn probe<E: ExitStatus + 'static>(cause: &(dyn Error + 'static)) -> Option<u8> {
    cause.downcast_ref::<E>().map(E::exit_code)
}

/// Every error type of the library that a caller can meet in an error chain.
const LIBRARY: &[Probe] = &[
    probe::<AbRenderError>,
    probe::<DecodeError>,
    probe::<DeviceError>,
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
];

/// The exit code of the first cause in `chain` (outermost first) whose type is one of the
/// library's or is read by one of `extra`; 1 when none is.
pub fn exit_code<'a>(
    chain: impl IntoIterator<Item = &'a (dyn Error + 'static)>,
    extra: &[Probe],
) -> u8 {
    chain
        .into_iter()
        .find_map(|cause| LIBRARY.iter().chain(extra).find_map(|p| p(cause)))
        .unwrap_or(1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use std::path::{Path, PathBuf};

    use anyhow::Context;

    use super::*;

    fn code(err: &anyhow::Error) -> u8 {
        exit_code(err.chain(), &[])
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
    fn untyped_errors_are_the_machines_and_callers_add_their_own() {
        #[derive(Debug, thiserror::Error)]
        #[error("bad flag")]
        struct Flag;
        impl ExitStatus for Flag {
            fn exit_code(&self) -> u8 {
                2
            }
        }
        let err = anyhow::anyhow!("something broke");
        assert_eq!(code(&err), 1);
        let flag = anyhow::Error::from(Flag).context("parsing");
        assert_eq!(code(&flag), 1);
        assert_eq!(exit_code(flag.chain(), &[probe::<Flag>]), 2);
    }
}

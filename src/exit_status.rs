//! Exit codes of errors: 2 when the user's input is at fault (a bad file, a bad value, a file
//! that would be overwritten, a device that does not exist), 1 for a fault of the machine
//! (I/O, a device lost), 128 + N for signal N.
//!
//! Each error type says its own code through [`ExitStatus`], beside its variants; an error
//! that wraps another (a render error around a WAV file's save error) asks the inner one, so
//! a variant's code is decided once, where the variant is. What stays is finding the trait
//! behind a `dyn Error` in a chain: stable Rust downcasts a `dyn Error` only to a concrete
//! type, never to a `dyn ExitStatus`, so a caller keeps a registry of the error types it
//! can meet, one [`probe`] line each, and [`exit_code`] walks the chain once against it,
//! outermost cause first, so the most specific typed error decides, also under `anyhow`
//! context or an untyped wrapper. The registry lives with the caller (the CLI's is
//! `cli::exit`), not here: this module is a foundation every layer's errors implement, and
//! a list of those types here would import every layer from below.

use std::error::Error;

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

/// The exit code of the first cause in `chain` (outermost first) that one of `probes`
/// reads; 1 (a fault of the machine) when none does.
pub fn exit_code<'a>(
    chain: impl IntoIterator<Item = &'a (dyn Error + 'static)>,
    probes: &[Probe],
) -> u8 {
    chain
        .into_iter()
        .find_map(|cause| probes.iter().find_map(|p| p(cause)))
        .unwrap_or(1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A wrong flag (the user's) around an optional cause.
    #[derive(Debug, thiserror::Error)]
    #[error("bad flag")]
    struct Flag(#[source] Option<Disk>);

    impl ExitStatus for Flag {
        fn exit_code(&self) -> u8 {
            2
        }
    }

    /// A failing disk (the machine's).
    #[derive(Debug, thiserror::Error)]
    #[error("disk on fire")]
    struct Disk;

    impl ExitStatus for Disk {
        fn exit_code(&self) -> u8 {
            1
        }
    }

    const PROBES: &[Probe] = &[probe::<Flag>, probe::<Disk>];

    #[test]
    fn the_outermost_known_cause_decides() {
        let flag = Flag(Some(Disk));
        assert_eq!(exit_code([&flag as &(dyn Error + 'static)], PROBES), 2);
        let err = anyhow::Error::from(Flag(Some(Disk))).context("parsing");
        assert_eq!(exit_code(err.chain(), PROBES), 2);
        let err = anyhow::Error::from(Disk).context("saving");
        assert_eq!(exit_code(err.chain(), PROBES), 1);
    }

    #[test]
    fn unknown_causes_are_the_machines() {
        let err = anyhow::anyhow!("something broke");
        assert_eq!(exit_code(err.chain(), PROBES), 1);
        let err = anyhow::Error::from(Flag(None));
        assert_eq!(exit_code(err.chain(), &[probe::<Disk>]), 1);
    }
}

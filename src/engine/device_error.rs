//! Why no output device could be opened: what choosing a host or a device and negotiating
//! its configuration can fail with (used by [`super::hosts`] and [`super::device`]).

use crate::exit_status::ExitStatus;

/// Why no device could be opened.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// No output device at all.
    #[error(
        "no audio output device found (use --device null or --device wav:OUT.wav to play without one)"
    )]
    NoDevice,
    /// The named device does not exist.
    #[error("no output device matches \"{0}\" (see `iemlab devices`)")]
    NotFound(String),
    /// `--device` names no JACK client or ports that take audio.
    #[error("--device: {0}")]
    JackTarget(String),
    /// `--host` names no host iemlab knows.
    #[error("--host {name}: unknown audio host (this build has: {known})")]
    UnknownHost {
        /// What was asked for.
        name: String,
        /// What there is.
        known: String,
    },
    /// The host's server is not running.
    #[error("--host {host}: {reason}")]
    HostUnavailable {
        /// Host name.
        host: String,
        /// Why.
        reason: String,
    },
    /// The device refused every configuration.
    #[error("{device}: {message}")]
    Config {
        /// Device name.
        device: String,
        /// What cpal said.
        message: String,
    },
}

/// 2 when the user named a device, JACK target or host that does not exist; 1 when the
/// machine has no device, its server is down or the device refuses to play.
impl ExitStatus for DeviceError {
    fn exit_code(&self) -> u8 {
        match self {
            DeviceError::NotFound(_)
            | DeviceError::JackTarget(_)
            | DeviceError::UnknownHost { .. } => 2,
            DeviceError::NoDevice
            | DeviceError::HostUnavailable { .. }
            | DeviceError::Config { .. } => 1,
        }
    }
}

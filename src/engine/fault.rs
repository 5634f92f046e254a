//! What a running output reports besides audio: a device that disappeared, a glitch it
//! survived, or a note about how it runs.

/// How bad a [`StreamFault`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The stream has stopped for good (device unplugged, server gone): nothing more will
    /// be played on it.
    Lost,
    /// A glitch the stream survived (an xrun, a busy device).
    Glitch,
    /// The system refused real-time scheduling: playback goes on at normal priority.
    RealtimeDenied,
}

/// Something the running output reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamFault {
    /// How bad it is.
    pub kind: FaultKind,
    /// What the host said.
    pub message: String,
}

impl StreamFault {
    /// Classifies a cpal stream error: only a device that is gone, a stream that must be
    /// rebuilt or a server that went away stops playback (cpal's workers carry on after
    /// anything else, e.g. a poll interrupted by a signal, an xrun or a busy device).
    pub fn from_cpal(error: &cpal::Error) -> StreamFault {
        use cpal::ErrorKind as K;
        let kind = match error.kind() {
            K::DeviceNotAvailable | K::StreamInvalidated | K::HostUnavailable => FaultKind::Lost,
            K::RealtimeDenied => FaultKind::RealtimeDenied,
            _ => FaultKind::Glitch,
        };
        StreamFault {
            kind,
            message: error.to_string(),
        }
    }

    /// The fault a timer sink reports when told to fail (see `Prepared::fail_after`).
    pub fn injected() -> StreamFault {
        StreamFault {
            kind: FaultKind::Lost,
            message: "the output device is gone (simulated failure)".into(),
        }
    }

    /// Whether the stream has stopped for good.
    pub fn is_fatal(&self) -> bool {
        self.kind == FaultKind::Lost
    }
}

impl std::fmt::Display for StreamFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

//! The audio systems iemlab plays through (cpal's hosts): which one a session uses by
//! default, choosing one by name, and keeping their libraries' own chatter off the terminal.
//!
//! On Linux a desktop runs a sound server (PipeWire on most today, PulseAudio or JACK on
//! others); playing through its native interface costs a fraction of what the ALSA
//! compatibility plugin costs and reports real timestamps. ALSA stays available for
//! machines without a server and for `--host alsa`.

use super::device_error::DeviceError;

/// Names `--host` takes, in the order a session prefers them when none is given.
#[cfg(target_os = "linux")]
const PREFERENCE: [&str; 4] = ["pipewire", "jack", "pulseaudio", "alsa"];

/// A host's name as `--host` takes it ("alsa", "pipewire", "pulseaudio", "jack", "wasapi",
/// "coreaudio", …).
pub fn host_name(id: cpal::HostId) -> String {
    id.name().to_lowercase()
}

/// Every host compiled in, available or not.
pub fn compiled() -> Vec<cpal::HostId> {
    cpal::ALL_HOSTS.to_vec()
}

/// The host `--host NAME` means.
pub fn by_name(name: &str) -> Result<cpal::HostId, DeviceError> {
    let wanted = name.trim().to_lowercase();
    let known: Vec<String> = compiled().into_iter().map(host_name).collect();
    compiled()
        .into_iter()
        .find(|id| host_name(*id) == wanted)
        .ok_or_else(|| DeviceError::UnknownHost {
            name: name.to_string(),
            known: known.join(", "),
        })
}

/// Opens host `id`, saying why not in iemlab's words (a server that is not running, say).
pub fn open(id: cpal::HostId) -> Result<cpal::Host, DeviceError> {
    quiet();
    if is_jack(id) && !jack_running() {
        return Err(DeviceError::HostUnavailable {
            host: host_name(id),
            reason: "no JACK server is running (start jackd, or choose another --host)".into(),
        });
    }
    cpal::host_from_id(id).map_err(|e| DeviceError::HostUnavailable {
        host: host_name(id),
        reason: match id.name() {
            "PipeWire" => "no PipeWire server is running for this user".into(),
            "PulseAudio" => "no PulseAudio server is running for this user".into(),
            _ => e.to_string(),
        },
    })
}

/// The host a session plays through when `--host` is not given: the running sound server's
/// native host (PipeWire, then JACK, then PulseAudio), else ALSA; elsewhere the platform's
/// default.
pub fn default_host() -> (cpal::HostId, cpal::Host) {
    quiet();
    #[cfg(target_os = "linux")]
    for name in PREFERENCE {
        let Ok(id) = by_name(name) else { continue };
        if is_jack(id) && !jack_running() {
            continue;
        }
        if name != "alsa" && !cpal::available_hosts().contains(&id) {
            continue;
        }
        if let Ok(host) = cpal::host_from_id(id) {
            return (id, host);
        }
    }
    let host = cpal::default_host();
    (host.id(), host)
}

/// Hosts that can be opened now, the default one first.
pub fn usable() -> Vec<(cpal::HostId, cpal::Host)> {
    let (default_id, default) = default_host();
    let mut out = vec![(default_id, default)];
    for id in cpal::available_hosts() {
        if id == default_id || (is_jack(id) && !jack_running()) {
            continue;
        }
        if let Ok(host) = cpal::host_from_id(id) {
            out.push((id, host));
        }
    }
    out
}

/// Whether `id` is JACK.
pub fn is_jack(id: cpal::HostId) -> bool {
    id.name() == "JACK"
}

/// Whether a JACK server answers (without starting one).
pub fn jack_running() -> bool {
    #[cfg(target_os = "linux")]
    {
        quiet();
        jack::Client::new("iemlab-probe", jack::ClientOptions::NO_START_SERVER).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Silences what alsa-lib and libjack print on their own (`ALSA lib confmisc.c:… Cannot get
/// card index`, `Cannot connect to server socket`): iemlab says what matters in its own
/// words. Idempotent.
pub fn quiet() {
    #[cfg(target_os = "linux")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            jack::set_logger(jack::LoggerType::None);
            silence_alsa();
        });
    }
}

#[cfg(target_os = "linux")]
fn silence_alsa() {
    use std::ffi::{c_char, c_int};
    /// alsa-lib's error handler is variadic; this one takes the fixed arguments only and
    /// ignores everything. Calling it through the variadic pointer type is sound on the C ABI
    /// of every Linux target: the fixed arguments are passed the same way, and the callee
    /// never reads the variadic ones.
    unsafe extern "C" fn ignore(
        _file: *const c_char,
        _line: c_int,
        _function: *const c_char,
        _err: c_int,
        _fmt: *const c_char,
    ) {
    }
    type Fixed = unsafe extern "C" fn(*const c_char, c_int, *const c_char, c_int, *const c_char);
    type Variadic =
        unsafe extern "C" fn(*const c_char, c_int, *const c_char, c_int, *const c_char, ...);
    // SAFETY: the two function pointer types differ only in the trailing variadic
    // arguments, which `ignore` never reads (see above); alsa-lib stores the pointer and
    // calls it with at least the five fixed arguments.
    let handler: alsa_sys::snd_lib_error_handler_t =
        Some(unsafe { std::mem::transmute::<Fixed, Variadic>(ignore as Fixed) });
    // SAFETY: sets a process-wide handler; the function lives for the whole program.
    unsafe {
        alsa_sys::snd_lib_error_set_handler(handler);
    }
}

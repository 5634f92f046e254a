//! Where a JACK stream's ports go. cpal connects its output ports to `system:playback_*`;
//! with `--host jack --device TARGET` iemlab connects them to another client's inputs
//! instead (a convolver, a recorder, `jack_thru`), before the stream plays its first frame.

use std::collections::BTreeMap;

/// JACK's name for audio ports.
const AUDIO: &str = "32 bit float mono audio";

/// The JACK client cpal creates for this process's output stream.
pub fn our_client() -> String {
    format!("cpal_client_{}_out", std::process::id())
}

/// Clients that take audio (their input ports), as `iemlab devices` lists them under JACK:
/// physical outputs first.
pub fn targets() -> Vec<(String, Vec<String>)> {
    let Ok((client, _)) = jack::Client::new("iemlab-ports", jack::ClientOptions::NO_START_SERVER)
    else {
        return Vec::new();
    };
    let ours = our_client();
    let mut by_client: BTreeMap<(bool, String), Vec<String>> = BTreeMap::new();
    for port in client.ports(None, Some(AUDIO), jack::PortFlags::IS_INPUT) {
        let Some((name, _)) = port.split_once(':') else {
            continue;
        };
        if name == ours || name.starts_with("iemlab-") {
            continue;
        }
        let physical = client
            .port_by_name(&port)
            .is_some_and(|p| p.flags().contains(jack::PortFlags::IS_PHYSICAL));
        by_client
            .entry((!physical, name.to_string()))
            .or_default()
            .push(port);
    }
    by_client
        .into_iter()
        .map(|((_, name), ports)| (name, ports))
        .collect()
}

/// Why a JACK stream could not be routed.
#[derive(Debug, thiserror::Error)]
pub enum JackRouteError {
    /// No JACK server to talk to, or it refused a request.
    #[error("JACK: {0}")]
    Server(#[from] jack::Error),
    /// `target` names no client or ports that take audio.
    #[error(
        "JACK has no client or input ports matching \"{target}\" (clients that take audio: {known})"
    )]
    NoTarget {
        /// What the user asked for.
        target: String,
        /// The clients there are, comma separated.
        known: String,
    },
    /// This process's output ports are not (yet) registered.
    #[error("JACK: this stream's ports were not found")]
    NoPorts,
    /// A connection was refused.
    #[error("JACK: cannot connect {from} to {to}: {source}")]
    Connect {
        /// Our port.
        from: String,
        /// Their port.
        to: String,
        /// What JACK said.
        source: jack::Error,
    },
}

/// The input ports `target` names: a client's audio inputs in order, or the ports a
/// pattern matches. An error names the clients there are.
pub fn resolve(target: &str) -> Result<Vec<String>, JackRouteError> {
    let (client, _) = jack::Client::new("iemlab-ports", jack::ClientOptions::NO_START_SERVER)?;
    target_ports(&client, target)
}

fn target_ports(client: &jack::Client, target: &str) -> Result<Vec<String>, JackRouteError> {
    let by_client = format!("^{}:", regex_escape(target));
    let mut theirs = client.ports(Some(&by_client), Some(AUDIO), jack::PortFlags::IS_INPUT);
    if theirs.is_empty() {
        theirs = client.ports(Some(target), Some(AUDIO), jack::PortFlags::IS_INPUT);
    }
    if theirs.is_empty() {
        let known: Vec<String> = targets().into_iter().map(|(name, _)| name).collect();
        return Err(JackRouteError::NoTarget {
            target: target.to_string(),
            known: known.join(", "),
        });
    }
    Ok(theirs)
}

/// Connects this process's JACK output ports to `target` (see [`resolve`]), replacing the
/// connections cpal made. Returns the pairs connected.
pub fn route(target: &str) -> Result<Vec<(String, String)>, JackRouteError> {
    let (client, _) = jack::Client::new("iemlab-ports", jack::ClientOptions::NO_START_SERVER)?;
    let ours_prefix = format!("^{}:", regex_escape(&our_client()));
    let mut ours = client.ports(Some(&ours_prefix), Some(AUDIO), jack::PortFlags::IS_OUTPUT);
    ours.sort();
    if ours.is_empty() {
        return Err(JackRouteError::NoPorts);
    }
    let theirs = target_ports(&client, target)?;
    for port in &ours {
        let Some(p) = client.port_by_name(port) else {
            continue;
        };
        for other in p.get_connections() {
            let _ = client.disconnect_ports_by_name(port, &other);
        }
    }
    let mut pairs = Vec::new();
    for (a, b) in ours.iter().zip(theirs.iter()) {
        client
            .connect_ports_by_name(a, b)
            .map_err(|source| JackRouteError::Connect {
                from: a.clone(),
                to: b.clone(),
                source,
            })?;
        pairs.push((a.clone(), b.clone()));
    }
    Ok(pairs)
}

/// Escapes the characters a POSIX extended regex gives meaning to.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_for_jack_patterns() {
        assert_eq!(regex_escape("a.b (c)"), "a\\.b \\(c\\)");
        assert_eq!(regex_escape("jack_thru"), "jack_thru");
    }
}

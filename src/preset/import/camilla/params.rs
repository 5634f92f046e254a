//! A filter's `parameters` read with messages that name the filter, the key and its line,
//! and why a filter gives a profile nothing.

use super::document::{Located, Node};

/// Why a filter gives no effect.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Refusal {
    /// A value is missing or not what CamillaDSP reads: at its line.
    Invalid(Located),
    /// The filter does what a profile cannot hold (said as "a FIR convolution (Conv)").
    Unholdable(String),
}

impl From<Located> for Refusal {
    fn from(located: Located) -> Self {
        Refusal::Invalid(located)
    }
}

/// The text of `key` in `node` (a filter or its parameters), required.
pub(super) fn text(name: &str, node: Node<'_>, key: &str) -> Result<String, Located> {
    let value = node
        .get(key)
        .ok_or_else(|| (node.line, format!("filters.{name}: no {key}")))?;
    value.text().map(|t| t.trim().to_string()).ok_or_else(|| {
        (
            value.line,
            format!("filters.{name}.{key}: {} is not a name", value.shown()),
        )
    })
}

/// A filter's `parameters`, read with messages that name them.
pub(super) struct Params<'a> {
    /// The filter's name.
    pub name: &'a str,
    /// Its `parameters` map.
    pub node: Node<'a>,
}

impl Params<'_> {
    /// `key` as a finite number, with its line; None when left out or `null`.
    pub fn number(&self, key: &str) -> Result<Option<(f64, usize)>, Located> {
        let Some(value) = self.node.get(key) else {
            return Ok(None);
        };
        match value.number() {
            Some(v) if v.is_finite() => Ok(Some((v, value.line))),
            _ => Err((
                value.line,
                format!(
                    "filters.{}.parameters.{key}: {} is not a number",
                    self.name,
                    value.shown()
                ),
            )),
        }
    }

    /// `key` as a number, required.
    pub fn need(&self, key: &str) -> Result<(f64, usize), Located> {
        self.number(key)?.ok_or_else(|| {
            (
                self.node.line,
                format!("filters.{}.parameters: no {key}", self.name),
            )
        })
    }

    /// `key` as true or false (false when left out).
    pub fn flag(&self, key: &str) -> Result<bool, Located> {
        let Some(value) = self.node.get(key) else {
            return Ok(false);
        };
        value.boolean().ok_or_else(|| {
            (
                value.line,
                format!(
                    "filters.{}.parameters.{key}: {} is not true or false",
                    self.name,
                    value.shown()
                ),
            )
        })
    }

    /// The `type` inside the parameters (Biquad and BiquadCombo kinds).
    pub fn kind(&self) -> Result<String, Located> {
        text(self.name, self.node, "type")
            .map_err(|(line, _)| (line, format!("filters.{}.parameters: no type", self.name)))
    }
}

//! A CamillaDSP config as YAML 1.2 (saphyr): block and flow collections, block scalars,
//! anchors and aliases, quoted strings with escapes, `null`, CRLF. Every value keeps the
//! line it is on, so each problem names the line of the user's file.

use std::borrow::Cow;

use saphyr::{MarkedYaml, Scalar, ScanError, YamlData, YamlLoader};
use saphyr_parser::{Event, Parser, SpannedEventReceiver};

use crate::contain::contained;

/// A problem at a 1-based line of the config.
pub(super) type Located = (usize, String);

/// Deepest nesting read; CamillaDSP configs use six levels (a mixer's sources). The limit
/// keeps a file of `- - - - …` from exhausting the stack when the tree is dropped.
const MAX_DEPTH: usize = 32;

/// The config's top-level value: a map, or `null` for an empty file.
pub(super) fn load(text: &str) -> Result<MarkedYaml<'_>, Located> {
    // The parser is read event by event (its own `load` recurses once per level), and a
    // panic inside it is a file it cannot read, not a crash.
    match contained(|| read_events(text)) {
        Ok(result) => result,
        Err(_) => Err((1, "the YAML parser failed on this file".into())),
    }
}

fn read_events(text: &str) -> Result<MarkedYaml<'_>, Located> {
    let mut parser = Parser::new_from_str(text);
    let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
    let (mut depth, mut documents) = (0usize, 0usize);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| syntax(&e))?;
        let line = span.start.line();
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err((
                        line,
                        "a second YAML document starts here; a CamillaDSP config is one".into(),
                    ));
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err((
                        line,
                        format!(
                            "nested more than {MAX_DEPTH} levels deep; not a CamillaDSP config"
                        ),
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        loader.on_event(event, span);
        if let Some(e) = loader.error() {
            return Err(syntax(e));
        }
    }
    Ok(loader
        .into_documents()
        .into_iter()
        .next()
        .unwrap_or_else(|| MarkedYaml::from(YamlData::Value(Scalar::Null))))
}

/// A YAML syntax error at its line.
fn syntax(e: &ScanError) -> Located {
    let at = e.marker();
    (
        at.line().max(1),
        format!("YAML syntax: {} (column {})", e.info(), at.col() + 1),
    )
}

/// A value of the config and the line it is on: a map's values carry the line of their
/// key, a list's items their own.
#[derive(Clone, Copy, Debug)]
pub(super) struct Node<'a> {
    /// 1-based line.
    pub line: usize,
    yaml: &'a MarkedYaml<'a>,
}

impl<'a> Node<'a> {
    /// The top-level value.
    pub fn root(yaml: &'a MarkedYaml<'a>) -> Self {
        Node {
            line: yaml.span.start.line().max(1),
            yaml,
        }
    }

    /// The value itself, through any tag (`!!float 3`).
    fn data(&self) -> &'a YamlData<'a, MarkedYaml<'a>> {
        let mut yaml = self.yaml;
        while let YamlData::Tagged(_, inner) = &yaml.data {
            yaml = inner;
        }
        &yaml.data
    }

    /// Whether the value is `null` (also `~`, `Null` or nothing after the key).
    pub fn is_null(&self) -> bool {
        matches!(self.data(), YamlData::Value(Scalar::Null))
    }

    /// A map's keys (as text) and values, in file order; None if this is not a map.
    pub fn entries(&self) -> Option<Vec<(String, Node<'a>)>> {
        let YamlData::Mapping(map) = self.data() else {
            return None;
        };
        Some(
            map.iter()
                .map(|(key, value)| {
                    let key_node = Node {
                        line: key.span.start.line().max(1),
                        yaml: key,
                    };
                    let text = key_node.text().map_or_else(|| "?".into(), Cow::into_owned);
                    let value = Node {
                        line: key_node.line,
                        yaml: value,
                    };
                    (text, value)
                })
                .collect(),
        )
    }

    /// The value under `key` when this is a map that has it and it is not `null` (CamillaDSP
    /// reads a `null` option as the option left out).
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        self.entries()?
            .into_iter()
            .find(|(k, v)| k == key && !v.is_null())
            .map(|(_, v)| v)
    }

    /// A list's items; None if this is not a list.
    pub fn items(&self) -> Option<Vec<Node<'a>>> {
        let YamlData::Sequence(items) = self.data() else {
            return None;
        };
        Some(
            items
                .iter()
                .map(|yaml| Node {
                    line: yaml.span.start.line().max(self.line),
                    yaml,
                })
                .collect(),
        )
    }

    /// A scalar as text: a string as written (quotes and escapes resolved), a number or
    /// boolean as YAML reads it. None for `null`, lists and maps.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        match self.data() {
            YamlData::Value(Scalar::String(s)) => Some(Cow::Borrowed(s.as_ref())),
            YamlData::Value(Scalar::Integer(i)) => Some(Cow::Owned(i.to_string())),
            YamlData::Value(Scalar::FloatingPoint(f)) => Some(Cow::Owned(f.to_string())),
            YamlData::Value(Scalar::Boolean(b)) => Some(Cow::Owned(b.to_string())),
            YamlData::Representation(s, ..) => Some(Cow::Borrowed(s.as_ref())),
            _ => None,
        }
    }

    /// A number (an integer or a float; a quoted number too).
    pub fn number(&self) -> Option<f64> {
        match self.data() {
            YamlData::Value(Scalar::Integer(i)) => Some(*i as f64),
            YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.into_inner()),
            _ => self.text()?.trim().parse().ok(),
        }
    }

    /// A boolean (`true`, `True`, `TRUE`, `false`, …).
    pub fn boolean(&self) -> Option<bool> {
        match self.data() {
            YamlData::Value(Scalar::Boolean(b)) => Some(*b),
            _ => None,
        }
    }

    /// The value as a message quotes it: `'text'`, or what kind of value it is.
    pub fn shown(&self) -> String {
        match self.data() {
            YamlData::Sequence(_) => "a list".into(),
            YamlData::Mapping(_) => "a map".into(),
            YamlData::Value(Scalar::Null) => "null".into(),
            _ => self
                .text()
                .map_or_else(|| "this value".into(), |t| format!("'{t}'")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn with_root<R>(text: &str, f: impl FnOnce(Node<'_>) -> R) -> R {
        let yaml = load(text).unwrap();
        f(Node::root(&yaml))
    }

    #[test]
    fn reads_yaml_as_people_write_it() {
        let text = "description: |\n  First line\n  second line\nfilters:\n  a: &peak\n    type: Biquad   \n    parameters: { type: Peaking, freq: 2500, gain: -3.2, q: 1.41 }\n  b: *peak\n  c: null\nnames: [\"a, b\", 'it''s', \"\\\"\"]\npipeline:\r\n  - type: Filter\r\n    channels: [0, 1]\r\n";
        with_root(text, |root| {
            assert_eq!(
                root.get("description").unwrap().text().unwrap(),
                "First line\nsecond line\n"
            );
            let filters = root.get("filters").unwrap();
            let a = filters.get("a").unwrap();
            assert_eq!(a.line, 5);
            assert_eq!(a.get("type").unwrap().text().unwrap(), "Biquad");
            let params = a.get("parameters").unwrap();
            assert_eq!(
                (params.line, params.get("q").unwrap().number()),
                (7, Some(1.41))
            );
            // An alias is a copy of what its anchor holds.
            let b = filters.get("b").unwrap();
            assert_eq!(b.line, 8);
            assert_eq!(
                b.get("parameters").unwrap().get("gain").unwrap().number(),
                Some(-3.2)
            );
            assert!(filters.get("c").is_none());
            assert_eq!(filters.entries().unwrap().len(), 3);
            let names: Vec<String> = root
                .get("names")
                .unwrap()
                .items()
                .unwrap()
                .iter()
                .map(|n| n.text().unwrap().into_owned())
                .collect();
            assert_eq!(names, ["a, b", "it's", "\""]);
            let step = &root.get("pipeline").unwrap().items().unwrap()[0];
            assert_eq!(step.line, 12);
            let channels = step.get("channels").unwrap().items().unwrap();
            assert_eq!(channels[1].number(), Some(1.0));
            assert_eq!(channels[1].line, 13);
        });
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let err = load("filters:\n  a:\n    type: Gain\n      oops: 1\n").unwrap_err();
        assert_eq!(err.0, 4, "{err:?}");
        assert!(err.1.starts_with("YAML syntax: "), "{}", err.1);
        let err = load("filters:\n  a: 1\n  a: 2\n").unwrap_err();
        assert_eq!(err.0, 3, "{err:?}");
        let err = load("filters: {a: 1}\n---\nfilters: {}\n").unwrap_err();
        assert_eq!(err.0, 2, "{err:?}");
        assert!(err.1.contains("second YAML document"), "{}", err.1);
        assert!(load("").unwrap().data.is_null());
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        // saphyr builds its tree without recursion but drops it recursively: 500 000 levels
        // would overflow the stack.
        let text = "- ".repeat(500_000) + "x\n";
        let err = load(&text).unwrap_err();
        assert_eq!(err.0, 1);
        assert!(err.1.contains("nested more than"), "{}", err.1);
        let mut text = String::new();
        for depth in 0..100 {
            text.push_str(&" ".repeat(depth));
            text.push_str("k:\n");
        }
        let err = load(&text).unwrap_err();
        assert!(err.1.contains("nested more than"), "{}", err.1);
        assert_eq!(err.0, 33);
        assert!(load(&("[".repeat(300) + &"]".repeat(300))).is_err());
    }
}

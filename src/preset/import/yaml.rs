//! The small part of YAML that CamillaDSP configs use: block maps and lists by indentation,
//! `- ` items that start maps, one-line flow lists `[0, 1]` and maps `{ a: 1, b: 2 }`,
//! quoted or plain scalars, `#` comments. Anchors, multi-line strings and nested flow
//! collections are refused with their line, never guessed.

/// A parsed value and the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Yaml {
    /// Line of the value (or of its key).
    pub line: usize,
    /// The value.
    pub kind: Kind,
}

/// What a value is.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Text as written (quotes removed); empty for a missing value.
    Scalar(String),
    /// Keys and values in file order.
    Map(Vec<(String, Yaml)>),
    /// Items in order.
    List(Vec<Yaml>),
}

impl Yaml {
    /// The value under `key`, if this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

struct Line {
    number: usize,
    indent: usize,
    text: String,
}

/// Parses `text`; errors are (line, message).
pub fn parse(text: &str) -> Result<Yaml, (usize, String)> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let content = strip_comment(raw).trim_end();
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed == "---" || trimmed == "..." {
            continue;
        }
        if raw.starts_with('\t') {
            return Err((i + 1, "tabs cannot indent YAML".into()));
        }
        if trimmed.starts_with(['&', '*', '|', '>', '!']) {
            return Err((i + 1, format!("unsupported YAML: '{trimmed}'")));
        }
        lines.push(Line {
            number: i + 1,
            indent: content.len() - trimmed.len(),
            text: trimmed.to_string(),
        });
    }
    if lines.is_empty() {
        return Ok(Yaml {
            line: 1,
            kind: Kind::Map(Vec::new()),
        });
    }
    let mut pos = 0;
    let indent = lines.first().map_or(0, |l| l.indent);
    let root = block(&mut lines, &mut pos, indent, 0)?;
    if let Some(extra) = lines.get(pos) {
        return Err((extra.number, format!("unexpected '{}'", extra.text)));
    }
    Ok(root)
}

/// Drops a `#` comment that starts the line or follows whitespace, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev_space => return &line[..i],
            None => {}
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// Deepest nesting read; CamillaDSP configs use four levels. A limit keeps a file of
/// `- - - - …` from exhausting the stack.
const MAX_DEPTH: usize = 32;

fn block(
    lines: &mut [Line],
    pos: &mut usize,
    indent: usize,
    depth: usize,
) -> Result<Yaml, (usize, String)> {
    let Some(first) = lines.get(*pos) else {
        let last = lines.last().map_or(1, |l| l.number);
        return Err((last, "expected a value after this line".into()));
    };
    let start = first.number;
    if depth > MAX_DEPTH {
        return Err((
            start,
            format!("nested more than {MAX_DEPTH} levels deep; not a CamillaDSP config"),
        ));
    }
    if is_item(&first.text) {
        let mut items = Vec::new();
        while let Some(line) = lines.get_mut(*pos)
            && line.indent == indent
            && is_item(&line.text)
        {
            let rest = line
                .text
                .strip_prefix('-')
                .unwrap_or_default()
                .trim_start()
                .to_string();
            if rest.is_empty() {
                *pos += 1;
                items.push(child(lines, pos, indent, start, depth + 1)?);
            } else {
                // "- key: value" starts a map whose keys line up with `key`.
                let offset = line.text.len() - rest.len();
                line.indent += offset;
                line.text = rest;
                let inner = line.indent;
                items.push(block(lines, pos, inner, depth + 1)?);
            }
        }
        return Ok(Yaml {
            line: start,
            kind: Kind::List(items),
        });
    }
    if !first.text.contains(':') {
        let value = scalar_or_flow(&first.text, first.number)?;
        *pos += 1;
        return Ok(value);
    }
    let mut entries = Vec::new();
    while let Some(line) = lines.get(*pos)
        && line.indent == indent
        && !is_item(&line.text)
    {
        let number = line.number;
        let (key, value) = split_key(&line.text).ok_or((
            number,
            format!("expected 'key: value', found '{}'", line.text),
        ))?;
        *pos += 1;
        let value = if value.is_empty() {
            match lines.get(*pos) {
                Some(next) if next.indent > indent => child(lines, pos, indent, number, depth + 1)?,
                Some(next) if next.indent == indent && is_item(&next.text) => {
                    block(lines, pos, indent, depth + 1)?
                }
                _ => Yaml {
                    line: number,
                    kind: Kind::Scalar(String::new()),
                },
            }
        } else {
            scalar_or_flow(&value, number)?
        };
        entries.push((
            key,
            Yaml {
                line: number,
                ..value
            },
        ));
    }
    if let Some(next) = lines.get(*pos)
        && next.indent > indent
    {
        return Err((
            next.number,
            format!("unexpected indentation at '{}'", next.text),
        ));
    }
    Ok(Yaml {
        line: start,
        kind: Kind::Map(entries),
    })
}

fn child(
    lines: &mut [Line],
    pos: &mut usize,
    indent: usize,
    line: usize,
    depth: usize,
) -> Result<Yaml, (usize, String)> {
    match lines.get(*pos) {
        Some(next) if next.indent > indent => {
            let inner = next.indent;
            block(lines, pos, inner, depth)
        }
        _ => Ok(Yaml {
            line,
            kind: Kind::Scalar(String::new()),
        }),
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: value` (value may be empty); the key may be quoted.
fn split_key(text: &str) -> Option<(String, String)> {
    let (key, value) = if let Some(k) = text.strip_suffix(':') {
        (k, "")
    } else {
        let at = text.find(": ")?;
        (&text[..at], &text[at + 2..])
    };
    Some((unquote(key.trim()), value.trim().to_string()))
}

fn unquote(s: &str) -> String {
    let quoted = s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')));
    if quoted {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

fn scalar_or_flow(text: &str, line: usize) -> Result<Yaml, (usize, String)> {
    let kind = if let Some(inner) = text.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or((line, format!("unclosed list '{text}'")))?;
        Kind::List(
            flow_items(inner, line)?
                .into_iter()
                .map(|s| Yaml {
                    line,
                    kind: Kind::Scalar(unquote(&s)),
                })
                .collect(),
        )
    } else if let Some(inner) = text.strip_prefix('{') {
        let inner = inner
            .strip_suffix('}')
            .ok_or((line, format!("unclosed map '{text}'")))?;
        let mut entries = Vec::new();
        for item in flow_items(inner, line)? {
            let (k, v) =
                split_key(&item).ok_or((line, format!("expected 'key: value', found '{item}'")))?;
            entries.push((
                k,
                Yaml {
                    line,
                    kind: Kind::Scalar(unquote(&v)),
                },
            ));
        }
        Kind::Map(entries)
    } else {
        Kind::Scalar(unquote(text))
    };
    Ok(Yaml { line, kind })
}

fn flow_items(inner: &str, line: usize) -> Result<Vec<String>, (usize, String)> {
    if inner.contains(['[', '{']) {
        return Err((line, "nested flow collections are not supported".into()));
    }
    Ok(inner
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn reads_camilladsp_shapes() {
        let doc = parse(
            "---\nfilters:\n  eq1:\n    type: Biquad  # a comment\n    parameters: { type: Peaking, freq: 100, gain: -3, q: 0.5 }\npipeline:\n  - type: Filter\n    channels: [0, 1]\n    names:\n      - eq1\n  - type: Filter\n    channel: 0\n    names: [\"eq1\"]\n",
        )
        .unwrap();
        let eq1 = doc.get("filters").unwrap().get("eq1").unwrap();
        assert_eq!(eq1.get("type").unwrap().text(), Some("Biquad"));
        assert_eq!(
            eq1.get("parameters").unwrap().get("q").unwrap().text(),
            Some("0.5")
        );
        let Kind::List(steps) = &doc.get("pipeline").unwrap().kind else {
            panic!()
        };
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].get("names").unwrap().line, 9);
        assert_eq!(steps[1].get("channel").unwrap().text(), Some("0"));
    }

    #[test]
    fn bad_indentation_names_its_line() {
        let err = parse("filters:\n  a:\n    type: Gain\n      oops: 1\n").unwrap_err();
        assert_eq!(err.0, 4);
        assert!(parse("a: &anchor\n").is_ok());
        assert_eq!(parse("a:\n  |\n").unwrap_err().0, 2);
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        // 400 000 nested `- ` items on one line used to overflow the stack (abort, exit 134).
        let text = "- ".repeat(500_000) + "x\n";
        let err = parse(&text).unwrap_err();
        assert_eq!(err.0, 1);
        assert!(err.1.contains("nested more than"), "{}", err.1);
        let mut text = String::new();
        for depth in 0..100 {
            text.push_str(&" ".repeat(depth));
            text.push_str("k:\n");
        }
        assert!(parse(&text).unwrap_err().1.contains("nested more than"));
    }
}

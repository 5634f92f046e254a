//! Keys and stdin lines as session inputs.

use std::sync::mpsc;
use std::time::Duration;

use crate::session::Input;

/// Lines from stdin, read on a thread so the session loop never blocks on them.
pub(super) fn stdin_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let _ = std::thread::Builder::new()
        .name("iemlab-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    rx
}

/// A stdin line as an input: a key's letter (`a`, `n`, `q`, `1`, …), `space`, `left`,
/// `right`, or `note: TEXT`.
pub(super) fn parse_line(line: &str, ab: bool) -> Option<Input> {
    let t = line.trim();
    if let Some(text) = t.strip_prefix("note:") {
        return Some(Input::Note(text.trim().to_string()));
    }
    match t {
        "space" | " " => Some(if ab { Input::Toggle } else { Input::Pause }),
        "left" => Some(Input::Seek(-5.0)),
        "right" => Some(Input::Seek(5.0)),
        "quit" => Some(Input::Quit),
        "next" => Some(Input::Next),
        "previous" => Some(Input::Previous),
        "pause" => Some(Input::Pause),
        // One key per line; any other word is not a command (it never acts on its first
        // letter: "null" is not "n").
        _ => {
            let mut chars = t.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => match key_input(c, ab) {
                    Some(Key::Input(input)) => Some(input),
                    _ => None,
                },
                _ => None,
            }
        }
    }
}

/// What a key means: an input, or the note prompt (which reads the note's text).
pub(super) enum Key {
    Input(Input),
    NotePrompt,
}

/// The input a character key means.
fn key_input(c: char, ab: bool) -> Option<Key> {
    Some(Key::Input(match c {
        'q' => Input::Quit,
        ' ' if ab => Input::Toggle,
        ' ' | 's' => Input::Pause,
        'n' => Input::Next,
        'p' => Input::Previous,
        'l' => Input::Loop,
        'm' => return Some(Key::NotePrompt),
        '+' | '=' => Input::Volume(1.0),
        '-' => Input::Volume(-1.0),
        'a'..='d' if ab => Input::Profile(c as usize - 'a' as usize),
        '1'..='9' => Input::Cue(c as usize - '1' as usize),
        _ => return None,
    }))
}

pub(super) fn read_key(timeout: Duration, ab: bool) -> anyhow::Result<Option<Key>> {
    use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
    if !event::poll(timeout)? {
        return Ok(None);
    }
    // A resize needs nothing here: the next draw fits the new width.
    let TermEvent::Key(k) = event::read()? else {
        return Ok(None);
    };
    if k.kind == KeyEventKind::Release {
        return Ok(None);
    }
    Ok(match k.code {
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(Key::Input(Input::Quit))
        }
        KeyCode::Esc => Some(Key::Input(Input::Quit)),
        KeyCode::Right => Some(Key::Input(Input::Seek(5.0))),
        KeyCode::Left => Some(Key::Input(Input::Seek(-5.0))),
        KeyCode::Up => Some(Key::Input(Input::Volume(1.0))),
        KeyCode::Down => Some(Key::Input(Input::Volume(-1.0))),
        KeyCode::Char(c) => key_input(c, ab),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_lines_are_single_keys_or_whole_words() {
        assert_eq!(parse_line("n", false), Some(Input::Next));
        assert_eq!(parse_line(" next ", false), Some(Input::Next));
        assert_eq!(parse_line("q", false), Some(Input::Quit));
        assert_eq!(parse_line("b", true), Some(Input::Profile(1)));
        assert_eq!(parse_line("space", true), Some(Input::Toggle));
        assert_eq!(
            parse_line("note: warm mids", true),
            Some(Input::Note("warm mids".into()))
        );
        // A word is never read as its first letter: "null" is not "next", "quiet" not "quit".
        assert!(parse_line("null", false).is_none());
        assert!(parse_line("quiet", false).is_none());
        assert!(parse_line("", false).is_none());
        // `m` opens the note prompt on a terminal; on stdin a note is `note: TEXT`.
        assert!(parse_line("m", true).is_none());
    }
}

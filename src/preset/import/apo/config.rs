//! An Equalizer APO configuration read line by line as Equalizer APO 1.4 reads it
//! (FilterEngine.cpp `loadConfigFile` and the filter factories): into what each channel,
//! left and right, runs. What a line means and which lines are refused is in the module
//! documentation of `apo`.

use std::path::{Path, PathBuf};

use super::super::error::ImportError;
use super::super::places::Place;
use super::curve::{on_grid, parse_curve};
use super::filter::{Filter, parse_filter, parse_preamp};
use super::include::{self, MAX_INCLUDE_DEPTH, MAX_INCLUDED_FILES, identity};
use crate::dsp::{BandSpec, Channel, MAX_STAGES};
use crate::problem::{FileProblem, clip_quoted};

/// Most notes kept; the rest are counted in one.
const MAX_NOTES: usize = 200;

/// One step of a channel's chain, in the order the configuration gives them.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Step {
    /// A filter.
    Band(BandSpec, Place),
    /// Where the channel's first `GraphicEQ` curve is (all its curves add up into one).
    Curve(Place),
}

/// What one channel runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Chain {
    /// Sum of its preamps (dB).
    pub preamp_db: f64,
    /// The last `Preamp` line that applied to it.
    pub preamp: Option<Place>,
    /// Its filters, and where its curve goes.
    pub steps: Vec<Step>,
    /// The sum of its curves on the curve grid, if it has any.
    pub curve_db: Option<Vec<f64>>,
    /// How many curves were summed.
    pub curves: usize,
    /// Nodes of the first curve.
    pub nodes: usize,
    /// Number of `Band` steps.
    pub bands: usize,
}

/// A configuration as read: each channel's chain (left, right), notes, and whether any line
/// was an EQ command (`Preamp`, `Filter`, `GraphicEQ`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Config {
    /// Left and right.
    pub chains: [Chain; 2],
    /// What was ignored or read in a way worth knowing.
    pub notes: Vec<String>,
    /// Whether any `Preamp`, `Filter` or `GraphicEQ` line was seen.
    pub saw_eq: bool,
}

/// Why a profile cannot hold what a command does.
const CANNOT_HOLD: &str =
    "which a profile (a preamp and filters for the left and right channels) cannot hold";

/// Commands that change the sound in a way a profile cannot hold, with what they do.
const SOUND: [(&str, &str); 5] = [
    ("Copy", "copies or mixes channels"),
    ("Delay", "delays channels"),
    ("Convolution", "convolves with an impulse response file"),
    ("VSTPlugin", "runs a VST plugin"),
    (
        "LoudnessCorrection",
        "changes the sound with the volume setting",
    ),
];

/// Commands that make the lines after them apply only when something iemlab cannot know
/// holds (the device, the stage, an expression), with what they do and why they are refused.
const CONDITIONS: [(&str, &str); 7] = [
    (
        "Device",
        "selects the playback devices the lines after it apply to, and a profile is not tied to a device: import the lines for one device as a file of their own",
    ),
    (
        "Stage",
        "selects the processing stage the lines after it apply to, and a profile is not tied to a stage: import the lines for one stage as a file of their own",
    ),
    (
        "Eval",
        "sets a variable with an expression, which iemlab does not evaluate",
    ),
    (
        "If",
        "makes the lines after it depend on an expression, which iemlab does not evaluate",
    ),
    (
        "ElseIf",
        "makes the lines after it depend on an expression, which iemlab does not evaluate",
    ),
    (
        "Else",
        "makes the lines after it depend on an expression, which iemlab does not evaluate",
    ),
    (
        "EndIf",
        "ends lines that depend on an expression, which iemlab does not evaluate",
    ),
];

/// The commands Equalizer APO reads (`Filter` also as `Filter N`), to tell a misspelt
/// case from an unknown command.
const KNOWN: [&str; 5] = ["Preamp", "Filter", "GraphicEQ", "Channel", "Include"];

/// Reads the configuration `text` of the file at `path`, following its includes.
pub(super) fn read(text: &str, path: &Path) -> Result<Config, ImportError> {
    let mut reader = Reader {
        config: Config::default(),
        selected: [true, true],
        stack: vec![Frame {
            path: path.to_path_buf(),
            identity: identity(path),
            line: 0,
        }],
        included: 0,
        dropped_notes: 0,
    };
    reader.file(text)?;
    let mut config = reader.config;
    if reader.dropped_notes > 0 {
        config
            .notes
            .push(format!("... and {} more notes", reader.dropped_notes));
    }
    Ok(config)
}

/// A file being read: its path as the user's files name it, what identifies it on disk
/// (cycles), and the line being read.
struct Frame {
    path: PathBuf,
    identity: PathBuf,
    line: usize,
}

struct Reader {
    config: Config,
    /// The channels the lines apply to (left, right).
    selected: [bool; 2],
    /// The preset, then each file included from the one before.
    stack: Vec<Frame>,
    /// Files included so far.
    included: usize,
    dropped_notes: usize,
}

impl Reader {
    /// The file being read.
    fn frame(&self) -> Option<&Frame> {
        self.stack.last()
    }

    /// The line being read, as a place.
    fn place(&self) -> Place {
        self.frame().map_or(
            Place {
                path: PathBuf::new(),
                line: 0,
            },
            |f| Place {
                path: f.path.clone(),
                line: f.line,
            },
        )
    }

    /// A problem on the line being read; in an included file, naming the Include lines
    /// that led there.
    fn problem(&self, message: impl Into<String>) -> ImportError {
        let mut message = message.into();
        let outer: Vec<String> = self
            .stack
            .iter()
            .rev()
            .skip(1)
            .map(|f| format!("{}:{}", f.path.display(), f.line))
            .collect();
        if !outer.is_empty() {
            message = format!(
                "{} (included from {})",
                clip_quoted(&message),
                outer.join(", from ")
            );
        }
        let place = self.place();
        FileProblem::at(&place.path, place.line, message).into()
    }

    /// A note about the line being read: `line N: …` in the preset, `FILE line N: …` in an
    /// included file.
    fn note(&mut self, message: impl AsRef<str>) {
        if self.config.notes.len() >= MAX_NOTES {
            self.dropped_notes += 1;
            return;
        }
        let place = self.place();
        let at = if self.stack.len() > 1 {
            format!("{} line {}", place.path.display(), place.line)
        } else {
            format!("line {}", place.line)
        };
        self.config
            .notes
            .push(clip_quoted(&format!("{at}: {}", message.as_ref())));
    }

    /// Reads the lines of the file on top of the stack; afterwards the channels selected are
    /// those before it, as APO restores them after an include.
    fn file(&mut self, text: &str) -> Result<(), ImportError> {
        let selected = self.selected;
        for (index, raw) in text.lines().enumerate() {
            if let Some(frame) = self.stack.last_mut() {
                frame.line = index + 1;
            }
            self.line(raw)?;
        }
        self.selected = selected;
        Ok(())
    }

    fn line(&mut self, raw: &str) -> Result<(), ImportError> {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let Some((command, params)) = line.split_once(':') else {
            self.note(format!("ignored '{line}'"));
            return Ok(());
        };
        let command = command.trim();
        if command.is_empty() {
            self.note(format!("ignored '{line}'"));
            return Ok(());
        }
        if params.contains('`') {
            return Err(self.problem(format!(
                "'{line}' holds an inline expression (between backticks), which Equalizer APO evaluates and iemlab does not"
            )));
        }
        if let Some((_, what)) = SOUND.iter().find(|(name, _)| *name == command) {
            return Err(self.problem(format!("'{line}' {what}, {CANNOT_HOLD}")));
        }
        if let Some((_, what)) = CONDITIONS.iter().find(|(name, _)| *name == command) {
            return Err(self.problem(format!("'{line}' {what}")));
        }
        match command {
            "Include" => self.include(params),
            "Channel" => self.channel(params),
            "Preamp" => {
                self.config.saw_eq = true;
                let db = parse_preamp(params).map_err(|m| self.problem(m))?;
                let place = self.place();
                for chain in self.selected_chains() {
                    chain.preamp_db += db;
                    chain.preamp = Some(place.clone());
                }
                Ok(())
            }
            "GraphicEQ" => self.curve(params),
            c if c.starts_with("Filter") => self.filter(params, line),
            other => {
                let lower = other.to_ascii_lowercase();
                match KNOWN.iter().find(|k| {
                    lower == k.to_ascii_lowercase()
                        || (**k == "Filter" && lower.starts_with("filter"))
                }) {
                    Some(known) => self.note(format!(
                        "ignored '{line}': Equalizer APO reads '{known}' spelt with that case only"
                    )),
                    None => self.note(format!("ignored the '{other}' command")),
                }
                Ok(())
            }
        }
    }

    /// The chains of the channels selected.
    fn selected_chains(&mut self) -> impl Iterator<Item = &mut Chain> {
        self.config
            .chains
            .iter_mut()
            .zip(self.selected)
            .filter_map(|(chain, on)| on.then_some(chain))
    }

    fn filter(&mut self, params: &str, line: &str) -> Result<(), ImportError> {
        self.config.saw_eq = true;
        let band = match parse_filter(params).map_err(|m| self.problem(m))? {
            Filter::On(band, notes) => {
                for n in notes {
                    self.note(n);
                }
                band
            }
            Filter::Off => return Ok(()),
            Filter::NotRun(why) => {
                self.note(format!("skipped '{line}': {why}"));
                return Ok(());
            }
            Filter::Iir => {
                return Err(self.problem(format!(
                    "'{line}' is an IIR filter given by its coefficients, {CANNOT_HOLD}"
                )));
            }
        };
        for channel in Channel::BOTH {
            let chain = channel.pick(&self.config.chains);
            if *channel.pick(&self.selected) && chain.bands >= MAX_STAGES {
                return Err(self.problem(format!(
                    "Filter: the {} channel's filter number {}; a channel runs at most {MAX_STAGES}",
                    channel.name(),
                    chain.bands + 1
                )));
            }
        }
        let place = self.place();
        for chain in self.selected_chains() {
            chain.steps.push(Step::Band(band, place.clone()));
            chain.bands += 1;
        }
        Ok(())
    }

    fn curve(&mut self, params: &str) -> Result<(), ImportError> {
        self.config.saw_eq = true;
        let nodes = parse_curve(params).map_err(|m| self.problem(m))?;
        if nodes.iter().all(|&(_, g)| g == 0.0) {
            self.note(format!(
                "left out the {}-node GraphicEQ curve: it is 0 dB at every node and changes nothing",
                nodes.len()
            ));
            return Ok(());
        }
        let db = on_grid(&nodes);
        let place = self.place();
        for chain in self.selected_chains() {
            match &mut chain.curve_db {
                Some(sum) => sum.iter_mut().zip(&db).for_each(|(s, v)| *s += v),
                None => {
                    chain.curve_db = Some(db.clone());
                    chain.nodes = nodes.len();
                    chain.steps.push(Step::Curve(place.clone()));
                }
            }
            chain.curves += 1;
        }
        Ok(())
    }

    /// `Channel: L`, `R`, `L R`, `all`, `1`, `2` (1 = L, 2 = R), as APO reads them: the words
    /// in any case, each adding a channel. Any other channel is refused.
    fn channel(&mut self, params: &str) -> Result<(), ImportError> {
        let mut selected = [false, false];
        let line = format!("Channel:{params}");
        let words: Vec<String> = params
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        if words.is_empty() {
            return Err(self.problem(format!(
                "'{}' names no channel: Equalizer APO would apply the lines after it to none",
                line.trim()
            )));
        }
        for word in &words {
            match word.as_str() {
                "ALL" => selected = [true, true],
                "L" | "1" => selected[0] = true,
                "R" | "2" => selected[1] = true,
                other => {
                    let what = match other {
                        "C" => "the centre channel".to_string(),
                        "LFE" | "SUB" => "the subwoofer channel".to_string(),
                        "RL" | "RR" | "RC" => "a rear channel".to_string(),
                        "SL" | "SR" => "a side channel".to_string(),
                        n if n.chars().all(|c| c.is_ascii_digit()) => format!("channel {n}"),
                        n => format!("'{n}', a channel other than L and R"),
                    };
                    return Err(self.problem(format!(
                        "'{}' selects {what}; a profile holds the left and right channels only (L or 1, R or 2, all)",
                        line.trim()
                    )));
                }
            }
        }
        self.selected = selected;
        Ok(())
    }

    /// `Include: FILE`: the file (see [`include`]) read at this point with the channels
    /// selected now.
    fn include(&mut self, params: &str) -> Result<(), ImportError> {
        let written = params.trim();
        if written.is_empty() {
            return Err(self.problem("Include: no file named"));
        }
        let path = include::resolve(written, &self.place().path);
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(self.problem(format!(
                "Include: '{written}' nests includes more than {MAX_INCLUDE_DEPTH} deep"
            )));
        }
        if self.included >= MAX_INCLUDED_FILES {
            return Err(self.problem(format!(
                "Include: '{written}' is more than {MAX_INCLUDED_FILES} included files in all"
            )));
        }
        let identity = identity(&path);
        if let Some(from) = self.stack.iter().position(|f| f.identity == identity) {
            let cycle: Vec<String> = self
                .stack
                .iter()
                .skip(from)
                .map(|f| f.path.display().to_string())
                .chain(std::iter::once(path.display().to_string()))
                .collect();
            return Err(self.problem(format!(
                "Include: '{written}' includes a file that is being read: {}",
                cycle.join(" → ")
            )));
        }
        let text = include::read(&path, written).map_err(|m| self.problem(m))?;
        self.included += 1;
        self.stack.push(Frame {
            path,
            identity,
            line: 0,
        });
        let read = self.file(&text);
        self.stack.pop();
        read
    }
}

//! A blind ABX test inside a session: X is A or B at random each trial, the listener answers
//! which, and at the end the score, its p-value and every trial go to a log.

use crate::ab::abx::{AbxLog, Trial, TrialRng, p_value};
use crate::timecode::format_time;

use super::types::{BlindSetup, Effect, Now};

/// What an answer led to.
pub enum Outcome {
    /// Next trial: X is now this slot.
    Next(usize),
    /// The last trial was answered.
    Finished,
    /// Not an answer (a slot other than A or B).
    Refused,
}

/// A running blind test.
pub struct Blind {
    rng: TrialRng,
    seed: u64,
    wanted: u32,
    /// The slot X plays in the current trial.
    truth: usize,
    trials: Vec<Trial>,
    /// Output frames played when the current trial began (scripted answers wait for a
    /// third of a second of it).
    trial_frames: u64,
    scripted: Vec<usize>,
}

impl Blind {
    /// A test as `setup` says, with its first X drawn.
    pub fn new(setup: BlindSetup) -> Blind {
        let mut rng = TrialRng::new(setup.seed);
        let truth = rng.pick();
        Blind {
            rng,
            seed: setup.seed,
            wanted: setup.trials.max(1),
            truth,
            trials: Vec::new(),
            trial_frames: 0,
            scripted: setup.scripted,
        }
    }

    /// The slot X plays now.
    /// Trials answered, trials wanted, answers correct.
    pub fn progress(&self) -> (usize, u32, u32) {
        let correct = self.trials.iter().filter(|t| t.correct).count() as u32;
        (self.trials.len(), self.wanted, correct)
    }

    pub fn truth(&self) -> usize {
        self.truth
    }

    /// "X · trial 3/16", for a status line.
    pub fn label(&self) -> String {
        format!("X · trial {}/{}", self.trials.len() + 1, self.wanted)
    }

    /// The scripted answer due now, if any: each after a third of a second of its trial.
    pub fn scripted_due(&self, now: &Now, rate: u32) -> Option<usize> {
        let heard = now.frames_out.saturating_sub(self.trial_frames);
        (heard > u64::from(rate) / 3)
            .then(|| self.scripted.get(self.trials.len()).copied())
            .flatten()
    }

    /// Records `answer` (0: X is A, 1: X is B) for the current trial, heard in entry
    /// `track` at `now` (and after `cue`), and draws the next X, or ends the test and hands
    /// its log over.
    pub fn answer(
        &mut self,
        answer: usize,
        now: &Now,
        track: String,
        cue: Option<String>,
        names: &[String; 2],
        out: &mut Vec<Effect>,
    ) -> Outcome {
        if answer > 1 {
            out.push(Effect::Show("answer a (X is A) or b (X is B)".into()));
            return Outcome::Refused;
        }
        let label = |slot: usize| ["A", "B"].get(slot).copied().unwrap_or("?").to_string();
        let number = self.trials.len() as u32 + 1;
        self.trials.push(Trial {
            number,
            answered_after_s: now.elapsed.as_secs_f64(),
            track,
            position: format_time(now.position),
            cue,
            truth: label(self.truth),
            answer: label(answer),
            correct: answer == self.truth,
        });
        out.push(Effect::Show(format!(
            "trial {number}/{}: answered {}",
            self.wanted,
            label(answer)
        )));
        if number >= self.wanted {
            let correct = self.trials.iter().filter(|t| t.correct).count() as u32;
            let log = AbxLog {
                a: names[0].clone(),
                b: names[1].clone(),
                seed: self.seed,
                correct,
                p_value: p_value(correct, number),
                trials: self.trials.clone(),
            };
            out.push(Effect::Show(format!("ABX result: {}", log.summary())));
            out.push(Effect::SaveAbxLog(log));
            out.push(Effect::Stop);
            return Outcome::Finished;
        }
        self.truth = self.rng.pick();
        self.trial_frames = now.frames_out;
        Outcome::Next(self.truth)
    }
}

//! Blind ABX trials: the hidden choice for each trial, scoring and the one-sided binomial
//! p-value (the chance of scoring at least as well by guessing).

/// Deterministic random numbers (SplitMix64) so a seeded ABX session can be replayed in
/// tests; unseeded sessions seed from the clock.
#[derive(Clone, Debug)]
pub struct TrialRng(u64);

impl TrialRng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        TrialRng(seed)
    }

    /// A generator seeded from the system clock.
    pub fn from_clock() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        TrialRng(nanos ^ u64::from(std::process::id()).rotate_left(32))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// X for the next trial: 0 (A) or 1 (B), each with probability 1/2.
    pub fn pick(&mut self) -> usize {
        (self.next_u64() >> 63) as usize
    }
}

/// P(X ≥ correct) for X ~ Binomial(trials, 1/2): the one-sided p-value of an ABX score.
pub fn p_value(correct: u32, trials: u32) -> f64 {
    if correct == 0 {
        return 1.0;
    }
    if correct > trials {
        return 0.0;
    }
    // Sum the upper tail in log space so long sessions do not overflow.
    let ln_half_n = f64::from(trials) * 0.5f64.ln();
    let ln_choose = |n: u32, k: u32| -> f64 {
        (1..=k)
            .map(|i| f64::from(n - k + i).ln() - f64::from(i).ln())
            .sum()
    };
    (correct..=trials)
        .map(|k| (ln_choose(trials, k) + ln_half_n).exp())
        .sum::<f64>()
        .min(1.0)
}

/// One answered trial.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Trial {
    /// Trial number from 1.
    pub number: u32,
    /// Seconds since the session started when answered.
    pub answered_after_s: f64,
    /// Track title.
    pub track: String,
    /// Track position when answered, `mm:ss.fff`.
    pub position: String,
    /// Last cue passed, if any.
    pub cue: Option<String>,
    /// What X really was: "A" or "B".
    pub truth: String,
    /// What the listener answered.
    pub answer: String,
    /// Whether they matched.
    pub correct: bool,
}

/// The log written at the end of an ABX session.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AbxLog {
    /// Profile A's name and file.
    pub a: String,
    /// Profile B's name and file.
    pub b: String,
    /// Seed of the trial sequence.
    pub seed: u64,
    /// Trials in order.
    pub trials: Vec<Trial>,
    /// Correct answers.
    pub correct: u32,
    /// One-sided binomial p-value.
    pub p_value: f64,
}

impl AbxLog {
    /// The log as the JSON document written to `--abx-log`.
    pub fn json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// "12/16 correct, p = 0.038: unlikely to be guessing (p < 0.05)".
    pub fn summary(&self) -> String {
        let n = self.trials.len();
        let verdict = if n == 0 {
            "no trials answered"
        } else if self.p_value < 0.05 {
            "unlikely to be guessing (p < 0.05): you heard a difference"
        } else {
            "consistent with guessing (p ≥ 0.05)"
        };
        format!(
            "{}/{n} correct, p = {:.4}: {verdict}",
            self.correct, self.p_value
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_match_the_binomial_tables() {
        // Reference values: sum of C(n,k)/2^n over k >= correct.
        let cases = [
            (12, 16, 0.038_406),
            (9, 10, 0.010_742),
            (8, 16, 0.598_190),
            (16, 16, 1.0 / 65_536.0),
            (0, 5, 1.0),
            (5, 5, 0.031_25),
            (60, 100, 0.028_444),
        ];
        for (k, n, want) in cases {
            let got = p_value(k, n);
            assert!((got - want).abs() < 1e-5, "{k}/{n}: {got} vs {want}");
        }
    }

    #[test]
    fn an_abx_log_cut_short_by_a_full_disk_leaves_no_file() {
        use crate::atomic_file::testing::{FailAfter, names};
        use crate::atomic_file::{SaveError, create, save_via};
        let trial = Trial {
            number: 1,
            answered_after_s: 2.5,
            track: "t".into(),
            position: "00:01.000".into(),
            cue: None,
            truth: "A".into(),
            answer: "A".into(),
            correct: true,
        };
        let log = AbxLog {
            a: "A".into(),
            b: "B".into(),
            seed: 7,
            trials: vec![trial; 8],
            correct: 8,
            p_value: p_value(8, 8),
        };
        let json = log.json();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("abx.json");
        for n in [0, 1, json.len() / 2, json.len() - 1] {
            let (file, pending) = create(&dest, false).unwrap();
            let err = save_via(FailAfter::new(file, n), pending, json.as_bytes()).unwrap_err();
            assert!(matches!(err, SaveError::Io { .. }), "{err}");
            assert!(err.to_string().contains("No space left on device"), "{err}");
            assert!(names(dir.path()).is_empty(), "after {n} bytes");
        }
        let (file, pending) = create(&dest, false).unwrap();
        save_via(FailAfter::new(file, json.len()), pending, json.as_bytes()).unwrap();
        let back: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&dest).unwrap()).unwrap();
        assert_eq!(back["correct"], 8);
    }

    #[test]
    fn seeded_trials_repeat_and_are_balanced() {
        let mut a = TrialRng::new(7);
        let mut b = TrialRng::new(7);
        let xs: Vec<usize> = (0..1000).map(|_| a.pick()).collect();
        let ys: Vec<usize> = (0..1000).map(|_| b.pick()).collect();
        assert_eq!(xs, ys);
        let ones = xs.iter().filter(|&&x| x == 1).count();
        assert!((400..600).contains(&ones), "{ones}");
    }
}

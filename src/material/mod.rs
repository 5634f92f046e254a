//! Built-in test material, synthesised on the spot so the demo needs no files: pink noise,
//! a sine sweep, a sub-bass line, a plucked-string phrase and hand claps, each chosen to
//! make one kind of EQ change easy to hear.

use std::f64::consts::PI;

/// One labelled segment of the built-in material.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Start time in seconds.
    pub start: f64,
    /// Length in seconds.
    pub seconds: f64,
    /// What it is.
    pub name: &'static str,
    /// What to listen for in it when comparing EQs.
    pub listen_for: &'static str,
}

/// Interleaved stereo material and its segment map.
#[derive(Clone, Debug)]
pub struct Material {
    /// Sample rate in Hz.
    pub rate: u32,
    /// Interleaved stereo samples.
    pub samples: Vec<f32>,
    /// Segments in time order.
    pub segments: Vec<Segment>,
}

/// Deterministic white noise (xorshift32), so the demo renders the same every time.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        f64::from(self.0) / f64::from(u32::MAX) * 2.0 - 1.0
    }
}

/// Gap of silence between segments, seconds.
const GAP: f64 = 0.6;

/// Builds the demo material at `rate` Hz (about 20 s).
pub fn demo_material(rate: u32) -> Material {
    let mut m = Material {
        rate,
        samples: Vec::new(),
        segments: Vec::new(),
    };
    let fs = f64::from(rate);
    m.push(
        "pink noise",
        "tonal balance at a glance: a bass shelf thickens the low rumble, a treble cut dulls the hiss",
        pink_noise(fs, 3.0),
    );
    m.push(
        "sine sweep 20 Hz – 20 kHz",
        "the EQ curve itself: the sweep gets louder where the EQ boosts and quieter where it cuts",
        sweep(fs, 6.0),
    );
    m.push(
        "sub-bass line",
        "bass extension and rumble (the sub-bass of 'A Reckoning in Blood' / 'Shadow of Baar Dau')",
        bass_line(fs),
    );
    m.push(
        "plucked-string phrase",
        "timbre and note weight: body of the notes, sparkle of the attacks",
        plucked_phrase(fs),
    );
    m.push(
        "hand claps",
        "transients and presence region (the claps that open 'Synchro BOM-BA-YE')",
        claps(fs),
    );
    m
}

impl Material {
    fn push(&mut self, name: &'static str, listen_for: &'static str, stereo: Vec<[f64; 2]>) {
        let fs = f64::from(self.rate);
        let start = self.samples.len() as f64 / 2.0 / fs;
        let seconds = stereo.len() as f64 / fs;
        let fade = (0.01 * fs) as usize;
        let n = stereo.len();
        for (i, frame) in stereo.iter().enumerate() {
            // 10 ms fades so no segment starts or ends with a click.
            let g = (i.min(n - 1 - i) as f64 / fade as f64).min(1.0);
            self.samples.push((frame[0] * g) as f32);
            self.samples.push((frame[1] * g) as f32);
        }
        let gap = (GAP * fs) as usize;
        self.samples.extend(std::iter::repeat_n(0.0, gap * 2));
        self.segments.push(Segment {
            start,
            seconds,
            name,
            listen_for,
        });
    }
}

/// `seconds` of interleaved stereo pink noise at `rate` (about −21 dBFS RMS, the same in
/// both channels), e.g. for level-matching EQ profiles without a track.
pub fn pink_noise_stereo(rate: u32, seconds: f64) -> Vec<f32> {
    pink_noise(f64::from(rate), seconds)
        .into_iter()
        .flat_map(|[l, r]| [l as f32, r as f32])
        .collect()
}

/// Pink noise (Paul Kellet's refined filter) at about −21 dBFS RMS, identical in both
/// channels so it images in the centre.
fn pink_noise(fs: f64, seconds: f64) -> Vec<[f64; 2]> {
    let mut noise = Noise(0x1234_5678);
    let mut b = [0.0f64; 7];
    (0..(seconds * fs) as usize)
        .map(|_| {
            let w = noise.next();
            b[0] = 0.99886 * b[0] + w * 0.0555179;
            b[1] = 0.99332 * b[1] + w * 0.0750759;
            b[2] = 0.96900 * b[2] + w * 0.1538520;
            b[3] = 0.86650 * b[3] + w * 0.3104856;
            b[4] = 0.55000 * b[4] + w * 0.5329522;
            b[5] = -0.7616 * b[5] - w * 0.0168980;
            let pink = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
            b[6] = w * 0.115926;
            let v = pink * 0.05;
            [v, v]
        })
        .collect()
}

/// Exponential sine sweep from 20 Hz to 20 kHz (or 0.45·fs) at −12 dBFS.
fn sweep(fs: f64, seconds: f64) -> Vec<[f64; 2]> {
    let (f1, f2) = (20.0, 20_000f64.min(0.45 * fs));
    let k = (f2 / f1).ln();
    let n = (seconds * fs) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let phase = 2.0 * PI * f1 * seconds / k * ((t / seconds * k).exp() - 1.0);
            let v = 0.25 * phase.sin();
            [v, v]
        })
        .collect()
}

/// Four bass notes (E1, G1, A1, E1) as sine + second harmonic with a soft attack.
fn bass_line(fs: f64) -> Vec<[f64; 2]> {
    let notes = [41.2, 49.0, 55.0, 41.2];
    let note_len = (0.75 * fs) as usize;
    let mut out = Vec::with_capacity(notes.len() * note_len);
    for f in notes {
        for i in 0..note_len {
            let t = i as f64 / fs;
            let env = (1.0 - (-t * 40.0).exp()) * (-t * 1.2).exp();
            let v = 0.4 * env * ((2.0 * PI * f * t).sin() + 0.3 * (4.0 * PI * f * t).sin());
            out.push([v, v]);
        }
    }
    out
}

/// A short arpeggio of Karplus–Strong plucked strings, alternating slightly left and right.
fn plucked_phrase(fs: f64) -> Vec<[f64; 2]> {
    let notes = [220.0, 261.63, 329.63, 440.0, 392.0, 329.63, 293.66, 220.0];
    let step = (0.35 * fs) as usize;
    let len = step * notes.len() + (1.2 * fs) as usize;
    let mut out = vec![[0.0; 2]; len];
    let mut noise = Noise(0x00C0_FFEE);
    for (n, f) in notes.iter().enumerate() {
        let period = (fs / f).round() as usize;
        let mut line: Vec<f64> = (0..period).map(|_| noise.next() * 0.5).collect();
        let pan = if n % 2 == 0 { 0.35 } else { -0.35 };
        let (gl, gr) = ((1.0 - pan) * 0.5, (1.0 + pan) * 0.5);
        let mut idx = 0;
        for frame in out.iter_mut().skip(n * step).take((1.5 * fs) as usize) {
            let next = (idx + 1) % period;
            let v = line[idx];
            // Averaging two neighbours is the string's loss filter; 0.996 its damping.
            line[idx] = 0.996 * 0.5 * (line[idx] + line[next]);
            idx = next;
            frame[0] += v * gl;
            frame[1] += v * gr;
        }
    }
    out
}

/// Hand claps: each is a few 1–2 ms noise bursts band-passed around 1.2 kHz, then a short
/// decay, in a simple rhythm.
fn claps(fs: f64) -> Vec<[f64; 2]> {
    let times = [0.0, 0.5, 1.0, 1.25, 1.5, 2.0, 2.5, 2.75];
    let len = (3.2 * fs) as usize;
    let mut out = vec![[0.0; 2]; len];
    let mut noise = Noise(0xC1A9_5EED);
    // RBJ band pass at 1.2 kHz, Q 1.2, applied per clap.
    let w0 = 2.0 * PI * 1200.0 / fs;
    let alpha = w0.sin() / (2.0 * 1.2);
    let (b0, b2, a1, a2) = (
        alpha / (1.0 + alpha),
        -alpha / (1.0 + alpha),
        -2.0 * w0.cos() / (1.0 + alpha),
        (1.0 - alpha) / (1.0 + alpha),
    );
    for (c, &t0) in times.iter().enumerate() {
        let start = (t0 * fs) as usize;
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        let pan = [0.1, -0.15, 0.05, -0.05][c % 4];
        for (i, frame) in out
            .iter_mut()
            .skip(start)
            .take((0.25 * fs) as usize)
            .enumerate()
        {
            let t = i as f64 / fs;
            // Three quick bursts 8 ms apart, then the body's decay.
            let burst = (0..3).any(|k| {
                let b = t - k as f64 * 0.008;
                (0.0..0.0015).contains(&b)
            });
            let env = if burst {
                1.0
            } else {
                (-(t - 0.016).max(0.0) * 35.0).exp() * 0.6
            };
            let x = noise.next() * env;
            let y = b0 * x + b2 * x2 - a1 * y1 - a2 * y2;
            (x2, x1, y2, y1) = (x1, x, y1, y);
            let v = y;
            frame[0] += v * (1.0 - pan);
            frame[1] += v * (1.0 + pan);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_is_deterministic_and_within_full_scale() {
        let a = demo_material(48_000);
        let b = demo_material(48_000);
        assert_eq!(a.samples, b.samples);
        let peak = a.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.2 && peak < 0.9, "peak {peak}");
        assert_eq!(a.segments.len(), 5);
        let seconds = a.samples.len() as f64 / 2.0 / 48_000.0;
        assert!(seconds > 15.0 && seconds < 30.0, "{seconds}");
        for pair in a.segments.windows(2) {
            assert!(pair[1].start >= pair[0].start + pair[0].seconds);
        }
    }

    #[test]
    fn every_segment_has_sound() {
        let m = demo_material(44_100);
        for s in &m.segments {
            let from = (s.start * 44_100.0) as usize * 2;
            let to = ((s.start + s.seconds) * 44_100.0) as usize * 2;
            let rms = (m.samples[from..to]
                .iter()
                .map(|v| f64::from(*v).powi(2))
                .sum::<f64>()
                / (to - from) as f64)
                .sqrt();
            assert!(rms > 0.01, "{}: rms {rms}", s.name);
        }
    }
}

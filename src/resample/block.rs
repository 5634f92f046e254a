//! Sample-rate conversion for offline rendering, where throughput counts and latency does
//! not: an FFT resampler (overlap-add): each block of input frames is transformed, multiplied by
//! the spectrum of a Kaiser-windowed sinc (passband to 0.91 of the lower Nyquist frequency,
//! 150 dB stop band from that Nyquist frequency, see [`FftDesign`]), cut or zero-padded to
//! the output rate's length and transformed back. Both channels go through one complex FFT
//! (left as the real part, right as the imaginary part), which is also the memory layout of
//! interleaved stereo, so frames are copied straight in and out.
//!
//! Quality, measured by the tests below: a 1 kHz tone at −1 dBFS converted 44.1 → 48 kHz
//! has THD+N (20 Hz–20 kHz) below −130 dB and the passband is flat within 0.001 dB to
//! 20 kHz; output length is exactly round(input · to / from) frames and the resampler's own
//! delay is removed, so sample positions (cue points) map exactly. When the rates match,
//! samples pass through untouched. After construction nothing is allocated except the
//! caller's output vector growing.

use std::sync::Arc;

use rustfft::num_complex::Complex;

use super::ResampleError;
use super::design::{self, FftDesign};

/// The FFT machinery of a resampler whose rates differ.
struct Engine {
    fft_in: Arc<dyn rustfft::Fft<f32>>,
    fft_out: Arc<dyn rustfft::Fft<f32>>,
    /// The filter's spectrum (scaled for the round trip).
    filter: Vec<Complex<f32>>,
    /// Bins kept on each side of DC: below both Nyquist frequencies.
    keep: usize,
    block_in: usize,
    block_out: usize,
    delay: usize,
    /// Input frames of the current block (re = left, im = right), then its spectrum.
    spec_in: Vec<Complex<f32>>,
    /// Frames of the current block filled so far.
    fill: usize,
    /// The output spectrum, then the block's output.
    spec_out: Vec<Complex<f32>>,
    /// The part of the last block's output that overlaps the next block.
    tail: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl Engine {
    fn new(from: u32, to: u32, design: &FftDesign) -> Result<Self, String> {
        let plan = design::plan(from, to, design)?;
        let mut planner = rustfft::FftPlanner::<f32>::new();
        let fft_in = planner.plan_fft_forward(plan.fft_in);
        let fft_out = planner.plan_fft_inverse(plan.fft_out);
        let scratch_len = fft_in
            .get_inplace_scratch_len()
            .max(fft_out.get_inplace_scratch_len());
        let zero = Complex::new(0.0, 0.0);
        Ok(Engine {
            keep: plan.fft_in.min(plan.fft_out).div_ceil(2),
            fft_in,
            fft_out,
            filter: plan.filter,
            block_in: plan.block_in,
            block_out: plan.block_out,
            delay: plan.delay,
            spec_in: vec![zero; plan.fft_in],
            fill: 0,
            spec_out: vec![zero; plan.fft_out],
            tail: vec![zero; plan.fft_out - plan.block_out],
            scratch: vec![zero; scratch_len],
        })
    }

    /// Copies interleaved frames into the current block; returns how many fitted.
    fn take(&mut self, input: &[f32]) -> usize {
        let room = self.block_in - self.fill;
        let frames = (input.len() / 2).min(room);
        let dest = &mut self.spec_in[self.fill..self.fill + frames];
        for (c, pair) in dest.iter_mut().zip(input.chunks_exact(2)) {
            *c = Complex::new(pair[0], pair[1]);
        }
        self.fill += frames;
        frames
    }

    /// Resamples the current block (zero-padded if partial) and appends its output frames,
    /// less the first `skip`, to `out` as interleaved stereo. Returns the frames appended.
    fn run(&mut self, skip: usize, out: &mut Vec<f32>) -> usize {
        let zero = Complex::new(0.0, 0.0);
        self.spec_in[self.fill..].fill(zero);
        self.fill = 0;
        self.fft_in
            .process_with_scratch(&mut self.spec_in, &mut self.scratch);
        let (n_in, n_out, keep) = (self.spec_in.len(), self.spec_out.len(), self.keep);
        // Positive frequencies, then negative ones, each times the filter; the rest is zero.
        for ((o, i), h) in self.spec_out[..keep]
            .iter_mut()
            .zip(&self.spec_in[..keep])
            .zip(&self.filter[..keep])
        {
            *o = i * h;
        }
        for ((o, i), h) in self.spec_out[n_out + 1 - keep..]
            .iter_mut()
            .zip(&self.spec_in[n_in + 1 - keep..])
            .zip(&self.filter[n_in + 1 - keep..])
        {
            *o = i * h;
        }
        if n_out + 1 - keep > keep {
            self.spec_out[keep..n_out + 1 - keep].fill(zero);
        }
        self.fft_out
            .process_with_scratch(&mut self.spec_out, &mut self.scratch);
        for (o, t) in self.spec_out.iter_mut().zip(&self.tail) {
            *o += t;
        }
        self.tail.copy_from_slice(&self.spec_out[self.block_out..]);
        let ready = &self.spec_out[skip.min(self.block_out)..self.block_out];
        let start = out.len();
        out.resize(start + ready.len() * 2, 0.0);
        for (pair, c) in out[start..].chunks_exact_mut(2).zip(ready) {
            pair[0] = c.re;
            pair[1] = c.im;
        }
        ready.len()
    }

    fn reset(&mut self) {
        self.fill = 0;
        self.tail.fill(Complex::new(0.0, 0.0));
    }
}

/// Converts a stereo stream from one rate to another, block by block.
pub struct BlockResampler {
    from: u32,
    to: u32,
    engine: Option<Engine>,
    /// Output frames still to drop to remove the resampler's delay.
    to_trim: usize,
    frames_in: u64,
    frames_out: u64,
}

impl std::fmt::Debug for BlockResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockResampler")
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

impl BlockResampler {
    /// A resampler from `from` Hz to `to` Hz (a passthrough when they are equal).
    pub fn new(from: u32, to: u32) -> Result<Self, ResampleError> {
        Self::with_design(from, to, &FftDesign::default())
    }

    /// A resampler with its filter and block sizes tuned by `design`.
    pub fn with_design(from: u32, to: u32, design: &FftDesign) -> Result<Self, ResampleError> {
        let construction = |reason: String| ResampleError::Construction { from, to, reason };
        if from == 0 || to == 0 {
            return Err(construction("sample rates must be above 0".into()));
        }
        let engine = if from == to {
            None
        } else {
            Some(Engine::new(from, to, design).map_err(construction)?)
        };
        Ok(BlockResampler {
            from,
            to,
            to_trim: engine.as_ref().map_or(0, |e| e.delay),
            engine,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// True when input and output rates match and samples pass through unchanged.
    pub fn is_passthrough(&self) -> bool {
        self.engine.is_none()
    }

    /// Output rate in Hz.
    pub fn output_rate(&self) -> u32 {
        self.to
    }

    /// Output frames that `frames_in` input frames make once the stream is finished:
    /// round(frames_in · to / from), the length [`BlockResampler::finish`] guarantees.
    pub fn output_frames_for(&self, frames_in: u64) -> u64 {
        let (to, from) = (u128::from(self.to), u128::from(self.from));
        ((u128::from(frames_in) * to + from / 2) / from) as u64
    }

    /// Input frames taken since the start or the last reset.
    pub fn frames_in(&self) -> u64 {
        self.frames_in
    }

    /// Output frames produced since the start or the last reset.
    pub fn frames_out(&self) -> u64 {
        self.frames_out
    }

    /// Resamples interleaved stereo `input`, appending whatever output is ready to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), ResampleError> {
        let frames = input.len() / 2;
        self.frames_in += frames as u64;
        let Some(engine) = self.engine.as_mut() else {
            out.extend_from_slice(&input[..frames * 2]);
            self.frames_out += frames as u64;
            return Ok(());
        };
        let mut rest = &input[..frames * 2];
        while !rest.is_empty() {
            let took = engine.take(rest);
            rest = &rest[took * 2..];
            if engine.fill == engine.block_in {
                let skip = self.to_trim;
                let made = engine.run(skip, out);
                self.to_trim -= skip.min(engine.block_out);
                self.frames_out += made as u64;
            }
        }
        Ok(())
    }

    /// Ends the stream: flushes buffered input and the filter tail so the total output is
    /// round(total input · to / from) frames.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), ResampleError> {
        let expected = self.output_frames_for(self.frames_in);
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        let start = out.len();
        let mut made = 0u64;
        // The buffered frames and then silence, block by block, until the delay and the
        // filter tail are out.
        while self.frames_out + made < expected {
            let skip = self.to_trim;
            made += engine.run(skip, out) as u64;
            self.to_trim -= skip.min(engine.block_out);
        }
        engine.fill = 0;
        let keep = (expected - self.frames_out) as usize;
        out.truncate(start + keep * 2);
        self.frames_out = expected;
        Ok(())
    }

    /// Forgets all buffered audio and filter state (after a seek).
    pub fn reset(&mut self) {
        if let Some(e) = self.engine.as_mut() {
            e.reset();
            self.to_trim = e.delay;
        }
        self.frames_in = 0;
        self.frames_out = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::contract::{self, sine};
    use super::super::measure;
    use super::*;

    fn run(from: u32, to: u32, input: &[f32], block: usize) -> Vec<f32> {
        contract::run::<BlockResampler>(from, to, input, block)
    }

    impl contract::Stream for BlockResampler {
        fn open(from: u32, to: u32) -> Self {
            BlockResampler::new(from, to).unwrap()
        }
        fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
            self.process(input, out).unwrap();
        }
        fn end(&mut self, out: &mut Vec<f32>) {
            self.finish(out).unwrap();
        }
    }

    #[test]
    fn passthrough_when_rates_match() {
        contract::passthrough_when_rates_match::<BlockResampler>();
    }

    #[test]
    fn output_length_is_exact() {
        contract::output_length_is_exact::<BlockResampler>();
    }

    #[test]
    fn tone_stays_clean_and_in_place() {
        contract::tone_stays_clean_and_in_place::<BlockResampler>();
    }

    #[test]
    fn block_size_does_not_change_output() {
        contract::block_size_does_not_change_output::<BlockResampler>();
    }

    #[test]
    fn tone_thd_n_is_below_130_db() {
        for (from, to) in [
            (44100, 48000),
            (48000, 44100),
            (44100, 96000),
            (96000, 44100),
        ] {
            let input = measure::tone(1000.0, from, from as usize * 3, -1.0);
            let out = run(from, to, &input, 4096);
            let thd_n = measure::thd_n_db(&measure::left(&out), to, 1000.0);
            assert!(thd_n < -130.0, "{from}->{to}: THD+N {thd_n:.1} dB");
        }
    }

    #[test]
    fn passband_is_flat_to_20_khz() {
        for (from, to) in [(44100, 48000), (48000, 44100)] {
            let gains = measure::passband_db(from, to, |input| run(from, to, input, 4096));
            for (f, g) in measure::PASSBAND_HZ.iter().zip(&gains) {
                assert!(g.abs() < 0.001, "{from}->{to}: {g:+.4} dB at {f} Hz");
            }
        }
    }

    #[test]
    fn nothing_above_the_lower_nyquist_frequency_survives() {
        // 23 kHz at 48 kHz has no place at 44.1 kHz: it must go, not fold back to 21.1 kHz.
        let input = measure::tone(23_000.0, 48000, 96000, -1.0);
        let out = run(48000, 44100, &input, 4096);
        let alias = measure::amplitude(&measure::left(&out), 44100, 44100.0 - 23_000.0);
        assert!(
            20.0 * alias.log10() < -140.0,
            "alias at {:.1} dB",
            20.0 * alias.log10()
        );
    }

    #[test]
    fn reset_starts_a_new_stream() {
        let input = sine(1000.0, 44100, 20000);
        let mut r = BlockResampler::new(44100, 48000).unwrap();
        let mut first = Vec::new();
        r.process(&sine(300.0, 44100, 7000), &mut first).unwrap();
        r.reset();
        let mut again = Vec::new();
        r.process(&input, &mut again).unwrap();
        r.finish(&mut again).unwrap();
        assert_eq!(again, run(44100, 48000, &input, 20000));
    }
}

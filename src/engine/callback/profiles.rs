//! The profiles loaded in the callback: each slot's EQ chain and gains, the one heard, and
//! the crossfade of a switch. Every loaded chain runs on every chunk, so a switch crossfades
//! between warm filters.

use crate::dsp::{Crossfade, EqChain, GainRamp};

/// Profiles that can be loaded at once (A, B and up to two more).
pub const MAX_PROFILES: usize = 4;

/// Frames processed per inner step; device buffers of any size are split into these.
pub const CHUNK: usize = 256;

/// One profile slot.
enum Slot {
    /// Nothing loaded: cannot be selected.
    Empty,
    /// A profile: its chain (None: flat) and the gain after it.
    Loaded {
        chain: Option<Box<EqChain>>,
        /// Gain set when loaded (automatic preamp plus any fixed level), dB.
        base_db: f64,
        /// The playing track's level match, dB.
        level_db: f64,
        gain: GainRamp,
    },
}

/// The slots, the one heard and a switch in progress.
pub(super) struct Profiles {
    slots: [Slot; MAX_PROFILES],
    /// Each slot's output for the current chunk.
    bufs: [Vec<f32>; MAX_PROFILES],
    active: usize,
    /// Fading out of this slot into the active one.
    fade: Option<(usize, Crossfade)>,
}

impl Profiles {
    /// Slot 0 loaded flat and heard; the others empty. All buffers are allocated here.
    pub(super) fn new() -> Profiles {
        Profiles {
            slots: std::array::from_fn(|i| {
                if i == 0 {
                    Slot::Loaded {
                        chain: None,
                        base_db: 0.0,
                        level_db: 0.0,
                        gain: GainRamp::new(0.0),
                    }
                } else {
                    Slot::Empty
                }
            }),
            bufs: std::array::from_fn(|_| vec![0.0; CHUNK * 2]),
            active: 0,
            fade: None,
        }
    }

    /// The slot heard.
    pub(super) fn active(&self) -> usize {
        self.active
    }

    /// Loads `chain` (None: flat) with `gain_db` after it into `slot`, keeping the track's
    /// level match. Returns the chain it replaces (or `chain` itself for a slot that does
    /// not exist), to be freed off the audio thread.
    pub(super) fn load(
        &mut self,
        slot: usize,
        mut chain: Option<Box<EqChain>>,
        gain_db: f64,
        fade_frames: u32,
    ) -> Option<Box<EqChain>> {
        let Some(s) = self.slots.get_mut(slot) else {
            return chain;
        };
        let (level_db, gain) = match s {
            // A profile replaced in a loaded slot (an edit while it plays) glides to its
            // new gain, and its filters go on from the old ones' memory: no click.
            Slot::Loaded {
                level_db,
                gain,
                chain: old,
                ..
            } => {
                let mut gain = *gain;
                gain.ramp_to(gain_db + *level_db, fade_frames);
                if let (Some(new), Some(old)) = (chain.as_deref_mut(), old.as_deref()) {
                    new.continue_from(old);
                }
                (*level_db, gain)
            }
            Slot::Empty => (0.0, GainRamp::new(gain_db)),
        };
        let old = std::mem::replace(
            s,
            Slot::Loaded {
                chain,
                base_db: gain_db,
                level_db,
                gain,
            },
        );
        match old {
            Slot::Loaded { chain, .. } => chain,
            Slot::Empty => None,
        }
    }

    /// Glides `slot`'s gain after its chain to `gain_db` over `frames`.
    pub(super) fn set_gain(&mut self, slot: usize, gain_db: f64, frames: u32) {
        if let Some(Slot::Loaded {
            base_db,
            level_db,
            gain,
            ..
        }) = self.slots.get_mut(slot)
        {
            *base_db = gain_db;
            gain.ramp_to(gain_db + *level_db, frames);
        }
    }

    /// A new track's level match per slot. At a track boundary the change is a step: levels
    /// belong to tracks, and a ramp would carry one track's level into the next.
    pub(super) fn set_levels(&mut self, levels_db: &[f32; MAX_PROFILES]) {
        for (slot, level) in self.slots.iter_mut().zip(levels_db) {
            if let Slot::Loaded {
                base_db,
                level_db,
                gain,
                ..
            } = slot
            {
                let level = f64::from(*level);
                if level != *level_db {
                    *level_db = level;
                    *gain = GainRamp::new(*base_db + level);
                }
            }
        }
    }

    /// Switches to `slot` with an equal-gain crossfade of `fade` frames, replacing any fade in
    /// progress. False when the slot is empty, out of range or already heard.
    pub(super) fn select(&mut self, slot: usize, fade: u32) -> bool {
        let loaded = matches!(self.slots.get(slot), Some(Slot::Loaded { .. }));
        if !loaded || slot == self.active {
            return false;
        }
        self.fade = Some((self.active, Crossfade::new(fade)));
        self.active = slot;
        true
    }

    /// Runs every loaded profile over `dry` and writes the one heard (crossfaded from the
    /// one before during a switch) to `out`.
    pub(super) fn run(&mut self, dry: &[f32], out: &mut [f32]) {
        let n = dry.len();
        for (slot, buf) in self.slots.iter_mut().zip(self.bufs.iter_mut()) {
            let Slot::Loaded { chain, gain, .. } = slot else {
                continue;
            };
            let buf = &mut buf[..n];
            buf.copy_from_slice(dry);
            if let Some(chain) = chain.as_mut() {
                chain.process_interleaved(buf);
            }
            gain.process_interleaved(buf);
        }
        out.copy_from_slice(&self.bufs[self.active][..n]);
        if let Some((from, fade)) = self.fade.as_mut() {
            fade.mix_into(&self.bufs[*from][..n], out);
            if fade.is_done() {
                self.fade = None;
            }
        }
    }
}

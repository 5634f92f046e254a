//! What the callback does when a track reaches a frame: switch profile once, or report a
//! cue every time playback reaches it. A fixed table, so scheduling never allocates.

/// Scheduled profile switches the callback holds at once.
pub const MAX_SCHEDULED: usize = 256;

/// What to do at a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Action {
    /// Switch profile once, with a crossfade of `fade` frames.
    Switch { slot: usize, fade: u32 },
    /// Report the cue every time it is reached.
    Cue { id: usize },
}

/// Something to do when a track reaches a frame.
#[derive(Clone, Copy)]
struct Scheduled {
    track: usize,
    frame: u64,
    action: Action,
    /// Cues fire each time playback reaches them (again after a seek back); a cue is armed
    /// while playback is before it.
    armed: bool,
}

/// The scheduled switches and cues.
pub(super) struct Schedule {
    items: [Option<Scheduled>; MAX_SCHEDULED],
}

impl Schedule {
    pub(super) fn new() -> Schedule {
        Schedule {
            items: [None; MAX_SCHEDULED],
        }
    }

    /// Adds `action` at `frame` of `track` (dropped when the table is full).
    pub(super) fn add(&mut self, track: usize, frame: u64, action: Action) {
        if let Some(free) = self.items.iter_mut().find(|s| s.is_none()) {
            *free = Some(Scheduled {
                track,
                frame,
                action,
                armed: true,
            });
        }
    }

    /// Forgets everything.
    pub(super) fn clear(&mut self) {
        self.items = [None; MAX_SCHEDULED];
    }

    /// Frames from `frame` of `track` to its next scheduled switch or cue, if any: a chunk
    /// stops there so that it lands exactly.
    pub(super) fn next_in(&self, track: usize, frame: u64) -> Option<u64> {
        self.items
            .iter()
            .flatten()
            .filter(|s| s.track == track && s.frame > frame)
            .map(|s| s.frame - frame)
            .min()
    }

    /// Entry `i` at `frame` of `track`: its action when it lands exactly there (a point
    /// jumped over by a seek does not fire). A switch is spent once reached; a cue re-arms
    /// while playback is before it.
    pub(super) fn due(&mut self, i: usize, track: usize, frame: u64) -> Option<Action> {
        let item = self.items.get_mut(i)?;
        let s = item.as_mut()?;
        if s.track != track {
            return None;
        }
        if s.frame > frame {
            s.armed = true;
            return None;
        }
        let hit = s.armed && s.frame == frame;
        let action = s.action;
        match action {
            Action::Switch { .. } => *item = None,
            Action::Cue { .. } => s.armed = false,
        }
        hit.then_some(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_fires_once_exactly_at_its_frame_and_a_cue_each_time_it_is_reached() {
        let mut s = Schedule::new();
        s.add(1, 100, Action::Switch { slot: 1, fade: 0 });
        s.add(1, 100, Action::Cue { id: 3 });
        assert_eq!(s.next_in(1, 40), Some(60));
        assert_eq!(
            s.next_in(0, 40),
            None,
            "another track's points do not count"
        );
        let fired = |s: &mut Schedule, frame| {
            (0..MAX_SCHEDULED)
                .filter_map(|i| s.due(i, 1, frame))
                .collect::<Vec<_>>()
        };
        assert!(fired(&mut s, 99).is_empty());
        assert_eq!(
            fired(&mut s, 100),
            [Action::Switch { slot: 1, fade: 0 }, Action::Cue { id: 3 }]
        );
        // Past it: nothing more, and the switch is gone.
        assert!(fired(&mut s, 150).is_empty());
        // A seek back re-arms the cue, not the switch.
        assert!(fired(&mut s, 50).is_empty());
        assert_eq!(fired(&mut s, 100), [Action::Cue { id: 3 }]);
        // Jumped over by a seek: nothing fires.
        assert!(fired(&mut s, 20).is_empty());
        assert!(fired(&mut s, 180).is_empty());
    }
}

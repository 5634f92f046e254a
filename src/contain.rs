//! Panics inside third-party decoders, contained: a demuxer or codec that panics on a
//! damaged file is a bad file, not a crash. [`contained`] runs such a call and turns its
//! panic into an `Err`; while it runs, the command line's panic hook stays quiet (the caller
//! reports the damage in its own words).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`, catching a panic. The closure's state may be half-updated after a panic, so
/// callers must treat what it touched as unusable (they end or reopen the stream).
pub fn contained<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result
}

/// Whether the current thread is inside [`contained`].
pub fn is_contained() -> bool {
    DEPTH.with(|d| d.get() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_the_depth_unwinds() {
        assert!(!is_contained());
        let r = contained(|| {
            assert!(is_contained());
            panic!("decoder bug")
        });
        assert!(r.is_err());
        assert!(!is_contained());
        assert_eq!(contained(|| 3).ok(), Some(3));
    }
}

//! What every kernel of the chain keeps per stage.

use wide::f64x2;

/// Per-stage state, transposed direct form II, one SIMD lane per channel (L, R).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct StageState {
    pub(super) s1: f64x2,
    pub(super) s2: f64x2,
}

//! EQ profiles (`presets/eq/*.toml`).

pub mod profile;

pub use profile::{
    DEFAULT_CHECK_RATE, EqProfile, EqShape, MAX_GAIN_DB, PROFILE_VERSION, Problem, ProfileError,
};

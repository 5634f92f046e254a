//! EQ profiles (`presets/eq/*.toml`) and the formats and devices they export to.

pub mod device;
pub mod device_fit;
pub mod profile;
mod profile_toml;

pub use device::{DeviceSpec, Layout, Range};
pub use profile::{
    ChannelEq, DEFAULT_CHECK_RATE, EqProfile, EqShape, MAX_GAIN_DB, PROFILE_VERSION, ProfileError,
};
pub mod export;
pub mod import;

//! A/B comparison of EQ profiles: loudness matching, blind ABX statistics, listening notes
//! and the review draft built from them.

pub mod abx;
pub mod matching;
pub mod notes;
pub mod rating;
pub mod report;

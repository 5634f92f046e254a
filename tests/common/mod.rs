//! Helpers shared by the fuzz tests.

pub mod mutate;

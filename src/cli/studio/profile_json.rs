//! Stand-in (replaced by the real one).
#![allow(dead_code)]
use serde::{Deserialize, Serialize};

use crate::preset::EqProfile;

#[derive(Deserialize, Serialize)]
pub(super) struct ProfileJson {
    pub name: String,
}

impl ProfileJson {
    pub(super) fn to_profile(&self) -> Result<EqProfile, String> {
        Ok(EqProfile::flat())
    }
    pub(super) fn from_profile(p: &EqProfile) -> ProfileJson {
        ProfileJson {
            name: p.name.clone(),
        }
    }
}

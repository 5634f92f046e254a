//! Stand-in for the studio's data side (replaced by the real one).
#![allow(dead_code, unused_variables)]

use serde::Deserialize;

use super::ApiError;
use super::profile_json::ProfileJson;

pub(super) struct Bench;

#[derive(Deserialize)]
pub(super) struct TargetReq {}
#[derive(Deserialize)]
pub(super) struct FitReq {}
#[derive(Deserialize)]
pub(super) struct ExportReq {}

impl Bench {
    pub(super) fn open(sim: &crate::cli::sim::SimArgs) -> anyhow::Result<Bench> {
        Ok(Bench)
    }
    pub(super) fn state_json(&self) -> serde_json::Value {
        serde_json::json!({})
    }
    pub(super) fn search(&self, q: &str) -> Vec<String> {
        Vec::new()
    }
    pub(super) fn curve(&self, name: &str) -> Result<(), ApiError> {
        Err(ApiError::not_found(name.into()))
    }
    pub(super) fn target(&self, q: &TargetReq) -> Result<(), ApiError> {
        Err(ApiError::bad("x".into()))
    }
    pub(super) fn fit(&self, q: &FitReq) -> Result<(), ApiError> {
        Err(ApiError::bad("x".into()))
    }
    pub(super) fn export(&self, q: &ExportReq) -> Result<(), ApiError> {
        Err(ApiError::bad("x".into()))
    }
    pub(super) fn import(&self, name: &str, text: &str) -> Result<ProfileJson, ApiError> {
        Err(ApiError::bad("x".into()))
    }
}

//! What `/api/state` answers: everything the page needs to draw itself.

use super::data;
use super::desk::{Desk, SLOTS, letter};
use super::profile_json::ProfileJson;

/// Everything the page needs to draw itself.
pub(super) fn state_json(desk: &Desk, bench: &data::Bench, iem: Option<&str>) -> serde_json::Value {
    let resolved = desk.resolved();
    let mut sections: Vec<serde_json::Value> = Vec::new();
    let mut current: Option<String> = None;
    for i in 0..resolved.len() {
        let section = resolved.section(i).to_string();
        if current.as_deref() != Some(section.as_str()) {
            sections.push(serde_json::json!({ "name": section, "entries": [] }));
            current = Some(section);
        }
        let entry = resolved.entry(i);
        let cues: Vec<serde_json::Value> = resolved
            .cues(i)
            .iter()
            .map(|c| serde_json::json!({ "at": c.at, "label": c.label }))
            .collect();
        let item = serde_json::json!({
            "index": i,
            "heading": resolved.heading(i),
            "artist": entry.map(|e| e.artist.clone()),
            "title": entry.map(|e| e.title.clone()),
            "focus": resolved.focus(i),
            "resolved": resolved.path(i).is_some(),
            "duration": resolved.duration(i),
            "cues": cues,
        });
        if let Some(serde_json::Value::Array(entries)) =
            sections.last_mut().and_then(|s| s.get_mut("entries"))
        {
            entries.push(item);
        }
    }
    let slots: Vec<serde_json::Value> = (0..SLOTS)
        .map(|s| {
            serde_json::json!({
                "label": letter(s).to_string(),
                "profile": desk.profiles()[s].as_ref().map(ProfileJson::from_profile),
                "level_db": desk.levels_db()[s],
                "autosave": desk.autosave_path(s),
            })
        })
        .collect();
    serde_json::json!({
        "grid": bench.grid(),
        "iem": iem,
        "dbs": bench.db_dirs(),
        "devices": data::devices(),
        "formats": data::formats(),
        "targets": bench.targets(),
        "playlist": { "name": resolved.name, "sections": sections },
        "slots": slots,
        "heard": desk.heard(),
        "rate": desk.rate(),
        "output": desk.output_name(),
        "autosave_dir": desk.autosave_dir(),
        "notes_file": desk.notes_path(),
        "wheel": crate::ab::notes::SOUND_WHEEL.to_vec(),
        "sections_rated": crate::ab::rating::RATED_SECTIONS.to_vec(),
    })
}

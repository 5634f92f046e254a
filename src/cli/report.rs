//! `iemlab report NOTES --template review`: listening notes to a Markdown review draft.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use super::args::{ReportArgs, Template};
use super::output::{is_stdout, write_stdout};
use crate::ab::notes::read_notes;
use crate::ab::report::review_draft;
use crate::playlist::Playlist;

pub(super) fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let Template::Review = args.template;
    let path = args.notes.clone().unwrap_or_else(crate::paths::notes_file);
    let notes = read_notes(&path)?;
    let playlist = args.playlist.as_deref().map(Playlist::load).transpose()?;
    let draft = review_draft(&notes, playlist.as_ref());
    match &args.output {
        None => write_stdout(draft.as_bytes())?,
        Some(path) if is_stdout(path) => write_stdout(draft.as_bytes())?,
        Some(path) => {
            crate::atomic_file::save(path, draft.as_bytes(), args.force)
                .with_context(|| format!("writing {}", path.display()))?;
            println!(
                "wrote {} ({} note{})",
                path.display(),
                notes.len(),
                if notes.len() == 1 { "" } else { "s" }
            );
        }
    }
    std::io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

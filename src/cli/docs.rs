//! `iemlab completions SHELL` and `iemlab man`: shell completion scripts and the manual page,
//! generated from the same argument definitions the program parses with.

use std::process::ExitCode;

use clap::CommandFactory;

use super::args::{Cli, CompletionsArgs, ManArgs};
use super::output::write_stdout;

/// Prints the completion script for `args.shell`.
pub(super) fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, name, &mut script);
    write_stdout(&script)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the manual page (roff) of iemlab or of one of its commands.
pub(super) fn man(args: ManArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name) else {
                let known: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                return Err(super::exit::usage(format!(
                    "no command '{name}'; commands: {}",
                    known.join(", ")
                )));
            };
            let page_name = format!("{}-{}", cmd.get_name(), sub.get_name());
            sub.clone().name(page_name)
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff)?;
    write_stdout(&roff)?;
    Ok(ExitCode::SUCCESS)
}

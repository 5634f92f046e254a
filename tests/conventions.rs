//! The command line's conventions: completions and man page, `--json` outputs, `-o -` for
//! stdout, `-q`/`-v`, and the shipped files found by name from any folder.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn iemlab() -> Command {
    Command::cargo_bin("iemlab").unwrap()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `iemlab ARGS` expecting success, returning stdout.
fn stdout_of(args: &[&str]) -> String {
    let out = iemlab().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn bash_completions_name_every_command_and_the_values_of_enumerated_flags() {
    let script = stdout_of(&["completions", "bash"]);
    assert!(script.contains("complete -F _iemlab"), "{script}");
    for command in [
        "render", "check", "demo", "play", "devices", "ab", "report", "export", "import", "fit",
        "plot",
    ] {
        assert!(script.contains(&format!("iemlab,{command})")), "{command}");
    }
    // export --format, fit --device, render --format and --smooth list their values.
    for values in [
        "apo graphiceq wavelet poweramp rockbox qudelix fiio camilladsp easyeffects jamesdsp csv",
        "s24 f32",
        "none 1/3 1/6 1/12 1/24 psy",
        "qudelix",
    ] {
        assert!(script.contains(values), "{values}");
    }
    for shell in ["zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(
            script.contains("rockbox") && script.contains("iemlab"),
            "{shell}"
        );
    }
    // PowerShell's script completes commands and flags, not values.
    let script = stdout_of(&["completions", "powershell"]);
    assert!(script.contains("'iemlab;fit'") && script.contains("--device"));
    iemlab().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn the_man_page_is_roff_and_names_the_commands() {
    let page = stdout_of(&["man"]);
    // clap_mangen starts with two lines defining the apostrophe; the title comes next.
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap();
    assert!(first.starts_with(".TH iemlab 1"), "{first}");
    for command in [
        "iemlab\\-fit",
        "iemlab\\-export",
        "iemlab\\-ab",
        "iemlab\\-man",
    ] {
        assert!(page.contains(command), "{command}");
    }
    let fit = stdout_of(&["man", "fit"]);
    assert!(fit.contains(".TH iemlab\\-fit 1") || fit.contains(".TH iemlab-fit 1"));
    assert!(fit.contains("\\-\\-device") && fit.contains("qudelix"));
    iemlab()
        .args(["man", "nonesuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no command 'nonesuch'"));
}

#[test]
fn export_list_json_is_one_array_describing_every_format() {
    let list: Value = serde_json::from_str(&stdout_of(&["export", "--list", "--json"])).unwrap();
    let formats = list.as_array().unwrap();
    assert_eq!(formats.len(), 11);
    let rockbox = formats.iter().find(|f| f["format"] == "rockbox").unwrap();
    assert_eq!(rockbox["extension"], "cfg");
    assert_eq!(rockbox["layout"], "parametric");
    assert_eq!(rockbox["bands"], 10);
    assert_eq!(rockbox["fixed_slots"], true);
    assert_eq!(rockbox["limits"]["gain_db"]["max"], 24.0);
    assert_eq!(rockbox["limits"]["q"]["step"], 0.1);
    let graphic = formats.iter().find(|f| f["format"] == "graphiceq").unwrap();
    assert_eq!(graphic["layout"], "curve");
    assert_eq!(graphic["bands"], 127);
    assert!(
        graphic["limits"]["freq_hz"]["step"].is_null()
            || graphic["limits"]["freq_hz"]["step"].is_number()
    );
    for f in formats {
        assert!(!f["holds"].as_str().unwrap().is_empty(), "{f}");
        assert!(!f["usage"].as_str().unwrap().is_empty(), "{f}");
    }
}

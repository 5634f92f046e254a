//! `iemlab import` of CamillaDSP configs: the corpus of real configs in
//! tests/fixtures/presets/camilladsp, each against what tests/fixtures/presets/MANIFEST.toml
//! says it holds (or the line it must be refused at), and malformed YAML through the binary.

use std::path::Path;

use iemlab::dsp::Channel;
use iemlab::preset::EqProfile;
use iemlab::preset::import::import_file;
use predicates::prelude::*;

use crate::harness::{iemlab, repo, temp_dir};

/// One channel as the manifest gives it: its whole preamp and bands.
fn expected_chain(channel: &toml::Table) -> (f64, Vec<toml::Table>) {
    let preamp = channel["preamp_db"].as_float().unwrap();
    let bands = channel["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_table().unwrap().clone())
        .collect();
    (preamp, bands)
}

/// Why `profile`'s `channel` is not the manifest's `want`, if it is not.
fn differs(profile: &EqProfile, channel: Channel, want: &toml::Table) -> Option<String> {
    let (preamp, bands) = expected_chain(want);
    let got = profile.channel_eq(channel);
    if (got.gain_db - preamp).abs() > 1e-9 {
        return Some(format!("preamp {} dB, manifest {preamp} dB", got.gain_db));
    }
    if got.bands.len() != bands.len() {
        return Some(format!(
            "{} bands, manifest {}",
            got.bands.len(),
            bands.len()
        ));
    }
    for (i, (band, want)) in got.bands.iter().zip(&bands).enumerate() {
        let number = |key: &str| want.get(key).map(|v| v.as_float().unwrap());
        let same = band.kind.name() == want["type"].as_str().unwrap()
            && band.freq_hz == number("freq_hz").unwrap()
            && (!band.kind.has_gain() || Some(band.gain_db) == number("gain_db"))
            && number("q").is_none_or(|q| (band.q - q).abs() < 1e-9);
        if !same {
            return Some(format!("band {i} is {band:?}, manifest {want:?}"));
        }
    }
    None
}

#[test]
fn every_camilladsp_config_of_the_corpus_imports_as_its_manifest_says() {
    let folder = repo("tests/fixtures/presets");
    let manifest: toml::Table = std::fs::read_to_string(folder.join("MANIFEST.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for entry in manifest["preset"].as_array().unwrap() {
        let entry = entry.as_table().unwrap();
        if entry["format"].as_str() != Some("camilladsp") {
            continue;
        }
        checked += 1;
        let file = entry["file"].as_str().unwrap();
        let path = folder.join(file);
        let imported = import_file(&path);
        if let Some(line) = entry.get("refuse_line") {
            let want = format!("{}:{}: ", path.display(), line.as_integer().unwrap());
            match imported {
                Err(e) if e.to_string().starts_with(&want) => {}
                Err(e) => wrong.push(format!("{file}: refused as '{e}', manifest at {want}")),
                Ok(_) => wrong.push(format!("{file}: imported, manifest refuses it at {want}")),
            }
            continue;
        }
        let profile = match imported {
            Ok(imported) => imported.profile,
            Err(e) => {
                wrong.push(format!("{file}: {e}"));
                continue;
            }
        };
        let left = entry["left"].as_table().unwrap();
        let right = entry.get("right").map_or(left, |r| r.as_table().unwrap());
        for (channel, want) in [(Channel::Left, left), (Channel::Right, right)] {
            if let Some(why) = differs(&profile, channel, want) {
                wrong.push(format!("{file} {channel:?}: {why}"));
            }
        }
        assert_eq!(
            profile.is_per_channel(),
            entry.contains_key("right"),
            "{file}"
        );
    }
    assert_eq!(checked, 11, "CamillaDSP configs in the manifest");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_issue_example_imports_through_the_command_line() {
    let dir = temp_dir();
    let config = dir.path().join("hd600.yml");
    std::fs::write(
        &config,
        "---\ntitle: HD 600\ndescription: |\n  Oratory1990's preset, entered by hand.\n  \
         Two lines of it.\ndevices:\n  samplerate: 48000\n  chunksize: 1024\nfilters:\n  \
         preamp:\n    type: Gain\n    parameters: { gain: -6.5 }\n  \
         presence:\n    type: Biquad\n    parameters: { type: Peaking, freq: 2500, gain: -3.2, q: 1.41 }\n  \
         bass:\n    type: Biquad\n    parameters: { type: Lowshelf, freq: 105, gain: 5.5, q: 0.71 }\n\
         pipeline:\n  - type: Filter\n    channels: [0, 1]\n    names: [preamp, bass, presence]\n",
    )
    .unwrap();
    let out = dir.path().join("hd600.toml");
    iemlab()
        .arg("import")
        .arg(&config)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "read as CamillaDSP filters, 2 bands, preamp -6.5 dB",
        ));
    let profile = EqProfile::load(&out).unwrap();
    assert_eq!(profile.preamp_db, -6.5);
    let bands = profile.bands();
    assert_eq!(
        (bands[0].freq_hz, bands[0].gain_db, bands[0].q),
        (105.0, 5.5, 0.71)
    );
    assert_eq!(
        (bands[1].freq_hz, bands[1].gain_db, bands[1].q),
        (2500.0, -3.2, 1.41)
    );
}

#[test]
fn malformed_yaml_names_file_and_line_and_exits_2() {
    let dir = temp_dir();
    let deep = format!("filters:\n{}", "- ".repeat(100_000) + "x\n");
    let cases: [(&str, &str, &str); 7] = [
        ("tab.yml", "filters:\n\ta:\n", "tab.yml:2: YAML syntax"),
        (
            "open.yml",
            "filters:\n  a: { type: Gain, parameters: { gain: 1 }\npipeline: []\n",
            "open.yml:3: YAML syntax",
        ),
        (
            "twice.yml",
            "filters:\n  a: { type: Gain, parameters: { gain: 1 } }\n  a: { type: Gain, parameters: { gain: 2 } }\n",
            "twice.yml:3: YAML syntax: duplicated key",
        ),
        ("deep.yml", &deep, "deep.yml:2: nested more than 32 levels"),
        (
            "list.yml",
            "filters:\n  - a\n  - b\n",
            "list.yml:1: `filters` must be a map of named filters",
        ),
        (
            "huge.yml",
            "filters:\n  a:\n    type: Biquad\n    parameters: { type: Peaking, freq: 1000, gain: 45, q: 1 }\npipeline:\n  - { type: Filter, names: [a] }\n",
            "huge.yml:4: bands[0].gain_db: the imported value is not valid: 45 dB is beyond ±30 dB",
        ),
        (
            "right.yml",
            "filters:\n  a:\n    type: Biquad\n    parameters:\n      type: Peaking\n      freq: 1000\n      gain: 3\n      q: 500\npipeline:\n  - { type: Filter, channels: [1], names: [a] }\n",
            "right.yml:6: right.bands[0].q: the imported value is not valid",
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        iemlab()
            .arg("import")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want))
            .stderr(predicate::str::contains("panicked").not());
    }
    // More bands than a chain holds: the line of the first with no room (filter N is
    // defined on lines 3N+2 to 3N+4, its frequency on the last).
    let many = |shared: usize, right: usize| {
        let mut text = String::from("filters:\n");
        for i in 0..shared + right {
            text.push_str(&format!(
                "  p{i}:\n    type: Biquad\n    parameters: {{ type: Peaking, freq: {}, gain: 1, q: 1 }}\n",
                100 + i
            ));
        }
        let names =
            |r: std::ops::Range<usize>| r.map(|i| format!("p{i}")).collect::<Vec<_>>().join(", ");
        text + &format!(
            "pipeline:\n  - {{ type: Filter, names: [{}] }}\n  - {{ type: Filter, channels: [1], names: [{}] }}\n",
            names(0..shared),
            names(shared..shared + right)
        )
    };
    for (name, text, want) in [
        (
            "33.yml",
            many(33, 0),
            "33.yml:100: bands: the imported value is not valid: 33 bands",
        ),
        (
            "20-13.yml",
            many(20, 13),
            "20-13.yml:100: right.bands: the imported value is not valid",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        iemlab()
            .arg("import")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
    // Bytes that are not text at all are refused, not read.
    let path = dir.path().join("noise.yml");
    let mut noise = b"filters:\n  a: ".to_vec();
    noise.extend((0u8..=255).cycle().take(4096));
    std::fs::write(&path, noise).unwrap();
    let assert = iemlab().arg("import").arg(&path).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("noise.yml"), "{stderr}");
    assert!(Path::new(&path).exists());
}

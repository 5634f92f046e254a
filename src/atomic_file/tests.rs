use super::testing::{FailAfter, names};
use super::*;

#[test]
fn refuses_to_overwrite_without_force_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("p.txt");
    save(&dest, b"one\n", false).unwrap();
    let err = save(&dest, b"two\n", false).unwrap_err();
    assert!(matches!(err, SaveError::Exists(_)), "{err}");
    assert_eq!(err.exit_code(), 2);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "one\n");
    save(&dest, b"two\n", true).unwrap();
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "two\n");
    assert_eq!(names(dir.path()), ["p.txt"]);
}

#[test]
fn a_destination_appearing_while_writing_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("late.txt");
    let (file, pending) = create(&dest, false).unwrap();
    std::fs::write(&dest, "theirs").unwrap();
    let err = save_via(file, pending, b"ours").unwrap_err();
    assert!(matches!(err, SaveError::Exists(_)), "{err}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "theirs");
    assert_eq!(names(dir.path()), ["late.txt"]);
}

#[test]
fn a_full_disk_leaves_nothing_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("p.txt");
    std::fs::write(&dest, "old").unwrap();
    let (file, pending) = create(&dest, true).unwrap();
    let temp = pending.write_path().to_path_buf();
    assert!(temp.exists() && temp != dest);
    let err = save_via(FailAfter::new(file, 5), pending, b"0123456789").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("p.txt: cannot write: No space left on device"),
        "{text}"
    );
    assert_eq!(err.exit_code(), 1);
    assert!(!temp.exists());
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
    assert_eq!(names(dir.path()), ["p.txt"]);
}

#[cfg(unix)]
#[test]
fn symlinks_are_refused_or_replaced_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let dangling = dir.path().join("dangling.txt");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();

    assert!(matches!(
        save(&link, b"new", false),
        Err(SaveError::Exists(_))
    ));
    assert!(matches!(
        save(&dangling, b"new", false),
        Err(SaveError::Exists(_))
    ));
    assert!(!dir.path().join("nowhere").exists());

    save(&link, b"new", true).unwrap();
    assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn missing_or_unwritable_folders_and_folders_as_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/out.txt");
    let err = save(&missing, b"x", false).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("no/such/out.txt: cannot create a file in folder"),
        "{text}"
    );
    assert!(text.contains("No such file or directory"), "{text}");
    assert_eq!(err.exit_code(), 2);

    let err = save(dir.path(), b"x", true).unwrap_err();
    assert!(matches!(err, SaveError::NotAFile { .. }), "{err}");
    assert_eq!(err.exit_code(), 2);
}

#[cfg(target_os = "linux")]
#[test]
fn devices_are_written_directly_and_their_errors_reported() {
    save(Path::new("/dev/null"), b"gone", false).unwrap();
    let err = save(Path::new("/dev/full"), b"x", false).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("/dev/full: cannot write: No space left on device"),
        "{text}"
    );
    assert_eq!(err.exit_code(), 1);
}

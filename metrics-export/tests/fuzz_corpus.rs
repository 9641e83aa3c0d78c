//! The committed fuzz corpora (`tests/fuzz/corpus/<target>/`, made and minimised by
//! `scripts/fuzz`) replayed through the functions their fuzz targets call, checks included
//! (`metrics_export::__fuzz`): what the fuzzers found stays tested on stable Rust, and a
//! failure names its file.

use std::fs;
use std::path::{Path, PathBuf};

use metrics_export::__fuzz;

/// The fewest inputs a corpus holds: fewer means it was lost (minimised, the smallest holds 21).
const FEWEST: usize = 10;

/// Runs `check` on every file of the corpus of `target`.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= FEWEST,
        "{} holds {} inputs",
        dir.display(),
        files.len()
    );
    for file in files {
        let data = fs::read(&file).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        // Shown when the check panics.
        println!("{}", file.display());
        check(&data);
    }
}

#[test]
fn openmetrics() {
    replay("openmetrics", __fuzz::openmetrics);
}

#[test]
fn text() {
    replay("text", __fuzz::text);
}

#[test]
fn negotiate() {
    replay("negotiate", __fuzz::negotiate);
}

#[cfg(feature = "server")]
#[test]
fn handler() {
    replay("handler", __fuzz::handler);
}

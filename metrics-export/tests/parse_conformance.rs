//! The official OpenMetrics 1.0 parser test suite (`tests/data/openmetrics-parsers`, vendored
//! unchanged, see `tests/data/README.md`): `parse::openmetrics` must accept every valid case and
//! reject every invalid one with an error that names a line.

use std::fs;
use std::path::{Path, PathBuf};

use metrics_export::parse;
use serde_json::Value;

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/openmetrics-parsers"
);

/// The cases the suite holds: 44 valid, 167 invalid.
const VALID: usize = 44;
const INVALID: usize = 167;

struct Case {
    name: String,
    input: String,
    should_parse: bool,
}

fn load(dir: &Path) -> Case {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let json = fs::read_to_string(dir.join("test.json")).unwrap();
    let object: Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}/test.json: {e}"));
    assert_eq!(object["type"], "text", "{name}");
    let Some(file) = object["file"].as_str() else {
        panic!("{name}/test.json: no `file`")
    };
    let Some(should_parse) = object["shouldParse"].as_bool() else {
        panic!("{name}/test.json: no `shouldParse`")
    };
    // Bytes, not text: a case could hold invalid UTF-8, which is invalid OpenMetrics.
    let bytes = fs::read(dir.join(file)).unwrap();
    let input = String::from_utf8(bytes).unwrap_or_default();
    Case {
        name,
        input,
        should_parse,
    }
}

#[test]
fn official_openmetrics_parser_suite() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(SUITE)
        .unwrap_or_else(|e| panic!("{SUITE}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("test.json").is_file())
        .collect();
    dirs.sort();
    let cases: Vec<Case> = dirs.iter().map(|dir| load(dir)).collect();
    let valid = cases.iter().filter(|c| c.should_parse).count();
    assert_eq!(
        (valid, cases.len() - valid),
        (VALID, INVALID),
        "the suite changed"
    );

    let mut disagreements = Vec::new();
    for case in &cases {
        match (parse::openmetrics(&case.input), case.should_parse) {
            (Ok(_), true) => {}
            (Ok(exposition), false) => disagreements.push(format!(
                "{}: invalid, but parsed as {} families",
                case.name,
                exposition.families.len()
            )),
            (Err(e), true) => {
                disagreements.push(format!("{}: valid, but rejected: {e}", case.name))
            }
            (Err(e), false) => {
                let lines = case.input.split('\n').count();
                let names_line = e.to_string().starts_with(&format!("line {}: ", e.line()));
                if !names_line || e.line() == 0 || e.line() > lines + 1 || e.message().is_empty() {
                    disagreements.push(format!(
                        "{}: rejected without naming a line of it: {e}",
                        case.name
                    ));
                }
            }
        }
    }
    println!(
        "OpenMetrics parser suite: {}/{} cases agree ({VALID} valid, {INVALID} invalid)",
        cases.len() - disagreements.len(),
        cases.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}

/// What the invalid cases are rejected for, one line each, to review the messages:
/// `cargo test -p metrics-export --test parse_conformance -- --ignored --nocapture`.
#[test]
#[ignore = "prints every rejection, for review"]
fn print_rejections() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(SUITE)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.join("test.json").is_file()) {
        let case = load(dir);
        if let Err(e) = parse::openmetrics(&case.input) {
            println!("{:<48} {e}", case.name);
        }
    }
}

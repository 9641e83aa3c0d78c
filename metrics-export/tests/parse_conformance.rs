//! The official OpenMetrics 1.0 parser test suite (`shared/conformance/openmetrics-parsers`,
//! beside the checkout): `parse::openmetrics` must accept every valid case and reject every
//! invalid one with an error that names a line.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use metrics_export::parse;

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/openmetrics-parsers"
);

/// The cases the suite holds: 44 valid, 167 invalid.
const VALID: usize = 44;
const INVALID: usize = 167;

/// A JSON value of the flat objects in `test.json`.
#[derive(Debug, PartialEq)]
enum Json {
    Str(String),
    Bool(bool),
}

/// Reads a flat JSON object of strings and booleans (all `test.json` holds).
fn read_object(text: &str) -> Result<BTreeMap<String, Json>, String> {
    let mut chars = text.trim().chars().peekable();
    let skip_ws = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    let string = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Result<String, String> {
        if chars.next() != Some('"') {
            return Err("expected a string".into());
        }
        let mut s = String::new();
        loop {
            match chars.next().ok_or("unterminated string")? {
                '"' => return Ok(s),
                '\\' => match chars.next().ok_or("unterminated string")? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    c @ ('"' | '\\' | '/') => s.push(c),
                    c => return Err(format!("unsupported escape \\{c}")),
                },
                c => s.push(c),
            }
        }
    };
    let mut object = BTreeMap::new();
    if chars.next() != Some('{') {
        return Err("expected `{`".into());
    }
    loop {
        skip_ws(&mut chars);
        if chars.peek() == Some(&'}') {
            chars.next();
            break;
        }
        let key = string(&mut chars)?;
        skip_ws(&mut chars);
        if chars.next() != Some(':') {
            return Err("expected `:`".into());
        }
        skip_ws(&mut chars);
        let value = match chars.peek() {
            Some('"') => Json::Str(string(&mut chars)?),
            Some('t' | 'f') => {
                let word: String =
                    std::iter::from_fn(|| chars.next_if(char::is_ascii_lowercase)).collect();
                match word.as_str() {
                    "true" => Json::Bool(true),
                    "false" => Json::Bool(false),
                    _ => return Err(format!("unexpected `{word}`")),
                }
            }
            other => return Err(format!("unsupported value starting with {other:?}")),
        };
        object.insert(key, value);
        skip_ws(&mut chars);
        match chars.next() {
            Some(',') => {}
            Some('}') => break,
            other => return Err(format!("expected `,` or `}}`, found {other:?}")),
        }
    }
    Ok(object)
}

struct Case {
    name: String,
    input: String,
    should_parse: bool,
}

fn load(dir: &Path) -> Case {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let json = fs::read_to_string(dir.join("test.json")).unwrap();
    let object = read_object(&json).unwrap_or_else(|e| panic!("{name}/test.json: {e}"));
    assert_eq!(
        object.get("type"),
        Some(&Json::Str("text".into())),
        "{name}"
    );
    let Some(Json::Str(file)) = object.get("file") else {
        panic!("{name}/test.json: no `file`")
    };
    let Some(&Json::Bool(should_parse)) = object.get("shouldParse") else {
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
        .unwrap_or_else(|e| {
            panic!("{SUITE}: {e} (the suite lives in shared/, beside the checkout)")
        })
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

#[test]
fn test_json_reader() {
    let object = read_object(
        "{\n  \"comment\": \"a \\\"quoted\\\" word\",\n  \"type\": \"text\",\n  \"shouldParse\": false\n}\n",
    )
    .unwrap();
    assert_eq!(
        object.get("comment"),
        Some(&Json::Str("a \"quoted\" word".into()))
    );
    assert_eq!(object.get("shouldParse"), Some(&Json::Bool(false)));
    assert!(read_object("{\"a\": 1}").is_err());
}

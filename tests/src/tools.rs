//! The reference tools as child processes: `promtool` (Debian package `prometheus`) and Python
//! with its packages (`prometheus-client`, `opentelemetry-proto`), all installed by
//! `scripts/setup`.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `program args`, writing `input` to its standard input: whether it succeeded, and its
/// standard output followed by its standard error. Panics if it cannot be started.
pub fn run(program: &str, args: &[&str], input: &[u8]) -> (bool, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}): scripts/setup installs it"));
    // A tool may exit before reading everything (a broken pipe): its output says why.
    let _ = child.stdin.take().unwrap().write_all(input);
    let output = child.wait_with_output().unwrap();
    let mut all = String::from_utf8_lossy(&output.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.success(), all)
}

/// `promtool check metrics` of a Prometheus text 0.0.4 exposition: whether it passed, and what
/// it printed (lint warnings included; nothing when all is well).
pub fn promtool_check_metrics(text: &str) -> (bool, String) {
    run("promtool", &["check", "metrics"], text.as_bytes())
}

/// `python3 -c script args`, with `input` on its standard input: whether it succeeded, and
/// what it printed. Panics with a hint when a Python package is missing.
pub fn python(script: &str, args: &[&str], input: &[u8]) -> (bool, String) {
    let mut all_args = vec!["-c", script];
    all_args.extend_from_slice(args);
    let (ok, output) = run("python3", &all_args, input);
    if let Some(missing) = output
        .lines()
        .find(|line| line.starts_with("ModuleNotFoundError"))
    {
        panic!("a Python package is missing ({missing}): scripts/setup installs it");
    }
    (ok, output)
}

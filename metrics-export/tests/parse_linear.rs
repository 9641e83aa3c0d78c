//! Both parsers take time linear in their input, whatever its shape: an input 64 times larger
//! takes about 64 times longer, never thousands of times (a check nested in a loop over the
//! input). Each shape puts a lot of one thing in an exposition: labels on one sample, samples
//! in one family, families, buckets, exemplars, escapes, metadata lines.
//!
//! Each test compares the fastest of several runs on the large input with the fastest on the
//! small one, in CPU time of the test's thread: what other processes take of a busy machine
//! does not count (on the clock, a run of 100 ms among ten busy processes is always cut, one
//! of 100 µs seldom). A ratio past the bound is measured again before the test fails. A
//! linear parser stays near 64 (a little above: larger inputs miss the caches, sorting labels
//! adds a logarithm); a quadratic one is near 4096.
#![cfg(any(target_os = "linux", target_os = "macos"))]

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use metrics_export::parse::{self, Exposition, ParseError};

/// How much larger the large input is than the small one.
const SCALE: usize = 64;
/// The largest time ratio allowed: about 4 times what linear time gives, 16 times less than
/// quadratic time.
const MAX_RATIO: f64 = 256.0;
/// The size of the small input, in bytes (about).
const SMALL_BYTES: usize = 4 * 1024;
/// Measurements of one shape before a ratio past the bound fails the test.
const ATTEMPTS: usize = 3;

/// One test at a time: the tests of this file would otherwise share the machine's cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

type Parser = fn(&str) -> Result<Exposition, ParseError>;

/// What a parse gave, in short: `2 families, 5 samples` or the error.
fn outcome(result: Result<Exposition, ParseError>) -> String {
    match result {
        Ok(exposition) => format!(
            "{} families, {} samples",
            exposition.families.len(),
            exposition
                .families
                .iter()
                .map(|f| f.samples.len())
                .sum::<usize>()
        ),
        Err(err) => format!("error: {err}"),
    }
}

/// The CPU time the calling thread has used.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a `timespec` the call may write, and the clock is one both systems of
    // this file have.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(
        status,
        0,
        "clock_gettime: {}",
        std::io::Error::last_os_error()
    );
    Duration::new(
        u64::try_from(now.tv_sec).expect("a CPU time after the thread started"),
        u32::try_from(now.tv_nsec).expect("nanoseconds below a second"),
    )
}

/// The fastest of `runs` parses of `input`, in CPU time.
fn fastest(parser: Parser, input: &str, runs: usize) -> Duration {
    (0..runs)
        .map(|_| {
            let start = thread_cpu_time();
            let result = parser(std::hint::black_box(input));
            let elapsed = thread_cpu_time() - start;
            drop(std::hint::black_box(result));
            elapsed
        })
        .min()
        .expect("at least one run")
}

/// Checks that `parser` reads the input `build(n)` in time linear in `n`, where `n` is the
/// number of repeated units (labels, samples, bytes...) and `each` about the bytes of one;
/// `expect(n)` is the [`outcome`] of parsing it.
fn linear(parser: Parser, each: usize, build: fn(usize) -> String, expect: fn(usize) -> String) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let n = SMALL_BYTES.div_ceil(each);
    let (small, large) = (build(n), build(n * SCALE));
    assert_eq!(outcome(parser(&small)), expect(n));
    assert_eq!(outcome(parser(&large)), expect(n * SCALE));
    let mut ratios = Vec::new();
    for _ in 0..ATTEMPTS {
        let (mut t_small, mut t_large) = (Duration::MAX, Duration::MAX);
        // Interleaved, so that both see the same state of the machine.
        for _ in 0..5 {
            t_small = t_small.min(fastest(parser, &small, 8));
            t_large = t_large.min(fastest(parser, &large, 1));
        }
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-9);
        if ratio < MAX_RATIO {
            // Shown with `--nocapture`.
            println!(
                "{}: {} -> {} bytes: {ratio:.0}x ({t_small:?} -> {t_large:?})",
                std::thread::current().name().unwrap_or_default(),
                small.len(),
                large.len()
            );
            return;
        }
        ratios.push(format!("{ratio:.0} ({t_small:?} -> {t_large:?})"));
        if ratio > 4.0 * MAX_RATIO {
            // No noise does that: no need to measure again.
            break;
        }
    }
    panic!(
        "{} bytes took more than {MAX_RATIO} times as long as {} bytes: {}",
        large.len(),
        small.len(),
        ratios.join(", ")
    );
}

/// `n` items `f(i)` joined by `sep`.
fn join(n: usize, sep: &str, f: impl Fn(usize) -> String) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(sep)
}

const OPENMETRICS: Parser = parse::openmetrics;
const TEXT: Parser = parse::text;

// Labels on one sample (and in one exemplar).

#[test]
fn openmetrics_labels_of_one_sample() {
    linear(
        OPENMETRICS,
        10,
        |n| format!("a{{{}}} 1\n# EOF\n", join(n, ",", |i| format!("l{i}=\"\""))),
        |_| "1 families, 1 samples".to_owned(),
    );
}

#[test]
fn text_labels_of_one_sample() {
    linear(
        TEXT,
        10,
        |n| format!("a{{{}}} 1\n", join(n, ",", |i| format!("l{i}=\"\""))),
        |_| "1 families, 1 samples".to_owned(),
    );
}

#[test]
fn openmetrics_labels_of_one_exemplar() {
    linear(
        OPENMETRICS,
        10,
        |n| {
            format!(
                "# TYPE a counter\na_total 1 # {{{}}} 1\n# EOF\n",
                join(n, ",", |i| format!("l{i}=\"\""))
            )
        },
        |n| {
            let chars: usize = (0..n).map(|i| 1 + i.to_string().len()).sum();
            format!(
                "error: line 2: the exemplar's label names and values have {chars} characters, \
                 more than 128"
            )
        },
    );
}

#[test]
fn openmetrics_long_label_names() {
    linear(
        OPENMETRICS,
        1,
        |n| format!("a{{{}=\"x\",b=\"y\"}} 1\n# EOF\n", "l".repeat(n)),
        |_| "1 families, 1 samples".to_owned(),
    );
}

// Long label values, HELP texts and names, escapes.

#[test]
fn openmetrics_long_label_value() {
    linear(
        OPENMETRICS,
        1,
        |n| format!("a{{l=\"{}\"}} 1\n# EOF\n", "x".repeat(n)),
        |_| "1 families, 1 samples".to_owned(),
    );
}

#[test]
fn openmetrics_escapes_in_a_label_value() {
    linear(
        OPENMETRICS,
        4,
        |n| format!("a{{l=\"{}\"}} 1\n# EOF\n", r#"\\\""#.repeat(n)),
        |_| "1 families, 1 samples".to_owned(),
    );
}

#[test]
fn text_escapes_in_a_label_value() {
    linear(
        TEXT,
        4,
        |n| format!("a{{l=\"{}\"}} 1\n", r"\\\n".repeat(n)),
        |_| "1 families, 1 samples".to_owned(),
    );
}

#[test]
fn openmetrics_escapes_in_help() {
    linear(
        OPENMETRICS,
        4,
        |n| format!("# HELP a {}\n# EOF\n", r#"\\\""#.repeat(n)),
        |_| "1 families, 0 samples".to_owned(),
    );
}

#[test]
fn text_long_help() {
    linear(
        TEXT,
        2,
        |n| format!("# HELP a {}\n", r"x\\".repeat(n / 2)),
        |_| "1 families, 0 samples".to_owned(),
    );
}

#[test]
fn openmetrics_long_metric_name() {
    linear(
        OPENMETRICS,
        1,
        |n| format!("# TYPE {0} counter\n{0}_total 1\n# EOF\n", "a".repeat(n)),
        |_| "1 families, 1 samples".to_owned(),
    );
}

// Many samples, families, metadata lines.

#[test]
fn openmetrics_samples_of_one_family() {
    linear(
        OPENMETRICS,
        16,
        |n| format!("{}# EOF\n", join(n, "", |i| format!("a{{i=\"{i}\"}} 1\n"))),
        |n| format!("1 families, {n} samples"),
    );
}

#[test]
fn text_samples_of_one_family() {
    linear(
        TEXT,
        16,
        |n| join(n, "", |i| format!("a{{i=\"{i}\"}} 1\n")),
        |n| format!("1 families, {n} samples"),
    );
}

#[test]
fn openmetrics_samples_of_one_metric_in_time() {
    linear(
        OPENMETRICS,
        10,
        |n| format!("{}# EOF\n", join(n, "", |i| format!("a_total 1 {i}\n"))),
        |n| format!("1 families, {n} samples"),
    );
}

#[test]
fn text_samples_of_one_series_in_time() {
    linear(
        TEXT,
        10,
        |n| join(n, "", |i| format!("a_total 1 {i}\n")),
        |n| format!("1 families, {n} samples"),
    );
}

#[test]
fn openmetrics_families() {
    linear(
        OPENMETRICS,
        10,
        |n| format!("{}# EOF\n", join(n, "", |i| format!("f{i} 1\n"))),
        |n| format!("{n} families, {n} samples"),
    );
}

#[test]
fn text_families() {
    linear(
        TEXT,
        10,
        |n| join(n, "", |i| format!("f{i} 1\n")),
        |n| format!("{n} families, {n} samples"),
    );
}

#[test]
fn openmetrics_type_lines() {
    linear(
        OPENMETRICS,
        20,
        |n| {
            format!(
                "{}# EOF\n",
                join(n, "", |i| format!("# TYPE f{i} counter\n"))
            )
        },
        |n| format!("{n} families, 0 samples"),
    );
}

#[test]
fn text_type_and_help_lines() {
    linear(
        TEXT,
        40,
        |n| join(n, "", |i| format!("# HELP f{i} h\n# TYPE f{i} counter\n")),
        |n| format!("{n} families, 0 samples"),
    );
}

#[test]
fn text_comments() {
    linear(
        TEXT,
        12,
        |n| format!("{}a 1\n", join(n, "", |i| format!("# note {i}\n\n"))),
        |_| "1 families, 1 samples".to_owned(),
    );
}

#[test]
fn openmetrics_exemplars() {
    linear(
        OPENMETRICS,
        32,
        |n| {
            format!(
                "# TYPE a counter\n{}# EOF\n",
                join(n, "", |i| format!(
                    "a_total{{i=\"{i}\"}} 1 # {{t=\"{i}\"}} 1\n"
                ))
            )
        },
        |n| format!("1 families, {n} samples"),
    );
}

// Histograms, summaries, statesets: samples told apart by one label.

#[test]
fn openmetrics_buckets_of_one_histogram() {
    linear(
        OPENMETRICS,
        20,
        |n| {
            format!(
                "# TYPE h histogram\n{}h_bucket{{le=\"+Inf\"}} 0\nh_count 0\nh_sum 0\n# EOF\n",
                join(n, "", |i| format!("h_bucket{{le=\"{i}\"}} 0\n"))
            )
        },
        |n| format!("1 families, {} samples", n + 3),
    );
}

#[test]
fn text_buckets_of_one_histogram() {
    linear(
        TEXT,
        20,
        |n| {
            format!(
                "# TYPE h histogram\n{}h_bucket{{le=\"+Inf\"}} 0\nh_count 0\nh_sum 0\n",
                join(n, "", |i| format!("h_bucket{{le=\"{i}\"}} 0\n"))
            )
        },
        |n| format!("1 families, {} samples", n + 3),
    );
}

/// Many buckets at one timestamp, then many points of one bucket each at later timestamps:
/// what was kept about the first point must not weigh on each later one.
#[test]
fn openmetrics_a_wide_histogram_point_then_many_points() {
    linear(
        OPENMETRICS,
        48,
        |n| {
            let half = n / 2;
            format!(
                "# TYPE h histogram\n{}h_bucket{{le=\"+Inf\"}} 0 0\n{}# EOF\n",
                join(half - 1, "", |i| format!("h_bucket{{le=\"{i}\"}} 0 0\n")),
                join(half, "", |i| format!(
                    "h_bucket{{le=\"+Inf\"}} 0 {}\n",
                    i + 1
                ))
            )
        },
        |n| format!("1 families, {} samples", n / 2 * 2),
    );
}

#[test]
fn openmetrics_quantiles_of_one_summary() {
    linear(
        OPENMETRICS,
        24,
        |n| {
            format!(
                "# TYPE s summary\n{}# EOF\n",
                join(n, "", |i| format!("s{{quantile=\"0.{i:07}\"}} 1\n"))
            )
        },
        |n| format!("1 families, {n} samples"),
    );
}

#[test]
fn openmetrics_states_of_one_stateset() {
    linear(
        OPENMETRICS,
        16,
        |n| {
            format!(
                "# TYPE s stateset\n{}# EOF\n",
                join(n, "", |i| format!("s{{s=\"s{i}\"}} 0\n"))
            )
        },
        |n| format!("1 families, {n} samples"),
    );
}

// Rejections: a long exposition with its mistake at the end.

#[test]
fn openmetrics_mistake_after_many_lines() {
    linear(
        OPENMETRICS,
        16,
        |n| join(n, "", |i| format!("a{{i=\"{i}\"}} 1\n")),
        |n| {
            format!(
                "error: line {}: the exposition does not end with `# EOF`",
                n + 1
            )
        },
    );
}

#[test]
fn text_duplicate_label_after_many() {
    linear(
        TEXT,
        10,
        |n| {
            format!(
                "a{{{},l0=\"\"}} 1\n",
                join(n, ",", |i| format!("l{i}=\"\""))
            )
        },
        |_| "error: line 1: the label `l0` appears twice".to_owned(),
    );
}

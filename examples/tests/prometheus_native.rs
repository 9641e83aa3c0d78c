//! A real Prometheus with native histograms (`--enable-feature=native-histograms`) scrapes the
//! demo service, which answers in the protobuf format: a counter, a gauge, a classic histogram
//! and the native histogram `palingenesis_api_request_duration_seconds` are all queryable, and
//! PromQL's `histogram_quantile` of the native histogram agrees with the quantile the process
//! itself computes from the same observations.
//!
//! The demo runs with a fixed `--seed`, so its observations are known: the test replays the
//! simulation in process (`simulate_session` with the same seed) up to the number of
//! observations Prometheus has, and reads that histogram.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use examples::{simulate_session, DaemonMetrics, Rng};
use metrics_core::ExponentialReading;
use tests::servers::{eventually, query, query_at};

const SEED: u64 = 42;
const NATIVE: &str = "palingenesis_api_request_duration_seconds";

/// The demo process, killed when the test ends (also on failure).
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the demo on a free port; the address from the URL it prints.
fn start_demo(args: &[&str]) -> (Demo, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palingenesis"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    // The demo writes on; its later lines must not meet a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let addr = first
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://")?.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("no http://ADDR/metrics in {first:?}"))
        .parse()
        .unwrap();
    (Demo(child), addr)
}

/// The demo's native histogram after its first `count` observations: the simulation of seed
/// [`SEED`] replayed until then. Every observation follows a pause of the simulation, so at
/// some pause the histogram holds exactly `count`.
fn replayed(count: u64) -> ExponentialReading {
    let metrics = DaemonMetrics::default();
    let mut rng = Rng::new(SEED);
    let mut found = None;
    while found.is_none() {
        simulate_session(&metrics, &mut rng, &mut |_| {
            if found.is_none() {
                let reading = metrics.api_request_duration_seconds.snapshot();
                if reading.count == count {
                    found = Some(reading);
                }
            }
        });
    }
    found.unwrap()
}

#[test]
fn prometheus_reads_the_native_histogram_of_the_demo_and_agrees_on_its_quantile() {
    let (_demo, addr) = start_demo(&["--seed", &SEED.to_string(), "--speed", "2000"]);
    let prometheus = tests::servers::prometheus_native_histograms(addr);

    // A few hundred requests observed, and scraped.
    eventually("a few hundred observations", || {
        query(&prometheus, &format!("histogram_count({NATIVE})")).filter(|&n| n >= 200.0)
    });
    // Every query reads the same scrape: evaluated at the time of the last one ingested (its
    // `up` is committed with its samples).
    let at = query(&prometheus, "timestamp(up)").unwrap();
    let at_time = |promql: &str| {
        query_at(&prometheus, promql, at).unwrap_or_else(|| panic!("no value for {promql}"))
    };

    // A counter, a gauge and a classic histogram, read from the same protobuf answer.
    assert!(at_time("palingenesis_sessions_started_total") >= 1.0);
    let state = at_time("palingenesis_daemon_state");
    assert!([1.0, 2.0, 3.0, 4.0].contains(&state), "{state}");
    let resumes = at_time("palingenesis_resume_duration_seconds_count");
    assert_eq!(
        at_time("palingenesis_resume_duration_seconds_bucket{le=\"+Inf\"}"),
        resumes
    );
    assert_eq!(
        at_time("count(palingenesis_resume_duration_seconds_bucket)"),
        9.0
    );

    // The native histogram: its count, its sum to the last bit, and its 0.99 quantile.
    let count = at_time(&format!("histogram_count({NATIVE})"));
    let sum = at_time(&format!("histogram_sum({NATIVE})"));
    let p99 = at_time(&format!("histogram_quantile(0.99, {NATIVE})"));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let reading = replayed(count as u64);
    assert_eq!(reading.sum, sum);
    // 5 s to 30 s at 160 buckets at most: 32 buckets per power of two.
    assert_eq!(reading.schema, 5);

    // Both quantiles lie in the bucket that holds rank ⌈0.99 × count⌉: the process's at the
    // harmonic mean of its bounds (within `relative_error` of the true value), PromQL's
    // interpolated linearly between them. So they differ by at most the distance from that
    // mean to the far bound, `(γ - 1) / 2` of it, the schema's relative error taken at the
    // upper bound: `relative_error × (γ + 1) / 2`.
    let in_process = reading.quantile(0.99);
    let index = (reading.positive_offset..)
        .find(|&i| reading.bucket_bounds(i).1 >= in_process)
        .unwrap();
    let (lower, upper) = reading.bucket_bounds(index);
    assert!(
        lower < in_process && in_process < upper,
        "{lower} {in_process} {upper}"
    );
    assert!(lower <= p99 && p99 <= upper, "{lower} <= {p99} <= {upper}");
    let gamma = upper / lower;
    let bound = reading.relative_error() * (gamma + 1.0) / 2.0;
    assert!(
        (p99 - in_process).abs() <= in_process * bound,
        "histogram_quantile {p99}, in process {in_process}, relative bound {bound}"
    );
}

//! Generated code compiles next to local items that shadow every name it could use.
#![allow(dead_code, non_camel_case_types)]

mod std {}
mod core {}
mod metrics_core {}
struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Box;
struct String;
struct Vec;
struct Default;
struct Clone;
fn drop() {}
fn panic() {}

use ::metrics_core::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet};

#[derive(Copy, PartialEq, Eq, Hash, Debug, LabelValue)]
#[label(rename_all = "snake_case")]
enum Reason {
    RateLimit,
    Manual,
}

impl ::core::clone::Clone for Reason {
    fn clone(&self) -> Self {
        *self
    }
}

#[derive(Copy, PartialEq, Eq, Hash, Debug, LabelSet)]
struct Labels {
    reason: Reason,
    #[label(name = "ok")]
    success: bool,
}

impl ::core::clone::Clone for Labels {
    fn clone(&self) -> Self {
        *self
    }
}

/// Shadowed everything.
#[derive(MetricSet)]
#[metric_set(prefix = "hygiene")]
struct Metrics {
    /// Resumes
    resumes_total: Family<Labels, Counter>,
    /// State
    #[metric(name = "state", help = "Daemon state")]
    daemon_state: Gauge,
    /// Latency
    #[metric(buckets = exponential(0.01, 2.0, 5), unit = "seconds")]
    latency_seconds: Histogram,
    /// Wait
    #[metric(buckets = linear(1, 1, 3))]
    wait_seconds: Histogram,
    #[metric(skip)]
    note: u8,
}

fn main() {
    Metrics::global()
        .resumes_total
        .with(&Labels {
            reason: Reason::Manual,
            success: true,
        })
        .inc();
    let _ = ::metrics_core::Registry::global();
}

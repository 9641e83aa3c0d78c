//! Generated code compiles in a module whose local items shadow every name it could use: `std`,
//! `core`, the crate itself, primitive types, the prelude's types, variants and macros.
#![allow(dead_code, non_camel_case_types, non_snake_case, unused_macros)]

extern crate metrics_core as real;

mod shadowed {
    mod std {}
    mod core {}
    mod metrics_core {}
    mod inventory {}
    struct Result;
    struct Option;
    struct Box;
    struct String;
    struct Vec;
    struct Default;
    struct Clone;
    struct Send;
    struct Sync;
    struct OnceLock;
    struct usize;
    struct bool;
    struct str;
    fn Ok() {}
    fn Err() {}
    fn Some() {}
    fn None() {}
    fn drop() {}
    macro_rules! panic {
        ($($t:tt)*) => {
            compile_error!("the local `panic!` was used")
        };
    }
    macro_rules! module_path {
        () => {
            compile_error!("the local `module_path!` was used")
        };
    }

    use ::metrics_core::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet};

    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, LabelValue)]
    #[label(rename_all = "snake_case")]
    pub enum Reason {
        RateLimit,
        #[label(rename = "by_hand")]
        Manual,
    }

    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, LabelSet)]
    pub struct Labels {
        pub reason: Reason,
        #[label(name = "ok")]
        pub success: ::core::primitive::bool,
    }

    /// Every attribute, next to shadowed names.
    #[derive(MetricSet)]
    #[metric_set(prefix = "hygiene")]
    pub struct Metrics {
        /// Resumes
        pub resumes_total: Family<Labels, Counter>,
        /// State
        #[metric(name = "state", help = "Daemon state")]
        pub daemon_state: Gauge,
        /// Resume latency
        #[metric(buckets = [0.1, 0.5, 1.0], unit = "seconds")]
        pub resume_seconds: Histogram,
        /// Latency
        #[metric(buckets = exponential(0.01, 2.0, 5))]
        pub latency_seconds: Histogram,
        /// Wait
        #[metric(buckets = linear(1, 1, 3))]
        pub wait_seconds: Histogram,
        #[metric(skip)]
        pub note: u8,
    }

    /// Through the crate's alias, with `crate = path`.
    #[derive(MetricSet)]
    #[metric_set(crate = ::real, global = false)]
    pub struct Local {
        /// Jobs
        pub jobs_total: real::Counter,
    }

    pub fn record() -> u64 {
        let labels = Labels {
            reason: Reason::Manual,
            success: true,
        };
        Metrics::global().resumes_total.with(&labels).inc();
        Metrics::global().resumes_total.with(&labels).get()
    }
}

fn main() {
    assert_eq!(shadowed::record(), 1);
    assert_eq!(shadowed::Reason::Manual.as_label_value(), "by_hand");
    let local = <shadowed::Local as ::core::default::Default>::default();
    local.jobs_total.inc();
    let _ = real::Registry::global();
}

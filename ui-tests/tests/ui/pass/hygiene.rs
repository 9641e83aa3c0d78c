//! The derives and `#[instrument_latency]` expand in a module whose local items shadow every name
//! their code could use: `std`, `core`, the crate itself, `inventory`, primitive types, the
//! prelude's types, variants and macros. The user's locals named like the expansion's stay the
//! user's.
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
    struct Instant;
    struct Duration;
    struct ManuallyDrop;
    struct Future;
    struct FnOnce;
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
    fn forget() {}
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
    macro_rules! concat {
        ($($t:tt)*) => {
            compile_error!("the local `concat!` was used")
        };
    }

    use ::metrics_core::{
        instrument_latency, Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet,
    };

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

    #[derive(LabelSet)]
    pub struct OpenLabels {
        pub route: ::std::string::String,
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
        /// Service time
        #[metric(schema = -2, max_buckets = 80, buckets = [0.5, 1.0])]
        pub service_seconds: ::metrics_core::ExponentialHistogram,
        /// Service time by reason
        #[metric(schema = 3)]
        pub reason_seconds: Family<Labels, ::metrics_core::ExponentialHistogram>,
        /// Lazy resumes
        #[metric(lazy)]
        pub lazy_resumes_total: Family<Labels, Counter>,
        /// Routes
        #[metric(max_label_value_len = 64, max_series = 10)]
        pub routes_total: Family<OpenLabels, Counter>,
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

    /// Metrics.
    #[derive(MetricSet)]
    pub struct Timed {
        /// Runs
        pub run_duration_seconds: Histogram,
    }

    #[instrument_latency]
    pub fn parse(input: &::core::primitive::str) -> ::core::result::Result<u8, ::std::num::ParseIntError> {
        // The user's own names, the same as the expansion's locals.
        let __metrics_timer = 1u8;
        let __metrics_ret = input.parse::<u8>()?;
        ::core::result::Result::Ok(__metrics_timer + __metrics_ret)
    }

    #[instrument_latency]
    pub async fn later() -> u8 {
        1
    }

    #[instrument_latency]
    pub fn never() -> ! {
        ::core::panic!("never returns")
    }

    #[instrument_latency(histogram = Timed::global().run_duration_seconds)]
    pub fn timed() {}

    #[instrument_latency(crate = ::real)]
    pub fn through_the_alias() -> u8 {
        2
    }

    pub struct Service;

    #[instrument_latency]
    impl Service {
        pub fn get(&self) -> u8 {
            3
        }

        #[instrument_latency(skip)]
        pub fn skipped(&self) -> u8 {
            4
        }
    }
}

fn main() {
    assert_eq!(shadowed::record(), 1);
    assert_eq!(shadowed::Reason::Manual.as_label_value(), "by_hand");
    let local = <shadowed::Local as ::core::default::Default>::default();
    local.jobs_total.inc();
    assert_eq!(shadowed::parse("5"), Ok(6));
    drop(shadowed::later());
    shadowed::timed();
    assert_eq!(shadowed::through_the_alias(), 2);
    assert_eq!(shadowed::Service.get() + shadowed::Service.skipped(), 7);
    assert_eq!(shadowed::Timed::global().run_duration_seconds.count(), 1);
    real::check().unwrap();
    let _ = real::Registry::global();
}

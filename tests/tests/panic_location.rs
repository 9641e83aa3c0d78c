//! A panic on the caller's mistake points at the caller's line, not at the library's: every
//! public function of metrics-core that can panic is `#[track_caller]`. (The global registry's
//! panic has its own binary: `global_conflict_location.rs`.)

use std::sync::Arc;

use metrics_core::{
    Counter, Family, Gauge, Histogram, LabelEncoder, LabelSet, Metric, MetricOptions, MetricSet,
    Registry,
};
use tests::panics::{location_of_panic, Panic};

/// The panic of `$call`, and the line the call is written on.
macro_rules! panic_of {
    ($call:expr) => {{
        let line = line!();
        (
            location_of_panic(|| {
                let _ = $call;
            }),
            line,
        )
    }};
}

/// Asserts that the panic was reported at `line` of this file, with `message`.
fn assert_here((panic, line): (Panic, u32), message: &str) {
    assert_eq!(
        panic,
        Panic {
            file: file!().to_owned(),
            line,
            message: message.to_owned(),
        }
    );
}

/// A hand-written label set whose `fixed_index` is out of range.
struct Broken;

impl LabelSet for Broken {
    const NAMES: &'static [&'static str] = &["x"];
    const FIXED_CARDINALITY: usize = 2;
    const OPEN_ENDED: bool = false;
    fn fixed_index(&self) -> usize {
        2
    }
    fn encode(&self, _: &mut dyn LabelEncoder) {}
    fn encode_fixed(_: usize, _: &mut dyn LabelEncoder) {}
}

#[test]
fn a_family_points_at_the_call_with_a_broken_label_set() {
    let family = Family::<Broken, Counter>::new();
    let message = "LabelSet::fixed_index is past FIXED_CARDINALITY";
    assert_here(panic_of!(family.with(&Broken)), message);
    assert_here(panic_of!(family.get(&Broken)), message);
    assert_here(panic_of!(family.remove(&Broken)), message);
    let gauges = Family::<Broken, Gauge>::new();
    assert_here(panic_of!(gauges.with(&Broken).track()), message);
}

static BAD: [f64; 2] = [1.0, 0.5];

#[test]
fn invalid_buckets_point_at_the_call() {
    let message = "invalid histogram buckets [1.0, 0.5]: bucket bound 0.5 comes after 1; list the bounds in increasing order";
    assert_here(panic_of!(Histogram::with_buckets(&BAD)), message);
    let options = MetricOptions {
        buckets: Some(&BAD),
        ..MetricOptions::default()
    };
    assert_here(panic_of!(<Histogram as Metric>::build(&options)), message);
    #[derive(LabelSet)]
    struct Route {
        route: String,
    }
    // An open-ended family builds its histograms on first record: the buckets are checked
    // when it is built.
    assert_here(
        panic_of!(Family::<Route, Histogram>::with_options(options)),
        message,
    );
    assert_here(
        panic_of!(<Family<Route, Histogram> as Metric>::build(&options)),
        message,
    );
}

/// A set to register.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Jobs {
    /// Jobs
    jobs_total: Counter,
}

#[test]
fn registering_twice_points_at_the_call() {
    let registry = Registry::new();
    registry.register(Arc::new(Jobs::default()));
    let message = "an instance of `panic_location::Jobs` with instance labels {} is already registered; give each instance distinct labels";
    assert_here(
        panic_of!(registry.register(Arc::new(Jobs::default()))),
        message,
    );
    let message = "cannot register `Jobs`: instance label `metric` is reserved: the registry's self-metric `metrics_series_overflow_total` has a label `metric` and also carries instance labels";
    let labels = [("metric", "x")];
    assert_here(
        panic_of!(registry.register_with_labels(Arc::new(Jobs::default()), &labels)),
        message,
    );
}

//! Generated code is lint-clean: this target compiles every derive and `#[instrument_latency]` under
//! `deny(warnings, clippy::pedantic)`, and `.ci/run` runs clippy on it.
#![deny(warnings, clippy::pedantic, unused_qualifications, missing_docs)]

use std::borrow::Cow;

use metrics_core::{
    instrument_latency, Counter, Family, FloatGauge, FunctionLabels, Gauge, Histogram, LabelSet,
    LabelValue, MetricSet, ResultLabels,
};

/// A derived label value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "kebab-case")]
pub enum Phase {
    /// Starting.
    WarmUp,
    /// Running.
    #[label(rename = "steady")]
    Steady,
}

/// Fixed labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct PhaseLabels {
    /// The phase.
    pub phase: Phase,
    /// Whether cached.
    pub cached: bool,
}

/// One open-ended label.
#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct NameLabels {
    /// A name.
    #[label(name = "who")]
    pub name: Cow<'static, str>,
}

/// A label value with no other derive.
#[derive(LabelValue)]
pub enum Bare {
    /// One.
    One,
    /// Two.
    Two,
}

/// A label set with no other derive, of fixed and open-ended labels.
#[derive(LabelSet)]
pub struct BareLabels {
    /// Fixed.
    pub bare: Bare,
    /// Open-ended.
    pub route: String,
}

/// A label set with no other derive, of fixed labels.
#[derive(LabelSet)]
pub struct BareFixed {
    /// Fixed.
    pub bare: Bare,
}

/// Empty label set.
#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct NoLabels {}

/// An alias the derive cannot read the type of.
pub type PhaseSeconds = Family<PhaseLabels, metrics_core::ExponentialHistogram>;

/// Every kind of field.
#[derive(MetricSet)]
#[metric_set(prefix = "lint")]
pub struct LintMetrics {
    /// A counter.
    pub events_total: Counter,
    /// A family with fixed labels.
    pub phases_total: Family<PhaseLabels, Counter>,
    /// A family with open labels.
    #[metric(max_series = 5)]
    pub names: Family<NameLabels, Gauge>,
    /// A family without labels.
    pub unlabeled_total: Family<NoLabels, Counter>,
    /// A lazy family.
    #[metric(lazy)]
    pub lazy_total: Family<BareFixed, Counter>,
    /// A family with a limit on its label values.
    #[metric(max_label_value_len = 64)]
    pub routes_total: Family<BareLabels, Counter>,
    /// A float.
    pub load_ratio: FloatGauge,
    /// A histogram.
    #[metric(buckets = linear(1.0, 1.0, 3), unit = "seconds")]
    pub wait_seconds: Histogram,
    /// An exponential histogram.
    #[metric(schema = -1, max_buckets = 40)]
    pub service_seconds: metrics_core::ExponentialHistogram,
    /// A family of them, through an alias.
    #[metric(max_buckets = 20)]
    pub phase_seconds: PhaseSeconds,
    /// Skipped.
    #[metric(skip)]
    pub note: String,
}

/// Local only.
#[derive(MetricSet)]
#[metric_set(global = false)]
pub struct LocalOnly {
    /// Nothing here but a gauge.
    pub level: Gauge,
}

/// Empty set.
#[derive(MetricSet)]
#[metric_set(global = false)]
pub struct Empty {}

/// A set named `Global`: its `global()` must not trip `clippy::self_named_constructors`.
#[derive(MetricSet)]
#[metric_set(prefix = "lint_named")]
pub struct Global {
    /// Events.
    pub events_total: Counter,
}

/// A generic set, checked per instantiation.
#[derive(MetricSet)]
#[metric_set(prefix = "lint_pool", global = false)]
pub struct Pool<M: metrics_core::Metric> {
    /// Connections.
    pub connections: M,
}

/// Where `histogram = ...` records.
#[derive(MetricSet)]
#[metric_set(prefix = "lint_timed")]
pub struct Timed {
    /// Runs.
    pub run_seconds: Histogram,
    /// Runs by result.
    pub result_seconds: Family<ResultLabels, Histogram>,
    /// Runs by function, module and result.
    #[metric(buckets = exponential(1e-6, 2.0, 16))]
    pub function_seconds: Family<FunctionLabels, Histogram>,
}

/// Instrumented, returning a `Result` through `?` and an early `return`.
///
/// # Errors
/// When `input` is not a number.
#[instrument_latency]
pub fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    if input.is_empty() {
        return Ok(0);
    }
    let n: u32 = input.parse()?;
    Ok(n)
}

/// Instrumented, returning nothing.
#[instrument_latency]
pub fn unit() {}

/// Instrumented, never returning.
///
/// # Panics
/// Always.
#[instrument_latency]
pub fn never() -> ! {
    panic!("never returns")
}

/// Instrumented, into a histogram.
#[instrument_latency(histogram = Timed::global().run_seconds)]
pub async fn timed(n: u32) -> u32 {
    n + 1
}

/// Instrumented, into a family by result.
#[instrument_latency(histogram = Timed::global().result_seconds)]
#[must_use]
pub fn by_result(n: u32) -> Option<u32> {
    n.checked_sub(1)
}

/// Instrumented with buckets of its own, `error` (behind an alias) and `panic` at zero.
///
/// # Errors
/// When `n` is 0.
#[instrument_latency(buckets = exponential(1e-6, 2.0, 16), zero = [error, panic])]
pub fn micro(n: u32) -> std::io::Result<u32> {
    n.checked_sub(1)
        .ok_or_else(|| std::io::Error::other("zero"))
}

/// Instrumented with linear buckets, into nothing else.
#[instrument_latency(buckets = linear(0.1, 0.1, 3))]
pub fn linear() {}

/// Instrumented, into a family by function.
#[instrument_latency(histogram = Timed::global().function_seconds)]
pub async fn by_function(n: u32) -> u32 {
    n + 2
}

/// A type with instrumented methods.
#[derive(Debug, Default)]
pub struct Service {
    count: u32,
}

#[instrument_latency(buckets = [0.001, 0.01], zero = [panic])]
impl Service {
    /// Borrowing.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Borrowing mutably, returning a borrow.
    pub fn bump(&mut self) -> &mut u32 {
        self.count += 1;
        &mut self.count
    }

    /// Async.
    pub async fn later(&self, by: u32) -> u32 {
        self.count + by
    }

    /// Left alone.
    #[instrument_latency(skip)]
    #[must_use]
    pub fn skipped(&self) -> u32 {
        self.count
    }
}

#[test]
fn lint_clean_instrumented_functions_run() {
    assert_eq!(parse("4"), Ok(4));
    unit();
    let _ = by_result(1);
    assert_eq!(micro(2).unwrap(), 1);
    linear();
    let mut s = Service::default();
    *s.bump() += 1;
    assert_eq!(s.count() + s.skipped(), 4);
    drop((timed(1), s.later(1), by_function(1)));
}

#[test]
fn lint_clean_sets_record() {
    Global::global().events_total.inc();
    Pool::<Gauge>::default().connections.set(2);
    let m = LintMetrics::global();
    m.phases_total
        .with(&PhaseLabels {
            phase: Phase::WarmUp,
            cached: false,
        })
        .inc();
    m.names
        .with(&NameLabels {
            name: Cow::Borrowed("a"),
        })
        .set(1);
    m.unlabeled_total.with(&NoLabels {}).inc();
    assert_eq!(m.unlabeled_total.len(), 1);
    assert_eq!(Phase::WarmUp.as_label_value(), "warm-up");
    assert_eq!(LocalOnly::default().level.get(), 0);
    let _ = Empty::default();
}

//! Metrics declared as Rust structs: typed recording, link-time registration, and names checked
//! at compile time.
//!
//! ```
//! use metrics_core::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry};
//!
//! #[derive(LabelValue)]
//! #[label(rename_all = "snake_case")]
//! pub enum ResumeReason { RateLimit, ContextExhausted, Manual }
//!
//! #[derive(LabelSet)]
//! pub struct ResumeLabels { pub reason: ResumeReason }
//!
//! /// Core daemon metrics.
//! #[derive(MetricSet)]
//! #[metric_set(prefix = "palingenesis")]
//! pub struct DaemonMetrics {
//!     /// Total number of resume operations attempted
//!     pub resumes_total: Family<ResumeLabels, Counter>,
//!     /// Current daemon state (1=monitoring, 2=paused, 3=waiting, 4=resuming)
//!     pub daemon_state: Gauge,
//!     /// Time taken for resume operations
//!     #[metric(buckets = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0])]
//!     pub resume_duration_seconds: Histogram,
//! }
//!
//! let m = DaemonMetrics::global(); // registered at link time
//! m.resumes_total.with(&ResumeLabels { reason: ResumeReason::RateLimit }).inc();
//! m.daemon_state.set(1);
//! m.resume_duration_seconds.observe(0.42);
//! assert_eq!(m.resumes_total.with(&ResumeLabels { reason: ResumeReason::RateLimit }).get(), 1);
//! # let _ = Registry::global();
//! ```
//!
//! Render [`Registry::global`] with `metrics_export::encode_text` (Prometheus 0.0.4) or
//! `metrics_export::encode_openmetrics` (OpenMetrics 1.0).
//!
//! # Storage
//!
//! A counter or histogram keeps a copy of its state per recording thread, each on its own cache
//! line, so threads recording one metric at once do not slow each other down; a scrape sums the
//! copies. The layout and its memory cost: [`src/shard.rs`](../src/metrics_core/shard.rs.html).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod atomic;
mod clock;
mod counter;
mod counter_table;
#[doc(hidden)]
pub mod escape;
mod exponential;
#[cfg(feature = "facade")]
#[cfg_attr(docsrs, doc(cfg(feature = "facade")))]
pub mod facade;
mod family;
mod gauge;
mod histogram;
mod instrument;
mod label;
mod metric;
mod registry;
#[doc(hidden)]
pub mod rules;
mod set;
mod shard;
mod stats;
mod sync;

pub use counter::{Counter, CounterRef};
pub use exponential::ExponentialHistogram;
pub use family::{Family, Series, SeriesRef, DEFAULT_MAX_SERIES};
pub use gauge::{FloatGauge, FloatGaugeGuard, Gauge, GaugeGuard};
pub use histogram::{Bucket, Histogram, HistogramSnapshot, HistogramTimer};
pub use instrument::{
    CallLabels, CallOutcome, FunctionLabels, FunctionMetrics, RecordLatency, ResultLabels,
    FUNCTION_DURATION_METRIC,
};
pub use label::{
    default_max_label_value_len, set_default_max_label_value_len, LabelSet, LabelValue,
    DEFAULT_MAX_LABEL_VALUE_LEN, OVERFLOW_VALUE,
};
pub use metric::{
    BucketSpan, EncodeExponentialHistogram, EncodeHistogram, EncodeLabels, EncodeMetric,
    ExponentialReading, LabelEncoder, LabelValueRef, Metric, MetricEncoder, MetricKind,
    MetricOptions, NoLabels,
};
pub use registry::{
    check, CheckError, Conflict, Declaration, Registry, RegistryEncoder, RegistryError,
    LABEL_VALUE_TOO_LONG_METRIC, OVERFLOW_METRIC,
};
pub use set::{DynMetricSet, GlobalMetricSet, MetricDesc, MetricSet, SetInfo};
pub use stats::LatencyStats;

/// Derives [`MetricSet`](trait@MetricSet) for a struct with named fields, each a metric.
///
/// # Container attributes: `#[metric_set(...)]`
/// - `prefix = "app"`: every metric name becomes `app_<name>`.
/// - `global = false`: no link-time registration and no `global()` (required for generic sets).
/// - `crate = path`: the path of `metrics_core`, when reached through a re-export.
///
/// # Field attributes: `#[metric(...)]`
/// - `name = "..."`: replaces the field name (the prefix still applies).
/// - `help = "..."`: the HELP text; else the `///` doc comment, lines trimmed and joined by one
///   space. One of the two is required.
/// - `unit = "..."`: adds `# UNIT` to OpenMetrics; the name must already end with it. A name
///   ending with a base unit (`seconds`, `bytes`, `ratio`, `meters`, `volts`, `amperes`,
///   `joules`, `grams`, `celsius`, `kelvin`), before `_total` for a counter, has that unit
///   without it: `request_duration_seconds` and `process_cpu_seconds_total` are in `seconds`.
/// - `buckets = [...]`, `exponential(start, factor, count)`, `linear(start, width, count)`:
///   histogram bounds, checked and evaluated at compile time.
/// - `max_series = N`: the series cap of a family with open-ended labels (default 10,000).
/// - `schema = N` (-4 to 8) and `max_buckets = N` (1 to 65,536): the starting resolution and
///   the bucket limit of an [`ExponentialHistogram`] (default 8 and 160).
/// - `max_label_value_len = N`: the longest label value, in bytes, of a new series of a family
///   with open-ended labels (default 1,024, or [`set_default_max_label_value_len`]); longer
///   values record into the overflow series ([`Family`], "Memory").
/// - `lazy`: a family with fixed-cardinality labels exports a series only once recorded into,
///   instead of every combination at zero from the start ([`Family`]). Its memory is the same:
///   the product of the numbers of values of its labels.
/// - `skip`: not a metric; built with its own `Default`.
///
/// # Generated items
/// `impl MetricSet`, `impl Default`, and unless `global = false`, `impl GlobalMetricSet`, an
/// inherent `fn global() -> &'static Self` and the link-time registration that makes
/// [`Registry::global`] export the set. The struct's rustdoc gains a "Metrics" section (on the
/// `impl` block of `global()`, or an `impl` block of its own): a table of each metric's full
/// name, type, labels, unit, buckets and help.
///
/// Names, units, suffixes, help, buckets and label names are checked at compile time against
/// the Prometheus naming rules; each error points at the offending token.
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use metrics_derive::MetricSet;

/// Derives [`LabelSet`](trait@LabelSet) for a struct whose fields are label values.
///
/// Field attribute `#[label(name = "...")]` renames a label; names are checked at compile time.
/// Label value types: `#[derive(LabelValue)]` enums and `bool` (fixed cardinality: the family
/// stores every combination in an array), `String`, `&'static str`, `Cow<'static, str>` and
/// integers (open-ended: a capped map). The struct needs no other derive: `Clone`, `Eq`,
/// `Hash` and the like are for the program's own use.
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use metrics_derive::LabelSet;

/// Derives [`LabelValue`](trait@LabelValue) for a unit enum, and an inherent
/// `const fn as_label_value(&self) -> &'static str`.
///
/// Container attribute `#[label(rename_all = "snake_case")]` (also `lowercase`, `UPPERCASE`,
/// `PascalCase`, `camelCase`, `SCREAMING_SNAKE_CASE`, `kebab-case`, `SCREAMING-KEBAB-CASE`);
/// variant attribute `#[label(rename = "...")]`. Without either, the value is the variant name.
/// The enum needs no other derive.
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use metrics_derive::LabelValue;

/// Times a function: records its wall time, and how the call ended, into the global histogram
/// family `function_duration_seconds{function, module, result}` ([`FunctionMetrics`]).
///
/// ```
/// use metrics_core::{instrument_latency, CallOutcome, FunctionMetrics};
///
/// #[instrument_latency]
/// fn load(path: &str) -> std::io::Result<String> {
///     std::fs::read_to_string(path)
/// }
///
/// pub struct Store;
///
/// #[instrument_latency] // every method: `function="Store::get"`, ...
/// impl Store {
///     pub fn get(&self, key: u32) -> Option<u32> { key.checked_sub(1) }
///     #[instrument_latency(skip)]
///     pub fn len(&self) -> usize { 0 }
/// }
///
/// let _ = load("/nonexistent");
/// Store.get(1);
/// let module = module_path!();
/// let failed = FunctionMetrics::global().histogram(module, "load", CallOutcome::Error).unwrap();
/// assert_eq!(failed.count(), 1);
/// let got = FunctionMetrics::global().histogram(module, "Store::get", CallOutcome::Ok).unwrap();
/// assert_eq!(got.count(), 1);
/// assert!(FunctionMetrics::global().histogram(module, "Store::len", CallOutcome::Ok).is_none());
/// ```
///
/// # Labels
/// - `function`: the function's name; on an `impl` block the attribute instruments every method
///   (but `const fn`s), named `Type::method`.
/// - `module`: `module_path!()` where the function is declared.
/// - `result`: `ok`; `error` when the function returns a `Result` (through any alias, such as
///   `io::Result`) and the value is `Err`, whether from `return`, `?` or the last expression;
///   `panic` when the body unwinds; `cancelled` when the future of an `async fn` is dropped
///   before it completes.
///
/// # Series at zero
/// Every instrumented function linked into the program has its series from the first scrape
/// (registered at link time through `inventory`), at zero for the outcomes it can have:
/// - `ok`, always;
/// - `error` when its return type is written `Result<...>` or `path::Result<...>`
///   (`io::Result<T>`, `fmt::Result`). Behind an alias of another name
///   (`type AppResult<T> = Result<T, AppError>`), errors are still recorded but the attribute
///   cannot see the `Result`: the `error` series appears with the first one, or is at zero with
///   `zero = [error]` (a compile error on a function that does not return a `Result`);
/// - `cancelled` for an `async fn` and the `#[async_trait]` shapes below.
///
/// `panic` appears with the first panic, not before: a function that cannot panic in
/// practice does not export a series that stays at zero forever. `zero = [panic]` exports it at
/// zero, for queries and alerts on `result="panic"` to have a series from the start.
///
/// The family has no series cap to reach. Recording looks nothing up: each function caches its
/// series on its first call. Functions of one module that share a name (say, `fmt` of a
/// `Debug` and of a `Display` impl) share their series (give them the same `buckets`; when they
/// differ, the series take those of one of them). The timer reads the clock twice per call:
/// quanta's TSC clock where the time-stamp counter is usable (the OS monotonic clock
/// elsewhere). The duration stays in clock ticks up to the histogram, which compares it with
/// its bounds converted to ticks once and keeps its sum in ticks, converted to seconds when
/// read (`BENCHMARKS.md` has the cost per call).
///
/// The rustdoc of each instrumented function gains a "Latency" section with its PromQL queries
/// (p50 and p99 latency, error ratio); with `histogram = <expr>`, a section naming the
/// expression. An undocumented function gets it under rustdoc only
/// (`#[cfg_attr(doc, doc = ...)]`), so that `missing_docs` still reports it.
///
/// # Buckets
/// Every function records into the Prometheus default buckets, 5 ms to 10 s, unless it gives
/// its own with `buckets = ...`, written as `#[metric(buckets = ...)]` takes them and checked
/// at compile time. A function that takes microseconds lands whole in the first default
/// bucket, where a quantile only says "under 5 ms". Give it bounds around its latency, from
/// below its fastest calls to above its slowest: exponential bounds keep the same relative
/// precision over a wide range. `exponential(1e-6, 2.0, 16)` covers 1 µs to 33 ms in 16
/// buckets, each bound twice the previous; `exponential(1e-5, 4.0, 8)` covers 10 µs to 164 ms
/// more coarsely in half as many series.
///
/// ```
/// use metrics_core::{instrument_latency, CallOutcome, FunctionMetrics};
///
/// #[instrument_latency(buckets = exponential(1e-6, 2.0, 16))]
/// fn checksum(data: &[u8]) -> u32 {
///     data.iter().map(|&b| u32::from(b)).sum()
/// }
///
/// assert_eq!(checksum(b"abc"), 294);
/// let h = FunctionMetrics::global().histogram(module_path!(), "checksum", CallOutcome::Ok).unwrap();
/// assert_eq!(h.bounds().len(), 16);
/// assert_eq!((h.bounds()[0], h.bounds()[1], h.bounds()[15]), (1e-6, 2e-6, 0.032768));
/// assert_eq!(h.count(), 1);
/// ```
///
/// Such a function stays in `function_duration_seconds`, its series with their own `le`
/// values beside the default ones of other functions: the series of one histogram family may
/// have different bounds, and Prometheus stores each as it comes. A quantile must then never add
/// up the buckets of different functions, whose `le="0.005"` may count different calls, or
/// exist for one function and not another: sum them `by (function, le)`, as the queries of each
/// function's "Latency" section do, never `by (le)` alone across functions.
///
/// ```promql
/// histogram_quantile(0.99, sum by (function, le) (rate(function_duration_seconds_bucket{module="app::db"}[5m])))
/// ```
///
/// For a histogram of your own (its own name, help and buckets) that keeps the three labels,
/// declare a `Family<FunctionLabels, Histogram>` field and name it with `histogram = ...`:
/// [`FunctionLabels`] is built from each call's function, module and outcome.
///
/// # Arguments
/// - `histogram = <expr>`: records into that [`Histogram`] instead (evaluated when the call
///   starts), or into a `Family<L, Histogram>` whose labels are built from the call
///   ([`CallLabels`]): `Family<ResultLabels, Histogram>`, `Family<FunctionLabels, Histogram>`,
///   or labels of your own that are `From<CallOutcome>` ([`RecordLatency`]).
/// - `buckets = [0.001, 0.01, 0.1]`, `exponential(start, factor, count)`,
///   `linear(start, width, count)`: the function's own bounds in `function_duration_seconds`
///   (above). Not with `histogram = ...`, whose histogram has its own.
/// - `zero = [panic]`, `zero = [error]`, `zero = [error, panic]`: outcomes exported at zero
///   beyond those the function has anyway (above). Not with `histogram = ...`.
/// - `name = "..."`: the `function` label (a method given the attribute on its own, rather
///   than through its `impl` block, is otherwise named without its type).
/// - `skip`: on a method of an instrumented `impl` block, leaves it alone.
/// - `crate = path`: the path of `metrics_core`, when reached through a re-export.
///
/// On an `impl` block, `histogram`, `buckets` and `zero` apply to every method that does not
/// give its own (`zero = [error]` only on a method: not every method returns a `Result`).
///
/// # Limits
/// - The outcome is read off the returned value's type where the function is written: in a
///   generic function returning a type parameter `T`, it is `ok` even when `T` is a `Result`.
/// - A non-`async` function returning a future is timed until the future is created, except in
///   the shape `#[async_trait]` writes (below).
///
/// # `#[async_trait]`
/// The methods of an `#[async_trait]` impl are timed like an `async fn` (until the future
/// completes; `cancelled` when it is dropped first), wherever the attribute is placed:
/// - above `#[async_trait]` on the `impl` block: it runs first and instruments the `async fn`s
///   as written;
/// - below `#[async_trait]` on the `impl` block, or on a method inside one: it runs on what
///   `#[async_trait]` wrote, a method returning `Pin<Box<dyn Future<Output = T> + ...>>` whose
///   body is `Box::pin(async move { ... })`, and times that inner future. The same shape
///   written by hand is timed the same way; any other body returning a boxed future is timed
///   until the box exists.
///
/// A default method of an `#[async_trait]` trait is timed the same way with the attribute on
/// the method (one series for every implementation that keeps the default). A method given the
/// attribute on its own is labeled by its name alone: add `name = "Type::method"` to match the
/// block-level naming. On a trait method without a body the attribute is refused: put it on
/// the implementations.
/// - `histogram = <expr>` is evaluated before the body runs and borrowed until it ends: a
///   histogram reached through `self` suits a `&self` method, not a `&mut self` or `self` one
///   (there, name a global set's histogram).
/// - The body runs in a closure (an async block for an `async fn`): `#[track_caller]` does not
///   reach into it.
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use metrics_derive::instrument_latency;

/// Bucket helpers for histograms built at run time; `#[metric(buckets = ...)]` computes the
/// same at compile time.
pub mod buckets {
    pub use crate::rules::BucketError;
    pub use crate::rules::DEFAULT_BUCKETS as DEFAULT;
    pub use crate::rules::{exponential_buckets as exponential, linear_buckets as linear};
}

/// What generated code uses. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::instrument::{
        call_once, error_at_zero, expect_output, latency_target, CallOutcome, Callsite,
        InstrumentedFn, OtherOutcome, Probe, ResultOutcome, ReturnsResult, Timer,
        FUNCTION_METRICS_ENTRY,
    };
    pub use crate::label::{radix_digit, LabelSet, LabelValue};
    pub use crate::metric::{
        as_encode_metric, EncodeMetric, LabelEncoder, LabelValueRef, Metric, MetricKind,
        MetricOptions,
    };
    pub use crate::registry::{global_instance, GlobalSetEntry};
    pub use crate::set::{GlobalMetricSet, MetricDesc, MetricSet, SetInfo};
    pub use core;
    pub use inventory;
    pub use std::sync::OnceLock;
}

/// The slot code's entry points for the loom model (`tests/loom_slots.rs`); built only with
/// `--cfg metrics_loom`.
#[cfg(metrics_loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::shard::{claimed_slots, leave_free_slots};
}

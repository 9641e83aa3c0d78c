//! `#[instrument_latency]` at run time: how a call ended ([`CallOutcome`]), the global
//! `function_duration_seconds` family ([`FunctionMetrics`]), and the timer the attribute puts at
//! the top of every instrumented function.
//!
//! Layout: the attribute gives each instrumented function a `static` [`Callsite`] and submits it
//! to `inventory`. At first use, the global table is built from every submitted callsite: one
//! row per `(module, function)`, sorted, each holding one histogram per `result` value the
//! function can have. A row is never a map entry: a callsite caches a reference to its row on
//! its first call, so recording is two clock reads, one `OnceLock` load and a histogram
//! observation. There is no series cap to size: the table holds exactly the functions linked
//! into the program, all of them exported from the first scrape, with the outcomes they can have
//! at zero (`ok`; `error` for a function returning a `Result`; `cancelled` for an async one) and
//! the others (`panic`; `error` behind an alias the attribute cannot read) from their first
//! occurrence.
use std::sync::OnceLock;
use std::time::Duration;

use crate::clock;
use crate::family::{Family, Series};
use crate::histogram::Histogram;
use crate::label::{LabelSet, LabelValue, OVERFLOW_VALUE};
use crate::metric::{
    EncodeMetric, LabelEncoder, LabelValueRef, MetricEncoder, MetricKind, MetricOptions,
};
use crate::registry::{global_instance, GlobalSetEntry};
use crate::rules;
use crate::set::{GlobalMetricSet, MetricDesc, MetricSet, SetInfo};

/// How an instrumented call ended: the `result` label of `function_duration_seconds`.
///
/// A fixed-cardinality [`LabelValue`], so a `Family` keyed by it (such as
/// `Family<ResultLabels, Histogram>`) keeps its four series in an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallOutcome {
    /// Returned normally: any value of a function not returning `Result`, or `Ok(_)`.
    Ok,
    /// Returned `Err(_)` (early `return`, `?` or the last expression alike).
    Error,
    /// Unwound from a panic.
    Panic,
    /// The future of an `async fn` was dropped before it completed.
    Cancelled,
}

impl CallOutcome {
    /// Every outcome, in label index order.
    pub const ALL: [CallOutcome; 4] = [
        CallOutcome::Ok,
        CallOutcome::Error,
        CallOutcome::Panic,
        CallOutcome::Cancelled,
    ];

    /// The label value: `ok`, `error`, `panic` or `cancelled`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::Error => "error",
            CallOutcome::Panic => "panic",
            CallOutcome::Cancelled => "cancelled",
        }
    }
}

// Not listed among the label value types when one is missing: it is not one users choose.
#[diagnostic::do_not_recommend]
impl LabelValue for CallOutcome {
    const CARDINALITY: usize = 4;
    const OPEN_ENDED: bool = false;

    #[inline]
    fn fixed_index(&self) -> usize {
        *self as usize
    }

    fn fixed_value(index: usize) -> LabelValueRef<'static> {
        LabelValueRef::Str(CallOutcome::ALL[index].as_str())
    }

    fn value(&self) -> LabelValueRef<'_> {
        LabelValueRef::Str(self.as_str())
    }
}

/// One label, `result`: what `#[instrument_latency(histogram = ...)]` records a
/// `Family<ResultLabels, Histogram>` with.
///
/// ```
/// use metrics_core::{instrument_latency, Family, Histogram, MetricSet, ResultLabels};
///
/// /// Job metrics.
/// #[derive(MetricSet)]
/// pub struct JobMetrics {
///     /// Time to run one job, by result
///     pub job_duration_seconds: Family<ResultLabels, Histogram>,
/// }
///
/// #[instrument_latency(histogram = JobMetrics::global().job_duration_seconds)]
/// fn run_job(fail: bool) -> Result<(), String> {
///     if fail { Err("no".into()) } else { Ok(()) }
/// }
///
/// run_job(true).unwrap_err();
/// let family = &JobMetrics::global().job_duration_seconds;
/// let error = ResultLabels { result: metrics_core::CallOutcome::Error };
/// assert_eq!(family.with(&error).count(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResultLabels {
    /// How the call ended.
    pub result: CallOutcome,
}

impl From<CallOutcome> for ResultLabels {
    fn from(result: CallOutcome) -> Self {
        Self { result }
    }
}

// Not offered as the fix when a family's labels are not a label set.
#[diagnostic::do_not_recommend]
impl LabelSet for ResultLabels {
    const NAMES: &'static [&'static str] = &["result"];
    const FIXED_CARDINALITY: usize = CallOutcome::CARDINALITY;
    const OPEN_ENDED: bool = false;

    #[inline]
    fn fixed_index(&self) -> usize {
        self.result.fixed_index()
    }

    fn encode(&self, out: &mut dyn LabelEncoder) {
        out.label("result", self.result.value());
    }

    fn encode_fixed(index: usize, out: &mut dyn LabelEncoder) {
        out.label("result", CallOutcome::fixed_value(index));
    }
}

/// The labels of `function_duration_seconds`, `function`, `module` and `result`: one finished
/// call of an instrumented function, as [`RecordLatency`] receives it.
///
/// As the labels of a `Family<FunctionLabels, Histogram>` of your own, named with
/// `#[instrument_latency(histogram = ...)]`, they keep the three labels of
/// `function_duration_seconds` in a histogram whose buckets, help and name you choose. `function`
/// and `module` are open-ended labels: the family looks the series up in its map on each call.
///
/// ```
/// use metrics_core::{instrument_latency, CallOutcome, Family, FunctionLabels, Histogram, MetricSet};
///
/// /// Parser metrics.
/// #[derive(MetricSet)]
/// pub struct ParserMetrics {
///     /// Time to parse one token, by function and result
///     #[metric(buckets = exponential(1e-6, 2.0, 16))]
///     pub parse_duration_seconds: Family<FunctionLabels, Histogram>,
/// }
///
/// #[instrument_latency(histogram = ParserMetrics::global().parse_duration_seconds)]
/// fn parse_number(s: &str) -> Result<u64, std::num::ParseIntError> {
///     s.parse()
/// }
///
/// parse_number("12").unwrap();
/// let family = &ParserMetrics::global().parse_duration_seconds;
/// let ok = FunctionLabels { function: "parse_number", module: module_path!(), result: CallOutcome::Ok };
/// assert_eq!(family.with(&ok).count(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FunctionLabels {
    /// The function: its name, `Type::method` for a method of an instrumented `impl` block, or
    /// `name = "..."`.
    pub function: &'static str,
    /// `module_path!()` where the function is declared.
    pub module: &'static str,
    /// How the call ended.
    pub result: CallOutcome,
}

// Not offered as the fix when a family's labels are not a label set.
#[diagnostic::do_not_recommend]
impl LabelSet for FunctionLabels {
    const NAMES: &'static [&'static str] = &["function", "module", "result"];
    const FIXED_CARDINALITY: usize = CallOutcome::CARDINALITY;
    const OPEN_ENDED: bool = true;

    #[inline]
    fn fixed_index(&self) -> usize {
        self.result.fixed_index()
    }

    fn encode(&self, out: &mut dyn LabelEncoder) {
        out.label("function", LabelValueRef::Str(self.function));
        out.label("module", LabelValueRef::Str(self.module));
        out.label("result", self.result.value());
    }

    fn encode_fixed(index: usize, out: &mut dyn LabelEncoder) {
        out.label("function", LabelValueRef::Str(OVERFLOW_VALUE));
        out.label("module", LabelValueRef::Str(OVERFLOW_VALUE));
        out.label("result", CallOutcome::fixed_value(index));
    }
}

/// Labels built from each call of an instrumented function: what a `Family<L, Histogram>` named
/// by `#[instrument_latency(histogram = ...)]` records under.
///
/// Implemented for [`FunctionLabels`], and for every label set that is `From<CallOutcome>`
/// (such as [`ResultLabels`]); implement it for a label set of your own that takes the function
/// or the module.
pub trait CallLabels: LabelSet {
    /// The labels of one call.
    fn from_call(call: &FunctionLabels) -> Self;
}

impl<L: LabelSet + From<CallOutcome>> CallLabels for L {
    #[inline]
    fn from_call(call: &FunctionLabels) -> Self {
        L::from(call.result)
    }
}

impl CallLabels for FunctionLabels {
    #[inline]
    fn from_call(call: &FunctionLabels) -> Self {
        *call
    }
}

/// What `#[instrument_latency(histogram = ...)]` can record into: a [`Histogram`] (the call's
/// labels are not recorded), or a `Family<L, Histogram>` whose labels are built from the call
/// ([`CallLabels`], such as [`ResultLabels`] or [`FunctionLabels`]). `Sync`, so that the
/// future of an instrumented `async fn` stays `Send`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a histogram `#[instrument_latency]` can record into",
    label = "expected a `Histogram`",
    note = "`#[instrument_latency(histogram = ...)]` takes a `Histogram`, or a `Family<L, Histogram>` whose labels implement `CallLabels` (such as `Family<ResultLabels, Histogram>` or `Family<FunctionLabels, Histogram>`)"
)]
pub trait RecordLatency: Sync {
    /// Records one call, `call` (which function, how it ended), that took `elapsed`.
    fn record_latency(&self, call: &FunctionLabels, elapsed: Duration);

    /// Records one call that took `ticks` ticks of the attribute's clock: what the attribute
    /// calls. The histograms of this crate keep the ticks (see `Histogram`'s tick sum); others
    /// get a [`Duration`] through [`RecordLatency::record_latency`].
    #[doc(hidden)]
    #[inline]
    fn record_latency_ticks(&self, call: &FunctionLabels, ticks: u64) {
        self.record_latency(call, crate::clock::duration(ticks));
    }
}

impl RecordLatency for Histogram {
    #[inline]
    fn record_latency(&self, _call: &FunctionLabels, elapsed: Duration) {
        self.observe_duration(elapsed);
    }

    #[inline]
    fn record_latency_ticks(&self, _call: &FunctionLabels, ticks: u64) {
        self.observe_ticks(ticks);
    }
}

impl<L: CallLabels> RecordLatency for Family<L, Histogram> {
    #[inline]
    fn record_latency(&self, call: &FunctionLabels, elapsed: Duration) {
        self.with(&L::from_call(call)).observe_duration(elapsed);
    }

    #[inline]
    fn record_latency_ticks(&self, call: &FunctionLabels, ticks: u64) {
        self.with(&L::from_call(call)).observe_ticks(ticks);
    }
}

impl<T: RecordLatency + ?Sized> RecordLatency for &T {
    #[inline]
    fn record_latency(&self, call: &FunctionLabels, elapsed: Duration) {
        (**self).record_latency(call, elapsed);
    }

    #[inline]
    fn record_latency_ticks(&self, call: &FunctionLabels, ticks: u64) {
        (**self).record_latency_ticks(call, ticks);
    }
}

/// The description of `function_duration_seconds`.
pub const FUNCTION_DURATION_METRIC: MetricDesc = MetricDesc {
    name: "function_duration_seconds",
    help:
        "Wall time of the functions instrumented with #[instrument_latency], by how the call ended",
    unit: Some("seconds"),
    kind: MetricKind::Histogram,
    label_names: &["function", "module", "result"],
    field: "function_duration_seconds",
};

/// The metric set of `#[instrument_latency]`: one histogram family,
/// `function_duration_seconds{function, module, result}`, with the Prometheus default buckets
/// unless a function asks for its own (`#[instrument_latency(buckets = ...)]`).
///
/// [`Registry::global`](crate::Registry::global) exports it as soon as one function of the
/// program is instrumented; every instrumented function has its series from the first scrape,
/// at zero for the outcomes it can have: `ok`; `error` when it returns a `Result`; `cancelled`
/// for an `async fn`. A `panic` series appears with the first panic (at zero with
/// `zero = [panic]`). Functions of one module with the same name (two `impl` blocks of one type,
/// say) share their series. To export it from another registry:
/// `registry.register_global::<FunctionMetrics>()`.
pub struct FunctionMetrics {
    durations: FunctionDurations,
}

impl std::fmt::Debug for FunctionMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionMetrics")
            .field("functions", &table().len())
            .finish()
    }
}

/// What [`FunctionMetrics`] declares: its name, module and one metric.
const FUNCTION_SET: SetInfo = SetInfo {
    name: "FunctionMetrics",
    module: "metrics_core",
    type_id: std::any::TypeId::of::<FunctionMetrics>,
    metrics: &[FUNCTION_DURATION_METRIC],
};

impl MetricSet for FunctionMetrics {
    const INFO: &'static SetInfo = &FUNCTION_SET;

    fn metric(&self, index: usize) -> Option<&dyn EncodeMetric> {
        (index == 0).then_some(&self.durations as &dyn EncodeMetric)
    }
}

/// The registry entry of [`FunctionMetrics`]: `#[instrument_latency]` submits it to `inventory`
/// beside every callsite of the global family, as `#[derive(MetricSet)]` does for its set, so
/// [`Registry::global`](crate::Registry::global) exports the family exactly when a function of
/// the program is instrumented. Submitted once per callsite; the registry keeps one per type.
#[doc(hidden)]
pub const FUNCTION_METRICS_ENTRY: GlobalSetEntry = GlobalSetEntry {
    info: &FUNCTION_SET,
    instance: global_instance::<FunctionMetrics>,
};

impl GlobalMetricSet for FunctionMetrics {
    fn global() -> &'static Self {
        static INSTANCE: FunctionMetrics = FunctionMetrics {
            durations: FunctionDurations,
        };
        &INSTANCE
    }
}

impl FunctionMetrics {
    /// The process-wide instance.
    pub fn global() -> &'static Self {
        <Self as GlobalMetricSet>::global()
    }

    /// The clock instrumented functions read: `"tsc"`, the CPU's time-stamp counter (through
    /// quanta, calibrated against the OS clock once, on the first call), or `"os"`, the OS
    /// monotonic clock, where the CPU has no invariant, synchronized TSC.
    ///
    /// The calibration takes about 0.6 ms (on a 2-vCPU VM), paid by the first timed call of
    /// the process; calling this at startup pays it there instead.
    pub fn clock_source() -> &'static str {
        clock::source()
    }

    /// Whether any function linked into the program is instrumented: then
    /// [`Registry::global`](crate::Registry::global) exports this set.
    pub fn any_instrumented() -> bool {
        inventory::iter::<InstrumentedFn>
            .into_iter()
            .next()
            .is_some()
    }

    /// The histogram of one function for one outcome, if that function is instrumented and the
    /// series is exported: always for [`CallOutcome::Ok`]; for the others, when the function
    /// has them at zero or once one happened. `function` is as the `function` label reads:
    /// `name`, or `Type::name` for a method of an instrumented `impl` block.
    pub fn histogram(
        &self,
        module: &str,
        function: &str,
        outcome: CallOutcome,
    ) -> Option<&'static Histogram> {
        find(module, function)?.exported(outcome)
    }
}

/// `function_duration_seconds`: every row of the table.
struct FunctionDurations;

impl EncodeMetric for FunctionDurations {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        for row in table() {
            for outcome in CallOutcome::ALL {
                if let Some(h) = row.exported(outcome) {
                    let labels = |out: &mut dyn LabelEncoder| {
                        out.label("function", LabelValueRef::Str(row.function));
                        out.label("module", LabelValueRef::Str(row.module));
                        out.label("result", LabelValueRef::Str(outcome.as_str()));
                    };
                    h.encode_series(&labels, encoder);
                }
            }
        }
    }
}

/// The series of one instrumented function, all with its bounds.
struct FunctionSeries {
    module: &'static str,
    function: &'static str,
    bounds: &'static [f64],
    ok: Histogram,
    /// Built with the table when the function has `error` at zero, else by its first error.
    error: OnceLock<Histogram>,
    /// A rare outcome: a compact histogram (one row, atomic adds) rather than per-thread
    /// shards. Built with the table for `zero = [panic]`, else by the first panic.
    panic: OnceLock<Histogram>,
    /// Compact too; only for an async function, which has it at zero.
    cancelled: Option<Histogram>,
}

impl FunctionSeries {
    /// The histogram `outcome` is recorded into, built on its first use.
    #[inline]
    fn recording(&self, outcome: CallOutcome) -> Option<&Histogram> {
        match outcome {
            CallOutcome::Ok => Some(&self.ok),
            CallOutcome::Error => Some(self.error.get_or_init(|| self.sharded())),
            CallOutcome::Panic => Some(self.panic.get_or_init(|| self.compact())),
            CallOutcome::Cancelled => self.cancelled.as_ref(),
        }
    }

    /// The histogram of `outcome`, if it is exported.
    fn exported(&self, outcome: CallOutcome) -> Option<&Histogram> {
        match outcome {
            CallOutcome::Ok => Some(&self.ok),
            CallOutcome::Error => self.error.get(),
            CallOutcome::Panic => self.panic.get(),
            CallOutcome::Cancelled => self.cancelled.as_ref(),
        }
    }

    fn sharded(&self) -> Histogram {
        Histogram::with_buckets(self.bounds)
    }

    fn compact(&self) -> Histogram {
        <Histogram as Series>::build_compact(&MetricOptions {
            buckets: Some(self.bounds),
            ..MetricOptions::default()
        })
    }
}

/// Every instrumented function, sorted by module and name, built once from `inventory`.
fn table() -> &'static [FunctionSeries] {
    static TABLE: OnceLock<Box<[FunctionSeries]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut sites: Vec<Site> = inventory::iter::<InstrumentedFn>
            .into_iter()
            .map(|f| Site::of(f.0))
            .collect();
        // By name, then bounds: of the functions of one module and name, which share one row,
        // the first in this order gives its bounds (the default ones if any of them has them).
        sites.sort_unstable_by(|a, b| {
            (a.module, a.function)
                .cmp(&(b.module, b.function))
                .then_with(|| compare_bounds(a.bounds, b.bounds))
        });
        sites.dedup_by(|next, kept| {
            let same = (next.module, next.function) == (kept.module, kept.function);
            if same {
                kept.zero.extend(next.zero);
            }
            same
        });
        sites.into_iter().map(Site::series).collect()
    })
}

fn find(module: &str, function: &str) -> Option<&'static FunctionSeries> {
    let table = table();
    table
        .binary_search_by(|row| (row.module, row.function).cmp(&(module, function)))
        .ok()
        .map(|i| &table[i])
}

/// The default bounds first, then by their values.
fn compare_bounds(a: Option<&[f64]>, b: Option<&[f64]>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a
            .iter()
            .zip(b)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.len().cmp(&b.len())),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

/// The outcomes a row exports at zero, beside `ok`.
#[derive(Clone, Copy, Default)]
struct ZeroOutcomes {
    error: bool,
    panic: bool,
    cancelled: bool,
}

impl ZeroOutcomes {
    fn of(outcomes: &[CallOutcome]) -> Self {
        let mut zero = Self::default();
        for outcome in outcomes {
            match outcome {
                CallOutcome::Ok => {}
                CallOutcome::Error => zero.error = true,
                CallOutcome::Panic => zero.panic = true,
                CallOutcome::Cancelled => zero.cancelled = true,
            }
        }
        zero
    }

    fn extend(&mut self, other: Self) {
        self.error |= other.error;
        self.panic |= other.panic;
        self.cancelled |= other.cancelled;
    }
}

/// One callsite, as the table is built from it.
struct Site {
    module: &'static str,
    function: &'static str,
    bounds: Option<&'static [f64]>,
    zero: ZeroOutcomes,
}

impl Site {
    fn of(callsite: &'static Callsite) -> Self {
        Self {
            module: callsite.module,
            function: callsite.function,
            bounds: callsite.buckets,
            zero: ZeroOutcomes::of(callsite.zero),
        }
    }

    /// Its row: `ok`, and the outcomes it has at zero, built now.
    fn series(self) -> FunctionSeries {
        let bounds = self.bounds.unwrap_or(&rules::DEFAULT_BUCKETS);
        let mut row = FunctionSeries {
            module: self.module,
            function: self.function,
            bounds,
            ok: Histogram::with_buckets(bounds),
            error: OnceLock::new(),
            panic: OnceLock::new(),
            cancelled: None,
        };
        if self.zero.error {
            row.recording(CallOutcome::Error);
        }
        if self.zero.panic {
            row.recording(CallOutcome::Panic);
        }
        if self.zero.cancelled {
            row.cancelled = Some(row.compact());
        }
        row
    }
}

/// An instrumented function: the `static` the attribute declares in its body.
#[doc(hidden)]
pub struct Callsite {
    function: &'static str,
    module: &'static str,
    /// The outcomes its series have at zero, beside `ok`.
    zero: &'static [CallOutcome],
    /// `buckets = ...`; `None` for the default buckets.
    buckets: Option<&'static [f64]>,
    /// Its row, found on the first call. `None` only for a function the table does not hold
    /// (one whose `inventory` entry was not submitted before the table was built, as in a
    /// library loaded at run time): its calls are not recorded.
    series: OnceLock<Option<&'static FunctionSeries>>,
}

impl Callsite {
    /// A callsite for `function` (`name` or `Type::name`) of `module` (`module_path!()`), its
    /// series at zero for the outcomes `zero` (and `ok`), with the bounds `buckets` (checked by
    /// the attribute; `None` for the default buckets).
    pub const fn new(
        function: &'static str,
        module: &'static str,
        zero: &'static [CallOutcome],
        buckets: Option<&'static [f64]>,
    ) -> Self {
        Self {
            function,
            module,
            zero,
            buckets,
            series: OnceLock::new(),
        }
    }

    #[inline]
    fn series(&self) -> Option<&'static FunctionSeries> {
        *self.series.get_or_init(|| find(self.module, self.function))
    }
}

/// The `inventory` entry of a [`Callsite`].
#[doc(hidden)]
pub struct InstrumentedFn(pub &'static Callsite);

inventory::collect!(InstrumentedFn);

/// Where a [`Timer`] records: a callsite of the global family, or what `histogram = ...` names.
#[doc(hidden)]
pub trait Sink {
    /// Records a call that lasted `ticks` ticks of the clock (see `crate::clock`).
    fn record(&self, outcome: CallOutcome, ticks: u64);
}

impl Sink for &Callsite {
    #[inline]
    fn record(&self, outcome: CallOutcome, ticks: u64) {
        if let Some(h) = self.series().and_then(|s| s.recording(outcome)) {
            h.observe_ticks(ticks);
        }
    }
}

/// `histogram = expr` as a sink, with the function it times. Not generic over the histogram's
/// type: when that type is not one, [`latency_target`]'s bound is the only error, not one more
/// at every use of the timer. (The table of the trait object is a constant where the timer is
/// inlined.)
#[doc(hidden)]
pub struct Target<'a> {
    target: &'a dyn RecordLatency,
    function: &'static str,
    module: &'static str,
}

impl Sink for Target<'_> {
    #[inline]
    fn record(&self, outcome: CallOutcome, ticks: u64) {
        let call = FunctionLabels {
            function: self.function,
            module: self.module,
            result: outcome,
        };
        self.target.record_latency_ticks(&call, ticks);
    }
}

/// `histogram = expr` checked where the user wrote it: a type that is not a histogram breaks
/// this bound at `expr`, with [`RecordLatency`]'s message. `function` and `module` are those of
/// the `function_duration_seconds` series the function would have.
#[doc(hidden)]
#[inline]
pub fn latency_target<'a, T: RecordLatency>(
    target: &'a T,
    function: &'static str,
    module: &'static str,
) -> Target<'a> {
    Target {
        target,
        function,
        module,
    }
}

/// Times one call from its creation. [`Timer::finish`] records the outcome of a call that
/// returned; dropped without it, the call panicked, or for an `async fn`, either panicked or
/// had its future dropped before completion.
#[doc(hidden)]
pub struct Timer<S: Sink> {
    sink: S,
    /// The clock's raw reading at the start (TSC ticks where the TSC is usable).
    start: u64,
    is_async: bool,
}

impl<S: Sink> Timer<S> {
    #[inline]
    pub fn start(sink: S, is_async: bool) -> Self {
        Self {
            sink,
            start: clock::now(),
            is_async,
        }
    }

    /// The ticks since the start (see `crate::clock`: durations stay in ticks up to the
    /// histogram).
    #[inline]
    fn elapsed(&self) -> u64 {
        clock::ticks_since(self.start)
    }

    #[inline]
    pub fn finish(self, outcome: CallOutcome) {
        let this = std::mem::ManuallyDrop::new(self);
        this.sink.record(outcome, this.elapsed());
    }
}

impl<S: Sink> Drop for Timer<S> {
    fn drop(&mut self) {
        let outcome = if self.is_async && !std::thread::panicking() {
            CallOutcome::Cancelled
        } else {
            CallOutcome::Panic
        };
        self.sink.record(outcome, self.elapsed());
    }
}

/// A type whose values can be `Err`: what `#[instrument_latency(zero = [error])]` requires of
/// the function's return type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Result`: `error` is never the outcome of this function",
    label = "`zero = [error]` needs a function that returns a `Result`",
    note = "`zero = [error]` is for a `Result` behind an alias of another name; a function whose return type is written `Result<...>` or `path::Result<...>` has `error` at zero without it"
)]
pub trait ReturnsResult {}

impl<T, E> ReturnsResult for Result<T, E> {}

/// `zero = [error]` checked against the returned value: its type, whatever alias names it, must
/// be a `Result` (this bound breaks at the `error` the user wrote).
#[doc(hidden)]
#[inline(always)]
pub const fn error_at_zero<R: ReturnsResult>(_value: &R) {}

/// Runs the body of an instrumented sync function. A closure passed here is `FnOnce` and its
/// return type is `R`, so the body's `return`, `?` and coercions type-check as in the function,
/// and it may return borrows of what it captured.
#[doc(hidden)]
#[inline(always)]
pub fn call_once<R, F: FnOnce() -> R>(body: F) -> R {
    body()
}

/// Names the output type of the async block holding the body of an instrumented `async fn`.
/// The bound alone does not make rustc check the body against it (an async block's output is
/// inferred from its body): the attribute also starts the block with a `return` of that type
/// never taken, so the body's `return`, `?` and coercions type-check as in the function.
#[doc(hidden)]
#[inline(always)]
pub fn expect_output<R, F: std::future::Future<Output = R>>(body: F) -> F {
    body
}

/// The outcome of a returned value, by autoref specialisation: `(&Probe(&value)).call_outcome()`
/// finds [`ResultOutcome`] for a `Result` at the first probe step, else [`OtherOutcome`] on the
/// autoref. The return type is not visible in the syntax (`io::Result<()>`, aliases), but it is
/// to method resolution. In a generic function returning a type parameter, the choice is made
/// for the parameter: `ok`.
#[doc(hidden)]
pub struct Probe<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait ResultOutcome {
    fn call_outcome(&self) -> CallOutcome;
}

impl<T, E> ResultOutcome for Probe<'_, Result<T, E>> {
    #[inline]
    fn call_outcome(&self) -> CallOutcome {
        if self.0.is_ok() {
            CallOutcome::Ok
        } else {
            CallOutcome::Error
        }
    }
}

#[doc(hidden)]
pub trait OtherOutcome {
    fn call_outcome(&self) -> CallOutcome;
}

impl<T: ?Sized> OtherOutcome for &Probe<'_, T> {
    #[inline]
    fn call_outcome(&self) -> CallOutcome {
        CallOutcome::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The borrow is what makes the specialisation: without it a non-`Result` finds no method.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn the_probe_sees_results_through_aliases() {
        type Alias = std::io::Result<u8>;
        let ok: Alias = Ok(1);
        let err: Alias = Err(std::io::Error::other("x"));
        assert_eq!((&Probe(&ok)).call_outcome(), CallOutcome::Ok);
        assert_eq!((&Probe(&err)).call_outcome(), CallOutcome::Error);
        assert_eq!((&Probe(&Some(1))).call_outcome(), CallOutcome::Ok);
        assert_eq!((&Probe(&())).call_outcome(), CallOutcome::Ok);
    }

    #[test]
    fn the_family_follows_the_naming_rules() {
        let desc = FUNCTION_DURATION_METRIC;
        crate::rules::check_metric_name(desc.name, desc.kind).unwrap();
        crate::rules::check_unit(desc.name, desc.unit.unwrap(), desc.kind).unwrap();
        for label in desc.label_names {
            crate::rules::check_label_name_for(label, desc.kind).unwrap();
        }
    }

    #[test]
    fn outcomes_are_label_values_in_index_order() {
        for (i, o) in CallOutcome::ALL.iter().enumerate() {
            assert_eq!(o.fixed_index(), i);
            assert_eq!(CallOutcome::fixed_value(i), LabelValueRef::Str(o.as_str()));
        }
    }
}

//! A recorder for the [`metrics`] crate (0.24): every `metrics::counter!`, `gauge!` and
//! `histogram!` of any crate of the process lands in a [`Registry`], exported in the same
//! scrape as the derived sets, by every output that reads the registry (both text formats,
//! protobuf, OTLP, the pushers).
//!
//! ```
//! use metrics_core::facade::{FacadeBuilder, Refusal};
//! use metrics_core::Registry;
//!
//! let registry = Registry::new();
//! let recorder = FacadeBuilder::new().registry(&registry).build().unwrap();
//! metrics::with_local_recorder(&recorder, || {
//!     metrics::describe_counter!("tachikoma_missions_started_total", "Missions started");
//!     metrics::counter!("tachikoma_missions_started_total", "kind" => "recon").increment(1);
//!     let name = format!("tachikoma_{}_seconds", "dive");
//!     metrics::histogram!(name).record(0.042);
//!     metrics::gauge!("queue_gauge").set(1.0); // a type word in the name: refused
//! });
//! assert_eq!(recorder.refused(Refusal::InvalidName), 1);
//! // metrics_export::encode_text(&registry) now holds:
//! //   # HELP tachikoma_dive_seconds recorded through the metrics facade
//! //   # TYPE tachikoma_dive_seconds histogram
//! //   tachikoma_dive_seconds_bucket{le="0.005"} 0
//! //   ...
//! //   # HELP tachikoma_missions_started_total Missions started
//! //   # TYPE tachikoma_missions_started_total counter
//! //   tachikoma_missions_started_total{kind="recon"} 1
//! //   # HELP metrics_facade_refused_total Registrations (counter!, gauge! and ...
//! //   ...
//! ```
//!
//! In a program, [`install`] sends the macros of every thread to [`Registry::global`]:
//! `metrics_core::facade::install()?` at the start of `main`, or
//! `FacadeBuilder::new().max_series(1_000).install()?`.
//!
//! # Why in `metrics-core`
//!
//! The recorder runs inside the instrumented process and records into the same metric types
//! as the derived sets; `metrics-export` only reads registries. It is behind the feature
//! `facade`, so a program that does not use `metrics` does not build it.
//!
//! # Names at run time
//!
//! The macros name metrics with strings, known only at run time, so the recorder applies the
//! naming rules of `#[derive(MetricSet)]` when a name is first registered, and fixes what has
//! one fix:
//! - every character that cannot be in a name (`.`, `-`, spaces, non-ASCII) becomes `_`;
//! - then, while the name breaks a rule, it takes the name that the derive's error would
//!   suggest: snake_case (`queueDepth` is `queue_depth`), `_` before a leading digit, no
//!   leading `__` nor trailing `_`, `_total` appended to a counter and removed from a gauge or
//!   a histogram, no reserved suffix (a gauge `jobs_count` is `jobs`). `http.requests`
//!   registered as a counter is exported as `http_requests_total`;
//! - a name whose rule has no single fix (`queue_gauge`: remove the type word) or whose fix
//!   would change the unit (`latency_ms`: `latency_seconds`, but the values are still in
//!   milliseconds) is refused. Label names follow the same steps; `le` on a histogram and
//!   `quantile` are refused.
//!
//! A refused registration returns a handle that records nowhere (never a panic) and counts
//! one in `metrics_facade_refused_total{reason}`, every reason exported from the first scrape
//! ([`Refusal`]): `invalid_name`, `invalid_label`, `type_mismatch` (the name is a family of
//! another type: `counter!("jobs")` beside `gauge!("jobs")`), `clash` (the name, or one of its
//! sample names, is a metric of a set of the registry, a self-metric, or a sample of another
//! family: a histogram `x` takes `x_count`), `family_limit`. A set registered into the
//! registry after a facade family took one of its names wins: the family is dropped (one
//! `clash`), and its handles record nowhere. Each registration counts: a refused
//! `counter!("x")` in a loop counts once per iteration.
//!
//! What the rules cannot give at run time: a compile error. A typo makes a new metric; two
//! crates using one name for different things share (or clash on) it; nothing checks a name
//! before the first registration runs. The derive checks all this at compile time.
//!
//! # HELP and UNIT
//!
//! `describe_counter!` and its siblings give the HELP text, from the next scrape on when
//! called after the first registration; a metric without one has the HELP `recorded through
//! the metrics facade`. A base unit (`Unit::Seconds`: `seconds`, `Unit::Bytes`: `bytes`) is the
//! OpenMetrics `# UNIT` when the name ends with it, as `#[metric(unit = "...")]` requires;
//! other units (`Unit::Milliseconds`, `Unit::Kibibytes`, ...) give none, and values are never
//! rescaled. Otherwise a name that ends with a base unit (`_seconds`, `_bytes`, `_ratio`, ...)
//! has that unit, as a derived field has.
//!
//! # Series and families
//!
//! A name is a family, its label sets the series, in the order they were first registered
//! (label names sorted). Like an open-ended [`Family`](crate::Family), a family holds at most
//! [`max_series`](FacadeBuilder::max_series) series (default [`DEFAULT_MAX_SERIES`]): past the
//! cap, a registration with new label values gets the overflow series, whose labels are those
//! of the family's first labeled registration, each valued `overflow`, and counts in
//! `metrics_series_overflow_total{metric="..."}`. A label value longer than
//! [`max_label_value_len`](FacadeBuilder::max_label_value_len) bytes (default: the process-wide
//! [`default_max_label_value_len`](crate::default_max_label_value_len), 1,024 unless
//! changed) makes no series either: it gets the overflow series, and counts in
//! `metrics_label_value_too_long_total{metric="..."}`. Both self-metrics count registrations,
//! and have a series for every facade family. The recorder holds at most
//! [`max_families`](FacadeBuilder::max_families) families (default
//! [`DEFAULT_MAX_FAMILIES`]); families stay once created, even when all their series expire.
//!
//! # Histograms
//!
//! Bucket bounds are chosen per name with [`buckets_for`](FacadeBuilder::buckets_for): a
//! pattern where `*` stands for any run of characters, matched against the name as exported
//! (after the fixes above); the first pattern that matches gives the bounds, else the
//! Prometheus defaults. [`exponential_for`](FacadeBuilder::exponential_for) makes the matching
//! histograms [`ExponentialHistogram`](crate::ExponentialHistogram)s, whose classic buckets
//! are those bounds.
//!
//! # Idle series
//!
//! With [`idle_timeout`](FacadeBuilder::idle_timeout), a series that no handle recorded into
//! for that long leaves the exposition and, once no handle holds it, frees its memory. It is
//! checked when the registry is read (a scrape, a push): no thread of its own. A read sees
//! which series were recorded since the previous read, so a series is removed by the first
//! read at least the timeout after the read that last saw it recorded; a registry nobody
//! reads removes nothing. A handle held across the expiry brings its series back (with its
//! value) at its next record, in its place in the order; if the family has reached its cap
//! meanwhile, that record goes to the overflow series instead.
//!
//! # Recording cost
//!
//! A handle (what the macros return) holds its series: `counter.increment(1)` through a kept
//! handle costs one load of the series' state and the increment of a [`Counter`](crate::Counter),
//! with no atomic read-modify-write on one thread. A macro called at each record registers its
//! key each time: one lookup in a cache keyed by the hash `metrics` computed for the key
//! (under the read lock of one of 16 shards), then the same increment.
//!
//! # Memory
//!
//! A series is the metric it records into, its state and its labels: 256 bytes for a counter
//! (512 more once two threads record it), 80 for a gauge, about 1.3 KB for a histogram with
//! the 11 default buckets, plus the label text; a family holds at most `max_series` of them.
//! The names and HELP texts of families are kept for the life of the process (one copy of
//! each, at most 1 MiB in all; past it, new names are refused with `family_limit` and new HELP
//! texts ignored), since exposition descriptions hold `&'static str`s.
//!
//! # Another major of `metrics`
//!
//! The recorder implements the `Recorder` trait of `metrics` 0.24. A crate that depends on
//! another major version (0.23, or a future 0.25) calls that version's macros, which reach that
//! version's global recorder, a different one: its metrics are not seen. `cargo tree -i
//! metrics` lists the versions a program links.

mod family;
mod names;
mod recorder;
mod refused;
mod series;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics::{Key, KeyName, Metadata, SharedString, Unit};

use crate::registry::Registry;
use crate::rules::{self, BucketError};

pub use crate::family::DEFAULT_MAX_SERIES;
pub use refused::{Refusal, REFUSED_METRIC};

use names::Pattern;
use recorder::{Config, Inner};
use series::{CounterValue, GaugeValue, Handle, HistogramValue};

/// The families a recorder holds when [`FacadeBuilder::max_families`] does not say.
pub const DEFAULT_MAX_FAMILIES: usize = 1_000;

/// Installs a recorder with the default settings as the global `metrics` recorder, exporting
/// into [`Registry::global`]. The same as `FacadeBuilder::new().install()`.
///
/// # Errors
/// When a global `metrics` recorder is already installed (one per process), or the global
/// registry already has a facade recorder.
pub fn install() -> Result<FacadeRecorder, FacadeError> {
    FacadeBuilder::new().install()
}

/// Settings of a [`FacadeRecorder`]; [`build`](Self::build) attaches it to its registry,
/// [`install`](Self::install) also makes it the global `metrics` recorder.
pub struct FacadeBuilder<'r> {
    registry: Option<&'r Registry>,
    max_series: usize,
    max_families: usize,
    max_label_value_len: Option<usize>,
    buckets: Vec<(String, Vec<f64>)>,
    exponential: Vec<String>,
    idle_timeout: Option<Duration>,
    clock: Option<Arc<dyn Fn() -> Instant + Send + Sync>>,
}

impl Default for FacadeBuilder<'_> {
    fn default() -> Self {
        FacadeBuilder {
            registry: None,
            max_series: DEFAULT_MAX_SERIES,
            max_families: DEFAULT_MAX_FAMILIES,
            max_label_value_len: None,
            buckets: Vec::new(),
            exponential: Vec::new(),
            idle_timeout: None,
            clock: None,
        }
    }
}

impl fmt::Debug for FacadeBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FacadeBuilder")
            .field("global", &self.registry.is_none())
            .field("max_series", &self.max_series)
            .field("max_families", &self.max_families)
            .field("max_label_value_len", &self.max_label_value_len)
            .field("buckets", &self.buckets)
            .field("exponential", &self.exponential)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl<'r> FacadeBuilder<'r> {
    /// The default settings, exporting into [`Registry::global`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Exports into `registry` instead of [`Registry::global`] (one facade recorder per
    /// registry).
    pub fn registry(mut self, registry: &'r Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// The series cap of each family (default [`DEFAULT_MAX_SERIES`]); past it, new label
    /// values get the overflow series.
    pub fn max_series(mut self, max_series: usize) -> Self {
        self.max_series = max_series;
        self
    }

    /// The most families, that is exported names (default [`DEFAULT_MAX_FAMILIES`]); past it,
    /// a new name is refused with `family_limit`.
    pub fn max_families(mut self, max_families: usize) -> Self {
        self.max_families = max_families;
        self
    }

    /// The longest label value, in bytes, that makes a series (default: the process-wide
    /// [`default_max_label_value_len`](crate::default_max_label_value_len), as for open-ended
    /// families); a longer one gets the overflow series.
    pub fn max_label_value_len(mut self, max_label_value_len: usize) -> Self {
        self.max_label_value_len = Some(max_label_value_len);
        self
    }

    /// The bucket bounds of the histograms whose exported name matches `pattern`, where `*`
    /// stands for any run of characters: `"*_seconds"`, `"http_*"`, `"db_*_bytes"`. The first
    /// pattern given that matches wins; a histogram that none matches has the Prometheus
    /// default buckets. Checked by [`build`](Self::build).
    pub fn buckets_for(mut self, pattern: &str, bounds: &[f64]) -> Self {
        self.buckets.push((pattern.to_owned(), bounds.to_vec()));
        self
    }

    /// Histograms whose exported name matches `pattern` record into an
    /// [`ExponentialHistogram`](crate::ExponentialHistogram) (Prometheus native histograms,
    /// OTLP exponential histograms), with the classic buckets of [`buckets_for`](Self::buckets_for)
    /// beside.
    pub fn exponential_for(mut self, pattern: &str) -> Self {
        self.exponential.push(pattern.to_owned());
        self
    }

    /// Removes a series from the exposition once it has not been recorded for `timeout`
    /// (checked when the registry is read; see the module docs, "Idle series").
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// The clock of [`idle_timeout`](Self::idle_timeout), read when a series is created and
    /// when the registry is read (default [`Instant::now`]). Tests give one they move by hand.
    pub fn clock(mut self, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    fn config(self) -> Result<(Config, &'r Registry), FacadeError> {
        let registry: &'r Registry = match self.registry {
            Some(registry) => registry,
            None => Registry::global(),
        };
        for (limit, value) in [
            ("max_series", self.max_series),
            ("max_families", self.max_families),
        ] {
            if value == 0 {
                return Err(FacadeError::ZeroLimit { limit });
            }
        }
        let pattern = |p: &str| {
            Pattern::new(p).map_err(|reason| FacadeError::InvalidPattern {
                pattern: p.to_owned(),
                reason,
            })
        };
        let mut buckets = Vec::new();
        for (p, bounds) in &self.buckets {
            let matcher = pattern(p)?;
            rules::check_buckets(bounds).map_err(|error| FacadeError::InvalidBuckets {
                pattern: p.clone(),
                error,
            })?;
            // Histograms hold `&'static` bounds: each list is kept once per recorder built.
            let bounds: &'static [f64] = Box::leak(bounds.clone().into_boxed_slice());
            buckets.push((matcher, bounds));
        }
        let exponential = self
            .exponential
            .iter()
            .map(|p| pattern(p))
            .collect::<Result<_, _>>()?;
        let config = Config {
            max_series: self.max_series,
            max_families: self.max_families,
            max_label_value_len: self.max_label_value_len,
            buckets,
            exponential,
            idle_timeout: self.idle_timeout,
            clock: self.clock.unwrap_or_else(|| Arc::new(Instant::now)),
        };
        Ok((config, registry))
    }

    /// Builds the recorder and attaches it to its registry, for
    /// [`metrics::set_global_recorder`] or [`metrics::with_local_recorder`].
    ///
    /// # Errors
    /// An invalid pattern or bucket list, a limit of zero, or a registry that already has a
    /// facade recorder.
    pub fn build(self) -> Result<FacadeRecorder, FacadeError> {
        let (config, registry) = self.config()?;
        let recorder = FacadeRecorder {
            inner: Arc::new(Inner::new(config)),
        };
        if !registry.attach_dynamic(Arc::clone(&recorder.inner) as _) {
            return Err(FacadeError::RegistryTaken);
        }
        Ok(recorder)
    }

    /// Builds the recorder, installs it as the global `metrics` recorder
    /// ([`metrics::set_global_recorder`]: once per process) and attaches it to its registry.
    ///
    /// # Errors
    /// As [`build`](Self::build), and when a global `metrics` recorder is already installed.
    pub fn install(self) -> Result<FacadeRecorder, FacadeError> {
        let (config, registry) = self.config()?;
        if registry.has_dynamic() {
            return Err(FacadeError::RegistryTaken);
        }
        let recorder = FacadeRecorder {
            inner: Arc::new(Inner::new(config)),
        };
        metrics::set_global_recorder(recorder.clone())
            .map_err(|_| FacadeError::AlreadyInstalled)?;
        if !registry.attach_dynamic(Arc::clone(&recorder.inner) as _) {
            return Err(FacadeError::RegistryTaken);
        }
        Ok(recorder)
    }
}

/// The `metrics` recorder that exports into a [`Registry`]; cloning it shares it.
#[derive(Clone)]
pub struct FacadeRecorder {
    inner: Arc<Inner>,
}

impl FacadeRecorder {
    /// The registrations refused for `reason` so far, as
    /// `metrics_facade_refused_total{reason="..."}` exports them.
    pub fn refused(&self, reason: Refusal) -> u64 {
        self.inner.refused.get(reason)
    }
}

impl fmt::Debug for FacadeRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FacadeRecorder").finish_non_exhaustive()
    }
}

impl metrics::Recorder for FacadeRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner
            .describe::<CounterValue>(key.as_str(), unit, &description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner
            .describe::<GaugeValue>(key.as_str(), unit, &description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner
            .describe::<HistogramValue>(key.as_str(), unit, &description);
    }

    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Counter {
        CounterValue::handle(self.inner.register(key))
    }

    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Gauge {
        GaugeValue::handle(self.inner.register(key))
    }

    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Histogram {
        HistogramValue::handle(self.inner.register(key))
    }
}

/// Why a [`FacadeBuilder`] could not build its recorder.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FacadeError {
    /// A pattern of [`buckets_for`](FacadeBuilder::buckets_for) or
    /// [`exponential_for`](FacadeBuilder::exponential_for) that can never match.
    InvalidPattern {
        /// The pattern.
        pattern: String,
        /// Why.
        reason: String,
    },
    /// Bounds of [`buckets_for`](FacadeBuilder::buckets_for) that a histogram cannot have.
    InvalidBuckets {
        /// The pattern they were given for.
        pattern: String,
        /// What is wrong with them.
        error: BucketError,
    },
    /// `max_series` or `max_families` is 0.
    ZeroLimit {
        /// Which.
        limit: &'static str,
    },
    /// The registry already has a facade recorder.
    RegistryTaken,
    /// A global `metrics` recorder is already installed.
    AlreadyInstalled,
}

impl fmt::Display for FacadeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FacadeError::InvalidPattern { reason, .. } => f.write_str(reason),
            FacadeError::InvalidBuckets { pattern, error } => {
                write!(f, "invalid buckets for `{pattern}`: {error}")
            }
            FacadeError::ZeroLimit { limit } => write!(f, "`{limit}` must be at least 1"),
            FacadeError::RegistryTaken => {
                f.write_str("the registry already has a metrics facade recorder")
            }
            FacadeError::AlreadyInstalled => f.write_str(
                "a global `metrics` recorder is already installed; `metrics::set_global_recorder` takes one per process",
            ),
        }
    }
}

impl std::error::Error for FacadeError {}

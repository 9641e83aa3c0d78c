//! [`Family`]: one metric per label set, and [`Series`]: what a family holds one of per label
//! set, and how it lays out its fixed series.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;

/// How an open-ended family hashes label sets: foldhash, seeded at random per family. A
/// series lookup hashes the label values on every record, and SipHash (the standard
/// library's) costs more than the rest of the record; a random seed still keeps chosen label
/// values from colliding on purpose, and the series cap bounds the map whatever they are.
type SeriesHasher = foldhash::fast::RandomState;
use parking_lot::{Mutex, RwLock};

use crate::counter_table::CounterTable;
use crate::label::{self, FixedLabels, LabelSet, LabelsOf};
use crate::metric::{EncodeLabels, EncodeMetric, Metric, MetricEncoder, MetricKind, MetricOptions};

/// The series cap of an open-ended family when `#[metric(max_series = N)]` does not set one.
pub const DEFAULT_MAX_SERIES: usize = 10_000;

/// A labeled metric: one series of `M` per value of the label set `L`.
///
/// **Fixed-cardinality labels** (derived enums, `bool`): every combination has its series from
/// the start, in an array indexed by the label values (for counters, a table of per-thread rows
/// with a word per series; see the crate docs, "Storage"). Recording does not hash, lock or
/// allocate, and every combination is exported at zero from the first scrape, so `rate()` and
/// alerts work before the first event.
///
/// **Open-ended labels** (strings, integers): series appear once recorded, in first-record
/// order. Label sets made of `&'static str` or `Cow<'static, str>` record without allocating
/// once their series exists. The family holds at most `max_series` series (default
/// [`DEFAULT_MAX_SERIES`], `#[metric(max_series = N)]`); past the cap, records with new label
/// values go to an overflow series whose open-ended labels read `overflow` (fixed labels keep
/// their values), and the number of diverted records is exported as
/// `metrics_series_overflow_total{metric="..."}`. Memory stays bounded whatever the input.
/// Integer labels read `overflow` too (a label value is text in both exposition formats, so the
/// series stays valid): keyed by `{ route: String, status: u16, retried: bool }`, the overflow
/// series are `{route="overflow",status="overflow",retried="false"}` and `retried="true"`.
/// Recording never waits for a scrape: a scrape renders an open-ended family under its read
/// lock, and a series created meanwhile is kept aside (and rendered too) instead of waiting for
/// the write lock. Only [`remove`](Self::remove) and [`clear`](Self::clear) wait for it.
/// A record whose open-ended values really are `overflow` records into that same overflow
/// series (not counted as diverted), so no exposition holds two series with those labels.
pub struct Family<L: LabelSet, M: Series> {
    options: MetricOptions,
    max_series: usize,
    /// Every series of a fixed-cardinality family; none for an open-ended one.
    fixed: FixedSeries<M>,
    /// The series of an open-ended family, with their labels rendered for the text formats.
    /// A scrape holds the read lock while it renders them.
    open: RwLock<IndexMap<L, OpenSeries<M>, SeriesHasher>>,
    /// Series created while a scrape held `open`: a recorder never waits for a scrape. Moved
    /// into `open` by the next creation that gets the write lock at once (under both locks, so
    /// a series is always in exactly one of the two).
    pending: Mutex<Vec<(L, OpenSeries<M>)>>,
    /// One series per fixed combination, for records past the cap, built on first use.
    overflow: OnceLock<Box<[(M, AtomicBool)]>>,
    diverted: AtomicU64,
}

/// A series of an open-ended family.
struct OpenSeries<M> {
    metric: Arc<M>,
    /// `name="value",...` ([`label::render`]): a scrape copies it instead of escaping again.
    rendered: Box<str>,
}

impl<M> Clone for OpenSeries<M> {
    fn clone(&self) -> Self {
        Self {
            metric: Arc::clone(&self.metric),
            rendered: self.rendered.clone(),
        }
    }
}

fn shared<'a, M: Series>(series: &OpenSeries<M>) -> M::Ref<'a> {
    M::series_ref(SeriesRef(SeriesRefInner::Shared(Arc::clone(
        &series.metric,
    ))))
}

/// A series of a [`Family`]; dereferences to the metric.
pub struct SeriesRef<'a, M>(SeriesRefInner<'a, M>);

impl<'a, M> SeriesRef<'a, M> {
    /// A series the family holds by value.
    #[inline]
    pub(crate) fn borrowed(metric: &'a M) -> Self {
        Self(SeriesRefInner::Borrowed(metric))
    }
}

enum SeriesRefInner<'a, M> {
    Borrowed(&'a M),
    Shared(Arc<M>),
}

impl<M> Deref for SeriesRef<'_, M> {
    type Target = M;

    #[inline]
    fn deref(&self) -> &M {
        match &self.0 {
            SeriesRefInner::Borrowed(m) => m,
            SeriesRefInner::Shared(m) => m,
        }
    }
}

impl<M: fmt::Debug> fmt::Debug for SeriesRef<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// A single-series metric, which a [`Family`] can hold one of per label set.
///
/// Sealed: implemented by [`Counter`](crate::Counter), [`Gauge`](crate::Gauge),
/// [`FloatGauge`](crate::FloatGauge), [`Histogram`](crate::Histogram) and
/// [`ExponentialHistogram`](crate::ExponentialHistogram), whose layouts the family's storage
/// knows.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the series of a `Family`",
    label = "not a single-series metric",
    note = "a `Family<Labels, M>` holds one `M` per label set: `Counter`, `Gauge`, `FloatGauge`, `Histogram` or `ExponentialHistogram`"
)]
pub trait Series: Metric + Sized + sealed::Sealed {
    /// What [`Family::with`] returns: a [`SeriesRef`] that dereferences to the metric, or for
    /// counters a [`CounterRef`](crate::CounterRef).
    type Ref<'a>;

    /// Hands the current value to `encoder`, with `labels`.
    fn encode_series(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder);
    /// Sets the value back to its initial state (what `Family::remove` does to a fixed series).
    fn reset(&self);

    /// Builds a series of an open-ended family. Such a family can hold thousands of series and
    /// finding one already costs a map lookup, so a metric may choose a smaller layout there
    /// than per-thread shards (see the crate docs, "Storage"). Defaults to [`Metric::build`].
    fn build_compact(options: &MetricOptions) -> Self {
        Self::build(options)
    }

    /// Builds the `n` series of a fixed-label family, in
    /// [`LabelSet::fixed_index`](crate::LabelSet::fixed_index) order.
    #[doc(hidden)]
    fn build_fixed(options: &MetricOptions, n: usize) -> FixedSeries<Self>;
    /// Series `index` (`< n`) of a fixed-label family.
    #[doc(hidden)]
    fn fixed_ref(fixed: &FixedSeries<Self>, index: usize) -> Self::Ref<'_>;
    /// A series held apart from the fixed ones (open-ended labels, overflow series).
    fn series_ref(series: SeriesRef<'_, Self>) -> Self::Ref<'_>;
    /// Hands every fixed series to `encoder`, series `i` with `labels(i)`.
    #[doc(hidden)]
    fn encode_fixed<E: EncodeLabels>(
        fixed: &FixedSeries<Self>,
        labels: impl Fn(usize) -> E,
        encoder: &mut dyn MetricEncoder,
    );
    /// [`reset`](Self::reset)s fixed series `index`.
    #[doc(hidden)]
    fn reset_fixed(fixed: &FixedSeries<Self>, index: usize);
}

/// What seals [`Series`]: a trait no other crate can name.
pub(crate) mod sealed {
    /// Implemented by every [`Series`](super::Series).
    pub trait Sealed {}
}

/// Every series of a fixed-label family, one per label combination: an array of the metric,
/// or for [`Counter`](crate::Counter)s a table of per-thread rows (see the crate docs,
/// "Storage"). Both are fields, the unused one empty, so that naming a `Family` of a type that
/// is not a [`Series`] is one error, not one per trait the compiler then checks.
pub struct FixedSeries<M> {
    pub(crate) each: Box<[M]>,
    pub(crate) counters: CounterTable,
}

impl<M> FixedSeries<M> {
    /// Series as an array of `M`.
    pub(crate) fn each(each: Box<[M]>) -> Self {
        Self {
            each,
            counters: CounterTable::new(0),
        }
    }
}

/// The fixed series of a family as an array of the metric: the `Series` items of every metric
/// without a layout of its own.
macro_rules! fixed_series_in_an_array {
    () => {
        type Ref<'a> = $crate::family::SeriesRef<'a, Self>;

        fn build_fixed(
            options: &$crate::metric::MetricOptions,
            n: usize,
        ) -> $crate::family::FixedSeries<Self> {
            $crate::family::FixedSeries::each(
                (0..n)
                    .map(|_| <Self as $crate::metric::Metric>::build(options))
                    .collect(),
            )
        }

        #[inline]
        fn fixed_ref(
            fixed: &$crate::family::FixedSeries<Self>,
            index: usize,
        ) -> $crate::family::SeriesRef<'_, Self> {
            $crate::family::SeriesRef::borrowed(&fixed.each[index])
        }

        #[inline]
        fn series_ref(
            series: $crate::family::SeriesRef<'_, Self>,
        ) -> $crate::family::SeriesRef<'_, Self> {
            series
        }

        fn encode_fixed<E: $crate::metric::EncodeLabels>(
            fixed: &$crate::family::FixedSeries<Self>,
            labels: impl Fn(usize) -> E,
            encoder: &mut dyn $crate::metric::MetricEncoder,
        ) {
            for (i, m) in fixed.each.iter().enumerate() {
                m.encode_series(&labels(i), encoder);
            }
        }

        fn reset_fixed(fixed: &$crate::family::FixedSeries<Self>, index: usize) {
            fixed.each[index].reset();
        }
    };
}
pub(crate) use fixed_series_in_an_array;

impl<L: LabelSet, M: Series> Default for Family<L, M> {
    fn default() -> Self {
        Self::build(&MetricOptions::default())
    }
}

impl<L: LabelSet, M: Series> Family<L, M> {
    /// A family with default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// A family whose series are built with `options` (buckets, series cap).
    pub fn with_options(options: MetricOptions) -> Self {
        Self::build(&options)
    }

    /// The series for `labels`, created if needed (or the overflow series past the cap): a
    /// [`SeriesRef`] that dereferences to the metric, or for counters a
    /// [`CounterRef`](crate::CounterRef).
    ///
    /// # Panics
    ///
    /// If a hand-written [`LabelSet`] returns a `fixed_index` at or past its
    /// `FIXED_CARDINALITY` (a derived one cannot).
    #[inline]
    pub fn with(&self, labels: &L) -> M::Ref<'_> {
        if !L::OPEN_ENDED {
            let index = labels.fixed_index();
            // A derived `LabelSet` cannot fail this; a hand-written one could.
            assert!(
                index < L::FIXED_CARDINALITY,
                "LabelSet::fixed_index is past FIXED_CARDINALITY"
            );
            return M::fixed_ref(&self.fixed, index);
        }
        self.with_open(labels)
    }

    fn with_open(&self, labels: &L) -> M::Ref<'_> {
        {
            let map = self.open.read();
            if let Some(series) = map.get(labels) {
                return shared(series);
            }
        }
        // A new series. Never wait for the write lock: a scrape may hold the read lock for as
        // long as its encoder takes, and recording must not wait for it.
        if let Some(mut map) = self.open.try_write() {
            let mut pending = self.pending.lock();
            map.extend(pending.drain(..));
            drop(pending);
            if let Some(series) = map.get(labels) {
                return shared(series);
            }
            return match self.new_series(labels, map.len()) {
                Ok(series) => {
                    let metric = shared(&series);
                    map.insert(labels.clone(), series);
                    metric
                }
                Err(overflow) => overflow,
            };
        }
        // Under the read lock, no series moves from `pending` to `open`.
        let map = self.open.read();
        if let Some(series) = map.get(labels) {
            return shared(series);
        }
        let mut pending = self.pending.lock();
        if let Some((_, series)) = pending.iter().find(|(l, _)| l == labels) {
            return shared(series);
        }
        match self.new_series(labels, map.len() + pending.len()) {
            Ok(series) => {
                let metric = shared(&series);
                pending.push((labels.clone(), series));
                metric
            }
            Err(overflow) => overflow,
        }
    }

    /// A new series for `labels` when the family holds `len`, or the overflow series it
    /// records into instead.
    fn new_series(&self, labels: &L, len: usize) -> Result<OpenSeries<M>, M::Ref<'_>> {
        let rendered = label::render(labels);
        let index = labels.fixed_index();
        if *rendered == *label::render_with(|out| L::encode_fixed(index, out)) {
            // Every open-ended value of `labels` reads `overflow`: they name the overflow
            // series, which must stay one series. Not a diverted record: its own labels.
            return Err(M::series_ref(SeriesRef::borrowed(
                self.overflow_slot(index),
            )));
        }
        if len >= self.max_series {
            return Err(M::series_ref(SeriesRef::borrowed(
                self.overflow_series(labels),
            )));
        }
        Ok(OpenSeries {
            metric: Arc::new(M::build_compact(&self.options)),
            rendered,
        })
    }

    fn overflow_series(&self, labels: &L) -> &M {
        self.diverted.fetch_add(1, Ordering::Relaxed);
        self.overflow_slot(labels.fixed_index())
    }

    /// The overflow series of the fixed label combination `index`, marked used.
    fn overflow_slot(&self, index: usize) -> &M {
        let slots = self.overflow.get_or_init(|| {
            (0..L::FIXED_CARDINALITY)
                .map(|_| (M::build(&self.options), AtomicBool::new(false)))
                .collect()
        });
        let (m, used) = &slots[index];
        if !used.load(Ordering::Relaxed) {
            used.store(true, Ordering::Relaxed);
        }
        m
    }

    /// The series for `labels` if it exists, without creating it.
    pub fn get(&self, labels: &L) -> Option<M::Ref<'_>> {
        if !L::OPEN_ENDED {
            return Some(self.with(labels));
        }
        let map = self.open.read();
        if let Some(series) = map.get(labels) {
            return Some(shared(series));
        }
        let pending = self.pending.lock();
        pending
            .iter()
            .find(|(l, _)| l == labels)
            .map(|(_, series)| shared(series))
    }

    /// Removes the series for `labels`; returns whether it existed. A fixed-cardinality series
    /// always exists: it is reset to zero (Prometheus reads that as a counter reset).
    pub fn remove(&self, labels: &L) -> bool {
        if !L::OPEN_ENDED {
            M::reset_fixed(&self.fixed, labels.fixed_index());
            return true;
        }
        let mut map = self.open.write();
        map.extend(self.pending.lock().drain(..));
        map.shift_remove(labels).is_some()
    }

    /// Removes every series (fixed-cardinality series are reset to zero). The count of
    /// diverted records is kept: it is a counter.
    pub fn clear(&self) {
        for index in 0..fixed_len_of::<L>() {
            M::reset_fixed(&self.fixed, index);
        }
        let mut map = self.open.write();
        self.pending.lock().clear();
        map.clear();
        drop(map);
        if let Some(slots) = self.overflow.get() {
            for (m, used) in &**slots {
                m.reset();
                used.store(false, Ordering::Relaxed);
            }
        }
    }

    /// The number of series the family exports now.
    pub fn len(&self) -> usize {
        let overflow = self.overflow.get().map_or(0, |s| {
            s.iter().filter(|(_, u)| u.load(Ordering::Relaxed)).count()
        });
        let map = self.open.read();
        fixed_len_of::<L>() + map.len() + self.pending.lock().len() + overflow
    }

    /// Whether the family exports no series (only possible with open-ended labels).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The series cap of this family (meaningful for open-ended labels).
    pub fn max_series(&self) -> usize {
        self.max_series
    }

    /// Records that went to the overflow series because the family was at its cap.
    pub fn diverted(&self) -> u64 {
        self.diverted.load(Ordering::Relaxed)
    }
}

impl<L: LabelSet, M: Series> fmt::Debug for Family<L, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("labels", &L::NAMES)
            .field("series", &self.len())
            .field("max_series", &self.max_series)
            .field("diverted", &self.diverted())
            .finish_non_exhaustive()
    }
}

impl<L: LabelSet, M: Series> EncodeMetric for Family<L, M> {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        M::encode_fixed(&self.fixed, |i| FixedLabels::<L>(i, PhantomData), encoder);
        if !L::OPEN_ENDED {
            return;
        }
        for (labels, series) in self.open.read().iter() {
            let labels = LabelsOf {
                labels,
                rendered: &series.rendered,
            };
            series.metric.encode_series(&labels, encoder);
        }
        // Series created during this scrape or an earlier one, copied out so that the encoder
        // runs without the lock (allocates only when there are any).
        let pending: Vec<(L, OpenSeries<M>)> = self.pending.lock().to_vec();
        for (labels, series) in &pending {
            let labels = LabelsOf {
                labels,
                rendered: &series.rendered,
            };
            series.metric.encode_series(&labels, encoder);
        }
        if let Some(slots) = self.overflow.get() {
            for (i, (m, used)) in slots.iter().enumerate() {
                if used.load(Ordering::Relaxed) {
                    m.encode_series(&FixedLabels::<L>(i, PhantomData), encoder);
                }
            }
        }
    }

    fn overflowed(&self) -> Option<u64> {
        L::OPEN_ENDED.then(|| self.diverted())
    }
}

/// The number of fixed series of a family keyed by `L`.
const fn fixed_len_of<L: LabelSet>() -> usize {
    if L::OPEN_ENDED {
        0
    } else {
        L::FIXED_CARDINALITY
    }
}

impl<L: LabelSet, M: Series> Metric for Family<L, M> {
    const KIND: MetricKind = M::KIND;
    const LABEL_NAMES: &'static [&'static str] = L::NAMES;
    const EXPONENTIAL: bool = M::EXPONENTIAL;

    fn build(options: &MetricOptions) -> Self {
        let fixed = M::build_fixed(options, fixed_len_of::<L>());
        Self {
            options: *options,
            max_series: options.max_series.unwrap_or(DEFAULT_MAX_SERIES),
            fixed,
            open: RwLock::new(IndexMap::default()),
            pending: Mutex::new(Vec::new()),
            overflow: OnceLock::new(),
            diverted: AtomicU64::new(0),
        }
    }
}

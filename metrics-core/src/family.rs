//! [`Family`]: one metric per label set, and [`Series`]: what a family holds one of per label
//! set, and how it lays out its fixed series.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use indexmap::{Equivalent, IndexMap};
use parking_lot::{Mutex, RwLock};

use crate::counter_table::CounterTable;
use crate::label::{self, FixedLabels, LabelSet, LabelsKey, Prehashed, SeriesKey};
use crate::metric::{EncodeLabels, EncodeMetric, Metric, MetricEncoder, MetricKind, MetricOptions};
use crate::rules;

/// How an open-ended family hashes label sets: foldhash, seeded at random per family. A
/// series lookup hashes the label values on every record, and SipHash (the standard
/// library's) costs more than the rest of the record; a random seed still keeps chosen label
/// values from colliding on purpose, and the series cap bounds the map whatever they are.
type SeriesHasher = foldhash::fast::RandomState;

/// The series cap of an open-ended family when `#[metric(max_series = N)]` does not set one.
pub const DEFAULT_MAX_SERIES: usize = 10_000;

/// A labeled metric: one series of `M` per value of the label set `L`.
///
/// **Fixed-cardinality labels** (derived enums, `bool`): every combination has its series from
/// the start, in an array indexed by the label values (for counters, a table of per-thread rows
/// with a word per series; see the crate docs, "Storage"). Recording does not hash, lock or
/// allocate, and every combination is exported at zero from the first scrape, so `rate()` and
/// alerts work before the first event. The number of series is the product of the number of
/// values of each label: 3 methods and 3 routes make 9 series, and for a histogram with the
/// default buckets, 9 times 14 lines of exposition.
///
/// **Lazy fixed-cardinality labels** (`#[metric(lazy)]`, or [`MetricOptions::lazy`]): the same
/// array, but a series is exported only once [`with`](Self::with) has been called for it (a
/// bit per series, set by the first call: no hashing, lock or allocation either). Memory is
/// the same as without `lazy` (every combination is allocated up front); only the exposition
/// shrinks to the combinations in use, at the price of series that appear on first record, as
/// open-ended ones do. [`get`](Self::get) does not mark a series; [`remove`](Self::remove)
/// resets it and hides it again until the next `with`, [`clear`](Self::clear) does so for all.
///
/// **Open-ended labels** (strings, integers): series appear once recorded, in first-record
/// order. Recording into an existing series does not allocate. The family holds at most
/// `max_series` series (default [`DEFAULT_MAX_SERIES`], `#[metric(max_series = N)]`); past the
/// cap, records with new label values go to an overflow series whose open-ended labels read
/// `overflow` (fixed labels keep their values), and the number of diverted records is exported
/// as `metrics_series_overflow_total{metric="..."}`. A label value longer than
/// `max_label_value_len` bytes (default [`DEFAULT_MAX_LABEL_VALUE_LEN`](crate::DEFAULT_MAX_LABEL_VALUE_LEN),
/// `#[metric(max_label_value_len = N)]`, or process-wide
/// [`set_default_max_label_value_len`](crate::set_default_max_label_value_len)) never makes a
/// series either: the record goes to the overflow series too, counted in
/// `metrics_label_value_too_long_total{metric="..."}`.
/// Integer labels read `overflow` too (a label value is text in both exposition formats, so the
/// series stays valid): keyed by `{ route: String, status: u16, retried: bool }`, the overflow
/// series are `{route="overflow",status="overflow",retried="false"}` and `retried="true"`.
/// A series is keyed by its label values: two label set values with equal values are the same
/// series, whatever else their types hold.
/// Recording never waits for a scrape: a scrape renders an open-ended family under its read
/// lock, and a series created meanwhile is kept aside (and rendered too) instead of waiting for
/// the write lock. Only [`remove`](Self::remove) and [`clear`](Self::clear) wait for it.
/// A record whose open-ended values really are `overflow` records into that same overflow
/// series (not counted as diverted), so no exposition holds two series with those labels.
///
/// # Memory
///
/// Memory and scrape size are bounded whatever the label values. Take `n` labels whose names
/// add up to `N` bytes, a value limit of `V` bytes (`max_label_value_len`) and a cap of `S`
/// series (`max_series`). A series keeps its label values, at most `K = n(V + 9)` bytes, and
/// their text as the exposition writes it, at most `T = N + 4n + 2nV` bytes (an escaped value
/// is at most twice as long, an integer at most 20 bytes). The series of an open-ended family
/// take at most `S × (K + T + B + 100)` bytes: `B` for one series of `M` as the family builds
/// it (a counter: 192 bytes; a gauge: 32; a histogram with `k` bounds: 128 + 128 ×
/// ⌈(k + 3) / 8⌉), and 100 for the rest of its key, its map entry and its shared pointer; plus
/// one overflow series per combination of the fixed labels. A scrape writes at most `T`
/// bytes of labels per line. With the defaults (`S` = 10,000, `V` = 1,024) and one label named
/// `route`, counters take at most 10,000 × (1,033 + 2,057 + 292) bytes, about 34 MB, however
/// long the values sent.
pub struct Family<L: LabelSet, M: Series> {
    options: MetricOptions,
    max_series: usize,
    /// Every series of a fixed-cardinality family; none for an open-ended one.
    fixed: FixedSeries<M>,
    /// Of a lazy fixed-cardinality family: a bit per fixed series, set by its first `with`.
    /// Empty otherwise.
    touched: Box<[AtomicU64]>,
    /// The seed of the keys' hashes ([`label::hash`]).
    hasher: SeriesHasher,
    /// The series of an open-ended family, keyed by their label values. A scrape holds the
    /// read lock while it renders them.
    open: RwLock<IndexMap<SeriesKey, Arc<M>, Prehashed>>,
    /// Series created while a scrape held `open`: a recorder never waits for a scrape. Moved
    /// into `open` by the next creation that gets the write lock at once (under both locks, so
    /// a series is always in exactly one of the two).
    pending: Mutex<Vec<(SeriesKey, Arc<M>)>>,
    /// One series per fixed combination, for records past the cap, built on first use.
    overflow: OnceLock<Box<[(M, AtomicBool)]>>,
    diverted: AtomicU64,
    too_long: AtomicU64,
    /// The family keeps no `L`: it needs no `Send`, `Sync`, `Clone` or anything of it.
    labels: PhantomData<fn(&L)>,
}

fn shared<'a, M: Series>(metric: &Arc<M>) -> M::Ref<'a> {
    M::series_ref(SeriesRef(SeriesRefInner::Shared(Arc::clone(metric))))
}

/// A series of a [`Family`]; dereferences to the metric.
///
/// It keeps the series alive on its own (a series of an open-ended family is shared with the
/// family), so the guards made from it, [`start_timer`](SeriesRef::start_timer) for a
/// histogram and `track` for a gauge, only borrow the family: `family.with(&labels).start_timer()`
/// is a timer that lives as long as it is kept.
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

impl<M> Clone for SeriesRef<'_, M> {
    #[inline]
    fn clone(&self) -> Self {
        Self(match &self.0 {
            SeriesRefInner::Borrowed(m) => SeriesRefInner::Borrowed(m),
            SeriesRefInner::Shared(m) => SeriesRefInner::Shared(Arc::clone(m)),
        })
    }
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
    /// Hands every fixed series `i` for which `shown(i)` to `encoder`, with `labels(i)`.
    #[doc(hidden)]
    fn encode_fixed<E: EncodeLabels>(
        fixed: &FixedSeries<Self>,
        labels: impl Fn(usize) -> E,
        shown: impl Fn(usize) -> bool,
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
            shown: impl Fn(usize) -> bool,
            encoder: &mut dyn $crate::metric::MetricEncoder,
        ) {
            for (i, m) in fixed.each.iter().enumerate() {
                if shown(i) {
                    m.encode_series(&labels(i), encoder);
                }
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

    /// A family whose series are built with `options` (buckets, series cap, laziness, value
    /// length limit).
    ///
    /// # Panics
    /// When `options.buckets` are not valid histogram bounds (see
    /// [`Histogram::try_with_buckets`](crate::Histogram::try_with_buckets)).
    #[track_caller]
    pub fn with_options(options: MetricOptions) -> Self {
        Self::build(&options)
    }

    /// The series for `labels`, created if needed (or the overflow series past the cap, or
    /// for a value that is too long): a [`SeriesRef`] that dereferences to the metric, or for
    /// counters a [`CounterRef`](crate::CounterRef).
    ///
    /// # Panics
    ///
    /// If a hand-written [`LabelSet`] returns a `fixed_index` at or past its
    /// `FIXED_CARDINALITY` (a derived one cannot).
    #[inline]
    #[track_caller]
    pub fn with(&self, labels: &L) -> M::Ref<'_> {
        if !L::OPEN_ENDED {
            let index = fixed_index(labels);
            if !self.touched.is_empty() {
                self.touch(index);
            }
            return M::fixed_ref(&self.fixed, index);
        }
        self.with_open(labels)
    }

    /// Marks fixed series `index` of a lazy family as shown: a load, and a write the first time.
    #[inline]
    fn touch(&self, index: usize) {
        let (word, bit) = (&self.touched[index / 64], 1u64 << (index % 64));
        if word.load(Ordering::Relaxed) & bit == 0 {
            word.fetch_or(bit, Ordering::Relaxed);
        }
    }

    /// Whether fixed series `index` is exported: always, but in a lazy family never recorded
    /// into (or removed since).
    fn shown(&self, index: usize) -> bool {
        self.touched.is_empty()
            || self.touched[index / 64].load(Ordering::Relaxed) & (1u64 << (index % 64)) != 0
    }

    fn with_open(&self, labels: &L) -> M::Ref<'_> {
        let key = LabelsKey::new(labels, &self.hasher);
        {
            let map = self.open.read();
            if let Some(metric) = map.get(&key) {
                return shared(metric);
            }
        }
        // A new series. Never wait for the write lock: a scrape may hold the read lock for as
        // long as its encoder takes, and recording must not wait for it.
        if let Some(mut map) = self.open.try_write() {
            let mut pending = self.pending.lock();
            map.extend(pending.drain(..));
            drop(pending);
            if let Some(metric) = map.get(&key) {
                return shared(metric);
            }
            return match self.new_series(&key, map.len()) {
                Ok((key, metric)) => {
                    let series = shared(&metric);
                    map.insert(key, metric);
                    series
                }
                Err(overflow) => overflow,
            };
        }
        // Under the read lock, no series moves from `pending` to `open`.
        let map = self.open.read();
        if let Some(metric) = map.get(&key) {
            return shared(metric);
        }
        let mut pending = self.pending.lock();
        if let Some((_, metric)) = pending.iter().find(|(k, _)| key.equivalent(k)) {
            return shared(metric);
        }
        match self.new_series(&key, map.len() + pending.len()) {
            Ok((key, metric)) => {
                let series = shared(&metric);
                pending.push((key, metric));
                series
            }
            Err(overflow) => overflow,
        }
    }

    /// A new series for `key` when the family holds `len`, or the overflow series it records
    /// into instead.
    fn new_series(
        &self,
        key: &LabelsKey<'_, L, SeriesHasher>,
        len: usize,
    ) -> Result<(SeriesKey, Arc<M>), M::Ref<'_>> {
        let labels = key.labels();
        let index = labels.fixed_index();
        let Some(new) = SeriesKey::new(labels, key.hash_value(), self.max_label_value_len()) else {
            self.too_long.fetch_add(1, Ordering::Relaxed);
            return Err(M::series_ref(SeriesRef::borrowed(
                self.overflow_slot(index),
            )));
        };
        if new.rendered() == &*label::render_with(|out| L::encode_fixed(index, out)) {
            // Every open-ended value of `labels` reads `overflow`: they name the overflow
            // series, which must stay one series. Not a diverted record: its own labels.
            return Err(M::series_ref(SeriesRef::borrowed(
                self.overflow_slot(index),
            )));
        }
        if len >= self.max_series {
            self.diverted.fetch_add(1, Ordering::Relaxed);
            return Err(M::series_ref(SeriesRef::borrowed(
                self.overflow_slot(index),
            )));
        }
        Ok((new, Arc::new(M::build_compact(&self.options))))
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

    /// The series for `labels` if it exists, without creating it. In a lazy family, a series
    /// exists once [`with`](Self::with) was called for it (and it was not removed since).
    ///
    /// # Panics
    ///
    /// As [`with`](Self::with).
    #[track_caller]
    pub fn get(&self, labels: &L) -> Option<M::Ref<'_>> {
        if !L::OPEN_ENDED {
            let index = fixed_index(labels);
            return self.shown(index).then(|| M::fixed_ref(&self.fixed, index));
        }
        let key = LabelsKey::new(labels, &self.hasher);
        let map = self.open.read();
        if let Some(metric) = map.get(&key) {
            return Some(shared(metric));
        }
        let pending = self.pending.lock();
        pending
            .iter()
            .find(|(k, _)| key.equivalent(k))
            .map(|(_, metric)| shared(metric))
    }

    /// Removes the series for `labels`; returns whether it existed. A fixed-cardinality series
    /// always exists: it is reset to zero (Prometheus reads that as a counter reset). In a lazy
    /// family it is reset and no longer exported, until the next [`with`](Self::with) for it;
    /// it existed if it was exported. A record racing with the removal may land before the
    /// reset or after it (then shown again by the next `with`).
    ///
    /// # Panics
    ///
    /// As [`with`](Self::with).
    #[track_caller]
    pub fn remove(&self, labels: &L) -> bool {
        if !L::OPEN_ENDED {
            let index = fixed_index(labels);
            let existed = self.touched.get(index / 64).is_none_or(|word| {
                let bit = 1u64 << (index % 64);
                word.fetch_and(!bit, Ordering::Relaxed) & bit != 0
            });
            M::reset_fixed(&self.fixed, index);
            return existed;
        }
        let key = LabelsKey::new(labels, &self.hasher);
        let mut map = self.open.write();
        map.extend(self.pending.lock().drain(..));
        map.shift_remove(&key).is_some()
    }

    /// Removes every series (fixed-cardinality series are reset to zero, and in a lazy family
    /// no longer exported). The counts of diverted records are kept: they are counters.
    pub fn clear(&self) {
        for word in &*self.touched {
            word.store(0, Ordering::Relaxed);
        }
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
        let fixed = if self.touched.is_empty() {
            fixed_len_of::<L>()
        } else {
            self.touched
                .iter()
                .map(|word| word.load(Ordering::Relaxed).count_ones() as usize)
                .sum()
        };
        let map = self.open.read();
        fixed + map.len() + self.pending.lock().len() + overflow
    }

    /// Whether the family exports no series (only possible with open-ended labels, or lazy
    /// ones).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The series cap of this family (meaningful for open-ended labels).
    pub fn max_series(&self) -> usize {
        self.max_series
    }

    /// The longest label value, in bytes, a new series of this family may have (meaningful for
    /// open-ended labels): `#[metric(max_label_value_len = N)]`, else the process-wide
    /// [`default_max_label_value_len`](crate::default_max_label_value_len).
    pub fn max_label_value_len(&self) -> usize {
        self.options
            .max_label_value_len
            .unwrap_or_else(label::default_max_label_value_len)
    }

    /// Whether the family exports only the fixed series recorded into (`#[metric(lazy)]`).
    pub fn is_lazy(&self) -> bool {
        !self.touched.is_empty()
    }

    /// Records that went to the overflow series because the family was at its cap.
    pub fn diverted(&self) -> u64 {
        self.diverted.load(Ordering::Relaxed)
    }

    /// Records that went to the overflow series because a label value was longer than
    /// [`max_label_value_len`](Self::max_label_value_len).
    pub fn too_long(&self) -> u64 {
        self.too_long.load(Ordering::Relaxed)
    }
}

/// `labels.fixed_index()`, checked against the cardinality.
#[inline]
#[track_caller]
fn fixed_index<L: LabelSet>(labels: &L) -> usize {
    let index = labels.fixed_index();
    // A derived `LabelSet` cannot fail this; a hand-written one could.
    assert!(
        index < L::FIXED_CARDINALITY,
        "LabelSet::fixed_index is past FIXED_CARDINALITY"
    );
    index
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
        M::encode_fixed(
            &self.fixed,
            |i| FixedLabels::<L>(i, PhantomData),
            |i| self.shown(i),
            encoder,
        );
        if !L::OPEN_ENDED {
            return;
        }
        for (key, metric) in self.open.read().iter() {
            metric.encode_series(&key.labels(L::NAMES), encoder);
        }
        // Series created during this scrape or an earlier one, copied out so that the encoder
        // runs without the lock (allocates only when there are any).
        let pending: Vec<(SeriesKey, Arc<M>)> = self.pending.lock().to_vec();
        for (key, metric) in &pending {
            metric.encode_series(&key.labels(L::NAMES), encoder);
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

    fn label_values_too_long(&self) -> Option<u64> {
        L::OPEN_ENDED.then(|| self.too_long())
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
    const LABELS_OPEN_ENDED: Option<bool> = Some(L::OPEN_ENDED);

    fn build(options: &MetricOptions) -> Self {
        // An open-ended family builds its histograms on first record: check their buckets now.
        if let (MetricKind::Histogram, Some(bounds)) = (M::KIND, options.buckets) {
            if let Err(e) = rules::check_buckets(bounds) {
                panic!("invalid histogram buckets {bounds:?}: {}", e.message);
            }
        }
        let fixed = M::build_fixed(options, fixed_len_of::<L>());
        let lazy_bits = if options.lazy && !L::OPEN_ENDED {
            fixed_len_of::<L>().div_ceil(64)
        } else {
            0
        };
        Self {
            options: *options,
            max_series: options.max_series.unwrap_or(DEFAULT_MAX_SERIES),
            fixed,
            touched: (0..lazy_bits).map(|_| AtomicU64::new(0)).collect(),
            hasher: SeriesHasher::default(),
            open: RwLock::new(IndexMap::default()),
            pending: Mutex::new(Vec::new()),
            overflow: OnceLock::new(),
            diverted: AtomicU64::new(0),
            too_long: AtomicU64::new(0),
            labels: PhantomData,
        }
    }
}

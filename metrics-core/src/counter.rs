//! [`Counter`]: a monotonically increasing `u64`.

use std::fmt;

use crate::atomic::add_plain;
use crate::counter_table::CounterTable;
use crate::family::{sealed, FixedSeries, Series, SeriesRef};
use crate::metric::{
    EncodeLabels, EncodeMetric, Metric, MetricEncoder, MetricKind, MetricOptions, NoLabels,
};
use crate::shard::{Line, Shard, SHARDS};
use crate::sync::{const_fn, AtomicU64, AtomicUsize, OnceLock, Ordering};

/// A count that only goes up: requests served, errors seen, bytes sent.
///
/// Its name must end in `_total` (checked at compile time by `#[derive(MetricSet)]`).
/// Increments are `u64`, so a negative increment cannot be written; an increment that would pass
/// `u64::MAX` wraps, which Prometheus reads as a counter reset.
///
/// ```
/// let c = metrics_core::Counter::new();
/// c.inc();
/// c.inc_by(2);
/// assert_eq!(c.get(), 3);
/// ```
///
/// A counter recorded by one thread at a time is one cache line; once two threads record it,
/// it grows per-thread shards, so threads incrementing one counter at once do not slow each
/// other down (see the crate docs, "Storage"). [`get`](Self::get) sums them. The counters of a
/// fixed-label [`Family`](crate::Family) are laid out together instead, and
/// [`Family::with`](crate::Family::with) hands out a [`CounterRef`].
#[repr(align(64))]
pub struct Counter {
    /// The count recorded while one exclusive slot owned the counter. Written only by that
    /// slot's thread (plain load and store), never after the counter is sharded.
    value: AtomicU64,
    /// `UNOWNED`, the owning slot, or `SHARDED`.
    state: AtomicUsize,
    /// Per-slot lines, allocated when a second thread records (or a thread without an
    /// exclusive slot): `SHARDS` of them, or one shared line for a compact counter.
    shards: OnceLock<Box<[Line]>>,
    /// A series of an open-ended family: when contended, one shared line with atomic adds
    /// instead of a line per slot.
    compact: bool,
    /// The count at the last [`Series::reset`], subtracted by reads.
    base: AtomicU64,
}

/// No thread has recorded yet.
const UNOWNED: usize = usize::MAX;
/// Every thread records in the shards; `value` is frozen.
const SHARDED: usize = usize::MAX - 1;

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter")
            .field("value", &self.get())
            .finish()
    }
}

impl Counter {
    const_fn! {
        /// A counter at zero.
        pub fn new() -> Self {
            Self {
                value: AtomicU64::new(0),
                state: AtomicUsize::new(UNOWNED),
                shards: OnceLock::new(),
                compact: false,
                base: AtomicU64::new(0),
            }
        }
    }

    /// A counter that, when several threads record it, shares one extra line between them
    /// (atomic adds) instead of growing a line per thread: what a series of an open-ended
    /// family is, where memory per series matters more.
    fn new_compact() -> Self {
        let mut counter = Self::new();
        counter.compact = true;
        counter
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// Adds `n`.
    #[inline]
    pub fn inc_by(&self, n: u64) {
        let shard = Shard::current();
        let state = self.state.load(Ordering::Relaxed);
        if state == shard.index() {
            // Owned by this thread's exclusive slot: no locked read-modify-write.
            return add_plain(&self.value, n);
        }
        if state == SHARDED && shard.is_exclusive() && !self.compact {
            if let Some(shards) = self.shards.get() {
                // This thread's own line: also no locked read-modify-write.
                return add_plain(&shards[shard.index() & (SHARDS - 1)].0[0], n);
            }
        }
        self.inc_contended(shard, n);
    }

    #[cold]
    #[inline(never)]
    fn inc_contended(&self, shard: Shard, n: u64) {
        if shard.is_exclusive() && !self.compact {
            let mut state = self.state.load(Ordering::Relaxed);
            loop {
                let next = match state {
                    // First recorder: it owns `value`.
                    UNOWNED => shard.index(),
                    // Another slot's: from now on everyone uses the shards.
                    SHARDED => break,
                    owner if owner == shard.index() => return add_plain(&self.value, n),
                    _ => SHARDED,
                };
                match self.state.compare_exchange_weak(
                    state,
                    next,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) if next == shard.index() => return add_plain(&self.value, n),
                    Ok(_) => break,
                    Err(now) => state = now,
                }
            }
            add_plain(&self.shards()[shard.index() & (SHARDS - 1)].0[0], n);
        } else {
            if self.compact && shard.is_exclusive() && self.state.load(Ordering::Relaxed) == UNOWNED
            {
                // The first slot to record owns `value`, as in a full counter.
                if self
                    .state
                    .compare_exchange(UNOWNED, shard.index(), Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
                {
                    return add_plain(&self.value, n);
                }
            }
            // A thread without an exclusive slot, or any other thread of a compact counter:
            // atomic adds in the shared line; the owner of `value`, if any, keeps it.
            let shards = self.shards();
            shards[shards.len() - 1].0[0].fetch_add(n, Ordering::Relaxed);
        }
    }

    fn shards(&self) -> &[Line] {
        self.shards.get_or_init(|| {
            let lines = if self.compact { 1 } else { SHARDS };
            (0..lines).map(|_| Line::new()).collect()
        })
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        self.total().wrapping_sub(self.base.load(Ordering::Relaxed))
    }

    /// Everything recorded since creation.
    fn total(&self) -> u64 {
        let own = self.value.load(Ordering::Relaxed);
        self.shards.get().map_or(own, |shards| {
            shards.iter().fold(own, |sum, line| {
                sum.wrapping_add(line.0[0].load(Ordering::Relaxed))
            })
        })
    }
}

impl EncodeMetric for Counter {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        self.encode_series(&NoLabels, encoder);
    }
}

impl Metric for Counter {
    const KIND: MetricKind = MetricKind::Counter;

    fn build(_options: &MetricOptions) -> Self {
        Self::new()
    }
}

impl sealed::Sealed for Counter {}

impl Series for Counter {
    type Ref<'a> = CounterRef<'a>;

    fn build_fixed(_options: &MetricOptions, n: usize) -> FixedSeries<Self> {
        FixedSeries {
            each: Box::default(),
            counters: CounterTable::new(n),
        }
    }

    #[inline]
    fn fixed_ref(fixed: &FixedSeries<Self>, index: usize) -> CounterRef<'_> {
        // Past the last series, `inc_by` panics (or, within a line of it, counts nothing that
        // is read): `Family::with` checks the index first.
        CounterRef(CounterRefInner::Fixed {
            table: &fixed.counters,
            index,
        })
    }

    #[inline]
    fn series_ref(series: SeriesRef<'_, Self>) -> CounterRef<'_> {
        CounterRef(CounterRefInner::Series(series))
    }

    fn encode_fixed<E: EncodeLabels>(
        fixed: &FixedSeries<Self>,
        labels: impl Fn(usize) -> E,
        shown: impl Fn(usize) -> bool,
        encoder: &mut dyn MetricEncoder,
    ) {
        fixed.counters.encode(labels, shown, encoder);
    }

    fn reset_fixed(fixed: &FixedSeries<Self>, index: usize) {
        fixed.counters.reset(index);
    }

    fn encode_series(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder) {
        encoder.counter(labels, self.get());
    }

    /// Sets the count back to zero without writing to the shards (their writers may be
    /// recording): the current total becomes the base subtracted from later reads. Increments
    /// racing with the reset may land on either side of it.
    fn reset(&self) {
        self.base.store(self.total(), Ordering::Relaxed);
    }

    fn build_compact(_options: &MetricOptions) -> Self {
        Self::new_compact()
    }
}

/// A counter of a [`Family`](crate::Family), as [`Family::with`](crate::Family::with) hands it
/// out: it records and reads as a [`Counter`] does.
///
/// A fixed-label family's counters have no [`Counter`] of their own (they share a table, see
/// [`Counter`]), so this is not a reference to one; an open-ended family's are counters.
///
/// ```
/// use metrics_core::{Counter, Family, LabelSet, LabelValue};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
/// enum Outcome { Ok, Failed }
///
/// #[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
/// struct Labels { outcome: Outcome }
///
/// let jobs = Family::<Labels, Counter>::new();
/// jobs.with(&Labels { outcome: Outcome::Ok }).inc();
/// let failed = jobs.with(&Labels { outcome: Outcome::Failed });
/// failed.inc_by(2);
/// assert_eq!(failed.get(), 2);
/// ```
pub struct CounterRef<'a>(CounterRefInner<'a>);

enum CounterRefInner<'a> {
    Fixed {
        table: &'a CounterTable,
        /// `< table.len()`.
        index: usize,
    },
    Series(SeriesRef<'a, Counter>),
}

impl CounterRef<'_> {
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// Adds `n` (as [`Counter::inc_by`]).
    #[inline]
    pub fn inc_by(&self, n: u64) {
        match &self.0 {
            CounterRefInner::Fixed { table, index } => table.inc_by(*index, n),
            CounterRefInner::Series(counter) => counter.inc_by(n),
        }
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        match &self.0 {
            CounterRefInner::Fixed { table, index } => table.get(*index),
            CounterRefInner::Series(counter) => counter.get(),
        }
    }
}

impl fmt::Debug for CounterRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CounterRef")
            .field("value", &self.get())
            .finish()
    }
}

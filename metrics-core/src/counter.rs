//! [`Counter`]: a monotonically increasing `u64`.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::family::SeriesRef;
use crate::metric::{
    EncodeLabels, EncodeMetric, FixedSeries, Metric, MetricEncoder, MetricKind, MetricOptions,
    NoLabels, Series,
};
use crate::shard::{Line, Shard, SHARDS, SLOTS, WORDS_PER_LINE};

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
    /// A counter at zero.
    pub const fn new() -> Self {
        Self {
            value: AtomicU64::new(0),
            state: AtomicUsize::new(UNOWNED),
            shards: OnceLock::new(),
            compact: false,
            base: AtomicU64::new(0),
        }
    }

    /// A counter that, when several threads record it, shares one extra line between them
    /// (atomic adds) instead of growing a line per thread: what a series of an open-ended
    /// family is, where memory per series matters more.
    const fn new_compact() -> Self {
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

/// Adds `n` to a word that only the current thread writes.
#[inline]
fn add_plain(cell: &AtomicU64, n: u64) {
    cell.store(
        cell.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
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
        encoder: &mut dyn MetricEncoder,
    ) {
        fixed.counters.encode(labels, encoder);
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

/// The counters of a fixed-label [`Family`](crate::Family), laid out together: one row of
/// words per shard, a word per series, with [`PAD`] words before and after the series.
///
/// A thread's words for every series of the family are adjacent, in its own row: recording
/// any series is a plain load and store in memory no other thread writes, as for a sharded
/// [`Counter`], and a scrape, which must read every row, takes at most `n / 8 + 2` lines from
/// each recording thread instead of one per series (see the crate docs, "Storage"). A scrape
/// reads a row at a time, so each line moves once.
pub(crate) struct CounterTable {
    /// One row per exclusive slot: slot `s` counts series `i` in `rows[s][i + PAD]`.
    rows: [Box<[AtomicU64]>; SLOTS],
    /// The row of the threads without an exclusive slot (atomic adds).
    shared: Box<[AtomicU64]>,
    /// Per series, the total at its last reset, subtracted by reads.
    bases: Box<[AtomicU64]>,
}

/// Words before and after the series in a row: the allocator aligns a row to 8 bytes only, and
/// with 7 words on each side every cache line holding one of its series holds nothing of
/// another row's (or any other allocation's), so no two threads write one line.
const PAD: usize = WORDS_PER_LINE - 1;

impl CounterTable {
    /// A table of `series` counters (of none, allocating nothing).
    pub(crate) fn new(series: usize) -> Self {
        let padded = if series == 0 { 0 } else { series + 2 * PAD };
        let row = || (0..padded).map(|_| AtomicU64::new(0)).collect();
        Self {
            rows: std::array::from_fn(|_| row()),
            shared: row(),
            bases: (0..series).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The number of series.
    fn len(&self) -> usize {
        self.bases.len()
    }

    /// Adds `n` to series `index` (`< len`).
    #[inline]
    fn inc_by(&self, index: usize, n: u64) {
        // One comparison tells an exclusive slot from everything else: no slot yet, or the
        // shared shard.
        if let Some(row) = self.rows.get(Shard::current_index_unclaimed()) {
            return add_plain(&row[index + PAD], n);
        }
        self.inc_by_slow(index, n);
    }

    #[cold]
    #[inline(never)]
    fn inc_by_slow(&self, index: usize, n: u64) {
        let shard = Shard::current();
        match self.rows.get(shard.index()) {
            Some(row) => add_plain(&row[index + PAD], n),
            None => {
                self.shared[index + PAD].fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    /// Every row, from its first series (none for a table of no series).
    fn all_rows(&self) -> impl Iterator<Item = &[AtomicU64]> {
        self.rows
            .iter()
            .chain(std::iter::once(&self.shared))
            .filter_map(|row| row.get(PAD..))
    }

    /// Everything series `index` recorded since creation.
    fn total(&self, index: usize) -> u64 {
        self.all_rows().fold(0u64, |sum, row| {
            sum.wrapping_add(row[index].load(Ordering::Relaxed))
        })
    }

    fn get(&self, index: usize) -> u64 {
        self.total(index)
            .wrapping_sub(self.bases[index].load(Ordering::Relaxed))
    }

    /// As [`Counter`]'s reset: the current total becomes the base subtracted from later reads.
    fn reset(&self, index: usize) {
        self.bases[index].store(self.total(index), Ordering::Relaxed);
    }

    /// Hands every series to `encoder`. The totals are summed a chunk of series at a time, row
    /// by row, before any is encoded: each line is read once per scrape, so a scrape takes each
    /// of a recording thread's lines once (summing series by series would take them back and
    /// forth, once per series).
    fn encode<E: EncodeLabels>(
        &self,
        labels: impl Fn(usize) -> E,
        encoder: &mut dyn MetricEncoder,
    ) {
        const CHUNK: usize = 8 * WORDS_PER_LINE;
        let mut start = 0;
        while start < self.len() {
            let len = CHUNK.min(self.len() - start);
            let mut totals = [0u64; CHUNK];
            for row in self.all_rows() {
                for (total, word) in totals[..len].iter_mut().zip(&row[start..start + len]) {
                    *total = total.wrapping_add(word.load(Ordering::Relaxed));
                }
            }
            for (i, total) in totals[..len].iter().enumerate() {
                let index = start + i;
                let value = total.wrapping_sub(self.bases[index].load(Ordering::Relaxed));
                encoder.counter(&labels(index), value);
            }
            start += len;
        }
    }
}

impl fmt::Debug for CounterTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.get(i)))
            .finish()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::SHARD_BYTES;

    /// Collects the counter values an encoding hands out.
    struct Collect(Vec<u64>);

    impl MetricEncoder for Collect {
        fn counter(&mut self, _: &dyn EncodeLabels, v: u64) {
            self.0.push(v);
        }
        fn gauge(&mut self, _: &dyn EncodeLabels, _: i64) {}
        fn float_gauge(&mut self, _: &dyn EncodeLabels, _: f64) {}
        fn histogram(&mut self, _: &dyn EncodeLabels, _: &crate::Histogram) {}
    }

    /// The cache lines holding a row's series.
    fn lines_of(row: &[AtomicU64], series: usize) -> std::ops::RangeInclusive<usize> {
        let line = |w: &AtomicU64| std::ptr::from_ref(w) as usize / SHARD_BYTES;
        line(&row[PAD])..=line(&row[PAD + series - 1])
    }

    #[test]
    fn no_two_rows_share_a_line() {
        for series in [1, 2, 7, 8, 9, 18, 100] {
            let table = CounterTable::new(series);
            let rows: Vec<&[AtomicU64]> = table
                .rows
                .iter()
                .chain([&table.shared])
                .map(|r| &**r)
                .collect();
            for (i, a) in rows.iter().enumerate() {
                // Every line of a row's series lies inside the row: nothing else is on it.
                let (first, last) = (
                    std::ptr::from_ref(&a[0]) as usize,
                    std::ptr::from_ref(&a[a.len() - 1]) as usize,
                );
                let lines = lines_of(a, series);
                assert!(lines.start() * SHARD_BYTES >= first, "{series} series");
                assert!(
                    (lines.end() + 1) * SHARD_BYTES <= last + 8,
                    "{series} series"
                );
                for b in &rows[i + 1..] {
                    let other = lines_of(b, series);
                    assert!(
                        lines.end() < other.start() || other.end() < lines.start(),
                        "{series} series: rows share a line"
                    );
                }
            }
        }
    }

    #[test]
    fn series_count_apart_and_reset_alone() {
        let table = CounterTable::new(18);
        for i in 0..18 {
            table.inc_by(i, i as u64 + 1);
        }
        // Another thread (another slot) records too: reads sum the rows.
        std::thread::scope(|s| {
            s.spawn(|| table.inc_by(17, 100));
        });
        assert_eq!(table.get(0), 1);
        assert_eq!(table.get(16), 17);
        assert_eq!(table.get(17), 118);
        table.reset(17);
        assert_eq!(table.get(17), 0);
        assert_eq!(table.get(16), 17);
        table.inc_by(17, 2);
        assert_eq!(table.get(17), 2);
    }

    /// More threads at once than exclusive slots: some record through the shared row, all at
    /// the same time, and nothing is lost (with plain adds there, racing threads lose some).
    #[test]
    fn threads_past_the_slots_share_a_row_without_losing_records() {
        const THREADS: usize = SLOTS + 5;
        const EACH: u64 = 20_000;
        let table = CounterTable::new(3);
        let all_alive = std::sync::Barrier::new(THREADS);
        std::thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    // Claim a slot (or the shared shard) while every other thread is alive.
                    table.inc_by(0, 1);
                    all_alive.wait();
                    for _ in 0..EACH {
                        table.inc_by(1, 1);
                    }
                });
            }
        });
        assert_eq!(table.get(0), THREADS as u64);
        assert_eq!(table.get(1), THREADS as u64 * EACH);
        assert!(
            table.shared[PAD + 1].load(Ordering::Relaxed) > 0,
            "no thread recorded through the shared row"
        );
    }

    #[test]
    fn an_empty_table_allocates_nothing_and_encodes_nothing() {
        let table = CounterTable::new(0);
        assert!(table.rows.iter().all(|r| r.is_empty()) && table.shared.is_empty());
        let mut out = Collect(Vec::new());
        table.encode(|_| NoLabels, &mut out);
        assert!(out.0.is_empty());
    }

    #[test]
    fn encode_hands_out_every_series_past_a_chunk() {
        let table = CounterTable::new(150);
        for i in 0..150 {
            table.inc_by(i, i as u64);
        }
        table.reset(3);
        let mut out = Collect(Vec::new());
        table.encode(|_| NoLabels, &mut out);
        let expected: Vec<u64> = (0..150).map(|i| if i == 3 { 0 } else { i }).collect();
        assert_eq!(out.0, expected);
    }
}

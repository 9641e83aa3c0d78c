//! [`CounterTable`]: the counters of a fixed-label family, one row of words per shard.

use std::fmt;

use crate::atomic::add_plain;
use crate::metric::{EncodeLabels, MetricEncoder};
use crate::shard::{Shard, SLOTS, WORDS_PER_LINE};
use crate::sync::{AtomicU64, Ordering};

/// The counters of a fixed-label [`Family`](crate::Family), laid out together: one row of
/// words per shard, a word per series, with [`PAD`] words before and after the series.
///
/// A thread's words for every series of the family are adjacent, in its own row: recording
/// any series is a plain load and store in memory no other thread writes, as for a sharded
/// [`Counter`](crate::Counter), and a scrape, which must read every row, takes at most `n / 8 + 2`
/// lines from each recording thread instead of one per series (see `crate::shard`). A scrape
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
    pub(crate) fn len(&self) -> usize {
        self.bases.len()
    }

    /// Adds `n` to series `index` (`< len`).
    #[inline]
    pub(crate) fn inc_by(&self, index: usize, n: u64) {
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

    pub(crate) fn get(&self, index: usize) -> u64 {
        self.total(index)
            .wrapping_sub(self.bases[index].load(Ordering::Relaxed))
    }

    /// As a [`Counter`](crate::Counter)'s reset: the current total becomes the base subtracted
    /// from later reads.
    pub(crate) fn reset(&self, index: usize) {
        self.bases[index].store(self.total(index), Ordering::Relaxed);
    }

    /// Hands every series `i` for which `shown(i)` to `encoder`. The totals are summed a chunk of series at a time, row
    /// by row, before any is encoded: each line is read once per scrape, so a scrape takes each
    /// of a recording thread's lines once (summing series by series would take them back and
    /// forth, once per series).
    pub(crate) fn encode<E: EncodeLabels>(
        &self,
        labels: impl Fn(usize) -> E,
        shown: impl Fn(usize) -> bool,
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
                if !shown(index) {
                    continue;
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::{EncodeHistogram, NoLabels};
    use crate::shard::SHARD_BYTES;

    /// Collects the counter values an encoding hands out.
    struct Collect(Vec<u64>);

    impl MetricEncoder for Collect {
        fn counter(&mut self, _: &dyn EncodeLabels, v: u64) {
            self.0.push(v);
        }
        fn gauge(&mut self, _: &dyn EncodeLabels, _: i64) {}
        fn float_gauge(&mut self, _: &dyn EncodeLabels, _: f64) {}
        fn histogram(&mut self, _: &dyn EncodeLabels, _: &dyn EncodeHistogram) {}
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
        table.encode(|_| NoLabels, |_| true, &mut out);
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
        table.encode(|_| NoLabels, |_| true, &mut out);
        let expected: Vec<u64> = (0..150).map(|i| if i == 3 { 0 } else { i }).collect();
        assert_eq!(out.0, expected);
    }
}

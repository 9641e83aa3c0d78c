//! Per-thread slots: how counters and histograms record without sharing a cache line.
//!
//! Why shards: a counter that is one shared atomic costs every recording thread a locked
//! read-modify-write on a cache line that the other cores keep stealing; with two threads on one
//! counter that is 4 to 10 times the cost of the add itself. So a thread that records claims one
//! of [`SLOTS`] (7) *exclusive* slots for its life (a bit in [`CLAIMED`]; a thread-local
//! destructor gives it back when the thread exits), and writes only to memory of its slot, with
//! a plain load and store: no locked instruction, no cache line shared with another writer.
//! Threads that find the 7 slots taken use an 8th, *shared* shard with atomic adds, as a
//! single-atomic counter would: never slower than the usual design, only not faster.
//!
//! A thread releases its slot when it exits, after switching itself to the shared shard for any
//! recording done by later destructors. The release (`Release`) and the next claim of the same
//! slot (`Acquire`) order the old owner's last stores before the new owner's first load, so a
//! slot changing hands loses nothing. `tests/loom_slots.rs` model-checks this code, and the
//! counter's, with loom (see `crate::sync`).
//!
//! How each metric lays out its shards:
//!
//! - A [`Counter`](crate::Counter) is one 64-byte line. The first slot to record owns its word.
//!   When a second slot records, the counter grows 8 shard lines (one per slot, allocated then)
//!   and every thread, the owner included, records in its own line from then on; the owner's
//!   word is frozen, so no thread reads a line that another writes.
//! - The counters of a fixed-label [`Family`](crate::Family) are one table
//!   (`crate::counter_table`): a row per shard, a word per series, each row padded with 7 words
//!   at both ends so that no line holds words of two rows. A thread's words for every series of
//!   the family are adjacent, so recording 18 series writes 3 or 4 lines instead of 18, and a
//!   scrape, which reads every row, takes that many lines from a recording thread's core instead
//!   of one per series (it sums the table row by row, so each line moves once per scrape).
//!   [`Family::with`](crate::Family::with) hands out a [`CounterRef`](crate::CounterRef) into it.
//! - A [`Histogram`](crate::Histogram) has its 8 shards from the start: a row of lines per slot
//!   holding its bucket counts and sum (in seconds, plus one in clock ticks for
//!   `#[instrument_latency]`), plus a row for the reset base.
//! - A series of an open-ended [`Family`](crate::Family) is *compact*: the first slot to record
//!   it owns its word as above, and every other thread adds atomically to one shared line
//!   (histograms: one row, atomic adds). Such a family can hold thousands of series and finding
//!   one already costs a map lookup under a read lock, so per-thread lines would multiply its
//!   memory for little gain.
//! - [`Gauge`](crate::Gauge) and [`FloatGauge`](crate::FloatGauge) stay one atomic each: `set`
//!   must replace the value, which shards cannot do cheaply.
//!
//! How reads combine them: a scrape sums the owner's word and the shards with relaxed loads.
//! Each only grows, so sums only grow between scrapes; a histogram's `_count` is the sum of its
//! buckets, so a scrape always sees `+Inf` equal to `_count`. A reset (`Family::remove` of a
//! fixed-label series) stores the current sum as a base subtracted by later reads instead of
//! writing into memory that its owners may be writing.
//!
//! What it costs: memory. A counter recorded by one thread at a time is 64 bytes (measured,
//! the fastest peer, pads every series to 128); recorded by two or more threads at once it is
//! 576, or 128 for a compact one. A fixed-label family of `n` counters is
//! `8 × (n + 14) + n` words whatever the number of threads: 122 bytes per series for 18 series.
//! A 12-bucket histogram is 9 rows of 2 lines, 1,152 bytes (compact: 256). [`SHARDS`] `= 8` is
//! fixed at compile time so the hot path has no indirection and `Counter::new` stays a
//! `const fn`; 7 exclusive slots cover the recording threads of most services.
//! `BENCHMARKS.md` has the figures beside the peer crates.

use std::cell::Cell;

use crate::sync::{thread_locals, AtomicU32, AtomicU64, Ordering};

/// Exclusive slots: the number of threads that record without atomic read-modify-writes at the
/// same time. Seven cover the recording threads of most services; more threads still record
/// correctly, through the shared shard.
pub(crate) const SLOTS: usize = 7;

/// Shards per metric: the exclusive slots and the shared one (index [`SHARED`]).
pub(crate) const SHARDS: usize = SLOTS + 1;

const _: () = assert!(
    SHARDS.is_power_of_two(),
    "shard indexes are masked with SHARDS - 1"
);

/// The index of the shared shard.
pub(crate) const SHARED: usize = SLOTS;

/// The bytes between two shards: one cache line. (Adjacent-line prefetching pairs 64-byte lines
/// on some x86 parts; measured here, 64 bytes costs nothing over 128 and halves the memory.)
pub(crate) const SHARD_BYTES: usize = 64;

/// `u64` words per line.
pub(crate) const WORDS_PER_LINE: usize = SHARD_BYTES / 8;

/// One bit per exclusive slot, set while a thread owns it.
#[cfg(not(metrics_loom))]
static CLAIMED: AtomicU32 = AtomicU32::new(0);

#[cfg(metrics_loom)]
loom::lazy_static! {
    static ref CLAIMED: AtomicU32 = AtomicU32::new(0);
}

const UNASSIGNED: u8 = u8::MAX;

thread_locals! {
    /// This thread's shard: `UNASSIGNED` until it first records. A `const` thread-local without a
    /// destructor: reading it is one instruction, and it stays readable while other
    /// thread-locals are destroyed.
    static SHARD: Cell<u8> = Cell::new(UNASSIGNED);
    /// Gives the slot back when the thread exits.
    static RELEASE: SlotRelease = SlotRelease(Cell::new(UNASSIGNED));
}

struct SlotRelease(Cell<u8>);

impl Drop for SlotRelease {
    fn drop(&mut self) {
        let slot = self.0.get();
        if usize::from(slot) < SLOTS {
            // Anything this thread records from now on (in later destructors) goes to the
            // shared shard, before the slot can have a new owner. (`SHARD` has no destructor:
            // it is still there, but under loom, which drops a thread's locals all at once.)
            let _ = SHARD.try_with(|s| s.set(SHARED as u8));
            CLAIMED.fetch_and(!(1 << slot), Ordering::Release);
        }
    }
}

/// Which shard the current thread records into, and whether it is the only writer there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shard(usize);

impl Shard {
    /// The current thread's shard (claiming a slot on the first call).
    #[inline]
    pub(crate) fn current() -> Self {
        let shard = SHARD.with(Cell::get);
        if shard == UNASSIGNED {
            Self(claim())
        } else {
            Self(usize::from(shard))
        }
    }

    /// The current thread's shard index as it stands, without claiming a slot: `< SLOTS` for
    /// an exclusive slot, [`SHARED`], or a larger value before the thread's first record.
    #[inline]
    pub(crate) fn current_index_unclaimed() -> usize {
        usize::from(SHARD.with(Cell::get))
    }

    /// The shard index, `< SHARDS`.
    #[inline]
    pub(crate) fn index(self) -> usize {
        self.0
    }

    /// Whether this thread is the only writer of its shard (else it must use atomic
    /// read-modify-writes).
    #[inline]
    pub(crate) fn is_exclusive(self) -> bool {
        self.0 < SLOTS
    }
}

#[cold]
fn claim() -> usize {
    let mut claimed = CLAIMED.load(Ordering::Relaxed);
    let shard = loop {
        let free = !claimed & ((1 << SLOTS) - 1);
        if free == 0 {
            break SHARED;
        }
        let slot = free.trailing_zeros();
        match CLAIMED.compare_exchange_weak(
            claimed,
            claimed | (1 << slot),
            Ordering::Acquire,
            Ordering::Relaxed,
        ) {
            Ok(_) => {
                // Registering the destructor fails only while the thread is exiting: then the
                // slot goes straight back and the thread records in the shared shard.
                let registered = RELEASE.try_with(|r| r.0.set(slot as u8)).is_ok();
                if registered {
                    break slot as usize;
                }
                CLAIMED.fetch_and(!(1 << slot), Ordering::Release);
                break SHARED;
            }
            Err(now) => claimed = now,
        }
    };
    SHARD.with(|s| s.set(shard as u8));
    shard
}

/// Marks every exclusive slot but the first `free` as taken, as threads alive elsewhere would
/// hold them: the loom model leaves fewer free slots than threads, so that some record through
/// the shared shard.
#[cfg(metrics_loom)]
pub fn leave_free_slots(free: usize) {
    let all = (1u32 << SLOTS) - 1;
    CLAIMED.fetch_or(all & !((1u32 << free) - 1), Ordering::Relaxed);
}

/// The slots held now, a bit each: the loom model waits for every thread's slot to be given
/// back (loom lets `join` return before a thread's thread-locals are dropped).
#[cfg(metrics_loom)]
pub fn claimed_slots() -> u32 {
    CLAIMED.load(Ordering::Relaxed)
}

/// One cache line of `u64` words: shards are made of lines, so no two shards share one.
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct Line(pub(crate) [AtomicU64; WORDS_PER_LINE]);

impl Line {
    pub(crate) fn new() -> Self {
        Self(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

// loom's atomics are larger: only its model of the ordering matters there.
#[cfg(not(metrics_loom))]
const _: () = assert!(std::mem::size_of::<Line>() == SHARD_BYTES);

/// The number of lines a row of `width` words takes.
pub(crate) const fn lines_for(width: usize) -> usize {
    width.div_ceil(WORDS_PER_LINE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test, not two: tests of one binary run in parallel, and both need the slots.
    #[test]
    fn slots_are_distinct_exhausted_into_the_shared_shard_and_given_back() {
        // Threads alive at once: each holds its slot until it exits.
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let done_rx = std::sync::Arc::new(std::sync::Mutex::new(done_rx));
        let threads: Vec<_> = (0..SLOTS + 3)
            .map(|_| {
                let ready = ready_tx.clone();
                let done = std::sync::Arc::clone(&done_rx);
                std::thread::spawn(move || {
                    ready.send(Shard::current()).unwrap();
                    let _ = done.lock().unwrap().recv();
                })
            })
            .collect();
        let shards: Vec<Shard> = (0..SLOTS + 3).map(|_| ready_rx.recv().unwrap()).collect();
        for _ in 0..SLOTS + 3 {
            done_tx.send(()).unwrap();
        }
        for t in threads {
            t.join().unwrap();
        }
        // Other tests' threads may hold some slots: the exclusive slots handed out are
        // distinct, and at least the three threads past `SLOTS` share.
        let mut exclusive: Vec<usize> = shards
            .iter()
            .filter(|s| s.is_exclusive())
            .map(|s| s.index())
            .collect();
        let handed_out = exclusive.len();
        exclusive.sort_unstable();
        exclusive.dedup();
        assert_eq!(exclusive.len(), handed_out, "{shards:?}");
        assert!(shards.len() - handed_out >= 3, "{shards:?}");
        assert!(shards.iter().all(|s| s.index() < SHARDS));

        // Exited threads give their slots back: sequential threads never exhaust them.
        for _ in 0..100 {
            let shard = std::thread::spawn(Shard::current).join().unwrap();
            assert!(shard.index() < SHARDS);
        }
        let shard = std::thread::spawn(Shard::current).join().unwrap();
        assert!(shard.is_exclusive(), "slots were not given back: {shard:?}");
    }
}

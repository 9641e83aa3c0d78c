//! The per-thread slots of `src/shard.rs` and a [`Counter`]'s owner hand-over, checked by loom
//! under every interleaving the C++ memory model allows. Built with `--cfg metrics_loom`, the
//! crate's own code runs on loom's atomics and thread-locals (`src/sync.rs`): a thread claims an
//! exclusive slot (`compare_exchange`, `Acquire`) and records with a plain load and store, or
//! finds every slot taken and records in the shared shard with `fetch_add`; it releases the slot
//! on exit (`fetch_and`, `Release`), and the next thread to claim it continues from the last
//! value. A reader sums the shards meanwhile.
//!
//! And an [`ExponentialHistogram`]'s block: its owner lowers its resolution (rewriting the
//! block under its version word) while a reader snapshots it, and the reader sees the block
//! before or after, never in between.
#![cfg(metrics_loom)]

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use metrics_core::__loom::{claimed_slots, leave_free_slots};
use metrics_core::{Counter, ExponentialHistogram};

/// Two threads record `2` each into one counter while the main thread reads it; then a third
/// thread, which may take over either one's slot, records `1`. The main thread records nothing
/// itself: loom drops its thread-locals, the slot's release among them, after the model's
/// statics.
fn two_threads_then_a_third() {
    let held = claimed_slots();
    let counter = Arc::new(Counter::new());
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                counter.inc();
                counter.inc();
            })
        })
        .collect();
    // A scrape meanwhile: reads never go back.
    let first = counter.get();
    let second = counter.get();
    assert!(second >= first, "{second} after {first}");
    for t in threads {
        t.join().unwrap();
    }
    let third = Arc::clone(&counter);
    thread::spawn(move || third.inc()).join().unwrap();
    assert_eq!(counter.get(), 5);
    // Every slot comes back. (loom's `join` returns before the thread's locals are dropped, so
    // the releases may still be on their way.)
    while claimed_slots() != held {
        thread::yield_now();
    }
}

/// Every slot free: the two threads own slots at once (the counter grows its shards, and each
/// records in its own line), or one after the other (the second takes over the first's slot,
/// and with it the counter's word).
///
/// Bounded to 4 preemptions per execution (`LOOM_MAX_PREEMPTIONS` overrides): exhaustive, the
/// scrape's loads of the 8 shard lines make it run for hours; so bounded, seconds.
#[test]
fn a_counter_changes_hands_without_losing_records() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound.get_or_insert(4);
    model.check(two_threads_then_a_third);
}

/// One slot free, the others held by threads alive elsewhere: the second thread records in the
/// shared shard, or takes the slot over once the first has exited.
#[test]
fn past_the_slots_threads_share_without_losing_records() {
    loom::model(|| {
        leave_free_slots(1);
        two_threads_then_a_third();
    });
}

/// The observations of the re-layout model: the second is 2^8 buckets from the first at schema
/// 8, past a limit of 2, so it halves the resolution down to schema 0.
const RELAYOUT: [f64; 2] = [1.5, 3.0];

/// A writer records [`RELAYOUT`] (placing its block's window, then re-laying it out at a lower
/// resolution) while the main thread reads, once the first is recorded: the reading holds
/// exactly the first `count` observations, each in the bucket whose bounds hold it.
fn a_relayout_beside_a_reading() {
    static BOUNDS: [f64; 1] = [1.0];
    let held = claimed_slots();
    let h = Arc::new(ExponentialHistogram::with_resolution(&BOUNDS, 8, 2));
    let placed = Arc::new(AtomicBool::new(false));
    let writer = {
        let h = Arc::clone(&h);
        let placed = Arc::clone(&placed);
        thread::spawn(move || {
            h.observe(RELAYOUT[0]);
            placed.store(true, Ordering::Release);
            h.observe(RELAYOUT[1]);
        })
    };
    // Once the block exists: the reading races with the re-layout.
    while !placed.load(Ordering::Acquire) {
        thread::yield_now();
    }
    let r = h.snapshot();
    let seen = &RELAYOUT[..usize::try_from(r.count).unwrap()];
    let mut expected: Vec<(i32, u64)> = Vec::new();
    for &v in seen {
        let index = (r.positive_offset..r.positive_offset + r.positive.len() as i32)
            .find(|&i| {
                let (lower, upper) = r.bucket_bounds(i);
                lower < v && v <= upper
            })
            .unwrap_or_else(|| panic!("{v} is in no bucket of {r:?}"));
        match expected.iter_mut().find(|(i, _)| *i == index) {
            Some((_, n)) => *n += 1,
            None => expected.push((index, 1)),
        }
    }
    let occupied: Vec<(i32, u64)> = (r.positive_offset..)
        .zip(r.positive.iter().copied())
        .filter(|&(_, n)| n > 0)
        .collect();
    expected.sort_unstable();
    assert_eq!(occupied, expected, "{r:?}");
    assert_eq!(r.classic.iter().sum::<u64>(), r.count);
    writer.join().unwrap();
    let r = h.snapshot();
    assert_eq!((r.count, r.schema), (2, 0));
    while claimed_slots() != held {
        thread::yield_now();
    }
}

/// Bounded to 3 preemptions per execution (`LOOM_MAX_PREEMPTIONS` overrides): the re-layout
/// writes 72 bucket words and the reading loads them, which exhaustively would take hours. So
/// bounded, about 5,000 executions: readings of one observation at schema 8 and of both at
/// schema 0, never a mix (a reader that skips the version check, or loads and stores without
/// `Acquire` and `Release`, fails here).
#[test]
fn a_reader_never_sees_half_a_relayout() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound.get_or_insert(3);
    model.check(a_relayout_beside_a_reading);
}

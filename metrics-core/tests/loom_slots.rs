//! The per-thread slots of `src/shard.rs` and a [`Counter`]'s owner hand-over, checked by loom
//! under every interleaving the C++ memory model allows. Built with `--cfg metrics_loom`, the
//! crate's own code runs on loom's atomics and thread-locals (`src/sync.rs`): a thread claims an
//! exclusive slot (`compare_exchange`, `Acquire`) and records with a plain load and store, or
//! finds every slot taken and records in the shared shard with `fetch_add`; it releases the slot
//! on exit (`fetch_and`, `Release`), and the next thread to claim it continues from the last
//! value. A reader sums the shards meanwhile.
#![cfg(metrics_loom)]

use loom::sync::Arc;
use loom::thread;
use metrics_core::__loom::{claimed_slots, leave_free_slots};
use metrics_core::Counter;

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

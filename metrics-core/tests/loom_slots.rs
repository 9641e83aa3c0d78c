//! The slot protocol of `src/shard.rs`, checked by loom under every interleaving the C++ memory
//! model allows: a thread claims an exclusive slot (`compare_exchange`, `Acquire`) and records
//! with a plain load and store, or finds it taken and records in the shared shard with
//! `fetch_add`; it releases the slot on exit (`fetch_and`, `Release`), and the next owner
//! continues from the last value. A reader sums the shards meanwhile.
//!
//! loom needs its own atomics and threads, so the protocol is restated here over them, step for
//! step, with one exclusive slot to keep the state space small (each of the recording threads
//! claims it, or shares, in turn). Weakening either ordering to `Relaxed` makes loom report a
//! lost update.
#![cfg(metrics_loom)]

use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use loom::sync::Arc;
use loom::thread;

struct Metric {
    claimed: AtomicU32,
    exclusive: AtomicU64,
    shared: AtomicU64,
}

impl Metric {
    fn read(&self) -> u64 {
        self.exclusive.load(Ordering::Relaxed) + self.shared.load(Ordering::Relaxed)
    }
}

/// One thread's life: claim, record `n`, release.
fn record(m: &Metric, n: u64) {
    let mut claimed = m.claimed.load(Ordering::Relaxed);
    let exclusive = loop {
        if claimed & 1 != 0 {
            break false;
        }
        match m
            .claimed
            .compare_exchange(claimed, claimed | 1, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => break true,
            Err(now) => claimed = now,
        }
    };
    for _ in 0..n {
        if exclusive {
            let v = m.exclusive.load(Ordering::Relaxed);
            m.exclusive.store(v + 1, Ordering::Relaxed);
        } else {
            m.shared.fetch_add(1, Ordering::Relaxed);
        }
    }
    if exclusive {
        m.claimed.fetch_and(!1, Ordering::Release);
    }
}

#[test]
fn slots_change_hands_without_losing_records() {
    loom::model(|| {
        let m = Arc::new(Metric {
            claimed: AtomicU32::new(0),
            exclusive: AtomicU64::new(0),
            shared: AtomicU64::new(0),
        });
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let m = Arc::clone(&m);
                thread::spawn(move || record(&m, 2))
            })
            .collect();
        // A scrape meanwhile: reads never go back.
        let first = m.read();
        let second = m.read();
        assert!(second >= first);
        for t in threads {
            t.join().unwrap();
        }
        // A third thread after both: it may take the slot over from either.
        record(&m, 1);
        assert_eq!(m.read(), 5);
    });
}

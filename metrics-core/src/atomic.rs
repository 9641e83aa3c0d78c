//! Adding to an atomic word: with a plain load and store where one thread is its only writer,
//! or with a compare-and-swap loop for an `f64` kept as bits.

use crate::sync::{AtomicU64, Ordering};

/// Adds `n` to a word that only the current thread writes: no locked read-modify-write.
#[inline]
pub(crate) fn add_plain(cell: &AtomicU64, n: u64) {
    cell.store(
        cell.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

/// Adds `delta` to the `f64` stored as bits in `cell`, with a compare-and-swap loop.
#[inline]
pub(crate) fn add_f64(cell: &AtomicU64, delta: f64) {
    let mut current = cell.load(Ordering::Relaxed);
    loop {
        let next = (f64::from_bits(current) + delta).to_bits();
        match cell.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return,
            Err(actual) => current = actual,
        }
    }
}

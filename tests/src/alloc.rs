//! A counting global allocator: the system allocator, counting the allocations of each thread
//! and the heap bytes live in the whole process. A test or bench binary installs it with
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: tests::alloc::Counting = tests::alloc::Counting;
//! ```
//!
//! (in a binary of its own: it counts everything the binary allocates).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

thread_local! {
    /// Allocations made by this thread (tests run on parallel threads).
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Heap bytes allocated and not yet freed, by every thread.
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// The system allocator, counting.
pub struct Counting;

fn counted(size: usize) {
    ALLOCATIONS.with(|n| n.set(n.get() + 1));
    LIVE.fetch_add(size as isize, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the `GlobalAlloc`
// contract; the bookkeeping is an atomic and a const-initialized thread-local `Cell` without
// destructor, neither of which allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `alloc` are passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            counted(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `alloc_zeroed` are passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            counted(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's guarantees for `realloc` are passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            counted(new_size);
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
}

/// How many allocations (and reallocations) this thread made during `f`. Zero unless
/// [`Counting`] is the global allocator.
pub fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// What `build` returns, and the heap bytes still allocated (by every thread) once it has
/// returned it. Zero unless [`Counting`] is the global allocator.
pub fn heap_of<T>(build: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let t = build();
    let after = LIVE.load(Ordering::Relaxed);
    (t, usize::try_from(after - before).unwrap_or(0))
}

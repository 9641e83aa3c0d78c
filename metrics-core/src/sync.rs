//! The atomics of the per-thread slots and of the metric values: the standard library's, or
//! loom's when the crate is built with `--cfg metrics_loom`, so that the model check in
//! `tests/loom_slots.rs` runs this crate's own slot code rather than a copy of it.
//!
//! loom's atomics have no `const` constructor, and its threads are not OS threads: under loom,
//! the constructors declared with [`const_fn!`] are not `const`, [`thread_locals!`] declares
//! loom's thread-locals, and a `static` atomic is a `loom::lazy_static!` (fresh for every
//! execution of the model).

#[cfg(metrics_loom)]
pub(crate) use loom::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(metrics_loom))]
pub(crate) use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Lets another thread run: a reader waiting for a writer to finish (loom's, under loom, which
/// schedules its threads only at its own calls).
#[cfg(metrics_loom)]
pub(crate) use loom::thread::yield_now;
#[cfg(not(metrics_loom))]
pub(crate) use std::thread::yield_now;

/// A `const fn`, but under loom (whose atomics are built at run time).
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $name:ident() -> $ret:ty $body:block) => {
        #[cfg(not(metrics_loom))]
        $(#[$attr])*
        $vis const fn $name() -> $ret $body

        #[cfg(metrics_loom)]
        $(#[$attr])*
        $vis fn $name() -> $ret $body
    };
}
pub(crate) use const_fn;

/// `thread_local!` with `const` initializers, or loom's per-thread locals under loom.
macro_rules! thread_locals {
    ($($(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;)*) => {
        #[cfg(not(metrics_loom))]
        std::thread_local! {
            $($(#[$attr])* static $name: $ty = const { $init };)*
        }

        #[cfg(metrics_loom)]
        loom::thread_local! {
            $($(#[$attr])* static $name: $ty = $init;)*
        }
    };
}
pub(crate) use thread_locals;

/// A cell written once: the standard library's `OnceLock`, or under loom one whose `get` and
/// initialization loom sees synchronize (an `Acquire` load of a flag the initializing thread
/// sets with `Release`, under a loom mutex), as the standard one's do. loom requires that the
/// creation of its atomics (a counter's shard lines, built in `get_or_init`) happen before any
/// access from another thread.
#[cfg(not(metrics_loom))]
pub(crate) use std::sync::OnceLock;

#[cfg(metrics_loom)]
pub(crate) struct OnceLock<T> {
    value: std::sync::OnceLock<T>,
    ready: loom::sync::atomic::AtomicBool,
    init: loom::sync::Mutex<()>,
}

#[cfg(metrics_loom)]
impl<T> OnceLock<T> {
    pub(crate) fn new() -> Self {
        Self {
            value: std::sync::OnceLock::new(),
            ready: loom::sync::atomic::AtomicBool::new(false),
            init: loom::sync::Mutex::new(()),
        }
    }

    pub(crate) fn get(&self) -> Option<&T> {
        if self.ready.load(Ordering::Acquire) {
            self.value.get()
        } else {
            None
        }
    }

    pub(crate) fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.get() {
            return value;
        }
        let _init = self.init.lock().unwrap();
        let value = self.value.get_or_init(init);
        self.ready.store(true, Ordering::Release);
        value
    }
}

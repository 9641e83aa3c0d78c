//! Where a panic points: the file and line its message is reported at, for the tests of
//! `#[track_caller]`.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Where the last panic of this thread was reported, while [`location_of_panic`] waits for one.
    static REPORTED: RefCell<Option<Option<(String, u32)>>> = const { RefCell::new(None) };
}

/// A panic's location and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panic {
    /// The file the panic is reported at.
    pub file: String,
    /// Its line.
    pub line: u32,
    /// The panic message.
    pub message: String,
}

/// Runs `f`, which must panic, and returns where the panic was reported (what the default hook
/// prints as `panicked at file:line`) and its message. The panic is not printed. Installs a
/// panic hook that stays: panics outside this function are printed by the previous hook.
///
/// # Panics
/// When `f` returns without panicking.
pub fn location_of_panic(f: impl FnOnce()) -> Panic {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| (l.file().to_owned(), l.line()));
            let waiting = REPORTED.with(|reported| {
                let mut reported = reported.borrow_mut();
                reported.as_mut().map(|slot| *slot = location).is_some()
            });
            if !waiting {
                previous(info);
            }
        }));
    });
    REPORTED.with(|reported| *reported.borrow_mut() = Some(None));
    let payload =
        panic::catch_unwind(AssertUnwindSafe(f)).expect_err("the code under test did not panic");
    let reported = REPORTED.with(|reported| reported.borrow_mut().take().flatten());
    let (file, line) = reported.expect("the panic hook saw no location");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    Panic {
        file,
        line,
        message,
    }
}

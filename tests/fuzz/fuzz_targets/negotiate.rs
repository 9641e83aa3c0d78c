//! An `Accept` header: it chooses one of the two formats, whatever the case of its letters
//! and whatever unreadable range comes with it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| metrics_export::__fuzz::negotiate(data));

//! A Prometheus text 0.0.4 exposition: parsed or rejected on a line; parsed, it reads back
//! the same written again.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| metrics_export::__fuzz::text(data));

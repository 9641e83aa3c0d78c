//! A request (`METHOD PATH`, then `Name: value` lines) to the server's handler, without a
//! socket: never a server error, always a `Content-Type`, the exposition asked for.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| metrics_export::__fuzz::handler(data));

//! Starting an exporter's background thread twice panics at the caller's line, not inside the
//! crate (`Exporter::start` is `#[track_caller]`).
#![cfg(feature = "pushgateway")]

use std::sync::Arc;
use std::time::Duration;

use metrics_core::Registry;
use metrics_export::{Exporter, Pushgateway};
use tests::panics::location_of_panic;

#[test]
fn starting_twice_points_at_the_second_start() {
    // Nothing listens on port 1: the last flush, when the handle drops, fails at once.
    let exporter = Arc::new(
        Pushgateway::new("http://127.0.0.1:1", "panics")
            .unwrap()
            .registry(Arc::new(Registry::new()))
            .timeout(Duration::from_millis(100)),
    );
    let handle = Arc::clone(&exporter).start(Duration::from_secs(3600));
    let line = line!() + 1;
    let panic = location_of_panic(|| _ = Arc::clone(&exporter).start(Duration::from_secs(1)));
    assert_eq!((panic.file.as_str(), panic.line), (file!(), line));
    assert_eq!(
        panic.message,
        "this exporter already runs on a background thread"
    );
    drop(handle);
}

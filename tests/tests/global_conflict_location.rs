//! The global registry's panic on clashing sets points at the line that asked for the registry.
//! Its own binary: the clash is in every set linked into it.

use metrics_core::{Counter, MetricSet, Registry};
use tests::panics::location_of_panic;

/// Declares `location_jobs_total`.
#[derive(MetricSet)]
pub struct First {
    /// Jobs
    pub location_jobs_total: Counter,
}

/// Declares it too.
#[derive(MetricSet)]
pub struct Second {
    /// Jobs again
    pub location_jobs_total: Counter,
}

#[test]
fn the_clash_panic_points_at_the_caller() {
    let _ = (First::global(), Second::global());
    // The first use and every later one.
    for _ in 0..2 {
        let line = line!() + 1;
        let panic = location_of_panic(|| _ = Registry::global());
        assert_eq!((panic.file.as_str(), panic.line), (file!(), line));
        assert_eq!(
            panic.message,
            "\
the metric sets linked into this program clash (1 conflict):
  - metric `location_jobs_total` is declared twice: by `location_jobs_total` (field `location_jobs_total` of `global_conflict_location::First`) and by `location_jobs_total` (field `location_jobs_total` of `global_conflict_location::Second`)"
        );
    }
}

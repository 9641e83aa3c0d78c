//! Every container and field attribute of `#[derive(MetricSet)]`, seen in the exposition.

use std::sync::Arc;

use metrics_core::{Counter, Gauge, Histogram, MetricSet};
use tests::{openmetrics_of, text_of};

#[test]
fn name_help_unit_and_skip() {
    /// Attrs.
    #[derive(MetricSet)]
    #[metric_set(prefix = "svc", global = false)]
    struct Attrs {
        /// First line of the help,
        ///   second line after trimming.
        ///
        /// A new paragraph.
        #[metric(name = "renamed_total")]
        counter: Counter,
        /// Ignored: `help` wins.
        #[metric(help = "Explicit help", unit = "bytes")]
        heap_bytes: Gauge,
        /// Not a metric.
        #[metric(skip)]
        label: String,
        #[metric(skip)]
        hits: Vec<u32>,
    }
    let m = Arc::new(Attrs::default());
    assert_eq!(m.label, "");
    assert!(m.hits.is_empty());
    m.counter.inc();
    m.heap_bytes.set(4096);
    assert_eq!(
        text_of(&m),
        "\
# HELP svc_renamed_total First line of the help, second line after trimming. A new paragraph.
# TYPE svc_renamed_total counter
svc_renamed_total 1
# HELP svc_heap_bytes Explicit help
# TYPE svc_heap_bytes gauge
svc_heap_bytes 4096
"
    );
    assert_eq!(
        openmetrics_of(&m),
        "\
# TYPE svc_renamed counter
# HELP svc_renamed First line of the help, second line after trimming. A new paragraph.
svc_renamed_total 1
# TYPE svc_heap_bytes gauge
# UNIT svc_heap_bytes bytes
# HELP svc_heap_bytes Explicit help
svc_heap_bytes 4096
# EOF
"
    );
}

#[test]
fn bucket_helpers_are_evaluated_at_compile_time() {
    /// Buckets.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Buckets {
        /// Exponential
        #[metric(buckets = exponential(0.001, 10.0, 4))]
        exp_seconds: Histogram,
        /// Linear
        #[metric(buckets = linear(0.1, 0.1, 3), unit = "seconds")]
        lin_seconds: Histogram,
        /// Integers are accepted as bounds
        #[metric(buckets = [1, 2, 5])]
        size_bytes: Histogram,
    }
    let m = Buckets::default();
    assert_eq!(m.exp_seconds.bounds(), [0.001, 0.01, 0.1, 1.0]);
    assert_eq!(m.lin_seconds.bounds(), [0.1, 0.2, 0.3]);
    assert_eq!(m.size_bytes.bounds(), [1.0, 2.0, 5.0]);
    assert_eq!(
        metrics_core::buckets::exponential(0.001, 10.0, 4).unwrap(),
        m.exp_seconds.bounds()
    );
    assert_eq!(
        metrics_core::buckets::linear(0.1, 0.1, 3).unwrap(),
        m.lin_seconds.bounds()
    );
    let desc = &<Buckets as MetricSet>::INFO.metrics[1];
    assert_eq!(desc.unit, Some("seconds"));
}

mod reexport {
    //! A crate that re-exports metrics_core under another name.
    pub use metrics_core as telemetry;
}

#[test]
fn crate_path_for_re_exports() {
    /// Re-exported.
    #[derive(reexport::telemetry::MetricSet)]
    #[metric_set(crate = reexport::telemetry, global = false)]
    struct Reexported {
        /// Via a re-export
        via_reexport_total: reexport::telemetry::Counter,
    }
    let m = Arc::new(Reexported::default());
    m.via_reexport_total.inc();
    assert!(text_of(&m).ends_with("via_reexport_total 1\n"));
}

#[test]
fn type_aliases_are_checked_through_the_metric_trait() {
    type Requests = Counter;
    /// Aliased.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Aliased {
        /// Via an alias
        aliased_total: Requests,
    }
    let m = Arc::new(Aliased::default());
    m.aliased_total.inc_by(5);
    assert!(text_of(&m).contains("# TYPE aliased_total counter\naliased_total 5\n"));
}

#[test]
fn generic_sets_live_in_local_registries() {
    /// Generic.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Generic<M: metrics_core::Metric> {
        /// Generic metric
        generic_items: M,
    }
    let m = Arc::new(Generic::<Gauge>::default());
    m.generic_items.set(2);
    assert!(text_of(&m).contains("# TYPE generic_items gauge\ngeneric_items 2\n"));
}

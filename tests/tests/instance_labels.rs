//! Several instances of one set in one registry, told apart by instance labels; registration
//! errors.

use std::sync::Arc;

use metrics_core::{Counter, Family, Histogram, LabelSet, MetricSet, Registry, RegistryError};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Op {
    op: &'static str,
}

/// Per-backend metrics.
#[derive(MetricSet)]
#[metric_set(prefix = "backend", global = false)]
struct BackendMetrics {
    /// Kernels launched
    kernels_total: Family<Op, Counter>,
    /// Kernel time
    #[metric(buckets = [0.5])]
    kernel_seconds: Histogram,
}

#[test]
fn instances_are_grouped_under_one_family_header() {
    let registry = Registry::new();
    let cuda = Arc::new(BackendMetrics::default());
    let cpu = Arc::new(BackendMetrics::default());
    // Registered out of order: the exposition orders instances by their labels.
    registry.register_with_labels(cuda.clone(), &[("backend", "cuda")]);
    registry.register_with_labels(cpu.clone(), &[("backend", "cpu")]);
    cuda.kernels_total.with(&Op { op: "matmul" }).inc_by(4);
    cpu.kernels_total.with(&Op { op: "add" }).inc();
    cuda.kernel_seconds.observe(0.25);
    assert_eq!(
        metrics_export::encode_text(&registry),
        "\
# HELP backend_kernels_total Kernels launched
# TYPE backend_kernels_total counter
backend_kernels_total{backend=\"cpu\",op=\"add\"} 1
backend_kernels_total{backend=\"cuda\",op=\"matmul\"} 4
# HELP backend_kernel_seconds Kernel time
# TYPE backend_kernel_seconds histogram
backend_kernel_seconds_bucket{backend=\"cpu\",le=\"0.5\"} 0
backend_kernel_seconds_bucket{backend=\"cpu\",le=\"+Inf\"} 0
backend_kernel_seconds_sum{backend=\"cpu\"} 0
backend_kernel_seconds_count{backend=\"cpu\"} 0
backend_kernel_seconds_bucket{backend=\"cuda\",le=\"0.5\"} 1
backend_kernel_seconds_bucket{backend=\"cuda\",le=\"+Inf\"} 1
backend_kernel_seconds_sum{backend=\"cuda\"} 0.25
backend_kernel_seconds_count{backend=\"cuda\"} 1
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{backend=\"cpu\",metric=\"backend_kernels_total\"} 0
metrics_series_overflow_total{backend=\"cuda\",metric=\"backend_kernels_total\"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{backend=\"cpu\",metric=\"backend_kernels_total\"} 0
metrics_label_value_too_long_total{backend=\"cuda\",metric=\"backend_kernels_total\"} 0
"
    );
}

#[test]
fn equal_instance_labels_are_an_error() {
    let registry = Registry::new();
    registry.register_with_labels(Arc::new(BackendMetrics::default()), &[("backend", "cuda")]);
    let err = registry
        .try_register_with_labels(Arc::new(BackendMetrics::default()), &[("backend", "cuda")])
        .unwrap_err();
    assert!(matches!(err, RegistryError::DuplicateInstance { .. }));
    assert_eq!(
        err.to_string(),
        "an instance of `instance_labels::BackendMetrics` with instance labels {backend=\"cuda\"} is already registered; give each instance distinct labels"
    );
    registry.register(Arc::new(BackendMetrics::default()));
    assert!(registry
        .try_register(Arc::new(BackendMetrics::default()))
        .is_err());
}

#[test]
fn bad_instance_labels_are_errors() {
    let registry = Registry::new();
    let set = || Arc::new(BackendMetrics::default());
    let e = registry
        .try_register_with_labels(set(), &[("bad-name", "x")])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot register `BackendMetrics`: label name `bad-name` contains `-`; only lowercase ASCII letters, digits and `_` are allowed"
    );
    let e = registry
        .try_register_with_labels(set(), &[("op", "x")])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot register `BackendMetrics`: instance label `op` is already a label of its metric `backend_kernels_total`"
    );
    let e = registry
        .try_register_with_labels(set(), &[("le", "x")])
        .unwrap_err();
    assert!(e.to_string().contains("`le`"), "{e}");
    let e = registry
        .try_register_with_labels(set(), &[("a", "x"), ("a", "y")])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot register `BackendMetrics`: instance label `a` is given twice"
    );
}

#[test]
fn clashing_sets_cannot_share_a_registry() {
    /// One.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct One {
        /// Jobs
        jobs_total: Counter,
    }
    /// Two.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Two {
        /// Jobs, as a gauge: clashes with the counter family `jobs`
        jobs: metrics_core::Gauge,
    }
    let registry = Registry::new();
    registry.register(Arc::new(One::default()));
    let err = registry.try_register(Arc::new(Two::default())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "metrics `jobs_total` (field `jobs_total` of `instance_labels::One`) and `jobs` (field `jobs` of `instance_labels::Two`) clash: both expose the name `jobs`"
    );
}

#[test]
fn the_overflow_self_metric_label_is_reserved() {
    // `metrics_series_overflow_total{metric="..."}` carries the instance labels before its own:
    // an instance label `metric` gave it the label twice, which every parser rejects.
    let registry = Registry::new();
    let err = registry
        .try_register_with_labels(Arc::new(BackendMetrics::default()), &[("metric", "x")])
        .unwrap_err();
    assert_eq!(
        err,
        RegistryError::ReservedLabel {
            set: "BackendMetrics",
            label: "metric".to_owned(),
            metric: "metrics_series_overflow_total",
        }
    );
    let message = "cannot register `BackendMetrics`: instance label `metric` is reserved: the registry's self-metric `metrics_series_overflow_total` has a label `metric` and also carries instance labels";
    assert_eq!(err.to_string(), message);
    // Reserved whatever the set's metrics: a set without any open-ended family too.
    /// No family.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Plain {
        /// Jobs
        jobs_total: Counter,
    }
    let err = registry
        .try_register_with_labels(
            Arc::new(Plain::default()),
            &[("backend", "cuda"), ("metric", "x")],
        )
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::ReservedLabel { .. }),
        "{err:?}"
    );
    // `register_with_labels` panics with the same message.
    let panic = std::panic::catch_unwind(|| {
        Registry::new()
            .register_with_labels(Arc::new(BackendMetrics::default()), &[("metric", "x")]);
    })
    .unwrap_err();
    assert_eq!(
        panic.downcast_ref::<String>().map(String::as_str),
        Some(message)
    );
    // Nothing was registered; a label that only starts like it is fine.
    assert_eq!(metrics_export::encode_text(&registry), "");
    registry.register_with_labels(Arc::new(BackendMetrics::default()), &[("metric_kind", "x")]);
    let text = metrics_export::encode_text(&registry);
    assert!(
        text.ends_with(
            "metrics_series_overflow_total{metric_kind=\"x\",metric=\"backend_kernels_total\"} 0\n\
             # HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len\n\
             # TYPE metrics_label_value_too_long_total counter\n\
             metrics_label_value_too_long_total{metric_kind=\"x\",metric=\"backend_kernels_total\"} 0\n"
        ),
        "{text}"
    );
}

/// Labels renamed with `#[label(name = "...")]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Renamed {
    #[label(name = "device")]
    gpu: u32,
}

#[test]
fn an_instance_label_of_a_family_label_name_is_an_error() {
    /// Two families.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Set {
        /// Kernels
        kernels_total: Family<Op, Counter>,
        /// Launches
        #[metric(buckets = [1.0])]
        launch_seconds: Family<Renamed, Histogram>,
    }
    let registry = Registry::new();
    let set = || Arc::new(Set::default());
    // The label name of the second family, as renamed (not the field name).
    let err = registry
        .try_register_with_labels(set(), &[("device", "x")])
        .unwrap_err();
    assert_eq!(
        err,
        RegistryError::DuplicateLabel {
            set: "Set",
            label: "device".to_owned(),
            metric: Some("launch_seconds"),
        }
    );
    assert_eq!(
        err.to_string(),
        "cannot register `Set`: instance label `device` is already a label of its metric `launch_seconds`"
    );
    registry.register_with_labels(set(), &[("gpu", "0")]);
}

//! A set type is identified by its `TypeId`, not by its name and module: two structs of the same
//! name declared in different functions of one module, or two instantiations of a generic set,
//! are different sets (for the duplicate-instance check, the clash check, the grouping of
//! instances under one family header, and the link-time registry). Its own binary: it reads
//! the global registry.

use std::sync::Arc;

use metrics_core::{
    Counter, FloatGauge, Gauge, Metric, MetricSet, Registry, RegistryError, SetInfo,
};

/// Registers a new instance of a set with the given instance labels.
type Register = fn(&Registry, &[(&str, &str)]) -> Result<(), RegistryError>;

/// `Worker` with `worker_first_jobs_total`, declared in this function.
fn worker_first() -> (&'static SetInfo, Register) {
    /// The first `Worker`.
    #[derive(MetricSet)]
    #[metric_set(prefix = "worker_first", global = false)]
    struct Worker {
        /// Jobs of the first
        jobs_total: Counter,
    }
    let register = |registry: &Registry, labels: &[(&str, &str)]| {
        let m = Arc::new(Worker::default());
        m.jobs_total.inc();
        registry.try_register_with_labels(m, labels)
    };
    (Worker::INFO, register)
}

/// Another `Worker`, in the same module, with `worker_second_jobs_total`.
fn worker_second() -> (&'static SetInfo, Register) {
    /// The second `Worker`.
    #[derive(MetricSet)]
    #[metric_set(prefix = "worker_second", global = false)]
    struct Worker {
        /// Jobs of the second
        jobs_total: Counter,
    }
    let register = |registry: &Registry, labels: &[(&str, &str)]| {
        let m = Arc::new(Worker::default());
        m.jobs_total.inc_by(2);
        registry.try_register_with_labels(m, labels)
    };
    (Worker::INFO, register)
}

/// A third `Worker` in the same module, declaring the same metric as the first.
fn worker_first_again() -> Result<(), RegistryError> {
    /// The first `Worker`, again.
    #[derive(MetricSet)]
    #[metric_set(prefix = "worker_first", global = false)]
    struct Worker {
        /// Jobs of the first, declared a second time
        jobs_total: Counter,
    }
    let registry = Registry::new();
    worker_first().1(&registry, &[]).unwrap();
    registry.try_register(Arc::new(Worker::default()))
}

#[test]
fn same_named_types_of_one_module_are_different_sets() {
    let (a, register_a) = worker_first();
    let (b, register_b) = worker_second();
    assert_eq!((a.name, a.module), (b.name, b.module));
    assert!(!a.same_type(b));
    assert!(a.same_type(a));
    assert_ne!(a, b);
    assert_eq!(a, worker_first().0);

    let registry = Registry::new();
    // When a set was identified by its name and module, the instances of both types were taken
    // for one set: every series was exported under one type's metric name, and an instance of
    // one type was refused when the other had one with the same labels.
    register_a(&registry, &[("shard", "1")]).unwrap();
    register_b(&registry, &[("shard", "2")]).unwrap();
    register_a(&registry, &[("shard", "3")]).unwrap();
    register_b(&registry, &[]).unwrap();
    register_a(&registry, &[("shard", "2")]).unwrap();
    let first = "\
# HELP worker_first_jobs_total Jobs of the first
# TYPE worker_first_jobs_total counter
worker_first_jobs_total{shard=\"1\"} 1
worker_first_jobs_total{shard=\"2\"} 1
worker_first_jobs_total{shard=\"3\"} 1
";
    let second = "\
# HELP worker_second_jobs_total Jobs of the second
# TYPE worker_second_jobs_total counter
worker_second_jobs_total 2
worker_second_jobs_total{shard=\"2\"} 2
";
    // Same module and name: the two types are ordered by `TypeId`, arbitrary but consistent.
    let expected = if (a.type_id)() < (b.type_id)() {
        format!("{first}{second}")
    } else {
        format!("{second}{first}")
    };
    assert_eq!(metrics_export::encode_text(&registry), expected);
    // Each type still refuses a second instance with equal labels.
    let err = register_b(&registry, &[("shard", "2")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "an instance of `set_identity::Worker` with instance labels {shard=\"2\"} is already registered; give each instance distinct labels"
    );
}

#[test]
fn same_named_types_declaring_one_metric_clash() {
    let err = worker_first_again().unwrap_err();
    assert!(matches!(err, RegistryError::Conflict(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "metric `worker_first_jobs_total` is declared twice, by two different types both named `set_identity::Worker` (field `jobs_total`): types declared in different functions of one module, or two instantiations of a generic set"
    );
}

/// Generic.
#[derive(MetricSet)]
#[metric_set(prefix = "pool", global = false)]
struct Pool<M: Metric> {
    /// Connections
    connections: M,
}

#[test]
fn instantiations_of_a_generic_set_are_different_sets() {
    let gauges = <Pool<Gauge> as MetricSet>::INFO;
    let floats = <Pool<FloatGauge> as MetricSet>::INFO;
    assert!(!gauges.same_type(floats));
    assert!(gauges.same_type(<Pool<Gauge> as MetricSet>::INFO));

    let registry = Registry::new();
    let a = Arc::new(Pool::<Gauge>::default());
    let b = Arc::new(Pool::<Gauge>::default());
    a.connections.set(3);
    b.connections.set(5);
    registry.register_with_labels(a, &[("pool", "a")]);
    registry.register_with_labels(b, &[("pool", "b")]);
    // `pool_connections` of another instantiation beside: a clash, not (as when both were
    // taken for one set `Pool`) its series exported under the first one's header.
    let err = registry
        .try_register_with_labels(Arc::new(Pool::<FloatGauge>::default()), &[("pool", "c")])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "metric `pool_connections` is declared twice, by two different types both named `set_identity::Pool` (field `connections`): types declared in different functions of one module, or two instantiations of a generic set"
    );
    assert_eq!(
        metrics_export::encode_text(&registry),
        "\
# HELP pool_connections Connections
# TYPE pool_connections gauge
pool_connections{pool=\"a\"} 3
pool_connections{pool=\"b\"} 5
"
    );
    // In a registry of its own, each instantiation is fine. (`Pool<Counter>` does not compile:
    // its counter would not end in `_total`, which the derive checks per instantiation; see
    // ui-tests `generic-set-counter-without-total`.)
    let c = Arc::new(Pool::<FloatGauge>::default());
    c.connections.set(0.5);
    assert_eq!(
        tests::text_of(&c),
        "\
# HELP pool_connections Connections
# TYPE pool_connections gauge
pool_connections 0.5
"
    );
}

fn global_first() {
    /// The first global `Service`.
    #[derive(MetricSet)]
    #[metric_set(prefix = "global_first")]
    pub struct Service {
        /// Events of the first
        pub events_total: Counter,
    }
    Service::global().events_total.inc();
}

fn global_second() {
    /// The second global `Service`.
    #[derive(MetricSet)]
    #[metric_set(prefix = "global_second")]
    pub struct Service {
        /// Level of the second
        pub level: Gauge,
    }
    Service::global().level.set(7);
}

#[test]
fn same_named_global_sets_are_both_exported() {
    // Referencing the library keeps it linked: inventory sees only what the linker keeps.
    let _keep_linked = tests::SharedMetrics::global();
    global_first();
    global_second();
    metrics_core::check().unwrap();
    let text = metrics_export::encode_text(Registry::global());
    // The two `Service` types are ordered by `TypeId`, which is arbitrary.
    let a = "\
# HELP global_first_events_total Events of the first
# TYPE global_first_events_total counter
global_first_events_total 1
";
    let b = "\
# HELP global_second_level Level of the second
# TYPE global_second_level gauge
global_second_level 7
";
    let shared = "\
# HELP shared_jobs_total Jobs processed by the shared library
# TYPE shared_jobs_total counter
shared_jobs_total 0
";
    assert!(
        text == format!("{a}{b}{shared}") || text == format!("{b}{a}{shared}"),
        "{text}"
    );
}

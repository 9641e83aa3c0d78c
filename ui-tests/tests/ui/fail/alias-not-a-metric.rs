use metrics_core::MetricSet;

type DaemonName = &'static str;

#[derive(MetricSet)]
pub struct Metrics {
    /// The daemon's name
    pub daemon_name: DaemonName,
}

fn main() {}

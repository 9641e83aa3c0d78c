use metrics_core::instrument_latency;

#[instrument_latency]
pub struct Worker {
    pub jobs: u32,
}

fn main() {
    let _ = Worker { jobs: 1 };
}

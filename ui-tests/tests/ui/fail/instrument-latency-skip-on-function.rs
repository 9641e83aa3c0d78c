use metrics_core::instrument_latency;

#[instrument_latency(skip)]
pub fn resume() {}

fn main() {
    resume();
}

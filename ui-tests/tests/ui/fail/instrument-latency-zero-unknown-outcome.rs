use metrics_core::instrument_latency;

#[instrument_latency(zero = [panics])]
pub fn resume() {}

fn main() {
    resume();
}

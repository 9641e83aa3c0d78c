use metrics_core::instrument_latency;

#[instrument_latency(zero = panic)]
pub fn resume() {}

#[instrument_latency(zero = ["panic"])]
pub fn resume_again() {}

fn main() {
    resume();
    resume_again();
}

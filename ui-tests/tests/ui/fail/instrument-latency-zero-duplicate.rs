use metrics_core::instrument_latency;

#[instrument_latency(zero = [panic, panic])]
pub fn resume() {}

fn main() {
    resume();
}

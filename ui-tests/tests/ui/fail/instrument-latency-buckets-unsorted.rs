use metrics_core::instrument_latency;

#[instrument_latency(buckets = [0.001, 0.0005, 0.01])]
pub fn parse_token() {}

fn main() {
    parse_token();
}

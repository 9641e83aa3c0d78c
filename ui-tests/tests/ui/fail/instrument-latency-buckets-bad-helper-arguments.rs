use metrics_core::instrument_latency;

#[instrument_latency(buckets = exponential(0.0, 2.0, 16))]
pub fn parse_token() {}

#[instrument_latency(buckets = exponential(1e-6, 2.0))]
pub fn parse_line() {}

fn main() {
    parse_token();
    parse_line();
}

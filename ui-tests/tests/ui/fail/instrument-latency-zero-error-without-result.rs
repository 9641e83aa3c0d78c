use metrics_core::instrument_latency;

/// `None` is not an error: only a `Result` has one.
#[instrument_latency(zero = [error])]
pub fn lookup(key: u32) -> Option<u32> {
    key.checked_sub(1)
}

fn main() {
    lookup(1);
}

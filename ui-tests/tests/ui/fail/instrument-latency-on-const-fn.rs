use metrics_core::instrument_latency;

#[instrument_latency]
pub const fn answer() -> u32 {
    42
}

fn main() {
    // No second error here: the function is still emitted beside the error.
    const _: u32 = answer();
}

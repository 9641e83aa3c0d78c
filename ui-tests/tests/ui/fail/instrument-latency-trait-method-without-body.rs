use metrics_core::instrument_latency;

pub trait Resume {
    #[instrument_latency]
    fn resume(&self) -> u32;
}

fn main() {}

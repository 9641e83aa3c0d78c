use metrics_core::instrument_latency;

pub struct Daemon;

#[instrument_latency(name = "resume")]
impl Daemon {
    #[instrument_latency(skip)]
    pub fn resume(&self) {}
}

fn main() {
    Daemon.resume();
}

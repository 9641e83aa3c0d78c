use metrics_core::instrument_latency;

#[instrument_latency(zero = [ok, panic])]
pub fn resume() {}

#[instrument_latency(zero = [cancelled])]
pub async fn resume_later() {}

fn main() {
    resume();
    drop(resume_later());
}

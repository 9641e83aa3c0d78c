use metrics_core::instrument_latency;

#[instrument_latency(zero = [error])]
pub fn serve() -> ! {
    loop {
        std::thread::park();
    }
}

fn main() {
    let _ = serve as fn() -> !;
}

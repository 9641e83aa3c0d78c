//! Simulates the palingenesis daemon for a number of sessions and prints its metrics.
//!
//! `cargo run --release -p examples --bin palingenesis -- [SESSIONS] [--openmetrics]`

use examples::{simulate_session, DaemonMetrics, Rng};
use metrics_core::Registry;

fn main() {
    let mut sessions = 25u32;
    let mut openmetrics = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--openmetrics" => openmetrics = true,
            n => match n.parse() {
                Ok(n) => sessions = n,
                Err(_) => {
                    eprintln!("usage: palingenesis [SESSIONS] [--openmetrics]");
                    std::process::exit(2);
                }
            },
        }
    }
    let m = DaemonMetrics::global();
    let mut rng = Rng::new(7);
    for _ in 0..sessions {
        simulate_session(m, &mut rng);
    }
    let registry = Registry::global();
    if openmetrics {
        print!("{}", metrics_export::encode_openmetrics(registry));
    } else {
        print!("{}", metrics_export::encode_text(registry));
    }
}

//! The palingenesis daemon of seed story 7.2, simulated, serving its metrics over HTTP.
//!
//! ```text
//! cargo run --release -p examples --bin palingenesis -- [OPTIONS]
//!
//!   --port N        port to serve on (default 9464, or $PALINGENESIS_PORT; 0 picks a free one)
//!   --bind ADDR     address to serve on (default 127.0.0.1)
//!   --speed X       simulated seconds per real second (default 60)
//!   --seed N        seed of the simulation (default: from the clock)
//!   --print         record SESSIONS sessions at once, print the exposition and exit
//!   --sessions N    sessions recorded by --print (default 25)
//!   --openmetrics   with --print: OpenMetrics instead of Prometheus text 0.0.4
//! ```
//!
//! The metrics are served at `/metrics` and `/api/v1/metrics` (the path of the seed), in the
//! format the scraper's `Accept` header asks for: a Prometheus started with
//! `--enable-feature=native-histograms` gets the protobuf format, and with it
//! `palingenesis_api_request_duration_seconds` as a native histogram.
//!
//! One more option, left out of the usage line because it serves no user: `--pad-mb N` registers
//! about N MB of extra series (`padding_requests_total{route="...",code="..."}`) beside the
//! daemon's, so that `scripts/attack` can attack a server with a big exposition.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use examples::{simulate_session, simulate_sessions, DaemonMetrics, Rng};
use metrics_core::{Counter, Family, LabelSet, MetricSet, Registry};
use metrics_export::{MetricsServer, DEFAULT_PORT};

const USAGE: &str = "usage: palingenesis [--port N] [--bind ADDR] [--speed X] [--seed N] \
                     [--print [--sessions N] [--openmetrics]]";

struct Options {
    port: u16,
    bind: String,
    speed: f64,
    seed: Option<u64>,
    print: bool,
    sessions: u32,
    openmetrics: bool,
    pad_mb: u32,
}

fn parse_options() -> Result<Options, String> {
    let port = match std::env::var("PALINGENESIS_PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PALINGENESIS_PORT={port}: not a port number"))?,
        Err(_) => DEFAULT_PORT,
    };
    let mut options = Options {
        port,
        bind: "127.0.0.1".to_owned(),
        speed: 60.0,
        seed: None,
        print: false,
        sessions: 25,
        openmetrics: false,
        pad_mb: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                let port = value("--port")?;
                options.port = port
                    .parse()
                    .map_err(|_| format!("--port {port}: not a port number"))?;
            }
            "--bind" => options.bind = value("--bind")?,
            "--speed" => {
                let speed = value("--speed")?;
                options.speed = speed
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or(format!("--speed {speed}: not a positive number"))?;
            }
            "--seed" => {
                let seed = value("--seed")?;
                options.seed = Some(
                    seed.parse()
                        .map_err(|_| format!("--seed {seed}: not a number"))?,
                );
            }
            "--print" => options.print = true,
            "--sessions" => {
                let n = value("--sessions")?;
                options.sessions = n
                    .parse()
                    .map_err(|_| format!("--sessions {n}: not a number"))?;
            }
            "--openmetrics" => options.openmetrics = true,
            "--pad-mb" => {
                let n = value("--pad-mb")?;
                options.pad_mb = n
                    .parse()
                    .map_err(|_| format!("--pad-mb {n}: not a number"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("palingenesis: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let metrics = DaemonMetrics::global();
    let mut rng = Rng::new(options.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(7, |d| d.as_secs())
    }));

    if options.print {
        simulate_sessions(metrics, &mut rng, options.sessions);
        let registry = Registry::global();
        if options.openmetrics {
            print!("{}", metrics_export::encode_openmetrics(registry));
        } else {
            print!("{}", metrics_export::encode_text(registry));
        }
        return ExitCode::SUCCESS;
    }

    if options.pad_mb > 0 {
        pad(Registry::global(), options.pad_mb);
    }
    let addr = if options.bind.contains(':') {
        format!("[{}]:{}", options.bind, options.port) // IPv6
    } else {
        format!("{}:{}", options.bind, options.port)
    };
    let server = match MetricsServer::builder()
        .bind(addr.as_str())
        .paths(["/metrics", "/api/v1/metrics"])
        .start()
    {
        Ok(server) => server,
        Err(err) => {
            eprintln!("palingenesis: {err}");
            eprintln!(
                "choose another port with --port N or PALINGENESIS_PORT=N (0 picks a free one)"
            );
            return ExitCode::FAILURE;
        }
    };
    let urls = server.urls();
    // A closed stdout (the demo piped into `head`, its reader gone) must not stop the service.
    let _ = writeln!(
        std::io::stdout(),
        "palingenesis demo: serving metrics at {}\n                   and at {}\n\
         simulating the daemon at {}x speed; Ctrl-C to stop",
        urls[0],
        urls[1],
        options.speed
    );
    let speed = options.speed;
    loop {
        simulate_session(metrics, &mut rng, &mut |simulated| {
            std::thread::sleep(simulated.div_f64(speed));
        });
        // Between sessions the daemon idles.
        metrics.active_sessions.set(0);
        std::thread::sleep(Duration::from_secs(30).div_f64(speed));
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct PaddingLabels {
    route: String,
    code: u16,
}

/// The extra series of `--pad-mb`.
#[derive(MetricSet)]
#[metric_set(prefix = "padding", global = false)]
struct Padding {
    /// Requests by route, to make the exposition big
    #[metric(max_series = 10_000_000)]
    requests_total: Family<PaddingLabels, Counter>,
}

/// Registers about `mb` MB (in Prometheus text) of `padding_requests_total` series in `registry`.
fn pad(registry: &Registry, mb: u32) {
    // `padding_requests_total{route="/api/v1/items/0000001/details",code="200"} 1\n`: 74 bytes.
    let series = u64::from(mb) * 1_000_000 / 74;
    let padding = std::sync::Arc::new(Padding::default());
    for i in 0..series {
        let labels = PaddingLabels {
            route: format!("/api/v1/items/{:07}/details", i / 4),
            code: [200, 404, 500, 503][(i % 4) as usize],
        };
        padding.requests_total.with(&labels).inc_by(i % 1000);
    }
    registry.register(padding);
}

//! The rustdoc "Metrics" section `#[derive(MetricSet)]` adds to a set, as `cargo rustdoc`
//! renders it for the sets of its `set_docs` module: each metric's full name, type, labels (the
//! label set linked), unit (declared or read off the name), buckets and help, for a global set
//! (on the `impl` block of `global()`) and a `global = false` one (on an `impl` block of its own).

/// Sets whose rustdoc this test reads back from `cargo rustdoc`'s HTML.
pub mod set_docs {
    use metrics_core::MetricSet;
    use metrics_core::{Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue};

    /// An HTTP method.
    #[derive(LabelValue)]
    pub enum Method {
        /// `GET`.
        Get,
        /// `POST`.
        Post,
    }

    /// The labels of a request.
    #[derive(LabelSet)]
    pub struct RequestLabels {
        /// Its method.
        pub method: Method,
    }

    /// The labels of a route.
    #[derive(LabelSet)]
    pub struct RouteLabels {
        /// Its path.
        pub route: String,
    }

    /// A service's metrics.
    #[derive(MetricSet)]
    #[metric_set(prefix = "svc")]
    pub struct ServiceMetrics {
        /// Requests served
        pub requests_total: Family<RequestLabels, Counter>,
        /// Request latency | by method
        #[metric(buckets = [0.1, 0.5, 1.0], lazy)]
        pub request_duration_seconds: Family<RequestLabels, Histogram>,
        /// Requests by route
        #[metric(max_series = 100, max_label_value_len = 64)]
        pub route_requests_total: Family<RouteLabels, Counter>,
        /// Requests in progress
        pub in_flight: Gauge,
        /// Heap in use
        #[metric(unit = "bytes")]
        pub heap_bytes: Gauge,
        /// Cache hits per lookup
        pub cache_hit_ratio: FloatGauge,
        /// Time to start
        pub startup_seconds: Histogram,
    }

    /// Metrics registered by hand.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    pub struct LocalMetrics {
        /// Jobs done
        pub jobs_total: Counter,
    }
}

/// The test; not part of the documented crate.
#[cfg(not(doc))]
mod check {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// `cargo rustdoc -p tests --test metric_set_docs` into a target directory of its own (the outer
    /// cargo holds the lock of the usual one), from the workspace root; the `doc` directory.
    fn cargo_doc() -> PathBuf {
        // The directory of `instrument_latency_docs.rs` too: the dependencies are documented once.
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("instrument_latency_docs");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(&cargo)
            .args(["rustdoc", "-p", "tests", "--test", "metric_set_docs"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .output()
            .unwrap_or_else(|e| panic!("running {cargo:?}: {e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "cargo rustdoc failed ({}):\n{stderr}",
            output.status
        );
        // Every link of the section resolves.
        assert!(!stderr.contains("warning"), "rustdoc warned:\n{stderr}");
        target.join("doc")
    }

    /// The HTML page of `set_docs::<set>`.
    fn page(doc: &Path, set: &str) -> String {
        let path = doc.join(format!("metric_set_docs/set_docs/struct.{set}.html"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The "Metrics" section of a page: its heading and text, then the table, a line per row,
    /// cells separated by ` | `, each link followed by its target in parentheses.
    fn metrics_section(page: &str, set: &str) -> String {
        let heading = "<h4 id=\"metrics\"";
        assert_eq!(
            page.matches(heading).count(),
            1,
            "{set}: one \"Metrics\" section in\n{page}"
        );
        let (_, rest) = page.split_once(heading).unwrap();
        let (title, rest) = rest.split_once("</h4>").unwrap();
        let (intro, rest) = rest.split_once("<table>").unwrap();
        let (table, _) = rest.split_once("</table>").unwrap();
        let title = text(title.split_once('>').unwrap().1);
        let mut out = format!(
            "{}\n{}\n",
            title.trim_start_matches('§'),
            text(intro).trim()
        );
        for row in table.split("<tr>").skip(1) {
            let (row, _) = row.split_once("</tr>").unwrap();
            let row = row.replace("</th>", "</td>");
            let cells: Vec<String> = row
                .split("</td>")
                .filter(|cell| !cell.is_empty())
                .map(|cell| with_links(cell.split_once('>').unwrap().1))
                .collect();
            out.push_str(&cells.join(" | "));
            out.push('\n');
        }
        out
    }

    /// The text of a cell, each link followed by its target in parentheses.
    fn with_links(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(at) = rest.find("<a href=\"") {
            out.push_str(&text(&rest[..at]));
            let after = &rest[at + "<a href=\"".len()..];
            let (href, after) = after.split_once('"').unwrap();
            let (_, after) = after.split_once('>').unwrap();
            let (label, after) = after.split_once("</a>").unwrap();
            out.push_str(&format!("{}({href})", text(label)));
            rest = after;
        }
        out.push_str(&text(rest));
        out.trim().to_owned()
    }

    /// The text of an HTML fragment: tags dropped, the character references rustdoc writes
    /// resolved.
    fn text(html: &str) -> String {
        let mut stripped = String::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            stripped.push_str(&rest[..open]);
            let close = rest[open..].find('>').unwrap_or(rest.len() - open - 1);
            rest = &rest[open + close + 1..];
        }
        stripped.push_str(rest);
        stripped
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn the_metrics_section_lists_what_the_set_exports() {
        let doc = cargo_doc();
        assert_eq!(
            metrics_section(&page(&doc, "ServiceMetrics"), "ServiceMetrics"),
            "\
Metrics
What this set exports (#[derive(MetricSet)]):
Metric | Type | Labels | Unit | Buckets | Help
svc_requests_total | counter | RequestLabels(struct.RequestLabels.html) |  |  | Requests served
svc_request_duration_seconds | histogram | RequestLabels(struct.RequestLabels.html), lazy | seconds | 0.1, 0.5, 1 | Request latency | by method
svc_route_requests_total | counter | RouteLabels(struct.RouteLabels.html), at most 100 series, values of at most 64 bytes |  |  | Requests by route
svc_in_flight | gauge |  |  |  | Requests in progress
svc_heap_bytes | gauge |  | bytes |  | Heap in use
svc_cache_hit_ratio | gauge |  | ratio |  | Cache hits per lookup
svc_startup_seconds | histogram |  | seconds | default: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 | Time to start
"
        );
        assert_eq!(
            metrics_section(&page(&doc, "LocalMetrics"), "LocalMetrics"),
            "\
Metrics
What this set exports (#[derive(MetricSet)]):
Metric | Type | Labels | Unit | Buckets | Help
jobs_total | counter |  |  |  | Jobs done
"
        );
    }
}

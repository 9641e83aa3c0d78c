//! The rustdoc "Latency" section of `#[instrument_latency]`, as `cargo rustdoc` renders it for the
//! functions of its `latency_docs` module: a documented function and an undocumented one (which gets
//! it through `#[cfg_attr(doc, doc = ...)]`) each show the p50, p99 and error-ratio PromQL of
//! their own series (the quantiles summed `by (function, le)`, and the section says why), and
//! `histogram = expr` names the expression instead. The PromQL read back
//! from the HTML is then run against a real Prometheus scraping the global registry while
//! `lookup` is being called: each query must give a sensible value, so a wrong metric or label
//! name in the generated text fails here.
//!
//! Its own binary: it serves the global registry and calls `lookup` throughout.

/// Instrumented functions whose rustdoc `# Latency` section this test reads back from
/// `cargo rustdoc`'s HTML, and whose PromQL it runs against a real Prometheus.
pub mod latency_docs {
    use metrics_core::{instrument_latency, Histogram, MetricSet};

    /// Looks `key` up: every 4th key (`key % 4 == 0`) is missing, an error.
    ///
    /// # Errors
    /// When `key` is a multiple of 4.
    #[instrument_latency]
    pub fn lookup(key: u64) -> Result<u64, String> {
        if key.is_multiple_of(4) {
            Err(format!("no key {key}"))
        } else {
            Ok(key * 2)
        }
    }

    #[instrument_latency]
    pub fn undocumented(x: u64) -> u64 {
        x + 1
    }

    /// The histogram [`timed`] records into.
    #[derive(MetricSet)]
    #[metric_set(prefix = "latency_docs")]
    pub struct Timed {
        /// Time to run one `timed` call
        pub call_duration_seconds: Histogram,
    }

    /// Doubles `x`, timed into [`Timed::call_duration_seconds`].
    #[instrument_latency(histogram = Timed::global().call_duration_seconds)]
    pub fn timed(x: u64) -> u64 {
        x * 2
    }
}

/// The test; not part of the documented crate (`cargo rustdoc` of a test target links the
/// package's dependencies, not its library).
#[cfg(not(doc))]
mod check {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    use metrics_export::MetricsServer;
    use tests::servers::{eventually, query};

    const MODULE: &str = "instrument_latency_docs::latency_docs";

    use super::latency_docs::lookup;

    /// Calls `lookup(0)`, `lookup(1)`, ... every millisecond until dropped, so that the rates in
    /// the queries are non-zero (and one call in four is an error).
    struct Load {
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<u64>>,
    }

    impl Load {
        fn start() -> Self {
            let stop = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&stop);
            let thread = std::thread::spawn(move || {
                let mut key = 0;
                while !flag.load(Ordering::Relaxed) {
                    assert_eq!(lookup(key).is_err(), key % 4 == 0);
                    key += 1;
                    std::thread::sleep(Duration::from_millis(1));
                }
                key
            });
            Self {
                stop,
                thread: Some(thread),
            }
        }
    }

    impl Drop for Load {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            if let Some(thread) = self.thread.take() {
                let calls = thread.join();
                if !std::thread::panicking() {
                    assert!(calls.expect("the load thread panicked") > 0);
                }
            }
        }
    }

    /// `cargo rustdoc -p tests --test instrument_latency_docs`: the docs of this very file, whose
    /// functions are those this binary calls (in a library, they would be linked into every test
    /// binary of the package, and into its global registry). Into its own target directory (the
    /// outer cargo holds the lock of the usual one), from the workspace root; the `doc` directory
    /// it wrote.
    fn cargo_doc() -> PathBuf {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("instrument_latency_docs");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let started = Instant::now();
        let output = Command::new(&cargo)
            .args([
                "rustdoc",
                "-p",
                "tests",
                "--test",
                "instrument_latency_docs",
            ])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .output()
            .unwrap_or_else(|e| panic!("running {cargo:?}: {e}"));
        assert!(
            output.status.success(),
            "cargo rustdoc failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!("cargo rustdoc took {:?}", started.elapsed());
        target.join("doc")
    }

    /// The HTML page of `latency_docs::<function>`.
    fn page(doc: &Path, function: &str) -> String {
        let path = doc.join(format!(
            "instrument_latency_docs/latency_docs/fn.{function}.html"
        ));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The item's documentation: the HTML after `<div class="docblock">`.
    fn docblock<'a>(page: &'a str, function: &str) -> &'a str {
        let (_, docs) = page
            .split_once("<div class=\"docblock\">")
            .unwrap_or_else(|| panic!("{function}: no docs at all on its page"));
        docs
    }

    /// The HTML of the "Latency" section: from its `<h2>` to the next `<h2>` or the end of the docs.
    /// Panics if there is none, or more than one.
    fn latency_section<'a>(page: &'a str, function: &str) -> &'a str {
        let docs = docblock(page, function);
        let sections: Vec<&str> = docs
            .split("<h2")
            .skip(1)
            .filter(|section| {
                let heading = section
                    .split_once("</h2>")
                    .map_or("", |(heading, _)| heading);
                text(&format!("<h2{heading}"))
                    .trim_start_matches('§')
                    .trim()
                    == "Latency"
            })
            .collect();
        assert_eq!(
            sections.len(),
            1,
            "{function}: expected one \"Latency\" section in its docs:\n{docs}"
        );
        sections[0].split_once("</h2>").unwrap().1
    }

    /// The text of an HTML fragment: tags dropped, character references resolved.
    fn text(html: &str) -> String {
        let mut stripped = String::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            stripped.push_str(&rest[..open]);
            let close = rest[open..]
                .find('>')
                .unwrap_or_else(|| panic!("unclosed tag in {html:?}"));
            rest = &rest[open + close + 1..];
        }
        stripped.push_str(rest);
        unescape(&stripped)
    }

    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            let semi = rest[amp..]
                .find(';')
                .unwrap_or_else(|| panic!("a bare `&` in {s:?}"));
            let entity = &rest[amp + 1..amp + semi];
            let c = match entity {
                "quot" => '"',
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let code = if let Some(hex) = entity.strip_prefix("#x") {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = entity.strip_prefix('#') {
                        dec.parse().ok()
                    } else {
                        None
                    };
                    code.and_then(char::from_u32).unwrap_or_else(|| {
                        panic!("unknown character reference &{entity}; in {s:?}")
                    })
                }
            };
            out.push(c);
            rest = &rest[amp + semi + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The text of every ```` ```promql ```` block of an HTML fragment, as rustdoc renders a fence
    /// of a language it does not know: `<pre class="language-promql"><code>...</code></pre>`.
    fn promql_blocks(html: &str) -> Vec<String> {
        html.split("<pre class=\"language-promql\">")
            .skip(1)
            .map(|block| {
                let (block, _) = block
                    .split_once("</pre>")
                    .unwrap_or_else(|| panic!("unclosed <pre> in {html}"));
                text(block)
            })
            .collect()
    }

    /// The queries of the blocks: one per line, a line starting with white space continuing the
    /// previous one (`  / sum(...)`).
    fn queries(blocks: &[String]) -> Vec<String> {
        let mut queries: Vec<String> = Vec::new();
        for block in blocks {
            let mut in_block = 0;
            for line in block.lines().filter(|l| !l.trim().is_empty()) {
                if line.starts_with(char::is_whitespace) {
                    assert!(in_block > 0, "a continuation line first in {block:?}");
                    let last = queries.last_mut().unwrap();
                    last.push('\n');
                    last.push_str(line);
                } else {
                    queries.push(line.to_owned());
                    in_block += 1;
                }
            }
        }
        queries
    }

    /// The label matchers of every `{...}` selector of `query`, as `(name, value)`.
    fn selectors(query: &str) -> Vec<Vec<(String, String)>> {
        query
            .split('{')
            .skip(1)
            .map(|rest| {
                let (matchers, _) = rest
                    .split_once('}')
                    .unwrap_or_else(|| panic!("unclosed selector in {query:?}"));
                matchers
                    .split(',')
                    .map(|matcher| {
                        let (name, value) = matcher.split_once('=').unwrap_or_else(|| {
                            panic!("not `name=\"value\"`: {matcher:?} in {query}")
                        });
                        let value = value
                            .strip_prefix('"')
                            .and_then(|v| v.strip_suffix('"'))
                            .unwrap_or_else(|| panic!("unquoted value: {matcher:?} in {query}"));
                        (name.trim().to_owned(), value.to_owned())
                    })
                    .collect()
            })
            .collect()
    }

    /// The queries of a function's section, checked: p50, p99 and the error ratio, each of whose
    /// selectors picks exactly the function's series (plus `result="error"` in the ratio's
    /// numerator).
    struct Queries {
        p50: String,
        p99: String,
        error_ratio: String,
    }

    fn checked_queries(doc: &Path, function: &str) -> Queries {
        let page = page(doc, function);
        let section = latency_section(&page, function);
        let blocks = promql_blocks(section);
        assert_eq!(blocks.len(), 2, "{function}: two promql blocks:\n{section}");
        let all = queries(&blocks);
        assert_eq!(all.len(), 3, "{function}: three queries: {all:#?}");
        let own = [
            ("function".to_owned(), function.to_owned()),
            ("module".to_owned(), MODULE.to_owned()),
        ];
        for query in &all {
            let selectors = selectors(query);
            assert!(!selectors.is_empty(), "{function}: no selector in {query}");
            for selector in &selectors {
                let extra: Vec<_> = selector.iter().filter(|m| !own.contains(m)).collect();
                assert!(
                    own.iter().all(|m| selector.contains(m))
                        && (extra.is_empty()
                            || extra == [&("result".to_owned(), "error".to_owned())]),
                    "{function}: a selector not for function=\"{function}\",module=\"{MODULE}\": \
                 {selector:?} in\n{query}"
                );
            }
        }
        let only = |what: &str, pred: &dyn Fn(&String) -> bool| {
            let found: Vec<&String> = all.iter().filter(|q| pred(q)).collect();
            assert_eq!(found.len(), 1, "{function}: one {what} query in {all:#?}");
            found[0].clone()
        };
        // Summed `by (function, le)`, never across functions: their `le` sets may differ.
        let bucket_quantile = |q: &str, phi: &str| {
            q.starts_with(&format!(
                "histogram_quantile({phi}, sum by (function, le) (rate(function_duration_seconds_bucket{{"
            ))
        };
        Queries {
            p50: only("p50", &|q| bucket_quantile(q, "0.5")),
            p99: only("p99", &|q| bucket_quantile(q, "0.99")),
            error_ratio: only("error ratio", &|q| {
                q.contains("result=\"error\"")
                    && q.contains(" / ")
                    && q.matches("rate(function_duration_seconds_count{").count() == 2
            }),
        }
    }

    #[test]
    fn latency_docs_have_working_promql() {
        // Prometheus starts scraping while `cargo rustdoc` runs.
        let server = MetricsServer::builder()
            .bind("127.0.0.1:0")
            .start()
            .expect("serving the global registry");
        let prometheus = tests::servers::prometheus(server.local_addr());
        let load = Load::start();

        let doc = cargo_doc();

        let looked_up = checked_queries(&doc, "lookup");
        let section = text(latency_section(&page(&doc, "lookup"), "lookup"));
        assert!(
            section.contains(
                "summed by (function, le): instrumented functions may have different bucket bounds"
            ),
            "lookup: the section does not say why the quantiles keep `function`:\n{section}"
        );
        // The undocumented function's section came through `#[cfg_attr(doc, doc = ...)]`; the
        // same queries, for its own series.
        let undocumented = checked_queries(&doc, "undocumented");
        for (theirs, ours) in [
            (&undocumented.p50, &looked_up.p50),
            (&undocumented.p99, &looked_up.p99),
            (&undocumented.error_ratio, &looked_up.error_ratio),
        ] {
            assert_eq!(
                *theirs,
                ours.replace("function=\"lookup\"", "function=\"undocumented\"")
            );
        }

        // `histogram = expr`: the section names the expression, and has no PromQL.
        let timed = page(&doc, "timed");
        let section = latency_section(&timed, "timed");
        assert!(
            promql_blocks(section).is_empty(),
            "timed: PromQL in\n{section}"
        );
        assert!(
            !section.contains("<pre"),
            "timed: a code block in\n{section}"
        );
        let names_the_expression = section.split("<code>").skip(1).any(|code| {
            let code = text(code.split_once("</code>").map_or(code, |(c, _)| c));
            code.split_whitespace().collect::<String>() == "Timed::global().call_duration_seconds"
        });
        assert!(
            names_the_expression,
            "timed: `Timed::global().call_duration_seconds` not named in\n{section}"
        );
        assert!(
            !docblock(&timed, "timed").contains("function_duration_seconds"),
            "timed records into its own histogram"
        );

        // The queries of `lookup`, as rendered, against the calls being made.
        let started = Instant::now();
        let finite = |what: &str, promql: &str| {
            eventually(&format!("{what}: {promql}"), || {
                query(&prometheus, promql).filter(|v| v.is_finite())
            })
        };
        let p50 = finite("p50", &looked_up.p50);
        let p99 = finite("p99", &looked_up.p99);
        let error_ratio = finite("error ratio", &looked_up.error_ratio);
        eprintln!(
            "after {:?} more: p50 {p50}, p99 {p99}, error ratio {error_ratio}",
            started.elapsed()
        );
        // Trivial calls all land in the first default bucket, `le="0.005"`, which
        // `histogram_quantile` interpolates from 0.
        assert!(p50 > 0.0 && p50 <= 0.005, "p50 {p50}");
        assert!(p99 > 0.0 && p99 <= 0.005, "p99 {p99}");
        assert!(p50 <= p99, "p50 {p50} > p99 {p99}");
        assert!(
            (0.2..=0.3).contains(&error_ratio),
            "error ratio {error_ratio}: one key in 4 is an error"
        );

        drop(load);
        drop(prometheus);
        server.shutdown();
    }
}

//! `#[instrument_latency]`: every call lands in `function_duration_seconds` under the right
//! `result` (ok, error, panic, cancelled), methods are named `Type::method`, `histogram = ...`
//! records elsewhere, and every instrumented function is exported from the first scrape, at zero
//! for the outcomes it can have (`error` for a `Result`, `cancelled` for an async function,
//! `zero = [...]`), the others appearing when they happen.
//! Its own binary: it reads the global registry. Each test calls functions of its own, so the
//! tests of this binary, run in parallel, never count each other's calls.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use metrics_core::{
    instrument_latency, CallLabels, CallOutcome, Family, FunctionLabels, FunctionMetrics,
    Histogram, LabelSet, MetricSet, Registry, ResultLabels,
};

const MODULE: &str = module_path!();

/// The `_count` of every series of `function` in the global exposition, `result=count` in
/// exposition order: `"ok=2 error=1"`.
fn counts(function: &str) -> String {
    let text = metrics_export::encode_text(Registry::global());
    let prefix = format!(
        "function_duration_seconds_count{{function=\"{function}\",module=\"{MODULE}\",result=\""
    );
    let series: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(&prefix)?;
            let (result, count) = rest.split_once("\"} ")?;
            Some(format!("{result}={count}"))
        })
        .collect();
    series.join(" ")
}

// ---- sync functions: ok, error, panic, early return, `?`, aliases -------------------------

#[instrument_latency]
fn checked(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    if n == 0 {
        return Ok(0);
    }
    if n > 100 {
        return "not a number".parse::<u32>();
    }
    Ok(n * 2)
}

#[instrument_latency]
fn read(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

type AppResult<T> = Result<T, String>;

#[instrument_latency]
fn lookup(key: u32) -> AppResult<u32> {
    match key {
        0 => Err("no key 0".to_owned()),
        k => Ok(k),
    }
}

#[instrument_latency]
fn first_even(items: &[u32]) -> Option<u32> {
    let first = items.first()?;
    (first % 2 == 0).then_some(*first)
}

#[instrument_latency]
fn crash(really: bool) -> u32 {
    assert!(!really, "asked to crash");
    1
}

#[instrument_latency]
fn nothing() {}

#[test]
fn sync_calls_are_counted_by_result() {
    assert_eq!(checked("7"), Ok(14)); // ok, last expression
    assert_eq!(checked("0"), Ok(0)); // ok, early return
    assert!(checked("x").is_err()); // error, through `?`
    assert!(checked("101").is_err()); // error, early return
    assert!(checked("-").is_err());
    assert_eq!(counts("checked"), "ok=2 error=3");

    assert!(read("/nonexistent/instrument_latency").is_err());
    assert_eq!(counts("read"), "ok=0 error=1", "io::Result is a Result");

    // Through a user alias the outcome is still read, but the attribute does not see a
    // `Result` in the signature: `error` appears with the first error.
    assert_eq!(counts("lookup"), "ok=0");
    assert_eq!(lookup(3), Ok(3));
    assert_eq!(lookup(0), Err("no key 0".to_owned()));
    assert_eq!(counts("lookup"), "ok=1 error=1", "through a user alias");

    // `None` is not an error: only `Result` has one.
    assert_eq!(first_even(&[]), None);
    assert_eq!(first_even(&[2]), Some(2));
    assert_eq!(counts("first_even"), "ok=2");

    nothing();
    nothing();
    assert_eq!(counts("nothing"), "ok=2");
}

#[test]
fn a_panicking_call_is_counted_as_panic() {
    assert_eq!(crash(false), 1);
    assert_eq!(counts("crash"), "ok=1", "no `panic` series before a panic");
    let caught = std::panic::catch_unwind(|| crash(true));
    assert!(caught.is_err());
    assert_eq!(counts("crash"), "ok=1 panic=1");
    let caught = std::panic::catch_unwind(|| crash(true));
    assert!(caught.is_err());
    assert_eq!(counts("crash"), "ok=1 panic=2");
}

// ---- `zero = [...]`: outcomes at zero on request ------------------------------------------

/// `panic` at zero, asked for.
#[instrument_latency(zero = [panic])]
fn guarded(really: bool) -> u32 {
    assert!(!really, "asked to crash");
    1
}

/// A `Result` behind an alias of another name, `error` at zero when asked for.
#[instrument_latency(zero = [error])]
fn find(key: u32) -> AppResult<u32> {
    key.checked_sub(1).ok_or_else(|| "no key 0".to_owned())
}

#[test]
fn zero_puts_outcomes_at_zero_before_they_happen() {
    assert_eq!(counts("guarded"), "ok=0 panic=0");
    assert_eq!(guarded(false), 1);
    let caught = std::panic::catch_unwind(|| guarded(true));
    assert!(caught.is_err());
    assert_eq!(counts("guarded"), "ok=1 panic=1");

    assert_eq!(counts("find"), "ok=0 error=0");
    assert_eq!(find(0), Err("no key 0".to_owned()));
    assert_eq!(counts("find"), "ok=0 error=1");
}

// ---- async functions: completion, cancellation ---------------------------------------------

/// A future that is pending until `open` is set.
struct Gate<'a>(&'a AtomicBool);

impl Future for Gate<'_> {
    type Output = ();

    fn poll(self: std::pin::Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[instrument_latency]
async fn wait_then_parse(gate: &AtomicBool, input: &str) -> Result<u32, std::num::ParseIntError> {
    Gate(gate).await;
    let n: u32 = input.parse()?;
    Ok(n)
}

#[instrument_latency]
async fn async_crash(gate: &AtomicBool) -> u8 {
    Gate(gate).await;
    panic!("asked to crash")
}

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: Future + ?Sized>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn instrumented_futures_stay_send() {
    let open = AtomicBool::new(true);
    assert_send(&wait_then_parse(&open, "1"));
    assert_send(&run_step(false));
    assert_send(&Cache::default().hits_later());
}

#[test]
fn async_calls_are_ok_error_panic_or_cancelled() {
    let open = AtomicBool::new(true);
    assert_eq!(
        poll_once(pin!(wait_then_parse(&open, "5"))),
        Poll::Ready(Ok(5))
    );
    assert!(matches!(
        poll_once(pin!(wait_then_parse(&open, "x"))),
        Poll::Ready(Err(_))
    ));
    assert_eq!(counts("wait_then_parse"), "ok=1 error=1 cancelled=0");

    // Pending at the gate, then dropped: cancelled.
    let closed = AtomicBool::new(false);
    {
        let mut future = pin!(wait_then_parse(&closed, "5"));
        assert_eq!(poll_once(future.as_mut()), Poll::Pending);
        assert_eq!(poll_once(future.as_mut()), Poll::Pending);
    }
    assert_eq!(counts("wait_then_parse"), "ok=1 error=1 cancelled=1");

    // Never polled: the call never started, nothing is recorded.
    drop(wait_then_parse(&closed, "5"));
    assert_eq!(counts("wait_then_parse"), "ok=1 error=1 cancelled=1");

    // Pending, then completed.
    {
        let gate = AtomicBool::new(false);
        let mut future = pin!(wait_then_parse(&gate, "6"));
        assert_eq!(poll_once(future.as_mut()), Poll::Pending);
        gate.store(true, Ordering::SeqCst);
        assert_eq!(poll_once(future.as_mut()), Poll::Ready(Ok(6)));
    }
    assert_eq!(counts("wait_then_parse"), "ok=2 error=1 cancelled=1");

    assert_eq!(counts("async_crash"), "ok=0 cancelled=0");
    let caught = std::panic::catch_unwind(|| poll_once(pin!(async_crash(&open))));
    assert!(caught.is_err());
    assert_eq!(counts("async_crash"), "ok=0 panic=1 cancelled=0");
}

// ---- impl blocks: `Type::method`, receivers, skip ------------------------------------------

#[derive(Debug, Default)]
struct Cache {
    hits: u32,
}

#[instrument_latency]
impl Cache {
    fn new() -> Self {
        Self::default()
    }

    fn hits(&self) -> u32 {
        self.hits
    }

    fn hit(&mut self) -> &mut u32 {
        self.hits += 1;
        &mut self.hits
    }

    fn into_hits(self) -> u32 {
        self.hits
    }

    fn boxed(self: Box<Self>) -> u32 {
        self.hits
    }

    fn shared(self: Arc<Self>) -> u32 {
        self.hits
    }

    async fn hits_later(&self) -> u32 {
        self.hits
    }

    async fn into_hits_later(self) -> u32 {
        self.hits
    }

    fn failing(&self) -> Result<(), fmt::Error> {
        Err(fmt::Error)
    }

    #[instrument_latency(skip)]
    fn skipped(&self) -> u32 {
        self.hits
    }

    /// Left alone: a `const fn` has no clock.
    const fn constant() -> u32 {
        7
    }
}

#[instrument_latency]
impl fmt::Display for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} hits", self.hits)
    }
}

#[test]
fn impl_blocks_name_methods_by_type_and_honour_skip() {
    let mut cache = Cache::new();
    *cache.hit() += 10;
    assert_eq!(cache.hits(), 11);
    assert_eq!(
        poll_once(pin!(cache.hits_later())),
        Poll::Ready(11),
        "async method"
    );
    assert_eq!(cache.failing(), Err(fmt::Error));
    assert_eq!(cache.to_string(), "11 hits");
    assert_eq!(cache.skipped(), 11);
    assert_eq!(Cache::constant(), 7);
    assert_eq!(Box::new(Cache::new()).boxed(), 0);
    assert_eq!(Arc::new(Cache::new()).shared(), 0);
    assert_eq!(
        poll_once(pin!(Cache::new().into_hits_later())),
        Poll::Ready(0)
    );
    assert_eq!(cache.into_hits(), 11);

    assert_eq!(counts("Cache::new"), "ok=4");
    assert_eq!(counts("Cache::hit"), "ok=1");
    assert_eq!(counts("Cache::hits"), "ok=1");
    assert_eq!(counts("Cache::into_hits"), "ok=1");
    assert_eq!(counts("Cache::boxed"), "ok=1");
    assert_eq!(counts("Cache::shared"), "ok=1");
    assert_eq!(counts("Cache::failing"), "ok=0 error=1");
    assert_eq!(
        counts("Cache::fmt"),
        "ok=1 error=0",
        "a trait impl, `fmt::Result`"
    );
    assert_eq!(counts("Cache::hits_later"), "ok=1 cancelled=0");
    assert_eq!(counts("Cache::into_hits_later"), "ok=1 cancelled=0");
    assert_eq!(counts("Cache::skipped"), "");
    assert_eq!(counts("Cache::constant"), "");
}

/// Two `impl` blocks of one generic type: their methods share a name, so they share a series.
struct Slot<T>(T);

#[instrument_latency]
impl Slot<u8> {
    fn get(&self) -> u8 {
        self.0
    }
}

#[instrument_latency]
impl Slot<u16> {
    fn get(&self) -> u16 {
        self.0
    }
}

#[test]
fn functions_of_one_module_with_one_name_share_their_series() {
    assert_eq!(Slot(1u8).get(), 1);
    assert_eq!(Slot(2u16).get(), 2);
    assert_eq!(counts("Slot::get"), "ok=2");
}

// ---- `#[async_trait]` methods: each placement of the attribute -----------------------------

#[async_trait::async_trait]
trait Store {
    async fn fetch(&self, gate: &AtomicBool, input: &str) -> Result<u32, std::num::ParseIntError>;
    async fn touch(&self);

    /// A default method: `#[async_trait]` boxes its future too.
    #[instrument_latency(name = "Store::version")]
    async fn version(&self) -> u8 {
        1
    }
}

/// `#[instrument_latency]` above `#[async_trait]`: it sees the `async fn`s as written.
struct Ledger;

#[instrument_latency]
#[async_trait::async_trait]
impl Store for Ledger {
    async fn fetch(&self, gate: &AtomicBool, input: &str) -> Result<u32, std::num::ParseIntError> {
        Gate(gate).await;
        input.parse()
    }

    async fn touch(&self) {}
}

/// `#[instrument_latency]` below `#[async_trait]`: it sees the methods `#[async_trait]` wrote,
/// returning `Pin<Box<dyn Future + Send>>` from `Box::pin(async move { ... })`.
struct Vault;

#[async_trait::async_trait]
#[instrument_latency]
impl Store for Vault {
    async fn fetch(&self, gate: &AtomicBool, input: &str) -> Result<u32, std::num::ParseIntError> {
        Gate(gate).await;
        let n: u32 = input.parse()?;
        Ok(n)
    }

    async fn touch(&self) {}
}

/// `#[instrument_latency]` on a method of an `#[async_trait]` block: the same as below it.
struct Depot;

#[async_trait::async_trait]
impl Store for Depot {
    #[instrument_latency(name = "Depot::fetch")]
    async fn fetch(&self, gate: &AtomicBool, input: &str) -> Result<u32, std::num::ParseIntError> {
        Gate(gate).await;
        if input.is_empty() {
            panic!("nothing to parse");
        }
        input.parse()
    }

    async fn touch(&self) {}
}

/// ok, error, cancelled (and a future never polled: nothing) through the trait object.
fn exercise(store: &dyn Store, function: &str) {
    let open = AtomicBool::new(true);
    assert_send(&store.fetch(&open, "1"));
    assert_eq!(
        poll_once(store.fetch(&open, "5").as_mut()),
        Poll::Ready(Ok(5))
    );
    assert!(matches!(
        poll_once(store.fetch(&open, "x").as_mut()),
        Poll::Ready(Err(_))
    ));
    let closed = AtomicBool::new(false);
    {
        let mut future = store.fetch(&closed, "5");
        assert_eq!(poll_once(future.as_mut()), Poll::Pending);
        assert_eq!(poll_once(future.as_mut()), Poll::Pending);
    }
    drop(store.fetch(&closed, "5"));
    {
        let gate = AtomicBool::new(false);
        let mut future = store.fetch(&gate, "6");
        assert_eq!(poll_once(future.as_mut()), Poll::Pending);
        gate.store(true, Ordering::SeqCst);
        assert_eq!(poll_once(future.as_mut()), Poll::Ready(Ok(6)));
    }
    assert_eq!(counts(function), "ok=2 error=1 cancelled=1", "{function}");
}

#[test]
fn async_trait_methods_are_timed_until_their_future_completes() {
    exercise(&Ledger, "Ledger::fetch");
    exercise(&Vault, "Vault::fetch");
    exercise(&Depot, "Depot::fetch");

    assert_eq!(poll_once(Ledger.touch().as_mut()), Poll::Ready(()));
    assert_eq!(poll_once(Vault.touch().as_mut()), Poll::Ready(()));
    assert_eq!(counts("Ledger::touch"), "ok=1 cancelled=0");
    assert_eq!(counts("Vault::touch"), "ok=1 cancelled=0");
    assert_eq!(counts("Depot::touch"), "", "not instrumented");
    assert_eq!(poll_once(Ledger.version().as_mut()), Poll::Ready(1));
    assert_eq!(poll_once(Depot.version().as_mut()), Poll::Ready(1));
    assert_eq!(counts("Store::version"), "ok=2 cancelled=0");

    let open = AtomicBool::new(true);
    let caught = std::panic::catch_unwind(|| poll_once(Depot.fetch(&open, "").as_mut()));
    assert!(caught.is_err());
    assert_eq!(counts("Depot::fetch"), "ok=2 error=1 panic=1 cancelled=1");
}

// ---- generics, `impl Trait`, `name` --------------------------------------------------------

#[instrument_latency]
fn largest<T: PartialOrd + Copy>(items: &[T]) -> T {
    let mut best = items[0];
    for &item in items {
        if item > best {
            best = item;
        }
    }
    best
}

#[instrument_latency]
fn parse_all<T: std::str::FromStr>(inputs: &[&str]) -> Result<Vec<T>, T::Err> {
    inputs.iter().map(|s| s.parse()).collect()
}

#[instrument_latency]
fn shout(word: impl fmt::Display) -> impl fmt::Display {
    format!("{word}!")
}

#[instrument_latency]
fn evens(items: &[u32]) -> impl Iterator<Item = &u32> + '_ {
    items.iter().filter(|n| *n % 2 == 0)
}

#[instrument_latency(name = "custom::name")]
fn renamed() -> u8 {
    1
}

/// A generic `T` that is a `Result` is still `ok`: the outcome is chosen for the parameter.
#[instrument_latency]
fn identity<T>(value: T) -> T {
    value
}

#[test]
fn generic_and_impl_trait_functions() {
    assert_eq!(largest(&[3, 9, 2]), 9);
    assert_eq!(largest(&[0.5, -1.0]), 0.5);
    assert_eq!(counts("largest"), "ok=2");

    assert_eq!(parse_all::<u8>(&["1", "2"]), Ok(vec![1, 2]));
    assert!(parse_all::<u8>(&["1", "x"]).is_err());
    assert_eq!(counts("parse_all"), "ok=1 error=1");

    assert_eq!(shout("hey").to_string(), "hey!");
    assert_eq!(evens(&[1, 2, 4]).count(), 2);
    assert_eq!(counts("shout"), "ok=1");
    assert_eq!(counts("evens"), "ok=1");

    assert_eq!(renamed(), 1);
    assert_eq!(counts("custom::name"), "ok=1");
    assert_eq!(counts("renamed"), "");

    assert!(identity(Err::<(), _>(1)).is_err());
    assert_eq!(counts("identity"), "ok=1");
}

// ---- `histogram = expr` ---------------------------------------------------------------------

/// Job metrics.
#[derive(MetricSet)]
#[metric_set(prefix = "jobs")]
pub struct JobMetrics {
    /// Time to run one job
    pub run_duration_seconds: Histogram,
    /// Time to run one job, by result
    pub step_duration_seconds: Family<ResultLabels, Histogram>,
}

#[instrument_latency(histogram = JobMetrics::global().run_duration_seconds)]
fn run_job(fail: bool) -> Result<(), String> {
    if fail {
        return Err("failed".to_owned());
    }
    Ok(())
}

#[instrument_latency(histogram = JobMetrics::global().step_duration_seconds)]
async fn run_step(fail: bool) -> Result<(), String> {
    if fail {
        return Err("failed".to_owned());
    }
    Ok(())
}

/// A histogram reached through `self`.
struct Worker {
    latency: Histogram,
}

impl Worker {
    #[instrument_latency(histogram = self.latency)]
    fn work(&self) -> u8 {
        1
    }
}

#[test]
fn histogram_expr_records_into_the_given_histogram() {
    let worker = Worker {
        latency: Histogram::new(),
    };
    assert_eq!(worker.work() + worker.work(), 2);
    assert_eq!(worker.latency.count(), 2);
    assert_eq!(counts("work"), "");

    run_job(false).unwrap();
    run_job(true).unwrap_err();
    assert_eq!(JobMetrics::global().run_duration_seconds.count(), 2);

    assert_eq!(
        poll_once(pin!(run_step(true))),
        Poll::Ready(Err("failed".into()))
    );
    let steps = &JobMetrics::global().step_duration_seconds;
    let by_result: Vec<u64> = CallOutcome::ALL
        .iter()
        .map(|&result| steps.with(&ResultLabels { result }).count())
        .collect();
    assert_eq!(by_result, [0, 1, 0, 0]);

    // Not in the global family.
    assert_eq!(counts("run_job"), "");
    assert_eq!(counts("run_step"), "");
}

// ---- `histogram = expr` into a family keeping the labels of `function_duration_seconds` ----

/// Labels of the user's own, built from the call: which step, whether it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct StepLabels {
    pub step: &'static str,
    pub failed: bool,
}

impl CallLabels for StepLabels {
    fn from_call(call: &FunctionLabels) -> Self {
        Self {
            step: call.function,
            failed: call.result != CallOutcome::Ok,
        }
    }
}

/// Parser metrics, with buckets of their own.
#[derive(MetricSet)]
#[metric_set(prefix = "parser", global = false)]
pub struct ParserMetrics {
    /// Time to parse one token
    #[metric(buckets = [0.5])]
    pub token_duration_seconds: Family<FunctionLabels, Histogram>,
    /// Time to run one step
    #[metric(buckets = [0.5])]
    pub step_duration_seconds: Family<StepLabels, Histogram>,
}

struct Parser {
    metrics: Arc<ParserMetrics>,
}

#[instrument_latency(histogram = self.metrics.token_duration_seconds)]
impl Parser {
    fn number(&self, s: &str) -> Result<u8, std::num::ParseIntError> {
        s.parse()
    }

    #[instrument_latency(name = "word")]
    fn word(&self, s: &str) -> usize {
        s.len()
    }

    #[instrument_latency(histogram = self.metrics.step_duration_seconds)]
    fn step(&self, fail: bool) -> Result<(), ()> {
        if fail {
            Err(())
        } else {
            Ok(())
        }
    }
}

#[test]
fn histogram_expr_into_a_family_of_function_labels() {
    let parser = Parser {
        metrics: Arc::new(ParserMetrics::default()),
    };
    assert_eq!(parser.number("7"), Ok(7));
    assert!(parser.number("x").is_err());
    assert!(parser.number("y").is_err());
    assert_eq!(parser.word("abc"), 3);
    assert_eq!(parser.step(true), Err(()));
    assert_eq!(parser.step(false), Ok(()));
    assert_eq!(parser.step(false), Ok(()));

    let family = &parser.metrics.token_duration_seconds;
    let count = |function, result| {
        family
            .with(&FunctionLabels {
                function,
                module: MODULE,
                result,
            })
            .count()
    };
    assert_eq!(count("Parser::number", CallOutcome::Ok), 1);
    assert_eq!(count("Parser::number", CallOutcome::Error), 2);
    assert_eq!(count("word", CallOutcome::Ok), 1);

    // Every call is far under 0.5 s: its `_sum` is shown as `SUM` once checked.
    let text: String = tests::text_of(&parser.metrics)
        .lines()
        .map(|line| match line.split_once("_sum{") {
            Some((_, rest)) => {
                let (labels, sum) = rest.rsplit_once(' ').unwrap();
                let sum: f64 = sum.parse().unwrap();
                assert!(sum > 0.0 && sum < 0.5, "{line}");
                format!(
                    "{}_sum{{{labels} SUM\n",
                    line.split_once("_sum{").unwrap().0
                )
            }
            None => format!("{line}\n"),
        })
        .collect();
    assert_eq!(
        text,
        r#"# HELP parser_token_duration_seconds Time to parse one token
# TYPE parser_token_duration_seconds histogram
parser_token_duration_seconds_bucket{function="Parser::number",module="instrument_latency",result="ok",le="0.5"} 1
parser_token_duration_seconds_bucket{function="Parser::number",module="instrument_latency",result="ok",le="+Inf"} 1
parser_token_duration_seconds_sum{function="Parser::number",module="instrument_latency",result="ok"} SUM
parser_token_duration_seconds_count{function="Parser::number",module="instrument_latency",result="ok"} 1
parser_token_duration_seconds_bucket{function="Parser::number",module="instrument_latency",result="error",le="0.5"} 2
parser_token_duration_seconds_bucket{function="Parser::number",module="instrument_latency",result="error",le="+Inf"} 2
parser_token_duration_seconds_sum{function="Parser::number",module="instrument_latency",result="error"} SUM
parser_token_duration_seconds_count{function="Parser::number",module="instrument_latency",result="error"} 2
parser_token_duration_seconds_bucket{function="word",module="instrument_latency",result="ok",le="0.5"} 1
parser_token_duration_seconds_bucket{function="word",module="instrument_latency",result="ok",le="+Inf"} 1
parser_token_duration_seconds_sum{function="word",module="instrument_latency",result="ok"} SUM
parser_token_duration_seconds_count{function="word",module="instrument_latency",result="ok"} 1
# HELP parser_step_duration_seconds Time to run one step
# TYPE parser_step_duration_seconds histogram
parser_step_duration_seconds_bucket{step="Parser::step",failed="true",le="0.5"} 1
parser_step_duration_seconds_bucket{step="Parser::step",failed="true",le="+Inf"} 1
parser_step_duration_seconds_sum{step="Parser::step",failed="true"} SUM
parser_step_duration_seconds_count{step="Parser::step",failed="true"} 1
parser_step_duration_seconds_bucket{step="Parser::step",failed="false",le="0.5"} 2
parser_step_duration_seconds_bucket{step="Parser::step",failed="false",le="+Inf"} 2
parser_step_duration_seconds_sum{step="Parser::step",failed="false"} SUM
parser_step_duration_seconds_count{step="Parser::step",failed="false"} 2
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric="parser_token_duration_seconds"} 0
metrics_series_overflow_total{metric="parser_step_duration_seconds"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric="parser_token_duration_seconds"} 0
metrics_label_value_too_long_total{metric="parser_step_duration_seconds"} 0
"#
    );
    // Not in the global family.
    assert_eq!(counts("Parser::number"), "");
}

// ---- recorded durations are real time -----------------------------------------------------

/// Sleeps `ms` milliseconds.
#[instrument_latency]
fn nap(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

/// The same, into a histogram of the caller's.
struct Sleeper {
    latency: Histogram,
}

impl Sleeper {
    #[instrument_latency(histogram = self.latency)]
    fn nap(&self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Durations are kept in clock ticks up to the histogram (`observe_ticks`): the buckets and
/// the sum they land in must still be seconds, as a wall clock measures them.
#[test]
fn recorded_durations_are_seconds_of_wall_time() {
    fn check(h: &Histogram, naps: &[u64], wall: std::time::Duration) {
        let s = h.snapshot();
        assert_eq!(s.count, naps.len() as u64);
        let slept: u64 = naps.iter().sum();
        #[allow(clippy::cast_precision_loss)]
        let at_least = slept as f64 / 1000.0;
        // At least what was slept, at most the wall time around all the calls, to within the
        // TSC's calibration against the OS clock (quanta's: 2 to 3 parts in 10,000 on the VM
        // this was written on; allow 1 in 1,000).
        let (low, high) = (at_least * 0.999, wall.as_secs_f64() * 1.001);
        assert!(
            (low..=high).contains(&s.sum),
            "sum {} not in [{low}, {high}]",
            s.sum,
        );
        // Each nap lands in a bucket whose bound it reaches: nothing at or below 0.025 s for
        // naps of 30 ms and more, everything below 10 s.
        let le = |bound: f64| {
            s.buckets
                .iter()
                .find(|b| b.upper_bound == bound)
                .unwrap()
                .cumulative_count
        };
        assert_eq!(le(0.025), 0, "{s:?}");
        assert_eq!(le(10.0), s.count, "{s:?}");
    }

    let naps = [30, 40, 60];
    let started = std::time::Instant::now();
    for ms in naps {
        nap(ms);
    }
    let wall = started.elapsed();
    let h = FunctionMetrics::global()
        .histogram(MODULE, "nap", CallOutcome::Ok)
        .unwrap();
    check(h, &naps, wall);

    let sleeper = Sleeper {
        latency: Histogram::new(),
    };
    let started = std::time::Instant::now();
    for ms in naps {
        sleeper.nap(ms);
    }
    check(&sleeper.latency, &naps, started.elapsed());

    // The exposition shows the same sum in seconds.
    let text = metrics_export::encode_text(Registry::global());
    let line = format!(
        "function_duration_seconds_sum{{function=\"nap\",module=\"{MODULE}\",result=\"ok\"}} "
    );
    let sum: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .unwrap()
        .parse()
        .unwrap();
    assert!((sum - h.sum()).abs() < 1e-9, "{sum} vs {}", h.sum());
}

// ---- exported at zero, valid exposition ----------------------------------------------------

#[instrument_latency]
#[allow(dead_code)]
fn never_called() -> Result<(), String> {
    Ok(())
}

#[instrument_latency]
#[allow(dead_code)]
async fn never_awaited() {}

#[instrument_latency]
#[allow(dead_code)]
fn never_instantiated<T: Default>() -> T {
    T::default()
}

#[instrument_latency(zero = [error])]
#[allow(dead_code)]
fn never_looked_up(key: u32) -> AppResult<u32> {
    Ok(key)
}

#[instrument_latency(zero = [panic])]
#[allow(dead_code)]
fn never_panicked() -> u8 {
    1
}

#[instrument_latency(zero = [error, panic])]
#[allow(dead_code)]
async fn never_polled() -> Result<(), String> {
    Ok(())
}

/// A block's `zero` applies to its methods; a method's own replaces it.
#[allow(dead_code)]
struct Guard;

#[instrument_latency(zero = [panic])]
#[allow(dead_code)]
impl Guard {
    fn check(&self) -> bool {
        true
    }

    #[instrument_latency(zero = [])]
    fn relaxed(&self) -> bool {
        true
    }
}

/// The series of one function never called: every bucket at zero.
fn zero_block(function: &str, results: &[&str]) -> String {
    let mut out = String::new();
    for result in results {
        let labels = format!("function=\"{function}\",module=\"{MODULE}\",result=\"{result}\"");
        for le in [
            "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
        ] {
            out.push_str(&format!(
                "function_duration_seconds_bucket{{{labels},le=\"{le}\"}} 0\n"
            ));
        }
        out.push_str(&format!("function_duration_seconds_sum{{{labels}}} 0\n"));
        out.push_str(&format!("function_duration_seconds_count{{{labels}}} 0\n"));
    }
    out
}

/// The lines of the global exposition about `function`.
fn lines_of(text: &str, function: &str) -> String {
    let needle = format!("{{function=\"{function}\",");
    text.lines()
        .filter(|l| l.contains(&needle))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn every_instrumented_function_is_exported_at_zero_before_its_first_call() {
    metrics_core::check().unwrap();
    let text = metrics_export::encode_text(Registry::global());
    assert_eq!(
        text.matches("# TYPE function_duration_seconds histogram\n")
            .count(),
        1
    );
    assert!(text.contains(
        "# HELP function_duration_seconds Wall time of the functions instrumented with #[instrument_latency], by how the call ended\n"
    ));
    // The outcomes each function can have: `error` for a `Result`, `cancelled` when async.
    assert_eq!(
        lines_of(&text, "never_called"),
        zero_block("never_called", &["ok", "error"])
    );
    assert_eq!(
        lines_of(&text, "never_awaited"),
        zero_block("never_awaited", &["ok", "cancelled"])
    );
    assert_eq!(
        lines_of(&text, "never_instantiated"),
        zero_block("never_instantiated", &["ok"])
    );
    // And those asked for with `zero = [...]`.
    assert_eq!(
        lines_of(&text, "never_looked_up"),
        zero_block("never_looked_up", &["ok", "error"])
    );
    assert_eq!(
        lines_of(&text, "never_panicked"),
        zero_block("never_panicked", &["ok", "panic"])
    );
    assert_eq!(
        lines_of(&text, "never_polled"),
        zero_block("never_polled", &["ok", "error", "panic", "cancelled"])
    );
    assert_eq!(
        lines_of(&text, "Guard::check"),
        zero_block("Guard::check", &["ok", "panic"])
    );
    assert_eq!(
        lines_of(&text, "Guard::relaxed"),
        zero_block("Guard::relaxed", &["ok"])
    );
    // Every function of this file, each once, sorted by name (they share the module).
    let functions: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("function_duration_seconds_count{function=\""))
        .filter(|l| l.contains("result=\"ok\""))
        .filter_map(|l| l.split_once('"').map(|(f, _)| f))
        .collect();
    assert_eq!(
        functions,
        [
            "Cache::boxed",
            "Cache::failing",
            "Cache::fmt",
            "Cache::hit",
            "Cache::hits",
            "Cache::hits_later",
            "Cache::into_hits",
            "Cache::into_hits_later",
            "Cache::new",
            "Cache::shared",
            "Depot::fetch",
            "Guard::check",
            "Guard::relaxed",
            "Ledger::fetch",
            "Ledger::touch",
            "Slot::get",
            "Store::version",
            "Vault::fetch",
            "Vault::touch",
            "async_crash",
            "checked",
            "crash",
            "custom::name",
            "evens",
            "find",
            "first_even",
            "guarded",
            "identity",
            "largest",
            "lookup",
            "nap",
            "never_awaited",
            "never_called",
            "never_instantiated",
            "never_looked_up",
            "never_panicked",
            "never_polled",
            "nothing",
            "parse_all",
            "read",
            "shout",
            "wait_then_parse",
        ]
    );
    assert!(FunctionMetrics::global()
        .histogram(MODULE, "never_called", CallOutcome::Cancelled)
        .is_none());
}

#[test]
fn a_local_registry_can_export_the_family() {
    let registry = Registry::new();
    registry.register_global::<FunctionMetrics>().unwrap();
    let text = metrics_export::encode_text(&registry);
    assert!(text.starts_with(
        "# HELP function_duration_seconds Wall time of the functions instrumented with #[instrument_latency], by how the call ended\n\
         # TYPE function_duration_seconds histogram\n"
    ));
    assert_eq!(
        lines_of(&text, "never_called"),
        zero_block("never_called", &["ok", "error"])
    );
}

#[test]
fn the_exposition_passes_the_reference_tools() {
    checked("1").unwrap();
    let text = metrics_export::encode_text(Registry::global());
    let (ok, output) = tests::tools::promtool_check_metrics(&text);
    assert!(
        ok && output.trim().is_empty(),
        "promtool:\n{output}\n--- input ---\n{text}"
    );

    let om = metrics_export::encode_openmetrics(Registry::global());
    assert!(om.contains("# UNIT function_duration_seconds seconds\n"));
    let (ok, output) = tests::tools::python(
        "import sys\n\
         from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
         for f in text_string_to_metric_families(sys.stdin.read()):\n    print(f.name, f.type, f.unit)",
        &[],
        om.as_bytes(),
    );
    assert!(ok, "python parser:\n{output}\n--- input ---\n{om}");
    assert!(
        output.contains("function_duration_seconds histogram seconds\n"),
        "{output}"
    );
}

//! The palingenesis daemon's metrics (seed story 7.2), shared by the example binaries.
//!
//! Where the seed breaks Prometheus conventions this follows the conventions: its gauge
//! `palingenesis_current_session_steps_total` is `palingenesis_current_session_steps` (the
//! `_total` suffix is reserved for counters, and the derive rejects it on a gauge).

use std::time::Duration;

use metrics_core::{
    Counter, ExponentialHistogram, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet,
};

/// Why a session stopped or a resume started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
pub enum ResumeReason {
    /// The API rate limit was hit.
    RateLimit,
    /// The context window ran out.
    ContextExhausted,
    /// An operator asked for it.
    Manual,
}

/// Why a resume failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
pub enum ErrorType {
    /// The resumed session did not answer in time.
    Timeout,
    /// The session process could not be spawned.
    SpawnFailed,
    /// The session state could not be read back.
    StateCorrupt,
}

/// Labels of `palingenesis_resumes_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct ResumeLabels {
    /// Why the resume started.
    pub reason: ResumeReason,
}

/// Labels of `palingenesis_resumes_failure_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct FailureLabels {
    /// Why the resume failed.
    pub error_type: ErrorType,
}

/// The daemon states of `palingenesis_daemon_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i64)]
pub enum DaemonState {
    /// Watching a session.
    Monitoring = 1,
    /// Paused by the operator.
    Paused = 2,
    /// Waiting out a rate limit.
    Waiting = 3,
    /// Resuming a session.
    Resuming = 4,
}

/// Core daemon metrics (seed story 7.2, AC1 to AC6).
#[derive(MetricSet)]
#[metric_set(prefix = "palingenesis")]
pub struct DaemonMetrics {
    /// Total number of resume operations attempted
    pub resumes_total: Family<ResumeLabels, Counter>,
    /// Total number of successful resumes
    pub resumes_success_total: Counter,
    /// Total number of failed resume attempts
    pub resumes_failure_total: Family<FailureLabels, Counter>,
    /// Total number of sessions started
    pub sessions_started_total: Counter,
    /// Total number of rate limit events detected
    pub rate_limits_total: Counter,
    /// Total number of context exhaustion events
    pub context_exhaustions_total: Counter,
    /// Current daemon state (1=monitoring, 2=paused, 3=waiting, 4=resuming)
    pub daemon_state: Gauge,
    /// Steps completed in current session
    pub current_session_steps_completed: Gauge,
    /// Total steps in current session (if known)
    pub current_session_steps: Gauge,
    /// Number of currently monitored sessions (0 or 1)
    pub active_sessions: Gauge,
    /// Current retry attempt number (0 if not retrying)
    pub retry_attempts: Gauge,
    /// Time taken for resume operations
    #[metric(buckets = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0])]
    pub resume_duration_seconds: Histogram,
    /// Time from session stop to detection
    #[metric(buckets = [0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0])]
    pub detection_latency_seconds: Histogram,
    /// Time spent waiting for rate limit backoff
    #[metric(buckets = [1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0])]
    pub wait_duration_seconds: Histogram,
    /// Duration of requests to the model API, one per session step
    #[metric(buckets = [1.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0])]
    pub api_request_duration_seconds: ExponentialHistogram,
}

/// The recording helpers of the seed's technical notes, typed: reasons and errors are enums,
/// so a misspelt label value is a compile error instead of a new series.
pub trait Instrumented {
    /// A resume operation starts.
    fn record_resume_started(&self, reason: ResumeReason);
    /// A resume operation ends; `error` is `None` on success.
    fn record_resume_completed(&self, duration: Duration, error: Option<ErrorType>);
    /// A session stop was detected `latency` after it happened.
    fn record_detection(&self, latency: Duration, stop_reason: ResumeReason);
    /// The daemon waited out a rate limit.
    fn record_wait(&self, duration: Duration);
    /// A request to the model API completed.
    fn record_api_request(&self, duration: Duration);
}

impl Instrumented for DaemonMetrics {
    fn record_resume_started(&self, reason: ResumeReason) {
        self.resumes_total.with(&ResumeLabels { reason }).inc();
    }

    fn record_resume_completed(&self, duration: Duration, error: Option<ErrorType>) {
        self.resume_duration_seconds.observe_duration(duration);
        match error {
            None => self.resumes_success_total.inc(),
            Some(error_type) => self
                .resumes_failure_total
                .with(&FailureLabels { error_type })
                .inc(),
        }
    }

    fn record_detection(&self, latency: Duration, stop_reason: ResumeReason) {
        self.detection_latency_seconds.observe_duration(latency);
        match stop_reason {
            ResumeReason::RateLimit => self.rate_limits_total.inc(),
            ResumeReason::ContextExhausted => self.context_exhaustions_total.inc(),
            ResumeReason::Manual => {}
        }
    }

    fn record_wait(&self, duration: Duration) {
        self.wait_duration_seconds.observe_duration(duration);
    }

    fn record_api_request(&self, duration: Duration) {
        self.api_request_duration_seconds.observe_duration(duration);
    }
}

impl DaemonMetrics {
    /// Sets `palingenesis_daemon_state`.
    pub fn set_state(&self, state: DaemonState) {
        self.daemon_state.set(state as i64);
    }
}

/// A small deterministic random source (xorshift64*), so simulations are repeatable.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// A uniform value in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        #[allow(clippy::cast_precision_loss)]
        let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
        unit
    }
}

/// One simulated session of the daemon: it starts, works through steps, hits a stop (rate limit,
/// context exhaustion or a manual pause), waits, and resumes, sometimes failing and retrying.
///
/// `pause` is called with each simulated span of time as the daemon would live it (a step of
/// work, the wait for a rate limit, a resume attempt): the demo service sleeps a fraction of it
/// so the gauges are seen moving; [`simulate_sessions`] skips it to fill a registry at once.
pub fn simulate_session(m: &DaemonMetrics, rng: &mut Rng, pause: &mut dyn FnMut(Duration)) {
    m.sessions_started_total.inc();
    m.active_sessions.set(1);
    m.set_state(DaemonState::Monitoring);
    #[allow(clippy::cast_possible_truncation)]
    let steps = 5 + (rng.next_f64() * 20.0) as i64;
    m.current_session_steps.set(steps);
    m.current_session_steps_completed.set(0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let stop_at = 1 + (rng.next_f64() * steps as f64) as i64;
    for done in 1..=stop_at.min(steps) {
        // A step is one request to the model API.
        let step = Duration::from_secs_f64(5.0 + rng.next_f64() * 25.0);
        pause(step);
        m.record_api_request(step);
        m.current_session_steps_completed.set(done);
    }

    let roll = rng.next_f64();
    let reason = if roll < 0.6 {
        ResumeReason::RateLimit
    } else if roll < 0.9 {
        ResumeReason::ContextExhausted
    } else {
        ResumeReason::Manual
    };
    let latency = Duration::from_secs_f64(rng.next_f64() * 1.5);
    pause(latency);
    m.record_detection(latency, reason);
    if reason == ResumeReason::RateLimit {
        m.set_state(DaemonState::Waiting);
        let wait = Duration::from_secs_f64(1.0 + rng.next_f64() * 400.0);
        pause(wait);
        m.record_wait(wait);
    } else if reason == ResumeReason::Manual {
        m.set_state(DaemonState::Paused);
        pause(Duration::from_secs_f64(10.0 + rng.next_f64() * 50.0));
    }

    m.set_state(DaemonState::Resuming);
    m.record_resume_started(reason);
    let mut attempt = 0;
    loop {
        m.retry_attempts.set(attempt);
        let duration = Duration::from_secs_f64(0.05 + rng.next_f64() * 20.0);
        pause(duration);
        let fail = rng.next_f64();
        let error = if fail < 0.08 {
            Some(ErrorType::Timeout)
        } else if fail < 0.12 {
            Some(ErrorType::SpawnFailed)
        } else if fail < 0.14 {
            Some(ErrorType::StateCorrupt)
        } else {
            None
        };
        m.record_resume_completed(duration, error);
        if error.is_none() || attempt == 2 {
            break;
        }
        attempt += 1;
    }
    m.retry_attempts.set(0);
    m.set_state(DaemonState::Monitoring);
}

/// `sessions` simulated sessions recorded at once, without pauses.
pub fn simulate_sessions(m: &DaemonMetrics, rng: &mut Rng, sessions: u32) {
    for _ in 0..sessions {
        simulate_session(m, rng, &mut |_| {});
    }
}

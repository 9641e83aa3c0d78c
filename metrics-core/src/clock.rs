//! The clock of `#[instrument_latency]`: quanta's, which reads the CPU's time-stamp counter where
//! it is invariant and synchronized (cheaper than `std::time::Instant::now`:
//! `benches/instrument.rs` measures both), calibrated against the OS clock once, and falls back
//! to the OS monotonic clock elsewhere.
//!
//! Durations stay in raw ticks up to the histogram: [`Histogram::observe_ticks`] compares them
//! with its bounds converted to ticks once and adds them to an integer sum, converted to seconds
//! only when read. Converting each reading to seconds (a 128-bit multiply, an integer to float
//! conversion, a division) and searching float bounds costs more than the two clock reads once
//! the CPU cannot overlap them with the reads, which it does not across `rdtsc`.
//!
//! [`Histogram::observe_ticks`]: crate::Histogram

use std::sync::OnceLock;
use std::time::Duration;

struct TickClock {
    clock: quanta::Clock,
    /// Seconds per raw tick: the calibration's ratio (1e-9 for the OS clock's nanoseconds).
    seconds_per_tick: f64,
    /// Whether quanta reads the time-stamp counter: its ticks are not nanoseconds.
    is_tsc: bool,
}

fn tick_clock() -> &'static TickClock {
    static CLOCK: OnceLock<TickClock> = OnceLock::new();
    CLOCK.get_or_init(|| {
        let clock = quanta::Clock::new();
        // The scaling is linear: the nanoseconds of 2^40 ticks give the ratio to within
        // 2^-40 relative.
        const SPAN: u64 = 1 << 40;
        let nanos = clock.delta_as_nanos(0, SPAN);
        #[allow(clippy::cast_precision_loss)]
        let seconds_per_tick = nanos as f64 * 1e-9 / SPAN as f64;
        TickClock {
            clock,
            seconds_per_tick,
            // The OS clock's readings are nanoseconds, unscaled; a TSC's are scaled (a TSC at
            // exactly 1 GHz, calibrated exactly, would be the only confusion).
            is_tsc: nanos != SPAN,
        }
    })
}

/// The clock's raw reading, in ticks.
#[inline]
pub(crate) fn now() -> u64 {
    tick_clock().clock.raw()
}

/// The ticks from `start` to now; 0 if the counter reads earlier than `start` (a TSC read on
/// another core, slightly behind).
#[inline]
pub(crate) fn ticks_since(start: u64) -> u64 {
    now().saturating_sub(start)
}

/// Which clock runs: `"tsc"` (the CPU's time-stamp counter) or `"os"` (the OS monotonic
/// clock, where quanta finds no invariant TSC).
pub(crate) fn source() -> &'static str {
    if tick_clock().is_tsc {
        "tsc"
    } else {
        "os"
    }
}

/// How long one tick lasts, in seconds.
pub(crate) fn seconds_per_tick() -> f64 {
    tick_clock().seconds_per_tick
}

/// `ticks` in seconds, as a histogram's sum adds them up.
pub(crate) fn seconds(ticks: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let ticks = ticks as f64;
    ticks * seconds_per_tick()
}

/// `ticks` as a duration.
pub(crate) fn duration(ticks: u64) -> Duration {
    tick_clock().clock.delta(0, ticks)
}

/// The largest number of ticks that lasts at most `seconds` (what `le = seconds` holds).
pub(crate) fn ticks_within(seconds: f64) -> u64 {
    // `as` saturates: a bound beyond 2^64 ticks holds every reading.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ticks = (seconds / seconds_per_tick()).floor() as u64;
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_and_seconds_agree() {
        let spt = seconds_per_tick();
        assert!(spt > 0.0 && spt < 1e-6, "{spt}");
        for seconds in [0.005, 0.1, 1.0, 10.0] {
            let t = ticks_within(seconds);
            // `t` lasts at most `seconds`, `t + 1` longer (to float precision).
            assert!(t as f64 * spt <= seconds * (1.0 + 1e-12), "{seconds}: {t}");
            assert!(
                (t + 1) as f64 * spt > seconds * (1.0 - 1e-12),
                "{seconds}: {t}"
            );
            let d = duration(t).as_secs_f64();
            assert!(
                (d - seconds).abs() <= seconds * 1e-6 + 1e-9,
                "{seconds}: {d}"
            );
        }
    }

    #[test]
    fn the_source_matches_the_tick_length() {
        match source() {
            // The OS clock counts nanoseconds.
            "os" => assert!((seconds_per_tick() - 1e-9).abs() < 1e-21),
            "tsc" => assert!((seconds_per_tick() - 1e-9).abs() > 1e-15),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn the_clock_moves_forward() {
        let start = now();
        std::thread::sleep(Duration::from_millis(5));
        let ticks = ticks_since(start);
        let slept = ticks as f64 * seconds_per_tick();
        assert!((0.004..1.0).contains(&slept), "{slept}");
    }
}

//! The rules of a histogram point (the samples of one label set, without `le`, at one
//! timestamp): buckets in increasing order with cumulative counts, a `+Inf` bucket equal to
//! `_count`, `_sum` and `_count` together; the same for gauge histograms' `_gcount`, `_gsum`.

use super::family::{sorted_labels, OpenFamily};
use crate::parse::family::Labels;
use crate::parse::lex::format_labels;
use crate::parse::{MetricType, ParseError, Sample};

/// The samples of one histogram point: one label set (without `le`) and timestamp.
pub(super) struct HistogramRun {
    key: Labels,
    timestamp: Option<f64>,
    /// The last bucket's bound and cumulative count.
    bound: Option<f64>,
    cumulative: f64,
    negative_buckets: bool,
    /// The `_count` (`_gcount`) value and its line.
    count: Option<(f64, usize)>,
    /// The lines of `_sum` and `_gsum`, and of a negative `_gsum`.
    sum: Option<usize>,
    gsum: Option<usize>,
    negative_gsum: Option<usize>,
    last_line: usize,
}

impl OpenFamily {
    /// Buckets in increasing order with counts that do not decrease; the rest is checked at
    /// the end of the point ([`HistogramRun::check`]).
    pub(super) fn histogram_sample(
        &mut self,
        n: usize,
        sample: &Sample,
        suffix: &str,
        bound: Option<f64>,
    ) -> Result<(), ParseError> {
        let kind = self.kind.unwrap_or(MetricType::Unknown);
        let key = sorted_labels(&sample.labels, Some("le"));
        let same_point = self
            .run
            .as_ref()
            .is_some_and(|run| run.key == key && run.timestamp == sample.timestamp);
        if !same_point {
            if let Some(run) = self.run.take() {
                run.check(&self.name, kind)?;
            }
            self.run = Some(HistogramRun {
                key,
                timestamp: sample.timestamp,
                bound: None,
                cumulative: 0.0,
                negative_buckets: false,
                count: None,
                sum: None,
                gsum: None,
                negative_gsum: None,
                last_line: n,
            });
        }
        let run = self.run.as_mut().expect("started above");
        run.last_line = n;
        let value = sample.value;
        match suffix {
            "_bucket" => {
                let bound = bound.expect("checked by the caller");
                if let Some(previous) = run.bound.filter(|&p| bound <= p) {
                    return Err(ParseError::new(
                        n,
                        format!(
                            "bucket `le=\"{}\"` comes after `le` {previous}: buckets must be in \
                             increasing order",
                            sample.label("le").unwrap_or_default()
                        ),
                    ));
                }
                if value < run.cumulative {
                    return Err(ParseError::new(
                        n,
                        format!(
                            "bucket count {value} is below the previous bucket's {}: bucket \
                             counts are cumulative",
                            run.cumulative
                        ),
                    ));
                }
                run.negative_buckets |= bound < 0.0;
                run.bound = Some(bound);
                run.cumulative = value;
            }
            "_count" | "_gcount" => run.count = Some((value, n)),
            "_sum" => run.sum = Some(n),
            "_gsum" => {
                run.gsum = Some(n);
                if value < 0.0 {
                    run.negative_gsum = Some(n);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl HistogramRun {
    /// What a complete histogram point needs: a `+Inf` bucket equal to `_count`, `_sum` and
    /// `_count` together, no `_sum` with negative buckets, no negative `_gsum` without.
    pub(super) fn check(&self, name: &str, kind: MetricType) -> Result<(), ParseError> {
        let point = format!("{name}{}", format_labels(&self.key));
        let (count, sum) = if kind == MetricType::GaugeHistogram {
            ("_gcount", "_gsum")
        } else {
            ("_count", "_sum")
        };
        if self.bound != Some(f64::INFINITY) {
            return Err(ParseError::new(
                self.last_line,
                format!("{kind} `{point}` has no `le=\"+Inf\"` bucket (the last one must be)"),
            ));
        }
        if let Some((value, line)) = self.count {
            if value != self.cumulative {
                return Err(ParseError::new(
                    line,
                    format!(
                        "`{name}{count}` is {value} but the `+Inf` bucket of `{point}` is {}: \
                         they must be equal",
                        self.cumulative
                    ),
                ));
            }
        }
        if let Some(line) = self.sum.or(self.gsum) {
            if self.count.is_none() {
                return Err(ParseError::new(
                    line,
                    format!("`{point}` has `{name}{sum}` but no `{name}{count}`"),
                ));
            }
        }
        if let Some((_, line)) = self.count {
            if self.sum.is_none() && self.gsum.is_none() {
                return Err(ParseError::new(
                    line,
                    format!("`{point}` has `{name}{count}` but no `{name}{sum}`"),
                ));
            }
        }
        if let Some(line) = self.sum.filter(|_| self.negative_buckets) {
            return Err(ParseError::new(
                line,
                format!("`{point}` has negative buckets, so it cannot have `{name}_sum`"),
            ));
        }
        if let Some(line) = self.negative_gsum.filter(|_| !self.negative_buckets) {
            return Err(ParseError::new(
                line,
                format!("`{name}_gsum` of `{point}` is negative, but no bucket is"),
            ));
        }
        Ok(())
    }
}

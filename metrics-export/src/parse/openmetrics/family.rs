//! The rules of a family's samples: names and values as the family's type says, exemplars
//! where they may be, and metrics (label sets) whose samples are contiguous, timestamped alike
//! and in order.

use std::collections::HashSet;

use super::histogram::HistogramRun;
use super::line::bound_value;
use crate::parse::family::Labels;
use crate::parse::lex::format_labels;
use crate::parse::{MetricFamily, MetricType, ParseError, Sample};

/// A family being read, with what its later lines are checked against.
pub(super) struct OpenFamily {
    pub(super) name: String,
    pub(super) kind: Option<MetricType>,
    pub(super) type_line: Option<usize>,
    pub(super) help: Option<(String, usize)>,
    pub(super) unit: Option<(String, usize)>,
    pub(super) samples: Vec<Sample>,
    /// The metric (label set) the last sample belonged to.
    metric: Option<Metric>,
    /// Every metric seen so far: one may not come back after another.
    seen_metrics: HashSet<Labels>,
    /// The histogram point (label set and timestamp) being read.
    pub(super) run: Option<HistogramRun>,
}

/// The samples of one label set.
struct Metric {
    /// The labels that tell the metrics of the family apart, sorted.
    key: Labels,
    timestamp: Option<f64>,
    /// The series seen at `timestamp`: each appears once per timestamp.
    series: HashSet<(String, Labels)>,
}

impl OpenFamily {
    pub(super) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind: None,
            type_line: None,
            help: None,
            unit: None,
            samples: Vec::new(),
            metric: None,
            seen_metrics: HashSet::new(),
            run: None,
        }
    }

    /// Checks what could only be checked once the family is complete: its last histogram
    /// point, and its unit against its name and type.
    pub(super) fn finish(mut self) -> Result<MetricFamily, ParseError> {
        let kind = self.kind.unwrap_or(MetricType::Unknown);
        if let Some(run) = self.run.take() {
            run.check(&self.name, kind)?;
        }
        if let Some((unit, line)) = &self.unit {
            if !unit.is_empty() {
                let name = &self.name;
                if !name.ends_with(&format!("_{unit}")) {
                    return Err(ParseError::new(
                        *line,
                        format!(
                            "the unit `{unit}` must end the metric name, but `{name}` does not \
                             end with `_{unit}`"
                        ),
                    ));
                }
                if matches!(kind, MetricType::Info | MetricType::StateSet) {
                    return Err(ParseError::new(
                        *line,
                        format!("{kind} `{name}` cannot have a unit"),
                    ));
                }
            }
        }
        Ok(MetricFamily {
            name: self.name,
            kind,
            help: self.help.map(|(help, _)| help),
            unit: self.unit.map(|(unit, _)| unit),
            samples: self.samples,
        })
    }

    /// Checks the sample against its family's rules (it fits the family's names).
    pub(super) fn check(&mut self, n: usize, sample: &Sample) -> Result<(), ParseError> {
        let err = |message: String| ParseError::new(n, message);
        let kind = self.kind.unwrap_or(MetricType::Unknown);
        let name = self.name.as_str();
        let sample_name = sample.name.as_str();
        let suffix = &sample_name[name.len()..];
        let value = sample.value;

        if kind == MetricType::StateSet && sample.label(name).is_none() {
            return Err(err(format!(
                "a stateset sample needs a label named after its family: `{name}`"
            )));
        }
        let mut bound = None;
        if suffix == "_bucket" {
            let Some(le) = sample.label("le") else {
                return Err(err(format!(
                    "the bucket `{sample_name}` needs an `le` label"
                )));
            };
            let Some(b) = bound_value(le) else {
                return Err(err(format!(
                    "invalid bucket bound `le=\"{le}\"`: a number, `+Inf` or `-Inf`"
                )));
            };
            bound = Some(b);
        }
        if matches!(suffix, "_bucket" | "_count" | "_gcount") && value.fract() != 0.0 {
            return Err(err(format!(
                "`{sample_name}` is a count: its value must be an integer, not {value}"
            )));
        }
        if kind == MetricType::Summary && suffix.is_empty() {
            let Some(q) = sample.label("quantile") else {
                return Err(err(format!(
                    "the summary sample `{sample_name}` needs a `quantile` label"
                )));
            };
            if !bound_value(q).is_some_and(|q| (0.0..=1.0).contains(&q)) {
                return Err(err(format!(
                    "invalid quantile `quantile=\"{q}\"`: a number from 0 to 1"
                )));
            }
        }

        self.check_metric(n, sample, kind, suffix)?;

        match kind {
            MetricType::StateSet if value != 0.0 && value != 1.0 => {
                return Err(err(format!("a stateset sample is 0 or 1, not {value}")))
            }
            MetricType::Info if value != 1.0 => {
                return Err(err(format!("an info sample is 1, not {value}")))
            }
            MetricType::Summary if suffix.is_empty() && value < 0.0 => {
                return Err(err(format!("a quantile cannot be negative ({value})")))
            }
            _ => {}
        }
        let counter_like = matches!(suffix, "_total" | "_sum" | "_count" | "_bucket" | "_gcount");
        if (counter_like || suffix == "_gsum") && value.is_nan() {
            return Err(err(format!(
                "`{sample_name}` cannot be NaN: it is a counter-like sample"
            )));
        }
        if counter_like && value < 0.0 {
            return Err(err(format!(
                "`{sample_name}` cannot be negative ({value}): it is a counter-like sample"
            )));
        }
        if sample.exemplar.is_some()
            && !matches!(
                (kind, suffix),
                (MetricType::Counter, "_total")
                    | (
                        MetricType::Histogram | MetricType::GaugeHistogram,
                        "_bucket"
                    )
            )
        {
            return Err(err(format!(
                "`{sample_name}` cannot have an exemplar: only counter `_total` and histogram \
                 `_bucket` samples can"
            )));
        }
        if matches!(kind, MetricType::Histogram | MetricType::GaugeHistogram) {
            self.histogram_sample(n, sample, suffix, bound)?;
        }
        Ok(())
    }

    /// The samples of one metric (label set) are contiguous, all with a timestamp or none,
    /// timestamps do not decrease, and a series appears once per timestamp.
    fn check_metric(
        &mut self,
        n: usize,
        sample: &Sample,
        kind: MetricType,
        suffix: &str,
    ) -> Result<(), ParseError> {
        let err = |message: String| ParseError::new(n, message);
        // The labels that are not the metric's, but tell its samples apart.
        let inner = match (kind, suffix) {
            (MetricType::Summary, "") => Some("quantile"),
            (MetricType::StateSet, _) => Some(self.name.as_str()),
            (MetricType::Histogram | MetricType::GaugeHistogram, "_bucket") => Some("le"),
            _ => None,
        };
        let key = sorted_labels(&sample.labels, inner);
        let series = (sample.name.clone(), sorted_labels(&sample.labels, None));
        match &mut self.metric {
            Some(metric) if metric.key == key => {
                if metric.timestamp.is_some() != sample.timestamp.is_some() {
                    return Err(err(format!(
                        "the metric `{}{}` mixes samples with and without a timestamp",
                        self.name,
                        format_labels(&key)
                    )));
                }
                if let (Some(previous), Some(t)) = (metric.timestamp, sample.timestamp) {
                    if t < previous {
                        return Err(err(format!(
                            "timestamp {t} goes backwards: the previous sample of the metric \
                             `{}{}` has {previous}",
                            self.name,
                            format_labels(&key)
                        )));
                    }
                    if t != previous {
                        metric.timestamp = Some(t);
                        // A new set, not `clear`: clearing takes time in the capacity, which
                        // a wide point (a histogram's many buckets) leaves large, so a long
                        // run of narrow points after it would take quadratic time.
                        metric.series = HashSet::new();
                    }
                }
                let timestamped = sample.timestamp.is_some();
                if !metric.series.insert(series) && !timestamped {
                    return Err(err(format!(
                        "duplicate sample `{}{}`",
                        sample.name,
                        format_labels(&sample.labels)
                    )));
                }
            }
            _ => {
                if self.seen_metrics.contains(&key) {
                    return Err(err(format!(
                        "the samples of the metric `{}{}` are not contiguous: another metric \
                         of the family came in between",
                        self.name,
                        format_labels(&key)
                    )));
                }
                self.seen_metrics.insert(key.clone());
                self.metric = Some(Metric {
                    key,
                    timestamp: sample.timestamp,
                    series: HashSet::from([series]),
                });
            }
        }
        Ok(())
    }
}

/// `labels` without the label `except`, sorted: what identifies a metric or series.
pub(super) fn sorted_labels(labels: &[(String, String)], except: Option<&str>) -> Labels {
    let mut key: Labels = labels
        .iter()
        .filter(|(n, _)| Some(n.as_str()) != except)
        .cloned()
        .collect();
    key.sort();
    key
}

#[cfg(test)]
mod tests {
    use super::super::line::parse_sample;
    use super::OpenFamily;
    use crate::parse::MetricType;

    /// The room the series of a wide histogram point took is not kept for the next point,
    /// where each later timestamp would pay for it again.
    #[test]
    fn a_new_timestamp_starts_a_new_series_set() {
        let mut family = OpenFamily::new("h");
        family.kind = Some(MetricType::Histogram);
        let mut read = |n: usize, line: String| {
            let sample = parse_sample(&line).unwrap();
            family.check(n, &sample).unwrap();
        };
        for i in 0..1000 {
            read(i + 1, format!("h_bucket{{le=\"{i}\"}} 0 0"));
        }
        read(1001, "h_bucket{le=\"+Inf\"} 0 0".to_owned());
        read(1002, "h_bucket{le=\"+Inf\"} 0 1".to_owned());
        let series = &family.metric.as_ref().unwrap().series;
        assert_eq!(series.len(), 1);
        assert!(series.capacity() < 100, "{}", series.capacity());
    }
}

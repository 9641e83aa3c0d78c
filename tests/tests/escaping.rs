//! Escaping of HELP text and label values in both formats.

use std::sync::Arc;

use metrics_core::{Counter, Family, LabelSet, MetricSet};
use tests::{openmetrics_of, text_of};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Path {
    path: String,
}

#[test]
fn help_and_label_values_are_escaped_per_format() {
    /// Escapes.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Escapes {
        #[metric(help = "Back\\slash \"quoted\" and\nnewline, ünïcödé ✓")]
        odd_total: Family<Path, Counter>,
    }
    let m = Arc::new(Escapes::default());
    m.odd_total
        .with(&Path {
            path: "C:\\dir\\\"x\"\nnext ✓".to_owned(),
        })
        .inc();
    assert_eq!(
        text_of(&m),
        "\
# HELP odd_total Back\\\\slash \"quoted\" and\\nnewline, ünïcödé ✓
# TYPE odd_total counter
odd_total{path=\"C:\\\\dir\\\\\\\"x\\\"\\nnext ✓\"} 1
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric=\"odd_total\"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric=\"odd_total\"} 0
"
    );
    assert_eq!(
        openmetrics_of(&m),
        "\
# TYPE odd counter
# HELP odd Back\\\\slash \\\"quoted\\\" and\\nnewline, ünïcödé ✓
odd_total{path=\"C:\\\\dir\\\\\\\"x\\\"\\nnext ✓\"} 1
# TYPE metrics_series_overflow counter
# HELP metrics_series_overflow Records diverted to an overflow series because their family had reached its series cap
metrics_series_overflow_total{metric=\"odd_total\"} 0
# TYPE metrics_label_value_too_long counter
# HELP metrics_label_value_too_long Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
metrics_label_value_too_long_total{metric=\"odd_total\"} 0
# EOF
"
    );
}

use metrics_core::{Counter, Family, LabelSet, LabelValue, MetricSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "Title Case")]
pub enum Reason {
    RateLimit,
    Manual,
}

// One error, at the rule: the derive emits a stub `LabelValue` impl and `as_label_value` beside
// it, so neither the label set, the family nor the call below reports anything.
#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct Labels {
    pub reason: Reason,
}

#[derive(MetricSet)]
pub struct Metrics {
    /// Resumes
    pub resumes_total: Family<Labels, Counter>,
}

fn main() {
    let _ = Reason::Manual.as_label_value();
}

use metrics_core::{LabelValue};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
pub enum Reason {
    RateLimit,
    #[label(rename = "rate_limit")]
    Throttled,
}

fn main() {}

use metrics_core::{LabelValue};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Reason {
    RateLimit,
    Other(String),
}

fn main() {}

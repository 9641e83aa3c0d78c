use metrics_core::{LabelValue};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snakecase")]
pub enum Reason {
    RateLimit,
}

fn main() {}

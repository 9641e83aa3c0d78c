use metrics_core::{LabelValue};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelValue)]
pub struct Reason {
    pub code: u16,
}

fn main() {}

use metrics_core::{LabelValue};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Never {}

fn main() {}

use metrics_core::{LabelSet};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct Labels {
    pub method: String,
    #[label(name = "method")]
    pub verb: String,
}

fn main() {}

use metrics_core::{LabelSet};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct Labels {
    #[label(name = "http-method")]
    pub method: String,
}

fn main() {}

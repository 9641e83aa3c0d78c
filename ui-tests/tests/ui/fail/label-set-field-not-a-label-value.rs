use metrics_core::LabelSet;

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct Labels {
    pub path: Vec<String>,
}

fn main() {}

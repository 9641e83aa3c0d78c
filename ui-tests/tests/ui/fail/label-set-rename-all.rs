use metrics_core::LabelSet;

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
#[label(rename_all = "kebab-case")]
pub struct Labels {
    pub method: String,
}

fn main() {}

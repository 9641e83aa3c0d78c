use metrics_core::LabelSet;

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct Labels {
    #[label(name = "__shard")]
    pub shard: String,
}

fn main() {}

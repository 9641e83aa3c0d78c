use metrics_core::LabelSet;

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub enum Labels {
    RateLimit,
    Manual,
}

fn main() {}

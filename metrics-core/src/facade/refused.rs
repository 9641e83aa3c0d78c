//! `metrics_facade_refused_total{reason}`: the registrations the facade recorder refused.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::metric::{EncodeMetric, LabelEncoder, LabelValueRef, MetricEncoder, MetricKind};
use crate::set::MetricDesc;

/// The facade recorder's self-metric: registrations it refused, by reason.
pub const REFUSED_METRIC: MetricDesc = MetricDesc {
    name: "metrics_facade_refused_total",
    help: "Registrations (counter!, gauge! and histogram! calls) refused by the metrics facade recorder, by reason",
    unit: None,
    kind: MetricKind::Counter,
    label_names: &["reason"],
    field: "refused registrations",
};

/// Why a registration was refused: the `reason` label of [`REFUSED_METRIC`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// `invalid_name`: no fix of the naming rules makes the name valid (a type word in the
    /// name, a unit that is not a base unit, nothing left of it).
    InvalidName,
    /// `invalid_label`: a label name that no fix makes valid (`le` on a histogram,
    /// `quantile`), or two label names that are one once fixed.
    InvalidLabel,
    /// `type_mismatch`: the name is a family of another type (`counter!("jobs")` beside
    /// `gauge!("jobs")`).
    TypeMismatch,
    /// `clash`: the name, or a sample name it exports (`_total`, `_bucket`, ...), is a metric
    /// of a set of the registry, a self-metric, or a sample of another facade family.
    Clash,
    /// `family_limit`: the recorder has as many families as its limit
    /// ([`FacadeBuilder::max_families`](super::FacadeBuilder::max_families)), or the process
    /// has kept as many names as it keeps.
    FamilyLimit,
}

impl Refusal {
    /// Every reason, in the order of the exposition.
    pub const ALL: [Refusal; 5] = [
        Refusal::InvalidName,
        Refusal::InvalidLabel,
        Refusal::TypeMismatch,
        Refusal::Clash,
        Refusal::FamilyLimit,
    ];

    /// The `reason` label's value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Refusal::InvalidName => "invalid_name",
            Refusal::InvalidLabel => "invalid_label",
            Refusal::TypeMismatch => "type_mismatch",
            Refusal::Clash => "clash",
            Refusal::FamilyLimit => "family_limit",
        }
    }
}

/// The count of refusals by reason.
#[derive(Default)]
pub(crate) struct Refusals([AtomicU64; Refusal::ALL.len()]);

impl Refusals {
    pub(crate) fn add(&self, reason: Refusal) {
        self.0[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn get(&self, reason: Refusal) -> u64 {
        self.0[reason as usize].load(Ordering::Relaxed)
    }
}

impl EncodeMetric for Refusals {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        for reason in Refusal::ALL {
            encoder.counter(
                &|out: &mut dyn LabelEncoder| {
                    out.label("reason", LabelValueRef::Str(reason.as_str()));
                },
                self.get(reason),
            );
        }
    }
}

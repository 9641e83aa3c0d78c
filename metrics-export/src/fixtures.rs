//! Hand-written metric and label sets for tests: what `#[derive(MetricSet)]`,
//! `#[derive(LabelSet)]` and `#[derive(LabelValue)]` generate, spelled out so that these tests
//! do not depend on the derives. The integration tests include this file with `#[path]`.

use metrics_core::{LabelEncoder, LabelSet, LabelValue, LabelValueRef};

/// Declares a struct of metrics and implements `MetricSet` and `Default` for it:
///
/// ```ignore
/// metric_set! {
///     [pub] struct Set {
///         [pub] field: Type = initializer => ("full_name", "help"[, unit = "unit"]),
///     }
/// }
/// ```
macro_rules! metric_set {
    (
        $vis:vis struct $set:ident {
            $(
                $fvis:vis $field:ident : $ty:ty = $init:expr =>
                    ($name:literal, $help:literal $(, unit = $unit:literal)?)
            ),* $(,)?
        }
    ) => {
        $vis struct $set {
            $($fvis $field: $ty,)*
        }

        impl ::core::default::Default for $set {
            fn default() -> Self {
                Self { $($field: $init,)* }
            }
        }

        impl ::metrics_core::MetricSet for $set {
            const INFO: &'static ::metrics_core::SetInfo = &::metrics_core::SetInfo {
                name: stringify!($set),
                module: module_path!(),
                type_id: ::core::any::TypeId::of::<Self>,
                metrics: &[$(::metrics_core::MetricDesc {
                    name: $name,
                    help: $help,
                    unit: metric_set!(@unit $($unit)?),
                    kind: <$ty as ::metrics_core::Metric>::KIND,
                    label_names: <$ty as ::metrics_core::Metric>::LABEL_NAMES,
                    field: stringify!($field),
                }),*],
            };

            fn metric(&self, index: usize) -> Option<&dyn ::metrics_core::EncodeMetric> {
                [$(&self.$field as &dyn ::metrics_core::EncodeMetric),*]
                    .get(index)
                    .copied()
            }
        }
    };
    (@unit) => { None };
    (@unit $unit:literal) => { Some($unit) };
}
pub(crate) use metric_set;

/// A fixed-cardinality label value (`#[derive(LabelValue)]` with `rename_all = "snake_case"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(dead_code)] // some variants are only exported at zero, never recorded
pub(crate) enum Reason {
    RateLimit,
    Manual,
    ContextExhausted,
}

impl LabelValue for Reason {
    const CARDINALITY: usize = 3;
    const OPEN_ENDED: bool = false;

    fn fixed_index(&self) -> usize {
        *self as usize
    }

    fn fixed_value(index: usize) -> LabelValueRef<'static> {
        LabelValueRef::Str(["rate_limit", "manual", "context_exhausted"][index])
    }

    fn value(&self) -> LabelValueRef<'_> {
        Self::fixed_value(self.fixed_index())
    }
}

/// Fixed-cardinality labels: every combination is a series from the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ReasonLabels {
    pub(crate) reason: Reason,
    pub(crate) retried: bool,
}

impl LabelSet for ReasonLabels {
    const NAMES: &'static [&'static str] = &["reason", "retried"];
    const FIXED_CARDINALITY: usize = Reason::CARDINALITY * bool::CARDINALITY;
    const OPEN_ENDED: bool = false;

    fn fixed_index(&self) -> usize {
        self.reason.fixed_index() * bool::CARDINALITY + self.retried.fixed_index()
    }

    fn encode(&self, out: &mut dyn LabelEncoder) {
        out.label("reason", self.reason.value());
        out.label("retried", self.retried.value());
    }

    fn encode_fixed(index: usize, out: &mut dyn LabelEncoder) {
        out.label("reason", Reason::fixed_value(index / bool::CARDINALITY));
        out.label("retried", bool::fixed_value(index % bool::CARDINALITY));
    }
}

/// Open-ended labels: series appear once recorded, up to the family's cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RouteLabels {
    pub(crate) route: &'static str,
}

impl LabelSet for RouteLabels {
    const NAMES: &'static [&'static str] = &["route"];
    const FIXED_CARDINALITY: usize = 1;
    const OPEN_ENDED: bool = true;

    fn fixed_index(&self) -> usize {
        0
    }

    fn encode(&self, out: &mut dyn LabelEncoder) {
        out.label("route", self.route.value());
    }

    fn encode_fixed(_index: usize, out: &mut dyn LabelEncoder) {
        out.label("route", <&'static str>::fixed_value(0));
    }
}

/// A fixed label and open-ended ones: past the cap, the fixed label keeps its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RetriedRouteLabels {
    pub(crate) retried: bool,
    pub(crate) route: &'static str,
    pub(crate) status: u16,
}

impl LabelSet for RetriedRouteLabels {
    const NAMES: &'static [&'static str] = &["retried", "route", "status"];
    const FIXED_CARDINALITY: usize = bool::CARDINALITY;
    const OPEN_ENDED: bool = true;

    fn fixed_index(&self) -> usize {
        self.retried.fixed_index()
    }

    fn encode(&self, out: &mut dyn LabelEncoder) {
        out.label("retried", self.retried.value());
        out.label("route", self.route.value());
        out.label("status", self.status.value());
    }

    fn encode_fixed(index: usize, out: &mut dyn LabelEncoder) {
        out.label("retried", bool::fixed_value(index));
        out.label("route", <&'static str>::fixed_value(0));
        out.label("status", u16::fixed_value(0)); // `overflow`, like every open-ended value
    }
}

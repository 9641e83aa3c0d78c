//! [`MetricSet`]: a struct of metrics, and the descriptions the exposition reads.

use std::any::TypeId;
use std::fmt;

use crate::metric::{EncodeMetric, MetricKind};

/// What the exposition says of one metric: its `# HELP`, `# TYPE`, `# UNIT`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricDesc {
    /// The full name (prefix included); a counter's ends in `_total`.
    pub name: &'static str,
    /// The `# HELP` text (the field's doc comment or `#[metric(help = "...")]`).
    pub help: &'static str,
    /// The unit from `#[metric(unit = "...")]`, for the OpenMetrics `# UNIT` line.
    pub unit: Option<&'static str>,
    /// The `# TYPE`.
    pub kind: MetricKind,
    /// The label names of each series (empty for unlabeled metrics).
    pub label_names: &'static [&'static str],
    /// The Rust field that declares it, for error messages.
    pub field: &'static str,
}

impl MetricDesc {
    /// The family name: a counter's name without `_total` (what OpenMetrics calls the family).
    pub fn family_name(&self) -> &'static str {
        crate::rules::family_name(self.name, self.kind)
    }
}

/// What a metric set type declares: its name, module and metrics.
#[derive(Clone, Copy)]
pub struct SetInfo {
    /// The type's name.
    pub name: &'static str,
    /// The module that declares it (`module_path!()`).
    pub module: &'static str,
    /// The type's [`TypeId`] (`TypeId::of::<Self>`): what tells apart two types of the same
    /// name and module (declared in different functions, or instantiations of a generic set).
    pub type_id: fn() -> TypeId,
    /// Its metrics, in field order.
    pub metrics: &'static [MetricDesc],
}

impl SetInfo {
    /// Whether `self` and `other` describe the same set type.
    pub fn same_type(&self, other: &SetInfo) -> bool {
        (self.type_id)() == (other.type_id)()
    }
}

impl PartialEq for SetInfo {
    fn eq(&self, other: &Self) -> bool {
        self.same_type(other)
            && self.name == other.name
            && self.module == other.module
            && self.metrics == other.metrics
    }
}

impl fmt::Debug for SetInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetInfo")
            .field("name", &self.name)
            .field("module", &self.module)
            .field("type_id", &(self.type_id)())
            .field("metrics", &self.metrics)
            .finish()
    }
}

/// A struct of metrics, declared with `#[derive(MetricSet)]`.
///
/// The derive generates this trait, `Default`, and (unless `global = false`) an inherent
/// `global() -> &'static Self` with link-time registration in [`Registry::global`](crate::Registry::global).
pub trait MetricSet: Send + Sync + 'static {
    /// The set's name, module and metric descriptions.
    const INFO: &'static SetInfo;
    /// The metric at `index` of [`SetInfo::metrics`].
    fn metric(&self, index: usize) -> Option<&dyn EncodeMetric>;
}

/// A metric set with one process-wide instance, registered at link time.
pub trait GlobalMetricSet: MetricSet {
    /// The process-wide instance, the one [`Registry::global`](crate::Registry::global) exports.
    fn global() -> &'static Self;
}

/// The object-safe face of a [`MetricSet`], which a registry stores.
pub trait DynMetricSet: Send + Sync {
    /// See [`MetricSet::INFO`].
    fn info(&self) -> &'static SetInfo;
    /// See [`MetricSet::metric`].
    fn metric(&self, index: usize) -> Option<&dyn EncodeMetric>;
}

impl<T: MetricSet> DynMetricSet for T {
    fn info(&self) -> &'static SetInfo {
        T::INFO
    }

    fn metric(&self, index: usize) -> Option<&dyn EncodeMetric> {
        MetricSet::metric(self, index)
    }
}

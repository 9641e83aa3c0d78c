//! [`Registry`]: the metric sets one exposition shows, and the link-time global registry.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;

use crate::label;
use crate::metric::{EncodeMetric, LabelEncoder, LabelValueRef, MetricEncoder, MetricKind};
use crate::rules;
use crate::set::{DynMetricSet, GlobalMetricSet, MetricDesc, MetricSet, SetInfo};

/// The self-metric that counts records diverted to overflow series, one series per capped family.
pub const OVERFLOW_METRIC: MetricDesc = MetricDesc {
    name: "metrics_series_overflow_total",
    help: "Records diverted to an overflow series because their family had reached its series cap",
    unit: None,
    kind: MetricKind::Counter,
    label_names: &["metric"],
    field: "series overflow",
};

/// The self-metric that counts records diverted to overflow series because a label value was
/// too long (see [`Family`](crate::Family), "Memory"), one series per family of open-ended labels.
pub const LABEL_VALUE_TOO_LONG_METRIC: MetricDesc = MetricDesc {
    name: "metrics_label_value_too_long_total",
    help: "Records diverted to an overflow series because a label value was longer than their family's max_label_value_len",
    unit: None,
    kind: MetricKind::Counter,
    label_names: &["metric"],
    field: "label value too long",
};

/// The type that [`SELF_METRICS`] describes (only its `TypeId` is used).
struct SelfMetrics;

const SELF_METRICS: SetInfo = SetInfo {
    name: "self-metrics",
    module: "metrics_core",
    type_id: TypeId::of::<SelfMetrics>,
    metrics: &[OVERFLOW_METRIC, LABEL_VALUE_TOO_LONG_METRIC],
};

/// What a self-metric reads off a family: its count, if the family has one.
type FamilyCount = fn(&dyn EncodeMetric) -> Option<u64>;

/// The self-metrics of a registry's open-ended families, each with what it reads off a family.
const FAMILY_SELF_METRICS: [(&MetricDesc, FamilyCount); 2] = [
    (&OVERFLOW_METRIC, |m| m.overflowed()),
    (&LABEL_VALUE_TOO_LONG_METRIC, |m| m.label_values_too_long()),
];

/// Families whose names are known only at run time, exported after the sets: the `metrics`
/// facade recorder's (feature `facade`). A registry holds at most one such source.
#[cfg_attr(not(feature = "facade"), allow(dead_code))]
pub(crate) trait DynamicFamilies: Send + Sync {
    /// The names `info`'s metrics take in this registry: called for the self-metrics and every
    /// set already registered when the source is attached, then for each set registered later.
    /// A family of the source that clashes with them gives way (the set's names win).
    fn reserve(&self, info: &SetInfo);
    /// A read of the registry starts (the source expires what has been idle too long).
    fn read_started(&self);
    /// Hands each family to `visit`, in a stable order.
    fn families(&self, visit: &mut dyn FnMut(&MetricDesc, &dyn EncodeMetric));
}

/// A set type registered at link time (through `inventory`): by `#[derive(MetricSet)]` for its
/// set, by `#[instrument_latency]` for `FunctionMetrics` (once per instrumented function).
#[doc(hidden)]
pub struct GlobalSetEntry {
    /// The set's description.
    pub info: &'static SetInfo,
    /// Its process-wide instance.
    pub instance: fn() -> &'static dyn DynMetricSet,
}

inventory::collect!(GlobalSetEntry);

/// `T::global()` as a registry entry (the function pointer in [`GlobalSetEntry`]).
#[doc(hidden)]
pub fn global_instance<T: GlobalMetricSet>() -> &'static dyn DynMetricSet {
    T::global()
}

enum SetHandle {
    Static(&'static dyn DynMetricSet),
    Shared(Arc<dyn DynMetricSet>),
}

impl SetHandle {
    fn get(&self) -> &dyn DynMetricSet {
        match self {
            SetHandle::Static(s) => *s,
            SetHandle::Shared(s) => &**s,
        }
    }
}

struct Entry {
    set: SetHandle,
    labels: Box<[(String, String)]>,
}

impl Entry {
    fn info(&self) -> &'static SetInfo {
        self.set.get().info()
    }

    /// Module and name, then the type (two types may share both), then the instance labels:
    /// the instances of one type are contiguous, which [`Registry::encode`] relies on.
    fn sort_key(&self) -> (&'static str, &'static str, TypeId, &[(String, String)]) {
        let info = self.info();
        (info.module, info.name, (info.type_id)(), &self.labels)
    }
}

/// The metric sets that one exposition shows.
///
/// [`Registry::global`] holds every set declared with `#[derive(MetricSet)]` (unless
/// `global = false`); [`Registry::new`] makes an empty one for sets registered at run time.
/// Sets are kept ordered by module and name (then instance labels), so the exposition order is
/// deterministic and nothing is sorted while scraping. A set type is identified by its `TypeId`
/// ([`SetInfo::type_id`]): two types of the same module and name (declared in different
/// functions, or instantiations of one generic set) are different sets, ordered by `TypeId`.
pub struct Registry {
    entries: RwLock<Vec<Entry>>,
    /// Families named at run time ([`DynamicFamilies`]), exported after the sets.
    dynamic: RwLock<Option<Arc<dyn DynamicFamilies>>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.entries.read();
        f.debug_list()
            .entries(
                entries
                    .iter()
                    .map(|e| (e.info().module, e.info().name, &e.labels)),
            )
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub const fn new() -> Self {
        Self {
            entries: RwLock::new(Vec::new()),
            dynamic: RwLock::new(None),
        }
    }

    /// The process-wide registry: every `#[derive(MetricSet)]` set linked into the program
    /// (unless `global = false`), [`FunctionMetrics`](crate::FunctionMetrics) when a function of
    /// the program is instrumented with `#[instrument_latency]`, plus whatever is registered into
    /// it at run time.
    ///
    /// # Panics
    /// At first use, when two sets declare clashing metric names (see [`check`]): like a web
    /// framework refusing a duplicate route, a deploy-time bug is reported before any scrape
    /// could serve an ambiguous exposition. The panic reports the caller's location.
    #[track_caller]
    pub fn global() -> &'static Registry {
        static GLOBAL: OnceLock<Result<Registry, CheckError>> = OnceLock::new();
        let global = GLOBAL.get_or_init(|| {
            check()?;
            let mut entries: Vec<Entry> = inventory::iter::<GlobalSetEntry>
                .into_iter()
                .map(|e| Entry {
                    set: SetHandle::Static((e.instance)()),
                    labels: Box::default(),
                })
                .collect();
            entries.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            // A set submitted more than once (`FunctionMetrics`, by every instrumented function)
            // is one set.
            entries.dedup_by(|next, kept| next.info().same_type(kept.info()));
            Ok(Registry {
                entries: RwLock::new(entries),
                dynamic: RwLock::new(None),
            })
        });
        // Outside the closure, so that the panic points at the caller.
        match global {
            Ok(registry) => registry,
            Err(e) => panic!("{e}"),
        }
    }

    /// Registers a set instance.
    ///
    /// # Panics
    /// When the registry already holds an instance of this set without instance labels, or a
    /// set whose metric names clash with this one's; [`Registry::try_register`] returns these
    /// as errors.
    #[track_caller]
    pub fn register<T: MetricSet>(&self, set: Arc<T>) {
        if let Err(e) = self.try_register(set) {
            panic!("{e}");
        }
    }

    /// Registers a set instance, or says why it cannot be.
    pub fn try_register<T: MetricSet>(&self, set: Arc<T>) -> Result<(), RegistryError> {
        self.try_register_with_labels(set, &[])
    }

    /// Registers a set instance whose every series carries the constant `labels`, so several
    /// instances of one set (one per backend, per persona...) live in one registry.
    ///
    /// # Panics
    /// On the errors [`Registry::try_register_with_labels`] returns.
    #[track_caller]
    pub fn register_with_labels<T: MetricSet>(&self, set: Arc<T>, labels: &[(&str, &str)]) {
        if let Err(e) = self.try_register_with_labels(set, labels) {
            panic!("{e}");
        }
    }

    /// Registers a set instance with constant labels, or says why it cannot be: an invalid or
    /// repeated label name, a label name the set's own metrics use, a label name the registry's
    /// self-metrics [`OVERFLOW_METRIC`] and [`LABEL_VALUE_TOO_LONG_METRIC`] use (`metric`: they
    /// carry the instance labels too), a value longer than the process-wide
    /// [`default_max_label_value_len`](crate::default_max_label_value_len), an instance of the
    /// same set with equal labels, or metric names that clash with another set's.
    pub fn try_register_with_labels<T: MetricSet>(
        &self,
        set: Arc<T>,
        labels: &[(&str, &str)],
    ) -> Result<(), RegistryError> {
        self.insert(SetHandle::Shared(set), T::INFO, labels)
    }

    /// Registers the process-wide instance of a set (for a registry other than the global one).
    pub fn register_global<T: GlobalMetricSet>(&self) -> Result<(), RegistryError> {
        self.insert(SetHandle::Static(T::global()), T::INFO, &[])
    }

    fn insert(
        &self,
        set: SetHandle,
        info: &'static SetInfo,
        labels: &[(&str, &str)],
    ) -> Result<(), RegistryError> {
        let max_value_len = label::default_max_label_value_len();
        for (i, (name, value)) in labels.iter().enumerate() {
            if label::too_long(LabelValueRef::Str(value), max_value_len) {
                return Err(RegistryError::LabelValueTooLong {
                    set: info.name,
                    label: (*name).to_owned(),
                    len: value.len(),
                    max: max_value_len,
                });
            }
            if let Err(reason) = rules::check_label_name(name) {
                return Err(RegistryError::InvalidLabel {
                    set: info.name,
                    reason: reason.to_string(),
                });
            }
            // The overflow self-metric puts the instance labels before its own `metric` label.
            if OVERFLOW_METRIC.label_names.contains(name) {
                return Err(RegistryError::ReservedLabel {
                    set: info.name,
                    label: (*name).to_owned(),
                    metric: OVERFLOW_METRIC.name,
                });
            }
            let repeated = labels[..i].iter().any(|(n, _)| n == name);
            let used_by = info.metrics.iter().find(|m| {
                m.label_names.contains(name) || (*name == "le" && m.kind == MetricKind::Histogram)
            });
            if repeated || used_by.is_some() {
                return Err(RegistryError::DuplicateLabel {
                    set: info.name,
                    label: (*name).to_owned(),
                    metric: used_by.map(|m| m.name),
                });
            }
        }
        let labels: Box<[(String, String)]> = labels
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        let mut entries = self.entries.write();
        let mut infos: Vec<&'static SetInfo> = vec![&SELF_METRICS];
        for e in entries.iter() {
            let other = e.info();
            if other.same_type(info) && e.labels == labels {
                return Err(RegistryError::DuplicateInstance {
                    set: info.name,
                    module: info.module,
                    labels: format_labels(&labels),
                });
            }
            if !infos.iter().any(|i| i.same_type(other)) {
                infos.push(other);
            }
        }
        if !infos.iter().any(|i| i.same_type(info)) {
            infos.push(info);
            if let Some(conflict) = find_conflicts(infos.iter().copied()).into_iter().next() {
                return Err(RegistryError::Conflict(Box::new(conflict)));
            }
        }
        let entry = Entry { set, labels };
        let at = entries.partition_point(|e| e.sort_key() < entry.sort_key());
        entries.insert(at, entry);
        drop(entries);
        if let Some(dynamic) = &*self.dynamic.read() {
            dynamic.reserve(info);
        }
        Ok(())
    }

    /// Attaches the source of families named at run time; `false` if the registry has one.
    #[cfg_attr(not(feature = "facade"), allow(dead_code))]
    pub(crate) fn attach_dynamic(&self, source: Arc<dyn DynamicFamilies>) -> bool {
        let mut slot = self.dynamic.write();
        if slot.is_some() {
            return false;
        }
        *slot = Some(Arc::clone(&source));
        drop(slot);
        // A set registered meanwhile may be reserved twice, never missed.
        source.reserve(&SELF_METRICS);
        for e in self.entries.read().iter() {
            source.reserve(e.info());
        }
        true
    }

    /// Whether a source of families named at run time is attached.
    #[cfg_attr(not(feature = "facade"), allow(dead_code))]
    pub(crate) fn has_dynamic(&self) -> bool {
        self.dynamic.read().is_some()
    }

    /// Hands every metric of every set to `encoder`: sets in order, the instances of one set
    /// grouped under each of its metrics, then the families named at run time (the `metrics`
    /// facade's, feature `facade`), then, if any family has open-ended labels, the
    /// self-metrics [`OVERFLOW_METRIC`] and [`LABEL_VALUE_TOO_LONG_METRIC`].
    pub fn encode(&self, encoder: &mut dyn RegistryEncoder) {
        let dynamic = self.dynamic.read().clone();
        if let Some(dynamic) = &dynamic {
            dynamic.read_started();
        }
        let entries = self.entries.read();
        let mut capped = false;
        let mut start = 0;
        while start < entries.len() {
            let info = entries[start].info();
            let len = entries[start..]
                .iter()
                .take_while(|e| e.info().same_type(info))
                .count();
            let group = &entries[start..start + len];
            for (i, desc) in info.metrics.iter().enumerate() {
                encoder.family(desc);
                for e in group {
                    if let Some(metric) = e.set.get().metric(i) {
                        capped |= metric.overflowed().is_some();
                        encoder.instance_labels(&e.labels);
                        metric.encode(encoder);
                    }
                }
            }
            start += len;
        }
        if let Some(dynamic) = &dynamic {
            dynamic.families(&mut |desc, metric| {
                encoder.family(desc);
                encoder.instance_labels(&[]);
                capped |= metric.overflowed().is_some();
                metric.encode(encoder);
            });
        }
        if !capped {
            return;
        }
        for (self_metric, count) in FAMILY_SELF_METRICS {
            encoder.family(self_metric);
            for e in entries.iter() {
                for (i, desc) in e.info().metrics.iter().enumerate() {
                    if let Some(n) = e.set.get().metric(i).and_then(count) {
                        encoder.instance_labels(&e.labels);
                        encoder.counter(
                            &|out: &mut dyn LabelEncoder| {
                                out.label("metric", LabelValueRef::Str(desc.name));
                            },
                            n,
                        );
                    }
                }
            }
            if let Some(dynamic) = &dynamic {
                dynamic.families(&mut |desc, metric| {
                    if let Some(n) = count(metric) {
                        encoder.instance_labels(&[]);
                        encoder.counter(
                            &|out: &mut dyn LabelEncoder| {
                                out.label("metric", LabelValueRef::Str(desc.name));
                            },
                            n,
                        );
                    }
                });
            }
        }
    }
}

/// Receives a whole registry. Exposition formats implement it.
pub trait RegistryEncoder: MetricEncoder {
    /// Starts a metric family: the series that follow belong to `desc`.
    fn family(&mut self, desc: &MetricDesc);
    /// The constant labels of the set instance whose series follow; they come before the
    /// series' own labels.
    fn instance_labels(&mut self, labels: &[(String, String)]);
}

fn format_labels(labels: &[(String, String)]) -> String {
    let pairs: Vec<String> = labels.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// One metric's declaration, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declaration {
    /// The metric's full name.
    pub metric: &'static str,
    /// The field that declares it.
    pub field: &'static str,
    /// The set type that declares it.
    pub set: &'static str,
    /// The module of the set type.
    pub module: &'static str,
}

impl fmt::Display for Declaration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` (field `{}` of `{}::{}`)",
            self.metric, self.field, self.module, self.set
        )
    }
}

/// Two metrics whose exposition names clash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The name both claim (a family or sample name).
    pub name: String,
    /// The declaration met first (in module and name order).
    pub first: Declaration,
    /// The other one.
    pub second: Declaration,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.second {
            write!(
                f,
                "metric `{}` is declared twice, by two different types both named `{}::{}` (field `{}`): types declared in different functions of one module, or two instantiations of a generic set",
                self.first.metric, self.first.module, self.first.set, self.first.field
            )
        } else if self.first.metric == self.second.metric {
            write!(
                f,
                "metric `{}` is declared twice: by {} and by {}",
                self.first.metric, self.first, self.second
            )
        } else {
            write!(
                f,
                "metrics {} and {} clash: both expose the name `{}`",
                self.first, self.second, self.name
            )
        }
    }
}

/// Finds every pair of metrics, across `sets` (each type once), whose exposition names clash.
fn find_conflicts<'a>(sets: impl Iterator<Item = &'a SetInfo>) -> Vec<Conflict> {
    // A declaration is told apart by its set's `TypeId` too: two types of the same name and
    // module (declared in different functions, or two instantiations of a generic set) give
    // equal `Declaration`s.
    let mut claims: HashMap<String, (TypeId, Declaration)> = HashMap::new();
    let mut conflicts: Vec<Conflict> = Vec::new();
    for info in sets {
        let type_id = (info.type_id)();
        for desc in info.metrics {
            let decl = Declaration {
                metric: desc.name,
                field: desc.field,
                set: info.name,
                module: info.module,
            };
            for name in rules::claimed_names(desc.name, desc.kind) {
                match claims.get(&name) {
                    Some((first_type, first)) if *first_type != type_id || *first != decl => {
                        let seen = conflicts
                            .iter()
                            .any(|c| c.first == *first && c.second == decl);
                        if !seen {
                            conflicts.push(Conflict {
                                name,
                                first: *first,
                                second: decl,
                            });
                        }
                    }
                    Some(_) => {}
                    None => {
                        claims.insert(name, (type_id, decl));
                    }
                }
            }
        }
    }
    conflicts
}

/// Why a set could not be registered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// Its metric names clash with another set's.
    Conflict(Box<Conflict>),
    /// The registry already holds an instance of this set with the same instance labels.
    DuplicateInstance {
        /// The set type.
        set: &'static str,
        /// Its module.
        module: &'static str,
        /// The instance labels, as `{name="value", ...}`.
        labels: String,
    },
    /// An instance label name is not a valid label name.
    InvalidLabel {
        /// The set type.
        set: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An instance label name is repeated, or already used by one of the set's metrics.
    DuplicateLabel {
        /// The set type.
        set: &'static str,
        /// The label name.
        label: String,
        /// The metric that already uses it, if any.
        metric: Option<&'static str>,
    },
    /// An instance label name is reserved by a self-metric of the registry, whose series carry
    /// the instance labels beside their own (`metric` of [`OVERFLOW_METRIC`]).
    ReservedLabel {
        /// The set type.
        set: &'static str,
        /// The label name.
        label: String,
        /// The self-metric that uses it.
        metric: &'static str,
    },
    /// An instance label value is longer than the process-wide
    /// [`default_max_label_value_len`](crate::default_max_label_value_len).
    LabelValueTooLong {
        /// The set type.
        set: &'static str,
        /// The label name.
        label: String,
        /// The value's length, in bytes.
        len: usize,
        /// The longest value allowed, in bytes.
        max: usize,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Conflict(c) => c.fmt(f),
            RegistryError::DuplicateInstance { set, module, labels } => write!(
                f,
                "an instance of `{module}::{set}` with instance labels {labels} is already registered; give each instance distinct labels"
            ),
            RegistryError::InvalidLabel { set, reason } => {
                write!(f, "cannot register `{set}`: {reason}")
            }
            RegistryError::DuplicateLabel {
                set,
                label,
                metric: Some(metric),
            } => write!(
                f,
                "cannot register `{set}`: instance label `{label}` is already a label of its metric `{metric}`"
            ),
            RegistryError::DuplicateLabel { set, label, metric: None } => write!(
                f,
                "cannot register `{set}`: instance label `{label}` is given twice"
            ),
            RegistryError::ReservedLabel { set, label, metric } => write!(
                f,
                "cannot register `{set}`: instance label `{label}` is reserved: the registry's self-metric `{metric}` has a label `{label}` and also carries instance labels"
            ),
            RegistryError::LabelValueTooLong { set, label, len, max } => write!(
                f,
                "cannot register `{set}`: the value of instance label `{label}` is {len} bytes long, longer than the {max} bytes label values may have"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

/// The clashes [`check`] found among the sets linked into the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    /// Every clashing pair.
    pub conflicts: Vec<Conflict>,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the metric sets linked into this program clash ({} conflict{}):",
            self.conflicts.len(),
            if self.conflicts.len() == 1 { "" } else { "s" }
        )?;
        for c in &self.conflicts {
            write!(f, "\n  - {c}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CheckError {}

/// Checks the sets collected at link time for clashing metric names: two sets declaring the
/// same full name, or names whose series clash (`x_total` beside `x`, a histogram's
/// `_bucket`/`_sum`/`_count` beside another metric). Each error names both declarations.
///
/// [`Registry::global`] panics with this error at first use; call `check()` from a test to
/// catch it earlier.
///
/// Only sets the linker keeps are seen: a set declared in a library crate that the program
/// never references may be dropped with the rest of that crate.
pub fn check() -> Result<(), CheckError> {
    let mut infos: Vec<&'static SetInfo> = inventory::iter::<GlobalSetEntry>
        .into_iter()
        .map(|e| e.info)
        .collect();
    infos.sort_by_key(|i| (i.module, i.name, (i.type_id)()));
    infos.dedup_by(|next, kept| next.same_type(kept));
    let conflicts = find_conflicts(std::iter::once(&SELF_METRICS).chain(infos));
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(CheckError { conflicts })
    }
}

//! A family of the facade: the series of one exported name, capped like an open-ended
//! [`Family`](crate::Family), with an overflow series, idle expiry and revival.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use indexmap::IndexMap;
use parking_lot::{Mutex, RwLock};

use crate::label;
use crate::metric::{EncodeMetric, LabelValueRef, MetricEncoder};
use crate::set::MetricDesc;
use crate::OVERFLOW_VALUE;

use super::series::{render, Series, SeriesLabels, Value, ACTIVE, EXPIRED, IDLE, RETIRED};

/// What the `field` of a facade family's description says (error messages name it).
pub(crate) const FIELD: &str = "recorded through the `metrics` facade";

/// The HELP of a metric that no `describe_*` described.
pub(crate) const DEFAULT_HELP: &str = "recorded through the metrics facade";

/// How series are hashed: foldhash seeded at random (as open-ended families are), so chosen
/// label values cannot collide on purpose.
type SeriesHasher = foldhash::fast::RandomState;

/// The reader of the recorder's clock: nanoseconds since the recorder was built.
pub(crate) type Now = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The HELP text and unit of a family, which a late `describe_*` may change.
#[derive(Clone, Copy)]
pub(crate) struct Meta {
    pub(crate) help: &'static str,
    pub(crate) unit: Option<&'static str>,
}

/// How a family builds its series and bounds them.
pub(crate) struct Shape {
    pub(crate) bounds: &'static [f64],
    pub(crate) exponential: bool,
    pub(crate) max_series: usize,
    /// `None`: the process-wide [`default_max_label_value_len`](crate::default_max_label_value_len)
    /// when a series is created.
    pub(crate) max_label_value_len: Option<usize>,
}

/// The label names of the overflow series, and its labels rendered.
type OverflowLabels = (Box<[Box<str>]>, Box<str>);

pub(crate) struct Family<V> {
    pub(crate) name: &'static str,
    meta: Mutex<Meta>,
    shape: Shape,
    series: RwLock<SeriesMap<V>>,
    /// The label names of the first labeled registration, and the overflow series' labels
    /// rendered (each of those names with the value `overflow`).
    overflow_labels: OnceLock<OverflowLabels>,
    /// Registrations sent to the overflow series because the family was at its cap.
    diverted: AtomicU64,
    /// Registrations sent to the overflow series because a label value was too long.
    too_long: AtomicU64,
    now: Now,
    me: Weak<Family<V>>,
}

struct SeriesMap<V> {
    /// Every series by its rendered labels, in first-registration order: the exported ones,
    /// and the expired ones a handle still holds (for the handle to revive).
    map: IndexMap<Box<str>, Arc<Series<V>>, SeriesHasher>,
    /// Exported series but the overflow series: what the cap bounds.
    live: usize,
    /// The family gave way to a set of the registry.
    retired: bool,
}

/// What a registration gets.
pub(crate) enum Found<V> {
    /// Its own series, which the recorder may cache for the same key.
    Series(Arc<Series<V>>),
    /// The overflow series, in its place.
    Overflow(Arc<Series<V>>),
    /// Nothing: the family gave way to a set of the registry.
    Retired,
}

/// Where a record through the handle of an expired series goes.
pub(crate) enum Revived<V> {
    /// Into it: it is exported again.
    Here,
    /// Into the overflow series: the family is at its cap.
    Overflow(Arc<Series<V>>),
    /// Nowhere: the family gave way to a set of the registry.
    Gone,
}

impl<V: Value> Family<V> {
    pub(crate) fn new(name: &'static str, meta: Meta, shape: Shape, now: Now) -> Arc<Self> {
        Arc::new_cyclic(|me| Family {
            name,
            meta: Mutex::new(meta),
            shape,
            series: RwLock::new(SeriesMap {
                map: IndexMap::default(),
                live: 0,
                retired: false,
            }),
            overflow_labels: OnceLock::new(),
            diverted: AtomicU64::new(0),
            too_long: AtomicU64::new(0),
            now,
            me: me.clone(),
        })
    }

    /// The description a read of the registry hands over.
    pub(crate) fn desc(&self) -> MetricDesc {
        let meta = *self.meta.lock();
        MetricDesc {
            name: self.name,
            help: meta.help,
            unit: meta.unit,
            kind: V::KIND,
            label_names: &[],
            field: FIELD,
        }
    }

    /// A `describe_*` that comes after the family was created: from the next read on.
    pub(crate) fn describe(&self, meta: Meta) {
        *self.meta.lock() = meta;
    }

    /// The series of the label set `labels` (names as exported, sorted, with their values),
    /// created if the cap allows; else the overflow series.
    pub(crate) fn lookup(&self, labels: &[(String, &str)]) -> Found<V> {
        if !labels.is_empty() {
            self.overflow_labels.get_or_init(|| {
                let names: Box<[Box<str>]> =
                    labels.iter().map(|(n, _)| n.as_str().into()).collect();
                let rendered = render(names.iter().map(|n| (&**n, OVERFLOW_VALUE)));
                (names, rendered)
            });
        }
        // The bound of every open-ended family on label values, checked by the same function.
        let max = self
            .shape
            .max_label_value_len
            .unwrap_or_else(label::default_max_label_value_len);
        let too_long = labels
            .iter()
            .any(|(_, v)| label::too_long(LabelValueRef::Str(v), max));
        // A value too long makes no series: no need to render it.
        let rendered = if too_long {
            None
        } else {
            Some(render(labels.iter().map(|(n, v)| (n.as_str(), *v))))
        };
        {
            let map = self.series.read();
            if map.retired {
                return Found::Retired;
            }
            if let Some(series) = rendered.as_ref().and_then(|r| map.map.get(r)) {
                if series.is_live() {
                    return Found::Series(Arc::clone(series));
                }
            }
            // Past the cap (or too long), while the overflow series is exported: no write lock,
            // so that a flood of new label values does not queue the recording threads.
            if too_long || map.live >= self.shape.max_series {
                if let Some(overflow) = self.live_overflow(&map) {
                    self.count_diverted(too_long);
                    return Found::Overflow(overflow);
                }
            }
        }
        let Some(rendered) = rendered else {
            let mut map = self.series.write();
            if map.retired {
                return Found::Retired;
            }
            self.count_diverted(true);
            return Found::Overflow(self.overflow_locked(&mut map));
        };
        let mut map = self.series.write();
        if map.retired {
            return Found::Retired;
        }
        if let Some(series) = map.map.get(&rendered).cloned() {
            // Expired, and still held by a handle: the same series comes back.
            return match self.revive_locked(&mut map, &series) {
                Revived::Here => Found::Series(series),
                Revived::Overflow(overflow) => Found::Overflow(overflow),
                Revived::Gone => Found::Retired,
            };
        }
        if self
            .overflow_labels
            .get()
            .is_some_and(|(_, overflow)| *overflow == rendered)
        {
            // The overflow label set itself: one series, whoever records into it.
            return Found::Series(self.overflow_locked(&mut map));
        }
        if map.live >= self.shape.max_series {
            self.count_diverted(false);
            return Found::Overflow(self.overflow_locked(&mut map));
        }
        let series = Arc::new(Series::new(
            V::build(self.shape.bounds, self.shape.exponential),
            SeriesLabels::new(labels.iter().map(|(n, v)| (n.as_str(), *v))),
            false,
            (self.now)(),
            self.me.clone(),
        ));
        map.map.insert(rendered, Arc::clone(&series));
        map.live += 1;
        Found::Series(series)
    }

    /// The overflow series if it exists and is exported.
    fn live_overflow(&self, map: &SeriesMap<V>) -> Option<Arc<Series<V>>> {
        let (_, rendered) = self.overflow_labels.get()?;
        map.map.get(rendered).filter(|s| s.is_live()).cloned()
    }

    /// Counts a registration sent to the overflow series: for a label value too long, or
    /// because the family is at its cap.
    fn count_diverted(&self, too_long: bool) {
        let count = if too_long {
            &self.too_long
        } else {
            &self.diverted
        };
        count.fetch_add(1, Ordering::Relaxed);
    }

    /// The overflow series, created (outside the cap) or revived if needed.
    fn overflow_locked(&self, map: &mut SeriesMap<V>) -> Arc<Series<V>> {
        let (names, rendered) = self
            .overflow_labels
            .get_or_init(|| (Box::default(), Box::default()));
        if let Some(series) = map.map.get(rendered) {
            if series.state.load(Ordering::Relaxed) == EXPIRED {
                series.state.store(ACTIVE, Ordering::Relaxed);
            }
            return Arc::clone(series);
        }
        let series = Arc::new(Series::new(
            V::build(self.shape.bounds, self.shape.exponential),
            SeriesLabels::new(names.iter().map(|n| (&**n, OVERFLOW_VALUE))),
            true,
            (self.now)(),
            self.me.clone(),
        ));
        map.map.insert(rendered.clone(), Arc::clone(&series));
        series
    }

    /// A handle records into `series`, which is not active: where the record goes.
    pub(crate) fn revive(&self, series: &Series<V>) -> Revived<V> {
        let mut map = self.series.write();
        self.revive_locked(&mut map, series)
    }

    fn revive_locked(&self, map: &mut SeriesMap<V>, series: &Series<V>) -> Revived<V> {
        if map.retired {
            return Revived::Gone;
        }
        match series.state.load(Ordering::Relaxed) {
            ACTIVE => Revived::Here,
            IDLE => {
                series.state.store(ACTIVE, Ordering::Relaxed);
                Revived::Here
            }
            EXPIRED if series.overflow => {
                series.state.store(ACTIVE, Ordering::Relaxed);
                Revived::Here
            }
            EXPIRED if map.live < self.shape.max_series => {
                map.live += 1;
                series.state.store(ACTIVE, Ordering::Relaxed);
                Revived::Here
            }
            EXPIRED => {
                self.count_diverted(false);
                Revived::Overflow(self.overflow_locked(map))
            }
            _ => Revived::Gone,
        }
    }

    /// At a read of the registry (`now`): a series recorded since the last read is seen now;
    /// one not recorded for `timeout` expires. Whether any expired.
    pub(crate) fn expire(&self, now: u64, timeout: u64) -> bool {
        let mut guard = self.series.write();
        let SeriesMap { map, live, .. } = &mut *guard;
        let mut expired = false;
        for series in map.values() {
            let state = series.state.load(Ordering::Relaxed);
            if state == ACTIVE {
                if series
                    .state
                    .compare_exchange(ACTIVE, IDLE, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
                {
                    series.seen.store(now, Ordering::Relaxed);
                }
            } else if state == IDLE
                && now.saturating_sub(series.seen.load(Ordering::Relaxed)) >= timeout
                && series
                    .state
                    .compare_exchange(IDLE, EXPIRED, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                if !series.overflow {
                    *live -= 1;
                }
                expired = true;
            }
        }
        expired
    }

    /// Forgets the expired series that nothing else holds (the recorder's cache forgot them
    /// first): their memory is freed.
    pub(crate) fn prune(&self) {
        self.series.write().map.retain(|_, series| {
            series.state.load(Ordering::Relaxed) != EXPIRED || Arc::strong_count(series) > 1
        });
    }

    /// Gives way to a set of the registry that claims the name: every series goes, and the
    /// handles that hold one record nowhere.
    pub(crate) fn retire(&self) {
        let mut map = self.series.write();
        map.retired = true;
        for series in map.map.values() {
            series.state.store(RETIRED, Ordering::Relaxed);
        }
        map.map.clear();
        map.live = 0;
    }
}

impl<V: Value> EncodeMetric for Family<V> {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        let map = self.series.read();
        for series in map.map.values() {
            if series.is_live() {
                series.value.encode(&series.labels, encoder);
            }
        }
    }

    fn overflowed(&self) -> Option<u64> {
        Some(self.diverted.load(Ordering::Relaxed))
    }

    fn label_values_too_long(&self) -> Option<u64> {
        Some(self.too_long.load(Ordering::Relaxed))
    }
}

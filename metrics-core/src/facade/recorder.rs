//! The recorder's state: families by name, the handle cache, and what a registry reads.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics::Key;
use parking_lot::RwLock;

use crate::metric::{EncodeMetric, MetricKind};
use crate::registry::DynamicFamilies;
use crate::rules;
use crate::set::{MetricDesc, SetInfo};

use super::family::{Family, Found, Meta, Now, Shape, DEFAULT_HELP};
use super::names::{self, Pattern};
use super::refused::{Refusal, Refusals, REFUSED_METRIC};
use super::series::{CounterValue, GaugeValue, Handle, HistogramValue, Series};

/// What the builder set.
pub(crate) struct Config {
    pub(crate) max_series: usize,
    pub(crate) max_families: usize,
    pub(crate) max_label_value_len: Option<usize>,
    pub(crate) buckets: Vec<(Pattern, &'static [f64])>,
    pub(crate) exponential: Vec<Pattern>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) clock: Arc<dyn Fn() -> Instant + Send + Sync>,
}

/// The most raw names (as the macros give them) the recorder remembers the resolution of,
/// per kind of metric for each limit of families; past that, a name is resolved at each
/// registration.
const ALIASES_PER_FAMILY: usize = 4;

/// Shards of the handle cache: two threads registering different keys rarely share one.
const CACHE_SHARDS: usize = 16;

/// The most keys the handle cache of one kind holds; past that, registrations of new keys take
/// the slow path every time.
const CACHE_ENTRIES: usize = 1 << 20;

pub(crate) struct Inner {
    config: Config,
    now: Now,
    counters: Cache<CounterValue>,
    gauges: Cache<GaugeValue>,
    histograms: Cache<HistogramValue>,
    state: RwLock<State>,
    pub(crate) refused: Refusals,
}

struct State {
    /// Every family, by exported name: the order of the exposition.
    families: BTreeMap<&'static str, AnyFamily>,
    /// Every name the exposition holds (families and their sample names), by owner.
    claimed: HashMap<String, Owner>,
    /// What each raw name resolved to, per kind (counters, gauges, histograms).
    aliases: [HashMap<Box<str>, Result<AnyFamily, Refusal>>; 3],
    aliases_len: usize,
    /// The `describe_*` texts and units, by exported name.
    descriptions: HashMap<String, Description>,
}

#[derive(Clone, Copy)]
enum Owner {
    /// A set of the registry, or its self-metrics.
    Set,
    /// A facade family.
    Facade {
        family: &'static str,
        kind: MetricKind,
    },
}

struct Description {
    kind: MetricKind,
    meta: Meta,
}

#[derive(Clone)]
pub(crate) enum AnyFamily {
    Counter(Arc<Family<CounterValue>>),
    Gauge(Arc<Family<GaugeValue>>),
    Histogram(Arc<Family<HistogramValue>>),
}

macro_rules! each {
    ($family:expr, |$f:ident| $body:expr) => {
        match $family {
            AnyFamily::Counter($f) => $body,
            AnyFamily::Gauge($f) => $body,
            AnyFamily::Histogram($f) => $body,
        }
    };
}

impl AnyFamily {
    fn kind(&self) -> MetricKind {
        match self {
            AnyFamily::Counter(_) => MetricKind::Counter,
            AnyFamily::Gauge(_) => MetricKind::Gauge,
            AnyFamily::Histogram(_) => MetricKind::Histogram,
        }
    }

    fn name(&self) -> &'static str {
        each!(self, |f| f.name)
    }
}

/// A kind of metric of the facade: its handle, cache and family.
pub(crate) trait Kind: Handle {
    /// The index of its aliases.
    const INDEX: usize;
    fn cache(inner: &Inner) -> &Cache<Self>;
    fn wrap(family: Arc<Family<Self>>) -> AnyFamily;
    fn unwrap(family: &AnyFamily) -> Option<&Arc<Family<Self>>>;
}

macro_rules! kind {
    ($value:ty, $variant:ident, $index:literal, $cache:ident) => {
        impl Kind for $value {
            const INDEX: usize = $index;

            fn cache(inner: &Inner) -> &Cache<Self> {
                &inner.$cache
            }

            fn wrap(family: Arc<Family<Self>>) -> AnyFamily {
                AnyFamily::$variant(family)
            }

            fn unwrap(family: &AnyFamily) -> Option<&Arc<Family<Self>>> {
                match family {
                    AnyFamily::$variant(f) => Some(f),
                    _ => None,
                }
            }
        }
    };
}

kind!(CounterValue, Counter, 0, counters);
kind!(GaugeValue, Gauge, 1, gauges);
kind!(HistogramValue, Histogram, 2, histograms);

impl Inner {
    pub(crate) fn new(config: Config) -> Self {
        let clock = Arc::clone(&config.clock);
        let start = clock();
        let now: Now = Arc::new(move || {
            u64::try_from(clock().saturating_duration_since(start).as_nanos()).unwrap_or(u64::MAX)
        });
        let mut claimed = HashMap::new();
        for name in rules::claimed_names(REFUSED_METRIC.name, REFUSED_METRIC.kind) {
            claimed.insert(name, Owner::Set);
        }
        Inner {
            config,
            now,
            counters: Cache::new(),
            gauges: Cache::new(),
            histograms: Cache::new(),
            state: RwLock::new(State {
                families: BTreeMap::new(),
                claimed,
                aliases: Default::default(),
                aliases_len: 0,
                descriptions: HashMap::new(),
            }),
            refused: Refusals::default(),
        }
    }

    /// The series of `key`: from the cache (one hash lookup under a shard's read lock), else
    /// resolved and created. `None` when refused.
    #[inline]
    pub(crate) fn register<V: Kind>(&self, key: &Key) -> Option<Arc<Series<V>>> {
        if let Some(series) = V::cache(self).get(key) {
            return Some(series);
        }
        self.register_slow(key)
    }

    #[cold]
    #[inline(never)]
    fn register_slow<V: Kind>(&self, key: &Key) -> Option<Arc<Series<V>>> {
        // Labels first: a registration refused for its labels creates no family.
        let labels = match labels_of(key, V::KIND) {
            Ok(labels) => labels,
            Err(reason) => {
                self.refused.add(reason);
                return None;
            }
        };
        let family = match self.family::<V>(key.name()) {
            Ok(family) => family,
            Err(reason) => {
                self.refused.add(reason);
                return None;
            }
        };
        match family.lookup(&labels) {
            Found::Series(series) => {
                V::cache(self).insert(key, &series);
                Some(series)
            }
            Found::Overflow(series) => Some(series),
            Found::Retired => {
                self.refused.add(Refusal::Clash);
                None
            }
        }
    }

    /// The family of the raw name `raw`, created if the rules and limits allow.
    fn family<V: Kind>(&self, raw: &str) -> Result<Arc<Family<V>>, Refusal> {
        let typed = |found: &Result<AnyFamily, Refusal>| match found {
            Ok(family) => V::unwrap(family).cloned().ok_or(Refusal::TypeMismatch),
            Err(reason) => Err(*reason),
        };
        if let Some(found) = self.state.read().aliases[V::INDEX].get(raw) {
            return typed(found);
        }
        let mut state = self.state.write();
        if let Some(found) = state.aliases[V::INDEX].get(raw) {
            return typed(found);
        }
        let found = self.create::<V>(&mut state, raw);
        if state.aliases_len < self.config.max_families.saturating_mul(ALIASES_PER_FAMILY) {
            state.aliases[V::INDEX].insert(raw.into(), found.clone());
            state.aliases_len += 1;
        }
        typed(&found)
    }

    fn create<V: Kind>(&self, state: &mut State, raw: &str) -> Result<AnyFamily, Refusal> {
        let name = names::metric_name(raw, V::KIND).ok_or(Refusal::InvalidName)?;
        if let Some(family) = state.families.get(name.as_str()) {
            return if family.kind() == V::KIND {
                Ok(family.clone())
            } else {
                Err(Refusal::TypeMismatch)
            };
        }
        let family_name = rules::family_name(&name, V::KIND);
        let claims = rules::claimed_names(&name, V::KIND);
        for claim in &claims {
            match state.claimed.get(claim) {
                None => {}
                // The same name written for another type (`counter!("jobs")`, `gauge!("jobs")`).
                Some(Owner::Facade { family, kind })
                    if rules::family_name(family, *kind) == family_name =>
                {
                    return Err(Refusal::TypeMismatch);
                }
                Some(_) => return Err(Refusal::Clash),
            }
        }
        if state.families.len() >= self.config.max_families {
            return Err(Refusal::FamilyLimit);
        }
        let name = names::intern(&name).ok_or(Refusal::FamilyLimit)?;
        let meta = state
            .descriptions
            .get(name)
            .filter(|d| d.kind == V::KIND)
            .map_or(
                Meta {
                    help: DEFAULT_HELP,
                    unit: names::unit(name, V::KIND, None),
                },
                |d| d.meta,
            );
        let family = V::wrap(Family::new(
            name,
            meta,
            self.shape(name),
            Arc::clone(&self.now),
        ));
        for claim in claims {
            state.claimed.insert(
                claim,
                Owner::Facade {
                    family: name,
                    kind: V::KIND,
                },
            );
        }
        state.families.insert(name, family.clone());
        Ok(family)
    }

    /// How the family `name` builds its series: the bounds of the first bucket pattern it
    /// matches (else the Prometheus defaults), exponential buckets if a pattern asks.
    fn shape(&self, name: &str) -> Shape {
        let bounds = self
            .config
            .buckets
            .iter()
            .find(|(pattern, _)| pattern.matches(name))
            .map_or(&rules::DEFAULT_BUCKETS[..], |(_, bounds)| *bounds);
        Shape {
            bounds,
            exponential: self.config.exponential.iter().any(|p| p.matches(name)),
            max_series: self.config.max_series,
            max_label_value_len: self.config.max_label_value_len,
        }
    }

    /// A `describe_*`: the HELP text and unit of the family, now or when it is created.
    pub(crate) fn describe<V: Kind>(&self, raw: &str, unit: Option<metrics::Unit>, help: &str) {
        let Some(name) = names::metric_name(raw, V::KIND) else {
            return;
        };
        let help = if help.is_empty() {
            DEFAULT_HELP
        } else {
            match names::intern(help) {
                Some(help) => help,
                // The process keeps no more texts: the family keeps the one it has.
                None => return,
            }
        };
        let meta = Meta {
            help,
            unit: names::unit(&name, V::KIND, unit),
        };
        let mut state = self.state.write();
        if let Some(family) = state.families.get(name.as_str()).and_then(V::unwrap) {
            family.describe(meta);
        }
        if state.descriptions.len() < self.config.max_families
            || state.descriptions.contains_key(&name)
        {
            state.descriptions.insert(
                name,
                Description {
                    kind: V::KIND,
                    meta,
                },
            );
        }
    }

    fn families_now(&self) -> Vec<AnyFamily> {
        self.state.read().families.values().cloned().collect()
    }

    fn purge_caches(&self) {
        self.counters.purge();
        self.gauges.purge();
        self.histograms.purge();
    }
}

/// The labels of `key`, names as exported, sorted by name.
fn labels_of(key: &Key, kind: MetricKind) -> Result<Vec<(String, &str)>, Refusal> {
    let mut labels = Vec::with_capacity(key.labels().len());
    for label in key.labels() {
        let name = names::label_name(label.key(), kind).ok_or(Refusal::InvalidLabel)?;
        labels.push((name, label.value()));
    }
    labels.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if labels.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(Refusal::InvalidLabel);
    }
    Ok(labels)
}

impl DynamicFamilies for Inner {
    fn reserve(&self, info: &SetInfo) {
        let mut retired = Vec::new();
        let mut state = self.state.write();
        for desc in info.metrics {
            for claim in rules::claimed_names(desc.name, desc.kind) {
                if let Some(Owner::Facade { family, .. }) = state.claimed.insert(claim, Owner::Set)
                {
                    if let Some(family) = state.families.remove(family) {
                        retired.push(family);
                    }
                }
            }
        }
        for family in &retired {
            let name = family.name();
            state.claimed.retain(
                |_, owner| !matches!(owner, Owner::Facade { family, .. } if *family == name),
            );
            for aliases in &mut state.aliases {
                for found in aliases.values_mut() {
                    if matches!(found, Ok(f) if f.name() == name) {
                        *found = Err(Refusal::Clash);
                    }
                }
            }
            state.descriptions.remove(name);
            self.refused.add(Refusal::Clash);
        }
        if !retired.is_empty() {
            // A name refused as `type_mismatch` or `family_limit` may fit now: resolved again.
            for aliases in &mut state.aliases {
                aliases.retain(|_, found| {
                    !matches!(found, Err(Refusal::TypeMismatch | Refusal::FamilyLimit))
                });
            }
            state.aliases_len = state.aliases.iter().map(HashMap::len).sum();
        }
        drop(state);
        for family in &retired {
            each!(family, |f| f.retire());
        }
        if !retired.is_empty() {
            self.purge_caches();
        }
    }

    fn read_started(&self) {
        let Some(timeout) = self.config.idle_timeout else {
            return;
        };
        let timeout = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        let now = (self.now)();
        let families = self.families_now();
        let mut expired = false;
        for family in &families {
            expired |= each!(family, |f| f.expire(now, timeout));
        }
        if expired {
            // The cache forgets them first, so that the families can free those no handle holds.
            self.purge_caches();
            for family in &families {
                each!(family, |f| f.prune());
            }
        }
    }

    fn families(&self, visit: &mut dyn FnMut(&MetricDesc, &dyn EncodeMetric)) {
        for family in self.families_now() {
            each!(&family, |f| visit(&f.desc(), &**f));
        }
        visit(&REFUSED_METRIC, &self.refused);
    }
}

/// Series by the `metrics` key that registered them: the hash `metrics` computed when it built
/// the key picks the entry, and the key itself confirms it. A key whose hash is another key's
/// (chosen label values can make that happen: the hash is not seeded) is never cached, and
/// registers through the families at every call, which hash with a random seed.
pub(crate) struct Cache<V> {
    shards: Box<[CacheShard<V>]>,
    hasher: foldhash::fast::RandomState,
    len: AtomicUsize,
}

type CacheMap<V> = HashMap<u64, (Key, Arc<Series<V>>), foldhash::fast::RandomState>;

/// One shard, on cache lines of its own.
#[repr(align(128))]
struct CacheShard<V>(RwLock<CacheMap<V>>);

impl<V: super::series::Value> Cache<V> {
    fn new() -> Self {
        Cache {
            shards: (0..CACHE_SHARDS)
                .map(|_| CacheShard(RwLock::new(HashMap::default())))
                .collect(),
            hasher: foldhash::fast::RandomState::default(),
            len: AtomicUsize::new(0),
        }
    }

    #[inline]
    fn shard(&self, hash: u64) -> &CacheShard<V> {
        #[allow(clippy::cast_possible_truncation)]
        let at = self.hasher.hash_one(hash) as usize % CACHE_SHARDS;
        &self.shards[at]
    }

    #[inline]
    fn get(&self, key: &Key) -> Option<Arc<Series<V>>> {
        let hash = key.get_hash();
        let map = self.shard(hash).0.read();
        match map.get(&hash) {
            Some((cached, series)) if cached == key => Some(Arc::clone(series)),
            _ => None,
        }
    }

    fn insert(&self, key: &Key, series: &Arc<Series<V>>) {
        if self.len.load(Ordering::Relaxed) >= CACHE_ENTRIES {
            return;
        }
        let hash = key.get_hash();
        let mut map = self.shard(hash).0.write();
        if let std::collections::hash_map::Entry::Vacant(entry) = map.entry(hash) {
            entry.insert((key.clone(), Arc::clone(series)));
            self.len.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets the series no longer exported.
    fn purge(&self) {
        for shard in &*self.shards {
            let mut map = shard.0.write();
            let before = map.len();
            map.retain(|_, (_, series)| series.is_live());
            self.len.fetch_sub(before - map.len(), Ordering::Relaxed);
        }
    }
}

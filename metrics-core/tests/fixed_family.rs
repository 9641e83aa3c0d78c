//! A fixed-label family keyed by a hand-written `LabelSet`: every combination is its own series,
//! and an index past the cardinality panics instead of recording where nothing reads.

use metrics_core::{Counter, Family, Gauge, LabelEncoder, LabelSet, LabelValueRef};

/// A hand-written label set whose `fixed_index` can be wrong.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Slot(usize);

impl LabelSet for Slot {
    const NAMES: &'static [&'static str] = &["slot"];
    const FIXED_CARDINALITY: usize = 3;
    const OPEN_ENDED: bool = false;
    fn fixed_index(&self) -> usize {
        self.0
    }
    fn encode(&self, out: &mut dyn LabelEncoder) {
        Self::encode_fixed(self.0, out);
    }
    fn encode_fixed(index: usize, out: &mut dyn LabelEncoder) {
        out.label("slot", LabelValueRef::U64(index as u64));
    }
}

#[test]
fn every_fixed_series_is_its_own() {
    let counters = Family::<Slot, Counter>::new();
    let gauges = Family::<Slot, Gauge>::new();
    for i in 0..3 {
        counters.with(&Slot(i)).inc_by(10 + i as u64);
        gauges.with(&Slot(i)).set(-(i as i64));
    }
    assert_eq!(counters.with(&Slot(2)).get(), 12);
    assert_eq!(gauges.with(&Slot(2)).get(), -2);
    assert!(counters.remove(&Slot(1)));
    assert_eq!(
        (0..3)
            .map(|i| counters.with(&Slot(i)).get())
            .collect::<Vec<_>>(),
        [10, 0, 12]
    );
    assert_eq!(counters.len(), 3);
}

/// An index past the last series would land in a counter table's padding, where nothing
/// reads it: it must panic instead of losing the record.
#[test]
#[should_panic(expected = "past FIXED_CARDINALITY")]
fn a_counter_index_past_the_cardinality_panics() {
    Family::<Slot, Counter>::new().with(&Slot(3)).inc();
}

#[test]
#[should_panic(expected = "past FIXED_CARDINALITY")]
fn a_gauge_index_past_the_cardinality_panics() {
    Family::<Slot, Gauge>::new().with(&Slot(3)).set(1);
}

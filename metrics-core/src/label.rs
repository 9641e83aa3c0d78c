//! Label values and label sets: the typed keys of a [`Family`](crate::Family).

use std::borrow::Cow;
use std::cell::Cell;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};

use indexmap::Equivalent;

use crate::metric::{EncodeLabels, LabelEncoder, LabelValueRef};

/// The value a series gets for an open-ended label once its family is over its series cap.
///
/// Every open-ended label of the overflow series reads it, integer labels included: it is the
/// text `overflow` (a [`LabelValueRef::Str`]), never a number. Fixed-cardinality labels (`bool`,
/// derived enums) keep their values.
pub const OVERFLOW_VALUE: &str = "overflow";

/// A type whose values can be the value of a label.
///
/// Fixed-cardinality types (`bool`, `#[derive(LabelValue)]` enums) map each value to an index,
/// so a family keyed by them stores its series in an array: no hashing, no lock, no allocation
/// when recording, and every series is exported at zero from the first scrape. Open-ended types
/// (`String`, `&'static str`, `Cow<'static, str>`, integers) key a capped map.
///
/// A family reads values through this trait alone: a `#[derive(LabelValue)]` enum needs no
/// other derive (`Clone`, `PartialEq`, `Hash`...) for the library's sake.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a label value",
    label = "not a label value",
    note = "label values are `#[derive(LabelValue)]` enums, `bool`, integers, `String`, `&'static str` or `Cow<'static, str>`"
)]
pub trait LabelValue: 'static {
    /// For a fixed-cardinality type, its number of values; `1` for an open-ended type.
    const CARDINALITY: usize;
    /// Whether the values are open-ended (not enumerable).
    const OPEN_ENDED: bool;
    /// For a fixed-cardinality type, this value's index in `0..CARDINALITY`; `0` otherwise.
    fn fixed_index(&self) -> usize;
    /// For a fixed-cardinality type, the value at `index`; for an open-ended type (strings and
    /// integers alike), the value of the overflow series, `LabelValueRef::Str(OVERFLOW_VALUE)`.
    fn fixed_value(index: usize) -> LabelValueRef<'static>;
    /// This value, for the exposition.
    fn value(&self) -> LabelValueRef<'_>;
}

impl LabelValue for bool {
    const CARDINALITY: usize = 2;
    const OPEN_ENDED: bool = false;

    #[inline]
    fn fixed_index(&self) -> usize {
        usize::from(*self)
    }

    fn fixed_value(index: usize) -> LabelValueRef<'static> {
        LabelValueRef::Str(if index == 0 { "false" } else { "true" })
    }

    fn value(&self) -> LabelValueRef<'_> {
        Self::fixed_value(self.fixed_index())
    }
}

macro_rules! open_ended {
    ($($ty:ty => |$v:ident| $value:expr;)*) => {$(
        impl LabelValue for $ty {
            const CARDINALITY: usize = 1;
            const OPEN_ENDED: bool = true;

            #[inline]
            fn fixed_index(&self) -> usize {
                0
            }

            fn fixed_value(_index: usize) -> LabelValueRef<'static> {
                LabelValueRef::Str(OVERFLOW_VALUE)
            }

            fn value(&self) -> LabelValueRef<'_> {
                let $v = self;
                $value
            }
        }
    )*};
}

open_ended! {
    String => |v| LabelValueRef::Str(v);
    &'static str => |v| LabelValueRef::Str(v);
    Cow<'static, str> => |v| LabelValueRef::Str(v);
    u8 => |v| LabelValueRef::U64(u64::from(*v));
    u16 => |v| LabelValueRef::U64(u64::from(*v));
    u32 => |v| LabelValueRef::U64(u64::from(*v));
    u64 => |v| LabelValueRef::U64(*v);
    usize => |v| LabelValueRef::U64(*v as u64);
    i8 => |v| LabelValueRef::I64(i64::from(*v));
    i16 => |v| LabelValueRef::I64(i64::from(*v));
    i32 => |v| LabelValueRef::I64(i64::from(*v));
    i64 => |v| LabelValueRef::I64(*v);
    isize => |v| LabelValueRef::I64(*v as i64);
}

/// A struct of label values: the key of a [`Family`](crate::Family).
///
/// Derive it with `#[derive(LabelSet)]`; each field is one label, named after the field or
/// `#[label(name = "...")]`. No other derive is needed, whatever the labels: a family indexes
/// fixed-cardinality labels by their values' indexes, and keys the series of open-ended labels
/// by a copy of their values, read through [`encode`](Self::encode), so it never clones,
/// compares or hashes the label set value itself.
///
/// ```
/// use metrics_core::{Counter, Family, LabelSet, LabelValue};
///
/// #[derive(LabelValue)]
/// enum Method { Get, Post }
///
/// #[derive(LabelSet)]
/// struct Labels { method: Method, route: String }
///
/// let requests = Family::<Labels, Counter>::new();
/// requests.with(&Labels { method: Method::Get, route: "/a".to_owned() }).inc();
/// requests.with(&Labels { method: Method::Get, route: "/a".to_owned() }).inc();
/// assert_eq!(requests.with(&Labels { method: Method::Get, route: "/a".to_owned() }).get(), 2);
/// assert_eq!(requests.len(), 1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a label set",
    label = "not a label set",
    note = "the labels of a `Family<L, M>` are a struct with `#[derive(LabelSet)]`"
)]
pub trait LabelSet: 'static {
    /// The label names, in field order.
    const NAMES: &'static [&'static str];
    /// The number of combinations of the fixed-cardinality labels (1 when there are none).
    const FIXED_CARDINALITY: usize;
    /// Whether any label is open-ended.
    const OPEN_ENDED: bool;
    /// The index of this set's fixed-cardinality labels in `0..FIXED_CARDINALITY`.
    fn fixed_index(&self) -> usize;
    /// Writes each label of this set, in the order of [`NAMES`](Self::NAMES).
    fn encode(&self, out: &mut dyn LabelEncoder);
    /// [`encode`](Self::encode) into a known encoder: what an open-ended family hashes and
    /// compares the values with on every record, without a dynamic call per label. The derive
    /// writes it; the default calls `encode`.
    #[doc(hidden)]
    #[inline]
    fn visit<V: LabelEncoder>(&self, out: &mut V) {
        self.encode(out);
    }
    /// Writes the labels of the combination at `index`; open-ended labels read
    /// [`OVERFLOW_VALUE`].
    fn encode_fixed(index: usize, out: &mut dyn LabelEncoder);
}

/// The label value length every family without `#[metric(max_label_value_len = N)]` starts
/// with: 1,024 bytes. [`set_default_max_label_value_len`] changes it for the whole process.
pub const DEFAULT_MAX_LABEL_VALUE_LEN: usize = 1024;

static MAX_LABEL_VALUE_LEN: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_LABEL_VALUE_LEN);

/// Sets the longest label value, in bytes, that every family without its own
/// `#[metric(max_label_value_len = N)]` accepts, in every registry of the process (a family is
/// built before any registry holds it, and may be in several). Series created from then on obey
/// it; existing series stay. Registering a set with instance labels checks them against it too.
pub fn set_default_max_label_value_len(len: usize) {
    MAX_LABEL_VALUE_LEN.store(len, Ordering::Relaxed);
}

/// The longest label value, in bytes, of a family without its own `max_label_value_len`:
/// [`DEFAULT_MAX_LABEL_VALUE_LEN`] unless [`set_default_max_label_value_len`] changed it.
pub fn default_max_label_value_len() -> usize {
    MAX_LABEL_VALUE_LEN.load(Ordering::Relaxed)
}

/// Whether `value` is longer than `max` bytes as the exposition writes it (before escaping).
/// The one check of label value lengths: the series of open-ended families and the instance
/// labels of a registry go through it, and so must any other source of label values.
pub(crate) fn too_long(value: LabelValueRef<'_>, max: usize) -> bool {
    match value {
        LabelValueRef::Str(s) => s.len() > max,
        LabelValueRef::I64(v) => Decimal::i64(v).as_str().len() > max,
        LabelValueRef::U64(v) => Decimal::u64(v).as_str().len() > max,
    }
}

/// An integer label value in decimal, written on the stack: at most 20 bytes (`i64::MIN` is 19
/// digits and a sign, `u64::MAX` 20 digits).
struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    fn i64(v: i64) -> Self {
        Self::new(v < 0, v.unsigned_abs())
    }

    fn u64(v: u64) -> Self {
        Self::new(false, v)
    }

    fn new(negative: bool, mut magnitude: u64) -> Self {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (magnitude % 10) as u8;
            magnitude /= 10;
            if magnitude == 0 {
                break;
            }
        }
        if negative {
            start -= 1;
            digits[start] = b'-';
        }
        Self { digits, start }
    }

    fn as_str(&self) -> &str {
        // Digits and `-`: ASCII.
        std::str::from_utf8(&self.digits[self.start..]).unwrap_or_default()
    }
}

/// The key of a series of an open-ended family: its label values, one after another in
/// [`Values`]' layout, with their hash, and its labels as the text formats write them (the
/// scrape copies that text instead of escaping the values again). The family never keeps the
/// label set value itself, so a label set needs neither `Clone` nor `Eq` nor `Hash`.
#[derive(Clone)]
pub(crate) struct SeriesKey {
    hash: u64,
    values: Box<[u8]>,
    rendered: Box<str>,
}

impl SeriesKey {
    /// The key of `labels`, whose hash is `hash`; `None` when a value is longer than `max`
    /// bytes ([`too_long`]).
    pub(crate) fn new<L: LabelSet>(labels: &L, hash: u64, max: usize) -> Option<Self> {
        let mut out = Keying {
            values: Vec::new(),
            text: Render {
                text: String::new(),
                max,
                too_long: false,
            },
        };
        labels.encode(&mut out);
        (!out.text.too_long).then(|| Self {
            hash,
            values: out.values.into_boxed_slice(),
            rendered: out.text.text.into_boxed_str(),
        })
    }

    /// The text formats' rendering of the labels.
    pub(crate) fn rendered(&self) -> &str {
        &self.rendered
    }

    /// The labels of the series, for an encoder: named `names` (the label set's
    /// [`NAMES`](LabelSet::NAMES)), the values as given.
    pub(crate) fn labels<'a>(&'a self, names: &'static [&'static str]) -> KeyLabels<'a> {
        KeyLabels { key: self, names }
    }
}

/// The map of an open-ended family holds the hash a key was built with ([`Prehashed`]).
impl Hash for SeriesKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialEq for SeriesKey {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.values == other.values
    }
}

impl Eq for SeriesKey {}

/// How a key lays out its values: for each, a tag byte, then a string's length (4 bytes, little
/// endian) and bytes, or an integer's 8 bytes (little endian).
struct Values;

impl Values {
    const STR: u8 = 0;
    const I64: u8 = 1;
    const U64: u8 = 2;

    fn push(out: &mut Vec<u8>, value: LabelValueRef<'_>) {
        match value {
            LabelValueRef::Str(s) => {
                out.push(Self::STR);
                // A value of 4 GiB or more is far past any length limit.
                out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            LabelValueRef::I64(v) => {
                out.push(Self::I64);
                out.extend_from_slice(&v.to_le_bytes());
            }
            LabelValueRef::U64(v) => {
                out.push(Self::U64);
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }

    /// What follows `value` at the start of `values`, if `values` starts with it.
    #[inline]
    fn strip<'a>(values: &'a [u8], value: LabelValueRef<'_>) -> Option<&'a [u8]> {
        let (&tag, rest) = values.split_first()?;
        match value {
            LabelValueRef::Str(s) => {
                let (len, rest) = rest.split_first_chunk::<4>()?;
                let (text, rest) = rest.split_at_checked(u32::from_le_bytes(*len) as usize)?;
                (tag == Self::STR && equal_bytes(text, s.as_bytes())).then_some(rest)
            }
            LabelValueRef::I64(v) => {
                let (bytes, rest) = rest.split_first_chunk::<8>()?;
                (tag == Self::I64 && *bytes == v.to_le_bytes()).then_some(rest)
            }
            LabelValueRef::U64(v) => {
                let (bytes, rest) = rest.split_first_chunk::<8>()?;
                (tag == Self::U64 && *bytes == v.to_le_bytes()).then_some(rest)
            }
        }
    }

    /// The first value of `values`, and the rest; `None` at the end.
    fn next(values: &[u8]) -> Option<(LabelValueRef<'_>, &[u8])> {
        let (&tag, rest) = values.split_first()?;
        if tag == Self::STR {
            let (len, rest) = rest.split_first_chunk::<4>()?;
            let len = u32::from_le_bytes(*len) as usize;
            let (text, rest) = rest.split_at_checked(len)?;
            Some((LabelValueRef::Str(std::str::from_utf8(text).ok()?), rest))
        } else {
            let (bytes, rest) = rest.split_first_chunk::<8>()?;
            let value = if tag == Self::I64 {
                LabelValueRef::I64(i64::from_le_bytes(*bytes))
            } else {
                LabelValueRef::U64(u64::from_le_bytes(*bytes))
            };
            Some((value, rest))
        }
    }
}

/// Builds a key: the values, and the text with its length check.
struct Keying {
    values: Vec<u8>,
    text: Render,
}

impl LabelEncoder for Keying {
    fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
        self.text.label(name, value);
        if !self.text.too_long {
            Values::push(&mut self.values, value);
        }
    }
}

/// A label set value looked up in an open-ended family's map, without building its key: the
/// same hash, computed only when the map asks for it (a map of one series compares at once), and
/// compared with a key's values where they lie ([`matches`]).
pub(crate) struct LabelsKey<'a, L, S> {
    labels: &'a L,
    hasher: &'a S,
    hash: Cell<Option<u64>>,
}

impl<'a, L: LabelSet, S: BuildHasher> LabelsKey<'a, L, S> {
    pub(crate) fn new(labels: &'a L, hasher: &'a S) -> Self {
        Self {
            labels,
            hasher,
            hash: Cell::new(None),
        }
    }

    pub(crate) fn labels(&self) -> &'a L {
        self.labels
    }

    /// The hash of the values ([`hash`]), the one a [`SeriesKey`] of them keeps.
    pub(crate) fn hash_value(&self) -> u64 {
        if let Some(hash) = self.hash.get() {
            return hash;
        }
        let hash = hash(self.labels, self.hasher);
        self.hash.set(Some(hash));
        hash
    }
}

impl<L: LabelSet, S: BuildHasher> Hash for LabelsKey<'_, L, S> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash_value());
    }
}

impl<L: LabelSet, S: BuildHasher> Equivalent<SeriesKey> for LabelsKey<'_, L, S> {
    #[inline]
    fn equivalent(&self, key: &SeriesKey) -> bool {
        self.hash.get().is_none_or(|hash| hash == key.hash) && matches(self.labels, &key.values)
    }
}

/// The hash of `labels`' values with `hasher`'s seed.
pub(crate) fn hash<L: LabelSet>(labels: &L, hasher: &impl BuildHasher) -> u64 {
    struct Hashing<H>(H);
    impl<H: Hasher> LabelEncoder for Hashing<H> {
        #[inline(always)]
        fn label(&mut self, _name: &str, value: LabelValueRef<'_>) {
            // As the values themselves hash (`str` is prefix-free: ("ab", "c") and ("a", "bc")
            // hash apart).
            match value {
                LabelValueRef::Str(s) => s.hash(&mut self.0),
                LabelValueRef::I64(v) => v.hash(&mut self.0),
                LabelValueRef::U64(v) => v.hash(&mut self.0),
            }
        }
    }
    let mut hashing = Hashing(hasher.build_hasher());
    labels.visit(&mut hashing);
    hashing.0.finish()
}

/// Whether the values of `labels` are `values` ([`Values`]' layout), compared where they lie.
fn matches<L: LabelSet>(labels: &L, values: &[u8]) -> bool {
    struct Matching<'a> {
        rest: &'a [u8],
        equal: bool,
    }
    impl LabelEncoder for Matching<'_> {
        #[inline(always)]
        fn label(&mut self, _name: &str, value: LabelValueRef<'_>) {
            if !self.equal {
                return;
            }
            match Values::strip(self.rest, value) {
                Some(rest) => self.rest = rest,
                None => self.equal = false,
            }
        }
    }
    let mut matching = Matching {
        rest: values,
        equal: true,
    };
    labels.visit(&mut matching);
    matching.equal && matching.rest.is_empty()
}

/// `a == b`, without calling `memcmp` up to 16 bytes (the call costs more than comparing a
/// route or a tenant's name): two words that may overlap.
#[inline]
fn equal_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let half = |s: &[u8], at: usize| u32::from_ne_bytes(s[at..at + 4].try_into().expect("4 bytes"));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        _ => a == b,
    }
}

/// The hasher of an open-ended family's map: its keys carry their hash already
/// ([`SeriesKey`], [`LabelsKey`]), so it passes it through.
#[derive(Clone, Copy, Default)]
pub(crate) struct Prehashed;

impl BuildHasher for Prehashed {
    type Hasher = PrehashedHasher;

    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

pub(crate) struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is ever called (by the two key types); anything else still hashes.
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The labels of a series of an open-ended family, from its key: the names of the label set,
/// each with its value as the label set gave it, and the text the text formats copy.
pub(crate) struct KeyLabels<'a> {
    key: &'a SeriesKey,
    names: &'static [&'static str],
}

impl EncodeLabels for KeyLabels<'_> {
    fn encode(&self, out: &mut dyn LabelEncoder) {
        let mut rest = &*self.key.values;
        let mut names = self.names.iter();
        while let Some((value, next)) = Values::next(rest) {
            out.label(names.next().copied().unwrap_or_default(), value);
            rest = next;
        }
    }

    fn rendered(&self) -> Option<&str> {
        Some(&self.key.rendered)
    }
}

/// What `encode` writes, as the text formats write labels: `name="value",...`, values escaped.
pub(crate) fn render_with(encode: impl FnOnce(&mut dyn LabelEncoder)) -> Box<str> {
    let mut out = Render {
        text: String::new(),
        max: usize::MAX,
        too_long: false,
    };
    encode(&mut out);
    out.text.into_boxed_str()
}

struct Render {
    text: String,
    max: usize,
    too_long: bool,
}

impl LabelEncoder for Render {
    fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
        if self.too_long || too_long(value, self.max) {
            self.too_long = true;
            return;
        }
        if !self.text.is_empty() {
            self.text.push(',');
        }
        self.text.push_str(name);
        self.text.push_str("=\"");
        match value {
            LabelValueRef::Str(s) => crate::escape::write_quoted_text(&mut self.text, s),
            LabelValueRef::I64(v) => self.text.push_str(Decimal::i64(v).as_str()),
            LabelValueRef::U64(v) => self.text.push_str(Decimal::u64(v).as_str()),
        }
        self.text.push('"');
    }
}

/// The labels of the fixed combination at an index.
pub(crate) struct FixedLabels<L>(pub(crate) usize, pub(crate) std::marker::PhantomData<L>);

impl<L: LabelSet> EncodeLabels for FixedLabels<L> {
    fn encode(&self, out: &mut dyn LabelEncoder) {
        L::encode_fixed(self.0, out);
    }
}

/// Takes the last digit of `rest` in base `radix` (decoding a label set's fixed index).
#[doc(hidden)]
#[inline]
pub fn radix_digit(rest: &mut usize, radix: usize) -> usize {
    let digit = *rest % radix;
    *rest /= radix;
    digit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bytes_finds_any_difference_at_any_length() {
        for len in 0..40 {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(equal_bytes(&a, &a.clone()), "{len}");
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!equal_bytes(&a, &b), "{len} {at}");
            }
            assert!(!equal_bytes(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
    }

    #[test]
    fn integers_in_decimal() {
        assert_eq!(Decimal::i64(i64::MIN).as_str(), "-9223372036854775808");
        assert_eq!(Decimal::i64(-1).as_str(), "-1");
        assert_eq!(Decimal::i64(0).as_str(), "0");
        assert_eq!(Decimal::u64(u64::MAX).as_str(), "18446744073709551615");
        assert!(too_long(LabelValueRef::U64(u64::MAX), 19));
        assert!(!too_long(LabelValueRef::U64(u64::MAX), 20));
        assert!(too_long(LabelValueRef::Str("ab"), 1));
        assert!(!too_long(LabelValueRef::Str("ü"), 2));
    }

    #[test]
    fn values_read_back_and_compare_as_stored() {
        let values = [
            LabelValueRef::Str("a\"b"),
            LabelValueRef::I64(-5),
            LabelValueRef::U64(5),
            LabelValueRef::Str(""),
        ];
        let mut stored = Vec::new();
        for v in values {
            Values::push(&mut stored, v);
        }
        let mut rest = &stored[..];
        for v in values {
            let (read, next) = Values::next(rest).unwrap();
            assert_eq!(read, v);
            assert_eq!(Values::strip(rest, v), Some(next));
            rest = next;
        }
        assert!(rest.is_empty() && Values::next(rest).is_none());
        // Another number, the same number of another type, another string: not the stored value.
        assert_eq!(Values::strip(&stored[8..], LabelValueRef::I64(5)), None);
        assert_eq!(Values::strip(&stored[17..], LabelValueRef::I64(5)), None);
        assert_eq!(Values::strip(&stored, LabelValueRef::Str("a\"c")), None);
        assert_eq!(Values::strip(&stored, LabelValueRef::Str("a\"")), None);
    }
}

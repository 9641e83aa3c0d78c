//! Label values and label sets: the typed keys of a [`Family`](crate::Family).

use std::borrow::Cow;
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
/// by their text as the exposition writes it (two label sets that write the same text are one
/// series), so it never clones, compares or hashes the label set value itself.
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
        LabelValueRef::I64(_) | LabelValueRef::U64(_) => Text::of(value).as_bytes().len() > max,
    }
}

/// A label value as text: a string as it is, an integer in decimal, written on the stack.
enum Text<'a> {
    Str(&'a str),
    Decimal { digits: [u8; 20], start: usize },
}

impl<'a> Text<'a> {
    fn of(value: LabelValueRef<'a>) -> Self {
        match value {
            LabelValueRef::Str(s) => Text::Str(s),
            LabelValueRef::I64(v) => Self::decimal(v < 0, v.unsigned_abs()),
            LabelValueRef::U64(v) => Self::decimal(false, v),
        }
    }

    /// `-` if `negative`, then `magnitude` in decimal (at most 20 bytes: `i64::MIN` is 19 digits
    /// and a sign, `u64::MAX` 20 digits).
    fn decimal(negative: bool, mut magnitude: u64) -> Self {
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
        Text::Decimal { digits, start }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Str(s) => s.as_bytes(),
            Text::Decimal { digits, start } => &digits[*start..],
        }
    }
}

/// The key of a series of an open-ended family: its labels as the text formats write them
/// ([`render_within`]), which is also what tells two series apart in an exposition, and their hash
/// ([`hash`]). The family never keeps the label set value itself, so a label set needs neither
/// `Clone` nor `Eq` nor `Hash`.
#[derive(Clone)]
pub(crate) struct SeriesKey {
    hash: u64,
    rendered: Box<str>,
}

impl SeriesKey {
    pub(crate) fn new(hash: u64, rendered: Box<str>) -> Self {
        Self { hash, rendered }
    }

    /// The labels of the series, for an encoder.
    pub(crate) fn labels(&self) -> RenderedLabels<'_> {
        RenderedLabels(&self.rendered)
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
        self.hash == other.hash && self.rendered == other.rendered
    }
}

impl Eq for SeriesKey {}

/// A label set value looked up in an open-ended family's map, without rendering it: the same
/// hash as the [`SeriesKey`] it would render to, and compared with a key's text as it is
/// written ([`matches`]).
pub(crate) struct LabelsKey<'a, L> {
    pub(crate) hash: u64,
    pub(crate) labels: &'a L,
}

impl<L> Hash for LabelsKey<'_, L> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl<L: LabelSet> Equivalent<SeriesKey> for LabelsKey<'_, L> {
    fn equivalent(&self, key: &SeriesKey) -> bool {
        self.hash == key.hash && matches(self.labels, &key.rendered)
    }
}

/// The hash of `labels` with `hasher`'s seed: of the text of each value (so that two label
/// sets writing the same text hash alike, whatever the Rust types of their values).
pub(crate) fn hash<L: LabelSet>(labels: &L, hasher: &impl BuildHasher) -> u64 {
    struct Hashing<H>(H);
    impl<H: Hasher> LabelEncoder for Hashing<H> {
        fn label(&mut self, _name: &str, value: LabelValueRef<'_>) {
            self.0.write(Text::of(value).as_bytes());
            // As `str` hashes: ("ab", "c") and ("a", "bc") hash apart.
            self.0.write_u8(0xff);
        }
    }
    let mut hashing = Hashing(hasher.build_hasher());
    labels.encode(&mut hashing);
    hashing.0.finish()
}

/// Whether `labels`, written out, are `rendered`: the comparison runs along the text, escaping
/// each value as it goes, without allocating.
fn matches<L: LabelSet>(labels: &L, rendered: &str) -> bool {
    struct Matching<'a> {
        rest: &'a [u8],
        first: bool,
        equal: bool,
    }
    impl Matching<'_> {
        fn eat(&mut self, expected: &[u8]) {
            match self.rest.strip_prefix(expected) {
                Some(rest) => self.rest = rest,
                None => self.equal = false,
            }
        }
    }
    impl LabelEncoder for Matching<'_> {
        fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
            if !self.equal {
                return;
            }
            if !std::mem::take(&mut self.first) {
                self.eat(b",");
            }
            self.eat(name.as_bytes());
            self.eat(b"=\"");
            // As `escape::write_quoted_text` writes it.
            let text = Text::of(value);
            let mut bytes = text.as_bytes();
            while self.equal {
                let Some(at) = memchr::memchr3(b'\\', b'\n', b'"', bytes) else {
                    self.eat(bytes);
                    break;
                };
                self.eat(&bytes[..at]);
                self.eat(match bytes[at] {
                    b'\\' => b"\\\\",
                    b'\n' => b"\\n",
                    _ => b"\\\"",
                });
                bytes = &bytes[at + 1..];
            }
            self.eat(b"\"");
        }
    }
    let mut matching = Matching {
        rest: rendered.as_bytes(),
        first: true,
        equal: true,
    };
    labels.encode(&mut matching);
    matching.equal && matching.rest.is_empty()
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

/// The labels of a series of an open-ended family, read back from their text: each value is
/// handed to the encoder as text ([`LabelValueRef::Str`], integers included), unescaped.
pub(crate) struct RenderedLabels<'a>(&'a str);

impl EncodeLabels for RenderedLabels<'_> {
    fn encode(&self, out: &mut dyn LabelEncoder) {
        let mut rest = self.0;
        while let Some((name, after)) = rest.split_once("=\"") {
            // The value ends at the first `"` that no `\\` escapes.
            let bytes = after.as_bytes();
            let mut end = 0;
            let mut escaped = false;
            while end < bytes.len() && bytes[end] != b'"' {
                if bytes[end] == b'\\' {
                    escaped = true;
                    end += 1;
                }
                end += 1;
            }
            let raw = &after[..end.min(after.len())];
            if escaped {
                out.label(name, LabelValueRef::Str(&unescape(raw)));
            } else {
                out.label(name, LabelValueRef::Str(raw));
            }
            rest = after.get(end + 1..).unwrap_or("");
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
    }

    fn rendered(&self) -> Option<&str> {
        Some(self.0)
    }
}

/// `escape::write_quoted_text` undone.
fn unescape(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `labels` as the text formats write them, `name="value",...` with values escaped, or `None`
/// when a value is longer than `max` bytes ([`too_long`]); rendering stops at that value.
pub(crate) fn render_within<L: LabelSet>(labels: &L, max: usize) -> Option<Box<str>> {
    let mut out = Render {
        text: String::new(),
        max,
        too_long: false,
    };
    labels.encode(&mut out);
    (!out.too_long).then(|| out.text.into_boxed_str())
}

/// What `encode` writes, as [`render_within`] does, whatever the length of the values.
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
            LabelValueRef::I64(_) | LabelValueRef::U64(_) => {
                let text = Text::of(value);
                // Digits and `-`: ASCII.
                self.text
                    .push_str(std::str::from_utf8(text.as_bytes()).unwrap_or_default());
            }
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

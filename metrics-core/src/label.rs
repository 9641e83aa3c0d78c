//! Label values and label sets: the typed keys of a [`Family`](crate::Family).

use std::borrow::Cow;
use std::hash::Hash;

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
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a label value",
    label = "not a label value",
    note = "label values are `#[derive(LabelValue)]` enums, `bool`, integers, `String`, `&'static str` or `Cow<'static, str>`"
)]
pub trait LabelValue: Clone + Eq + Hash + Send + Sync + 'static {
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
/// `#[label(name = "...")]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a label set",
    label = "not a label set",
    note = "the labels of a `Family<L, M>` are a struct with `#[derive(LabelSet)]`"
)]
pub trait LabelSet: Clone + Eq + Hash + Send + Sync + 'static {
    /// The label names, in field order.
    const NAMES: &'static [&'static str];
    /// The number of combinations of the fixed-cardinality labels (1 when there are none).
    const FIXED_CARDINALITY: usize;
    /// Whether any label is open-ended.
    const OPEN_ENDED: bool;
    /// The index of this set's fixed-cardinality labels in `0..FIXED_CARDINALITY`.
    fn fixed_index(&self) -> usize;
    /// Writes each label of this set.
    fn encode(&self, out: &mut dyn LabelEncoder);
    /// Writes the labels of the combination at `index`; open-ended labels read
    /// [`OVERFLOW_VALUE`].
    fn encode_fixed(index: usize, out: &mut dyn LabelEncoder);
}

/// The labels of a series keyed by a label set value.
pub(crate) struct LabelsOf<'a, L> {
    pub(crate) labels: &'a L,
    /// [`render`] of `labels`.
    pub(crate) rendered: &'a str,
}

impl<L: LabelSet> EncodeLabels for LabelsOf<'_, L> {
    fn encode(&self, out: &mut dyn LabelEncoder) {
        self.labels.encode(out);
    }

    fn rendered(&self) -> Option<&str> {
        Some(self.rendered)
    }
}

/// `labels` as the text formats write them: `name="value",...`, values escaped.
pub(crate) fn render<L: LabelSet>(labels: &L) -> Box<str> {
    render_with(|out| labels.encode(out))
}

/// What `encode` writes, as [`render`] does.
pub(crate) fn render_with(encode: impl FnOnce(&mut dyn LabelEncoder)) -> Box<str> {
    struct Render(String);
    impl LabelEncoder for Render {
        fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
            use std::fmt::Write as _;
            if !self.0.is_empty() {
                self.0.push(',');
            }
            self.0.push_str(name);
            self.0.push_str("=\"");
            match value {
                LabelValueRef::Str(s) => crate::escape::write_quoted_text(&mut self.0, s),
                LabelValueRef::I64(v) => {
                    let _ = write!(self.0, "{v}");
                }
                LabelValueRef::U64(v) => {
                    let _ = write!(self.0, "{v}");
                }
            }
            self.0.push('"');
        }
    }
    let mut out = Render(String::new());
    encode(&mut out);
    out.0.into_boxed_str()
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

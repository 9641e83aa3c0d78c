//! The user's struct as the expansion sees it, once every rule has passed.

use proc_macro2::Span;
use syn::{GenericArgument, PathArguments, Type};

use crate::buckets::Bounds;
use crate::rules::MetricKind;

/// A validated `#[derive(MetricSet)]` struct.
pub struct Set<'a> {
    pub ident: &'a syn::Ident,
    pub vis: &'a syn::Visibility,
    pub generics: &'a syn::Generics,
    /// `prefix = "..."`, which every name starts with.
    pub prefix: Option<&'a str>,
    /// `crate = path`, when given.
    pub krate: Option<&'a syn::Path>,
    pub global: bool,
    pub metrics: Vec<MetricField<'a>>,
    /// `#[metric(skip)]` fields, built with their own `Default`.
    pub skipped: Vec<&'a syn::Ident>,
}

/// One metric field.
pub struct MetricField<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a Type,
    /// Prefix included.
    pub name: String,
    /// The token the name comes from: `name = "..."`'s value, else the field's identifier.
    pub name_span: Span,
    pub help: String,
    /// `unit = "..."`, else the unit the name ends with (`rules::inferred_unit`).
    pub unit: Option<Unit>,
    /// The kind read off the type's last path segment, when it is one of ours.
    pub kind: Option<MetricKind>,
    /// Whether the type is written `Family<_, _>`.
    pub family: bool,
    pub buckets: Option<Bounds>,
    pub max_series: Option<usize>,
    /// `schema = N` of an exponential histogram, checked.
    pub schema: Option<i8>,
    /// `max_buckets = N` of an exponential histogram, checked.
    pub max_buckets: Option<usize>,
    /// Where the values of `schema = N` and `max_buckets = N` are written, for the checks left
    /// to the compiler (on an alias).
    pub schema_range: Option<(Span, Span)>,
    pub max_buckets_range: Option<(Span, Span)>,
    /// `max_label_value_len = N`, with the span of `N`.
    pub max_label_value_len: Option<(usize, Span)>,
    /// `lazy`, with its span.
    pub lazy: Option<Span>,
}

/// The unit of a metric.
pub enum Unit {
    /// `unit = "..."`.
    Declared(String),
    /// Read off the name: exported when the metric's kind allows a unit (known only to the
    /// compiler when the type does not show it).
    Inferred(&'static str),
}

impl Unit {
    pub fn as_str(&self) -> &str {
        match self {
            Unit::Declared(unit) => unit,
            Unit::Inferred(unit) => unit,
        }
    }
}

/// The kind of a field type and whether it is a `Family`, read off the syntax: the last path
/// segment, where it is one of ours. `None` for anything else (an alias, a user type), which the
/// expansion then checks through `<T as Metric>::KIND`.
pub fn syntactic_kind(ty: &Type) -> Option<(MetricKind, bool)> {
    let Type::Path(path) = ty else {
        return match ty {
            Type::Group(g) => syntactic_kind(&g.elem),
            Type::Paren(p) => syntactic_kind(&p.elem),
            _ => None,
        };
    };
    let last = path.path.segments.last()?;
    match last.ident.to_string().as_str() {
        "Counter" => Some((MetricKind::Counter, false)),
        "Gauge" | "FloatGauge" => Some((MetricKind::Gauge, false)),
        "Histogram" | "ExponentialHistogram" => Some((MetricKind::Histogram, false)),
        "Family" => {
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let inner = args.args.iter().filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            });
            let (kind, nested) = syntactic_kind(inner.clone().nth(1)?)?;
            (!nested).then_some((kind, true))
        }
        _ => None,
    }
}

/// Whether a field type is an exponential histogram (or a `Family` of them), read off the syntax
/// as [`syntactic_kind`] reads the kind: `None` when the syntax does not show it.
pub fn syntactic_exponential(ty: &Type) -> Option<bool> {
    let Type::Path(path) = ty else {
        return match ty {
            Type::Group(g) => syntactic_exponential(&g.elem),
            Type::Paren(p) => syntactic_exponential(&p.elem),
            _ => None,
        };
    };
    let last = path.path.segments.last()?;
    match last.ident.to_string().as_str() {
        "ExponentialHistogram" => Some(true),
        "Counter" | "Gauge" | "FloatGauge" | "Histogram" => Some(false),
        "Family" => {
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let mut inner = args.args.iter().filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            });
            syntactic_exponential(inner.nth(1)?)
        }
        _ => None,
    }
}

/// The `///` doc comment as HELP text: lines trimmed, empty ones dropped, joined by one space.
pub fn doc_help(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                for line in s.value().lines() {
                    let line = line.trim();
                    if !line.is_empty() {
                        lines.push(line.to_owned());
                    }
                }
            }
        }
    }
    (!lines.is_empty()).then(|| lines.join(" "))
}

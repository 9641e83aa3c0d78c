//! The attributes of `#[derive(MetricSet)]`, parsed with darling.

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};
use syn::Expr;

use crate::shape::{Fields, FromData};

/// `#[metric_set(...)]` on the struct.
#[derive(FromDeriveInput)]
#[darling(attributes(metric_set), supports(struct_named))]
pub struct SetAttrs {
    #[darling(with = FromData::from_data)]
    pub data: Fields<FieldAttrs>,
    pub prefix: Option<SpannedValue<String>>,
    #[darling(rename = "crate")]
    pub krate: Option<syn::Path>,
    pub global: Option<SpannedValue<bool>>,
}

/// `#[metric(...)]` on a field.
#[derive(FromField)]
#[darling(attributes(metric), forward_attrs(doc))]
pub struct FieldAttrs {
    pub ident: Option<syn::Ident>,
    pub ty: syn::Type,
    pub attrs: Vec<syn::Attribute>,
    pub name: Option<SpannedValue<String>>,
    pub help: Option<SpannedValue<String>>,
    pub unit: Option<SpannedValue<String>>,
    pub buckets: Option<Buckets>,
    pub max_series: Option<SpannedValue<usize>>,
    pub max_label_value_len: Option<SpannedValue<usize>>,
    pub lazy: Flag,
    pub skip: Flag,
}

/// `buckets = [0.1, 0.5]`, `buckets = exponential(start, factor, count)` or
/// `buckets = linear(start, width, count)`, as written: `buckets.rs` evaluates and checks it,
/// and keeps the syntax to point at the offending bound.
pub struct Buckets(pub Expr);

impl FromMeta for Buckets {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        Ok(Buckets(expr.clone()))
    }
}

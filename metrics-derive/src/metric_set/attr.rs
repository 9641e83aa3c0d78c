//! The attributes of `#[derive(MetricSet)]`, parsed with darling.

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromField};

use crate::buckets::Buckets;
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
    pub skip: Flag,
}

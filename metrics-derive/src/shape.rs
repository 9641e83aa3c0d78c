//! The items each derive accepts, checked before darling reads the attributes, so that the error
//! points at the offending token (`enum`, the tuple's fields, a variant's data) rather than at
//! the derive's name; and the fields or variants darling then reads, as plain lists.

use darling::{FromField, FromVariant};

use crate::derive::Derive;
use crate::errors::Errors;

/// Checks that `input` is an item `derive` accepts.
pub fn check(derive: Derive, input: &syn::DeriveInput) -> syn::Result<()> {
    match derive {
        Derive::MetricSet => named_fields(input, "MetricSet", "metric", ""),
        Derive::LabelSet => named_fields(
            input,
            "LabelSet",
            "label",
            ", and derive `LabelValue` for an enum of a label's values",
        ),
        Derive::LabelValue => unit_variants(input),
    }
}

/// A struct with named fields, each one `what`; `on_enum` is said after "declare a struct with
/// one named field per ..." to a user who wrote an enum.
fn named_fields(
    input: &syn::DeriveInput,
    derive: &str,
    what: &str,
    on_enum: &str,
) -> syn::Result<()> {
    let (span, message) = match &input.data {
        syn::Data::Struct(s) => match &s.fields {
            syn::Fields::Named(_) => return Ok(()),
            syn::Fields::Unnamed(fields) => (
                fields.paren_token.span.join(),
                format!("`#[derive({derive})]` needs named fields, since each field's name is its {what}'s name"),
            ),
            syn::Fields::Unit => (
                input.ident.span(),
                format!("`#[derive({derive})]` needs named fields, one per {what}: `struct {}s {{ ... }}`", capitalized(what)),
            ),
        },
        syn::Data::Enum(e) => (
            e.enum_token.span,
            format!("`#[derive({derive})]` is not supported on enums: declare a struct with one named field per {what}{on_enum}"),
        ),
        syn::Data::Union(u) => (
            u.union_token.span,
            format!("`#[derive({derive})]` is not supported on unions: declare a struct with one named field per {what}"),
        ),
    };
    Err(syn::Error::new(span, message))
}

/// `metric` to `Metric`.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// An enum of unit variants, one per label value.
fn unit_variants(input: &syn::DeriveInput) -> syn::Result<()> {
    let data = match &input.data {
        syn::Data::Enum(data) => data,
        syn::Data::Struct(syn::DataStruct {
            struct_token: syn::token::Struct { span },
            ..
        })
        | syn::Data::Union(syn::DataUnion {
            union_token: syn::token::Union { span },
            ..
        }) => {
            return Err(syn::Error::new(
                *span,
                "`#[derive(LabelValue)]` is only supported on enums of unit variants, one per value",
            ));
        }
    };
    let mut errors = Errors::default();
    for variant in &data.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            errors.spanned(
                &variant.fields,
                format!(
                    "variant `{}` cannot hold data: a `#[derive(LabelValue)]` enum lists every value of its label; for values not known in advance, make the label a `String`",
                    variant.ident
                ),
            );
        }
    }
    errors.finish_with(())
}

/// What is beneath the item, as darling reads it for `data`.
pub trait FromData: Sized {
    fn from_data(data: &syn::Data) -> darling::Result<Self>;
}

/// A struct's fields, as darling's `data` of a derive whose shape check lets only structs through.
pub struct Fields<F>(pub Vec<F>);

impl<F: FromField> FromData for Fields<F> {
    fn from_data(data: &syn::Data) -> darling::Result<Self> {
        match darling::ast::Data::<(), F>::try_from(data)? {
            darling::ast::Data::Struct(fields) => Ok(Fields(fields.fields)),
            darling::ast::Data::Enum(_) => Err(darling::Error::unsupported_shape("enum")),
        }
    }
}

/// An enum's variants, as darling's `data` of a derive whose shape check lets only enums through.
pub struct Variants<V>(pub Vec<V>);

impl<V: FromVariant> FromData for Variants<V> {
    fn from_data(data: &syn::Data) -> darling::Result<Self> {
        match darling::ast::Data::<V, ()>::try_from(data)? {
            darling::ast::Data::Enum(variants) => Ok(Variants(variants)),
            darling::ast::Data::Struct(_) => Err(darling::Error::unsupported_shape("struct")),
        }
    }
}

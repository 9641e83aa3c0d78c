//! The attributes of `#[derive(MetricSet)]`, parsed with darling.

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};
use syn::Expr;

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
    pub schema: Option<Integer>,
    pub max_buckets: Option<Integer>,
    pub max_label_value_len: Option<SpannedValue<usize>>,
    pub lazy: Flag,
    pub skip: Flag,
}

/// An integer literal, negative ones too (`schema = -2`, which darling's integers refuse), with
/// the value as written, where errors point.
pub struct Integer {
    pub value: i64,
    pub expr: Expr,
}

impl FromMeta for Integer {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        let (negative, literal) = match expr {
            Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Neg(_),
                expr,
                ..
            }) => (true, &**expr),
            other => (false, other),
        };
        let value = match literal {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) => int.base10_parse::<i64>().map_err(darling::Error::from)?,
            _ => {
                return Err(
                    darling::Error::custom("expected an integer, such as `3`").with_span(expr)
                )
            }
        };
        Ok(Integer {
            value: if negative { -value } else { value },
            expr: expr.clone(),
        })
    }
}

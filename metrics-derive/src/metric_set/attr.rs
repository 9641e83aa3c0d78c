//! The attributes of `#[derive(MetricSet)]`, parsed with darling.

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, UnOp};

use crate::rules;

/// `#[metric_set(...)]` on the struct.
#[derive(FromDeriveInput)]
#[darling(attributes(metric_set), supports(struct_named), forward_attrs(doc))]
pub struct SetAttrs {
    pub ident: syn::Ident,
    pub vis: syn::Visibility,
    pub generics: syn::Generics,
    pub data: darling::ast::Data<(), FieldAttrs>,
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

/// `buckets = [0.1, 0.5]`, `buckets = exponential(start, factor, count)` or
/// `buckets = linear(start, width, count)`, evaluated at compile time.
pub struct Buckets {
    pub bounds: Vec<f64>,
    /// The span of each bound, for a literal list; else the helper call's span for all.
    pub spans: Vec<Span>,
    /// The span of the whole value.
    pub span: Span,
}

fn number(expr: &Expr) -> darling::Result<f64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>().map_err(darling::Error::from),
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i
            .base10_parse::<u64>()
            .map(|v| {
                #[allow(clippy::cast_precision_loss)]
                let v = v as f64;
                v
            })
            .map_err(darling::Error::from),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => number(&u.expr).map(|v| -v),
        Expr::Path(p) if p.path.is_ident("NAN") || p.path.segments.last().is_some_and(|s| s.ident == "NAN") => {
            Ok(f64::NAN)
        }
        Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "INFINITY") => {
            Ok(f64::INFINITY)
        }
        Expr::Group(g) => number(&g.expr),
        Expr::Paren(p) => number(&p.expr),
        _ => Err(darling::Error::custom(
            "bucket bounds must be number literals such as `0.5`; constants and expressions cannot be checked at compile time",
        )
        .with_span(expr)),
    }
}

fn count(expr: &Expr) -> darling::Result<usize> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<usize>().map_err(darling::Error::from),
        _ => Err(
            darling::Error::custom("the bucket count must be an integer literal such as `8`")
                .with_span(expr),
        ),
    }
}

impl FromMeta for Buckets {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Array(array) => {
                let mut errors = darling::Error::accumulator();
                let mut bounds = Vec::new();
                let mut spans = Vec::new();
                for elem in &array.elems {
                    if let Some(v) = errors.handle(number(elem)) {
                        bounds.push(v);
                        spans.push(elem.span());
                    }
                }
                errors.finish()?;
                Ok(Buckets {
                    bounds,
                    spans,
                    span: expr.span(),
                })
            }
            Expr::Call(call) => {
                let helper = match &*call.func {
                    Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
                    _ => None,
                };
                let args: Vec<&Expr> = call.args.iter().collect();
                let result = match (helper.as_deref(), args.as_slice()) {
                    (Some("exponential"), [start, factor, n]) => {
                        rules::exponential_buckets(number(start)?, number(factor)?, count(n)?)
                    }
                    (Some("linear"), [start, width, n]) => {
                        rules::linear_buckets(number(start)?, number(width)?, count(n)?)
                    }
                    (Some(name @ ("exponential" | "linear")), _) => {
                        return Err(darling::Error::custom(format!(
                            "`{name}` takes three arguments: `{name}(start, {}, count)`",
                            if name == "linear" { "width" } else { "factor" }
                        ))
                        .with_span(&call.args));
                    }
                    _ => {
                        return Err(darling::Error::custom(
                            "unknown bucket helper; write `exponential(start, factor, count)`, `linear(start, width, count)` or a list such as `[0.1, 0.5, 1.0]`",
                        )
                        .with_span(&call.func));
                    }
                };
                let bounds = result.map_err(|e| darling::Error::custom(e).with_span(expr))?;
                Ok(Buckets {
                    spans: vec![expr.span(); bounds.len()],
                    bounds,
                    span: expr.span(),
                })
            }
            _ => Err(darling::Error::custom(
                "`buckets` takes a list such as `[0.1, 0.5, 1.0]`, `exponential(start, factor, count)` or `linear(start, width, count)`",
            )
            .with_span(expr)),
        }
    }
}

//! `buckets = ...` evaluated at compile time, for `#[metric(buckets = ...)]` and
//! `#[instrument_latency(buckets = ...)]` alike: a list of number literals, or
//! `exponential(start, factor, count)` / `linear(start, width, count)`, checked against the
//! bucket rules with each mistake at the offending bound or argument.

use darling::FromMeta;
use proc_macro2::Span;
use syn::{Expr, ExprLit, Lit, UnOp};

use crate::errors::Errors;
use crate::rules;
use crate::spans::span_range;

/// `buckets = [0.1, 0.5]`, `buckets = exponential(start, factor, count)` or
/// `buckets = linear(start, width, count)`, as written: [`bounds`] evaluates and checks it, and
/// keeps the syntax to point at the offending bound.
pub struct Buckets(pub Expr);

impl FromMeta for Buckets {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        Ok(Buckets(expr.clone()))
    }
}

/// The bounds of `buckets = ...`, evaluated and checked.
pub struct Bounds {
    pub values: Vec<f64>,
    /// The `buckets = ...` value, where a check left to the compiler (on an alias) points.
    pub range: (Span, Span),
}

/// Evaluates and checks `buckets = ...`; `None` after pushing what is wrong to `errors`.
pub fn bounds(expr: &Expr, errors: &mut Errors) -> Option<Bounds> {
    let range = span_range(expr);
    match expr {
        Expr::Array(array) => {
            let mut values = Vec::new();
            let mut ok = true;
            for elem in &array.elems {
                match number(elem) {
                    Ok(v) => values.push(v),
                    Err(e) => {
                        errors.push(e);
                        ok = false;
                    }
                }
            }
            if !ok {
                return None;
            }
            if let Err(e) = rules::check_buckets(&values) {
                match e.index.and_then(|i| array.elems.iter().nth(i)) {
                    Some(elem) => errors.spanned(elem, e.message),
                    None => errors.spanned(array, e.message),
                }
                return None;
            }
            Some(Bounds { values, range })
        }
        Expr::Call(call) => {
            let helper = match &*call.func {
                Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
                _ => None,
            };
            type Check = fn(f64, f64, usize) -> Result<(), rules::HelperError>;
            type Build = fn(f64, f64, usize) -> Result<Vec<f64>, rules::BucketError>;
            let (check, build): (Check, Build) = match helper.as_deref() {
                Some("exponential") => (rules::check_exponential, rules::exponential_buckets),
                Some("linear") => (rules::check_linear, rules::linear_buckets),
                _ => {
                    errors.spanned(
                        &call.func,
                        "unknown bucket helper; write `exponential(start, factor, count)`, `linear(start, width, count)` or a list such as `[0.1, 0.5, 1.0]`",
                    );
                    return None;
                }
            };
            let name = helper.unwrap_or_default();
            let args: Vec<&Expr> = call.args.iter().collect();
            let [start, step, count_arg] = args.as_slice() else {
                errors.at(
                    call.paren_token.span.join(),
                    format!(
                        "`{name}` takes three arguments: `{name}({}, count)`",
                        if name == "linear" {
                            "start, width"
                        } else {
                            "start, factor"
                        }
                    ),
                );
                return None;
            };
            let (start, step, count) = match (number(start), number(step), count(count_arg)) {
                (Ok(start), Ok(step), Ok(count)) => (start, step, count),
                (start, step, count) => {
                    for e in [start.err(), step.err(), count.err()].into_iter().flatten() {
                        errors.push(e);
                    }
                    return None;
                }
            };
            if let Err(e) = check(start, step, count) {
                errors.spanned(args[e.argument], e.message);
                return None;
            }
            match build(start, step, count) {
                Ok(values) => Some(Bounds { values, range }),
                Err(e) => {
                    errors.spanned(call, e.message);
                    None
                }
            }
        }
        _ => {
            errors.spanned(
                expr,
                "`buckets` takes a list such as `[0.1, 0.5, 1.0]`, `exponential(start, factor, count)` or `linear(start, width, count)`",
            );
            None
        }
    }
}

/// A bucket bound: a number literal, maybe negated, or `f64::NAN` / `f64::INFINITY` (which the
/// rules then reject with a better message than "not a literal").
fn number(expr: &Expr) -> syn::Result<f64> {
    let value = match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>()?,
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => {
            #[allow(clippy::cast_precision_loss)]
            let v = i.base10_parse::<u64>()? as f64;
            v
        }
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => -number(&u.expr)?,
        Expr::Group(g) => number(&g.expr)?,
        Expr::Paren(p) => number(&p.expr)?,
        Expr::Path(p) if p.qself.is_none() && float_constant(&p.path).is_some() => {
            float_constant(&p.path).unwrap_or_default()
        }
        _ => {
            return Err(syn::Error::new_spanned(
                expr,
                "bucket bounds must be number literals such as `0.5`; constants and expressions cannot be checked at compile time",
            ))
        }
    };
    Ok(value)
}

/// `f64::NAN`, `core::f64::INFINITY`, `NEG_INFINITY`, ...
fn float_constant(path: &syn::Path) -> Option<f64> {
    let mut segments = path.segments.iter().rev();
    let last = segments.next()?;
    if !segments.all(|s| matches!(s.ident.to_string().as_str(), "std" | "core" | "f64" | "f32")) {
        return None;
    }
    match last.ident.to_string().as_str() {
        "NAN" => Some(f64::NAN),
        "INFINITY" => Some(f64::INFINITY),
        "NEG_INFINITY" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// The `count` of a bucket helper: an integer literal.
fn count(expr: &Expr) -> syn::Result<usize> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<usize>(),
        _ => Err(syn::Error::new_spanned(
            expr,
            "the bucket count must be an integer literal such as `8`",
        )),
    }
}

//! Every rule of a metric set declaration, checked in one pass so all mistakes show at once.

use std::collections::HashMap;
use std::fmt::Display;

use darling::ast::Data;
use proc_macro2::Span;
use quote::ToTokens;
use syn::{Expr, ExprLit, Lit, UnOp};

use super::ast::{doc_help, span_range, syntactic_kind, Bounds, MetricField, Set};
use super::attr::{Buckets, FieldAttrs, SetAttrs};
use crate::rules::{self, MetricKind};

/// The mistakes found so far, in source order. `syn::Error` rather than `darling::Error`: it keeps
/// the first and the last token of what it points at, so `-1.0` or `f64::NAN` is underlined whole
/// (a stable proc-macro cannot join two spans into one).
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// A mistake in one token.
    fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// A mistake in a run of tokens, underlined from the first to the last.
    fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The kind used for name rules when the type does not show it: `_total` names are counters.
pub fn guessed_kind(name: &str) -> MetricKind {
    if name.ends_with("_total") {
        MetricKind::Counter
    } else {
        MetricKind::Gauge
    }
}

/// What darling's `supports(struct_named)` would reject, said at the offending token rather than
/// at the derive's name.
pub fn check_shape(input: &syn::DeriveInput) -> syn::Result<()> {
    let (span, message) = match &input.data {
        syn::Data::Struct(s) => match &s.fields {
            syn::Fields::Named(_) => return Ok(()),
            syn::Fields::Unnamed(fields) => (
                fields.paren_token.span.join(),
                "`#[derive(MetricSet)]` needs named fields, since each field's name is its metric's name",
            ),
            syn::Fields::Unit => (
                input.ident.span(),
                "`#[derive(MetricSet)]` needs named fields, one per metric: `struct Metrics { ... }`",
            ),
        },
        syn::Data::Enum(e) => (
            e.enum_token.span,
            "`#[derive(MetricSet)]` is not supported on enums: declare a struct with one named field per metric",
        ),
        syn::Data::Union(u) => (
            u.union_token.span,
            "`#[derive(MetricSet)]` is not supported on unions: declare a struct with one named field per metric",
        ),
    };
    Err(syn::Error::new(span, message))
}

pub fn validate(input: &SetAttrs) -> syn::Result<Set<'_>> {
    // `check_shape` and `supports(struct_named)` let only named structs through.
    let Data::Struct(fields) = &input.data else {
        return Err(syn::Error::new(input.ident.span(), "expected a struct"));
    };
    let mut errors = Errors::default();
    let mut prefix_ok = true;
    if let Some(prefix) = &input.prefix {
        if let Err(e) = rules::check_prefix(prefix) {
            errors.at(prefix.span(), e);
            prefix_ok = false;
        }
    }
    let global = input.global.as_ref().is_none_or(|g| **g);
    if global && !input.generics.params.is_empty() {
        let message = "a generic metric set cannot be registered globally: add `#[metric_set(global = false)]` and register its instances in a `Registry`";
        match &input.global {
            Some(g) => errors.at(g.span(), message),
            None => errors.spanned(&input.generics, message),
        }
    }

    let mut metrics = Vec::new();
    let mut skipped = Vec::new();
    let mut claims: HashMap<String, (String, &syn::Ident)> = HashMap::new();
    for field in fields.iter() {
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        if field.skip.is_present() {
            skipped.push(ident);
            continue;
        }
        let Some(m) = validate_field(input, prefix_ok, field, ident, &mut errors) else {
            continue;
        };
        let kind = m.kind.unwrap_or_else(|| guessed_kind(&m.name));
        for claim in rules::claimed_names(&m.name, kind) {
            if let Some((other, other_field)) = claims.get(&claim) {
                let message = if *other == m.name {
                    format!(
                        "metric `{}` is already declared by field `{other_field}`; give one of them another name",
                        m.name
                    )
                } else {
                    format!(
                        "metric `{}` clashes with `{other}` (field `{other_field}`): both expose `{claim}`; rename one of them",
                        m.name
                    )
                };
                errors.at(m.name_span, message);
                break;
            }
        }
        for claim in rules::claimed_names(&m.name, kind) {
            claims
                .entry(claim)
                .or_insert_with(|| (m.name.clone(), ident));
        }
        metrics.push(m);
    }
    errors.finish()?;
    let krate = input
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::metrics_core));
    Ok(Set {
        ident: &input.ident,
        vis: &input.vis,
        generics: &input.generics,
        krate,
        global,
        metrics,
        skipped,
    })
}

/// One field's rules; `None` when any is broken (each pushed to `errors`).
fn validate_field<'a>(
    input: &SetAttrs,
    prefix_ok: bool,
    field: &'a FieldAttrs,
    ident: &'a syn::Ident,
    errors: &mut Errors,
) -> Option<MetricField<'a>> {
    let mut field_errors = Errors::default();
    let (base, name_span) = match &field.name {
        Some(name) => (name.as_str().to_owned(), name.span()),
        None => (ident.to_string(), ident.span()),
    };
    let syntactic = syntactic_kind(&field.ty);
    let kind = syntactic.map(|(k, _)| k);
    // An invalid prefix is reported once, at the prefix; each name is then checked without it.
    let name = match &input.prefix {
        Some(prefix) if prefix_ok => format!("{}_{base}", prefix.as_str()),
        _ => base.clone(),
    };
    let rule_kind = kind.unwrap_or_else(|| guessed_kind(&name));
    if base.is_empty() {
        let message = if input.prefix.is_some() {
            "metric name is empty; `name = \"...\"` takes the part after the prefix"
        } else {
            "metric name is empty; write the metric's name, or remove `name` to use the field's"
        };
        field_errors.at(name_span, message);
    } else if let Err(e) = rules::check_metric_name(&name, rule_kind) {
        field_errors.at(name_span, unprefixed(&e, input));
    }

    let help = match &field.help {
        Some(help) if help.trim().is_empty() => {
            field_errors.at(help.span(), "`help` is empty; say what the metric measures");
            String::new()
        }
        Some(help) => help.trim().to_owned(),
        None => doc_help(&field.attrs).unwrap_or_else(|| {
            field_errors.at(
                ident.span(),
                format!(
                    "metric `{name}` has no help text: add a `///` doc comment or `#[metric(help = \"...\")]`"
                ),
            );
            String::new()
        }),
    };

    let buckets = field.buckets.as_ref().and_then(|Buckets(expr)| match kind {
        Some(k) if k != MetricKind::Histogram => {
            field_errors.spanned(
                expr,
                format!(
                    "`#[metric(buckets = ...)]` is only allowed on histogram fields; `{ident}` is a {}",
                    k.as_str()
                ),
            );
            None
        }
        _ => bounds(expr, &mut field_errors),
    });

    if let Some(unit) = &field.unit {
        if let Err(e) = rules::check_unit(&name, unit, rule_kind) {
            field_errors.at(unit.span(), unprefixed(&e, input));
        }
    }

    if let Some(max) = &field.max_series {
        if let Some((k, false)) = syntactic {
            field_errors.at(
                max.span(),
                format!(
                    "`#[metric(max_series = ...)]` is only allowed on `Family` fields; `{ident}` is a single {} series",
                    k.as_str()
                ),
            );
        } else if **max == 0 {
            field_errors.at(max.span(), "`max_series` must be at least 1");
        }
    }

    match field_errors.0 {
        Some(e) => {
            errors.push(e);
            None
        }
        None => Some(MetricField {
            ident,
            ty: &field.ty,
            name,
            base,
            name_span,
            help,
            unit: field.unit.as_ref().map(|u| u.as_str().to_owned()),
            kind,
            family: matches!(syntactic, Some((_, true))),
            buckets,
            max_series: field.max_series.as_ref().map(|m| **m),
        }),
    }
}

/// A rule's message with its suggestion (after "write" or "name the metric") rid of the prefix:
/// the prefix is added to what the user writes, so the suggestion is for the field name or
/// `name = "..."` alone.
fn unprefixed(message: &str, input: &SetAttrs) -> String {
    match &input.prefix {
        Some(prefix) => {
            ["write", "name the metric"]
                .iter()
                .fold(message.to_owned(), |message, verb| {
                    message.replace(
                        &format!("{verb} `{}_", prefix.as_str()),
                        &format!("{verb} `"),
                    )
                })
        }
        None => message.to_owned(),
    }
}

/// Evaluates and checks `buckets = ...`; `None` after pushing what is wrong to `errors`.
fn bounds(expr: &Expr, errors: &mut Errors) -> Option<Bounds> {
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
            type Build = fn(f64, f64, usize) -> Result<Vec<f64>, String>;
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
                Err(message) => {
                    errors.spanned(call, message);
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

//! Every rule of a metric set declaration, checked in one pass so all mistakes show at once.

use std::collections::HashMap;

use darling::ast::Data;
use darling::util::SpannedValue;
use proc_macro2::Span;
use syn::spanned::Spanned;

use super::ast::{doc_help, syntactic_kind, MetricField, Set};
use super::attr::{FieldAttrs, SetAttrs};
use crate::rules::{self, MetricKind};

fn error(span: Span, message: impl std::fmt::Display) -> darling::Error {
    darling::Error::custom(message).with_span(&span)
}

/// The kind used for name rules when the type does not show it: `_total` names are counters.
pub fn guessed_kind(name: &str) -> MetricKind {
    if name.ends_with("_total") {
        MetricKind::Counter
    } else {
        MetricKind::Gauge
    }
}

pub fn validate(input: &SetAttrs) -> darling::Result<Set<'_>> {
    // `supports(struct_named)` lets only named structs through.
    let Data::Struct(fields) = &input.data else {
        return Err(darling::Error::unsupported_shape("enum"));
    };
    let mut errors = darling::Error::accumulator();
    if let Some(prefix) = &input.prefix {
        if let Err(e) = rules::check_prefix(prefix) {
            errors.push(error(prefix.span(), e));
        }
    }
    let global = input.global.as_ref().is_none_or(|g| **g);
    if global && !input.generics.params.is_empty() {
        let span = input
            .global
            .as_ref()
            .map_or_else(|| input.generics.span(), SpannedValue::span);
        errors.push(error(
            span,
            "a generic metric set cannot be registered globally: add `#[metric_set(global = false)]` and register its instances in a `Registry`",
        ));
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
        if let Some(m) = errors.handle(validate_field(input, field, ident)) {
            for claim in
                rules::claimed_names(&m.name, m.kind.unwrap_or_else(|| guessed_kind(&m.name)))
            {
                if let Some((other, other_field)) = claims.get(&claim) {
                    let message = if *other == m.name {
                        format!("metric `{}` is already declared by field `{other_field}`; give one of them another name", m.name)
                    } else {
                        format!(
                            "metric `{}` clashes with `{other}` (field `{other_field}`): both expose `{claim}`; rename one of them",
                            m.name
                        )
                    };
                    errors.push(error(m.name_span, message));
                    break;
                }
            }
            for claim in
                rules::claimed_names(&m.name, m.kind.unwrap_or_else(|| guessed_kind(&m.name)))
            {
                claims
                    .entry(claim)
                    .or_insert_with(|| (m.name.clone(), ident));
            }
            metrics.push(m);
        }
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

fn validate_field<'a>(
    input: &SetAttrs,
    field: &'a FieldAttrs,
    ident: &'a syn::Ident,
) -> darling::Result<MetricField<'a>> {
    let mut errors = darling::Error::accumulator();
    let (base, name_span) = match &field.name {
        Some(name) => (name.as_str().to_owned(), name.span()),
        None => (ident.to_string(), ident.span()),
    };
    let syntactic = syntactic_kind(&field.ty);
    let kind = syntactic.map(|(k, _)| k);
    let name = match &input.prefix {
        Some(prefix) => format!("{}_{base}", prefix.as_str()),
        None => base.clone(),
    };
    if base.is_empty() {
        errors.push(error(
            name_span,
            "metric name is empty; `name = \"...\"` takes the part after the prefix",
        ));
    } else if let Err(e) =
        rules::check_metric_name(&name, kind.unwrap_or_else(|| guessed_kind(&name)))
    {
        errors.push(error(name_span, e));
    }

    let help = match &field.help {
        Some(help) if help.trim().is_empty() => {
            errors.push(error(help.span(), "`help` is empty; say what the metric measures"));
            String::new()
        }
        Some(help) => help.trim().to_owned(),
        None => doc_help(&field.attrs).unwrap_or_else(|| {
            errors.push(error(
                ident.span(),
                format!(
                    "metric `{name}` has no help text: add a `///` doc comment or `#[metric(help = \"...\")]`"
                ),
            ));
            String::new()
        }),
    };

    if let Some(buckets) = &field.buckets {
        match kind {
            Some(k) if k != MetricKind::Histogram => errors.push(error(
                buckets.span,
                format!(
                    "`#[metric(buckets = ...)]` is only allowed on histogram fields; `{ident}` is a {}",
                    k.as_str()
                ),
            )),
            _ => {
                if let Err(e) = rules::check_buckets(&buckets.bounds) {
                    let span = e
                        .index
                        .and_then(|i| buckets.spans.get(i).copied())
                        .unwrap_or(buckets.span);
                    errors.push(error(span, e.message));
                }
            }
        }
    }

    if let Some(unit) = &field.unit {
        if let Err(e) = rules::check_unit(&name, unit, kind.unwrap_or_else(|| guessed_kind(&name)))
        {
            errors.push(error(unit.span(), e));
        }
    }

    if let Some(max) = &field.max_series {
        if matches!(syntactic, Some((_, false))) {
            errors.push(error(
                max.span(),
                "`#[metric(max_series = ...)]` is only allowed on `Family` fields",
            ));
        } else if **max == 0 {
            errors.push(error(max.span(), "`max_series` must be at least 1"));
        }
    }

    errors.finish_with(MetricField {
        ident,
        ty: &field.ty,
        name,
        name_span,
        help,
        unit: field.unit.as_ref().map(|u| u.as_str().to_owned()),
        kind,
        buckets: field.buckets.as_ref(),
        max_series: field.max_series.as_ref().map(|m| **m),
    })
}

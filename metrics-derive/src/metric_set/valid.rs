//! Every rule of a metric set declaration, checked in one pass so all mistakes show at once.

use std::collections::HashMap;

use super::ast::{doc_help, syntactic_exponential, syntactic_kind, MetricField, Set, Unit};
use super::attr::{FieldAttrs, Integer, SetAttrs};
use crate::buckets::{bounds, Buckets};
use crate::errors::Errors;
use crate::rules::{self, MetricKind, RuleError};
use crate::spans::span_range;

/// The kind used for name rules when the type does not show it: `_total` names are counters.
pub fn guessed_kind(name: &str) -> MetricKind {
    if name.ends_with("_total") {
        MetricKind::Counter
    } else {
        MetricKind::Gauge
    }
}

/// A rule's error about a prefixed name, its suggestion rid of the prefix: the prefix is added
/// to what the user writes, so the suggestion is for the field name or `name = "..."` alone.
pub fn unprefixed(mut error: RuleError, prefix: Option<&str>) -> RuleError {
    if let (Some(prefix), Some(suggestion)) = (prefix, &mut error.suggestion) {
        if let Some(rest) = suggestion
            .name
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
        {
            suggestion.name = rest.to_owned();
        }
    }
    error
}

pub fn validate<'a>(input: &'a syn::DeriveInput, attrs: &'a SetAttrs) -> syn::Result<Set<'a>> {
    let mut errors = Errors::default();
    let mut prefix_ok = true;
    if let Some(prefix) = &attrs.prefix {
        if let Err(e) = rules::check_prefix(prefix) {
            errors.at(prefix.span(), e);
            prefix_ok = false;
        }
    }
    let global = attrs.global.as_ref().is_none_or(|g| **g);
    if global && !input.generics.params.is_empty() {
        let message = "a generic metric set cannot be registered globally: add `#[metric_set(global = false)]` and register its instances in a `Registry`";
        match &attrs.global {
            Some(g) => errors.at(g.span(), message),
            None => errors.spanned(&input.generics, message),
        }
    }

    let mut metrics = Vec::new();
    let mut skipped = Vec::new();
    let mut claims: HashMap<String, (String, &syn::Ident)> = HashMap::new();
    for field in &attrs.data.0 {
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        if field.skip.is_present() {
            skipped.push(ident);
            continue;
        }
        let Some(m) = validate_field(attrs, prefix_ok, field, ident, &mut errors) else {
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
    errors.finish_with(Set {
        ident: &input.ident,
        vis: &input.vis,
        generics: &input.generics,
        prefix: attrs.prefix.as_ref().map(|p| p.as_str()),
        krate: attrs.krate.as_ref(),
        global,
        metrics,
        skipped,
    })
}

/// One field's rules; `None` when any is broken (each pushed to `errors`).
fn validate_field<'a>(
    attrs: &SetAttrs,
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
    let prefix = attrs
        .prefix
        .as_ref()
        .filter(|_| prefix_ok)
        .map(|p| p.as_str());
    let name = match prefix {
        Some(prefix) => format!("{prefix}_{base}"),
        None => base.clone(),
    };
    let rule_kind = kind.unwrap_or_else(|| guessed_kind(&name));
    if base.is_empty() {
        let message = if attrs.prefix.is_some() {
            "metric name is empty; `name = \"...\"` takes the part after the prefix"
        } else {
            "metric name is empty; write the metric's name, or remove `name` to use the field's"
        };
        field_errors.at(name_span, message);
    } else if let Err(e) = rules::check_metric_name(&name, rule_kind) {
        field_errors.at(name_span, unprefixed(e, prefix));
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
            field_errors.at(unit.span(), unprefixed(e, prefix));
        }
    }
    let unit = match &field.unit {
        Some(unit) => Some(Unit::Declared(unit.as_str().to_owned())),
        // With the kind the type shows, or else the guessed one: the expansion then leaves it
        // out for a kind that allows no unit.
        None => rules::inferred_unit(&name, rule_kind).map(Unit::Inferred),
    };

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

    let exponential = syntactic_exponential(&field.ty);
    let schema = resolution(
        field.schema.as_ref(),
        "schema",
        exponential,
        ident,
        kind,
        |v| rules::check_schema(v).map(|()| i8::try_from(v).expect("checked range")),
        &mut field_errors,
    );
    let max_buckets = resolution(
        field.max_buckets.as_ref(),
        "max_buckets",
        exponential,
        ident,
        kind,
        |v| {
            let n = u64::try_from(v).unwrap_or(0);
            rules::check_max_buckets(n).map(|()| usize::try_from(n).expect("checked range"))
        },
        &mut field_errors,
    );
    if let Some(max) = &field.max_label_value_len {
        if let Some((k, false)) = syntactic {
            field_errors.at(
                max.span(),
                format!(
                    "`#[metric(max_label_value_len = ...)]` is only allowed on `Family` fields; `{ident}` is a single {} series",
                    k.as_str()
                ),
            );
        }
    }

    if field.lazy.is_present() {
        if let Some((k, false)) = syntactic {
            field_errors.at(
                field.lazy.span(),
                format!(
                    "`#[metric(lazy)]` is only allowed on `Family` fields with fixed-cardinality labels; `{ident}` is a single {} series",
                    k.as_str()
                ),
            );
        }
    }

    match field_errors.finish_with(()) {
        Err(e) => {
            errors.push(e);
            None
        }
        Ok(()) => Some(MetricField {
            ident,
            ty: &field.ty,
            name,
            name_span,
            help,
            unit,
            kind,
            family: matches!(syntactic, Some((_, true))),
            buckets,
            max_series: field.max_series.as_ref().map(|m| **m),
            schema,
            max_buckets,
            schema_range: field.schema.as_ref().map(|s| span_range(&s.expr)),
            max_buckets_range: field.max_buckets.as_ref().map(|m| span_range(&m.expr)),
            max_label_value_len: field.max_label_value_len.as_ref().map(|m| (**m, m.span())),
            lazy: field.lazy.is_present().then(|| field.lazy.span()),
        }),
    }
}

/// `schema = N` or `max_buckets = N` (`key`), checked by `check`: only on an exponential
/// histogram field (when the type shows whether it is one; else the expansion checks it).
fn resolution<T>(
    value: Option<&Integer>,
    key: &str,
    exponential: Option<bool>,
    ident: &syn::Ident,
    kind: Option<MetricKind>,
    check: impl FnOnce(i64) -> Result<T, String>,
    errors: &mut Errors,
) -> Option<T> {
    let value = value?;
    if exponential == Some(false) {
        let what = match kind {
            Some(MetricKind::Histogram) => {
                "a classic histogram: declare it `ExponentialHistogram`".to_owned()
            }
            Some(k) => format!("a {}", k.as_str()),
            None => "not an exponential histogram".to_owned(),
        };
        errors.spanned(
            &value.expr,
            format!("`#[metric({key} = ...)]` is only allowed on exponential histogram fields; `{ident}` is {what}"),
        );
        return None;
    }
    match check(value.value) {
        Ok(v) => Some(v),
        Err(message) => {
            errors.spanned(&value.expr, message);
            None
        }
    }
}

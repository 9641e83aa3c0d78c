//! The rustdoc section a metric set gets: what it exports, as a table.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

use super::ast::{MetricField, Set};
use crate::rules::{self, MetricKind};

/// The "Metrics" section of the set's rustdoc: each metric's full name, type, labels, unit and
/// buckets, then its help text.
pub fn section(set: &Set<'_>) -> String {
    let mut out = String::from(
        "# Metrics\n\nWhat this set exports (`#[derive(MetricSet)]`):\n\n\
         | Metric | Type | Labels | Unit | Buckets | Help |\n\
         |---|---|---|---|---|---|\n",
    );
    for m in &set.metrics {
        let kind = match m.kind {
            Some(kind) => kind.as_str().to_owned(),
            None => format!("`{}`", cell(&tokens(m.ty))),
        };
        let labels = labels(set, m);
        let unit = m
            .unit
            .as_ref()
            .map_or_else(String::new, |u| format!("`{}`", u.as_str()));
        let buckets = match (&m.buckets, m.kind) {
            (Some(b), _) => b
                .values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", "),
            (None, Some(MetricKind::Histogram)) => format!(
                "default: {}",
                rules::DEFAULT_BUCKETS.map(|v| format!("`{v}`")).join(", ")
            ),
            (None, _) => String::new(),
        };
        out.push_str(&format!(
            "| `{}` | {kind} | {labels} | {unit} | {buckets} | {} |\n",
            m.name,
            cell(&m.help)
        ));
    }
    out
}

/// The labels cell: the label set type (a link when it is a plain path), whether the family is
/// lazy, its series cap.
fn labels(set: &Set<'_>, m: &MetricField<'_>) -> String {
    let Some(label_set) = m.family.then(|| family_labels(m.ty)).flatten() else {
        return String::new();
    };
    let written = cell(&tokens(label_set));
    let mut cell = if linkable(set, label_set) {
        format!("[`{written}`]")
    } else {
        format!("`{written}`")
    };
    if m.lazy.is_some() {
        cell.push_str(", lazy");
    }
    if let Some(max) = m.max_series {
        cell.push_str(&format!(", at most {max} series"));
    }
    if let Some((max, _)) = m.max_label_value_len {
        cell.push_str(&format!(", values of at most {max} bytes"));
    }
    cell
}

/// `L` of `Family<L, M>`.
fn family_labels(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Group(g) => family_labels(&g.elem),
        Type::Paren(p) => family_labels(&p.elem),
        Type::Path(path) => {
            let PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
                return None;
            };
            args.args.iter().find_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
        }
        _ => None,
    }
}

/// Whether rustdoc can resolve `ty` as an intra-doc link: a path without generic arguments,
/// and not a type parameter of the set.
fn linkable(set: &Set<'_>, ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let plain = path.qself.is_none()
        && path
            .path
            .segments
            .iter()
            .all(|s| matches!(s.arguments, PathArguments::None));
    let parameter = path.path.get_ident().is_some_and(|ident| {
        set.generics
            .type_params()
            .any(|param| param.ident == *ident)
    });
    plain && !parameter
}

/// A type as written, without the spaces `ToTokens` puts around `<`, `>` and `::`.
fn tokens(ty: &Type) -> String {
    let written = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(written.len());
    for part in written.split(' ') {
        let joins = out.ends_with(['<', ':', '&']) || part.starts_with(['<', '>', ',', ':']);
        if !out.is_empty() && !joins {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Text for a table cell: `|` escaped, on one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

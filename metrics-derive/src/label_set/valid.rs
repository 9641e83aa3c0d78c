//! Every rule of a label set declaration, checked in one pass so all mistakes show at once.

use std::collections::HashMap;

use super::ast::{Label, Labels};
use super::attr::SetAttrs;
use crate::errors::Errors;
use crate::rules;

pub fn validate<'a>(input: &'a syn::DeriveInput, attrs: &'a SetAttrs) -> syn::Result<Labels<'a>> {
    let mut errors = Errors::default();
    if let Some(rule) = &attrs.rename_all {
        errors.at(
            rule.span(),
            "`rename_all` renames the variants of a `#[derive(LabelValue)]` enum; name a label set's labels one by one, with `#[label(name = \"...\")]` on a field",
        );
    }
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    let mut labels = Vec::new();
    for field in &attrs.data.0 {
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        let (name, span) = match &field.name {
            Some(n) => (n.as_str().to_owned(), n.span()),
            None => (ident.to_string(), ident.span()),
        };
        if let Err(e) = rules::check_label_name(&name) {
            errors.at(span, e);
        } else if let Some(other) = seen.get(&name) {
            errors.at(
                span,
                format!(
                    "label name `{name}` is already used by field `{other}`; give one of them `#[label(name = \"...\")]`"
                ),
            );
        } else {
            seen.insert(name.clone(), ident);
        }
        labels.push(Label {
            field: ident,
            ty: &field.ty,
            name,
        });
    }
    errors.finish_with(Labels {
        ident: &input.ident,
        generics: &input.generics,
        krate: attrs.krate.as_ref(),
        labels,
    })
}

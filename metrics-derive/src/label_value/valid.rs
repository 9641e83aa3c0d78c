//! Every rule of a label value enum, checked in one pass so all mistakes show at once.

use std::collections::HashMap;

use super::ast::Values;
use super::attr::EnumAttrs;
use crate::case;
use crate::errors::Errors;

pub fn validate<'a>(input: &'a syn::DeriveInput, attrs: &'a EnumAttrs) -> syn::Result<Values<'a>> {
    let variants = &attrs.data.0;
    let mut errors = Errors::default();
    if variants.is_empty() {
        errors.at(
            input.ident.span(),
            "`#[derive(LabelValue)]` needs at least one variant: an empty enum has no value to record",
        );
    }
    if let Some(rule) = &attrs.rename_all {
        if !case::RULES.contains(&rule.as_str()) {
            errors.at(
                rule.span(),
                format!(
                    "unknown `rename_all` rule `{}`; write one of {}",
                    rule.as_str(),
                    case::RULES.map(|r| format!("`{r}`")).join(", ")
                ),
            );
        }
    }
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    let mut values = Vec::new();
    for v in variants {
        let ident_str = v.ident.to_string();
        let (value, span) = match (&v.rename, &attrs.rename_all) {
            (Some(r), _) => (r.as_str().to_owned(), r.span()),
            (None, Some(rule)) => (
                case::apply(rule, &ident_str).unwrap_or_else(|| ident_str.clone()),
                v.ident.span(),
            ),
            (None, None) => (ident_str.clone(), v.ident.span()),
        };
        if let Some(other) = seen.get(&value) {
            errors.at(
                span,
                format!(
                    "label value `{value}` is already the value of variant `{other}`; give one of them `#[label(rename = \"...\")]`"
                ),
            );
        } else {
            seen.insert(value.clone(), &v.ident);
        }
        values.push((&v.ident, value));
    }
    errors.finish_with(Values {
        ident: &input.ident,
        generics: &input.generics,
        krate: attrs.krate.as_ref(),
        values,
    })
}

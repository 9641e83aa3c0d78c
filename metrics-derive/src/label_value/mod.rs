//! `#[derive(LabelValue)]`: a unit enum as a fixed-cardinality label value.

use std::collections::HashMap;

use darling::ast::Data;
use darling::util::SpannedValue;
use darling::{FromDeriveInput, FromVariant};
use proc_macro2::TokenStream;
use quote::quote;

use crate::case;

#[derive(FromDeriveInput)]
#[darling(attributes(label), supports(enum_unit))]
struct EnumAttrs {
    ident: syn::Ident,
    generics: syn::Generics,
    data: Data<VariantAttrs, ()>,
    rename_all: Option<SpannedValue<String>>,
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
}

#[derive(FromVariant)]
#[darling(attributes(label))]
struct VariantAttrs {
    ident: syn::Ident,
    rename: Option<SpannedValue<String>>,
}

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    if let Err(e) = check_shape(input) {
        return e.to_compile_error();
    }
    let attrs = match EnumAttrs::from_derive_input(input) {
        Ok(attrs) => attrs,
        Err(e) => return e.write_errors(),
    };
    match expand(&attrs) {
        Ok(out) => out,
        Err(e) => e.write_errors(),
    }
}

/// What darling's `supports(enum_unit)` would reject, said at the offending tokens rather than at
/// the derive's name.
fn check_shape(input: &syn::DeriveInput) -> syn::Result<()> {
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
    let mut errors: Option<syn::Error> = None;
    for variant in &data.variants {
        if matches!(variant.fields, syn::Fields::Unit) {
            continue;
        }
        let error = syn::Error::new_spanned(
            &variant.fields,
            format!(
                "variant `{}` cannot hold data: a `#[derive(LabelValue)]` enum lists every value of its label; for values not known in advance, make the label a `String`",
                variant.ident
            ),
        );
        match &mut errors {
            Some(all) => all.combine(error),
            None => errors = Some(error),
        }
    }
    errors.map_or(Ok(()), Err)
}

fn expand(input: &EnumAttrs) -> darling::Result<TokenStream> {
    let Data::Enum(variants) = &input.data else {
        return Err(darling::Error::unsupported_shape("struct"));
    };
    let mut errors = darling::Error::accumulator();
    if variants.is_empty() {
        errors.push(
            darling::Error::custom(
                "`#[derive(LabelValue)]` needs at least one variant: an empty enum has no value to record",
            )
            .with_span(&input.ident),
        );
    }
    if let Some(rule) = &input.rename_all {
        if !case::RULES.contains(&rule.as_str()) {
            errors.push(
                darling::Error::custom(format!(
                    "unknown `rename_all` rule `{}`; write one of {}",
                    rule.as_str(),
                    case::RULES.map(|r| format!("`{r}`")).join(", ")
                ))
                .with_span(&rule.span()),
            );
        }
    }
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    let mut values = Vec::new();
    for v in variants {
        let ident_str = v.ident.to_string();
        let (value, span) = match (&v.rename, &input.rename_all) {
            (Some(r), _) => (r.as_str().to_owned(), r.span()),
            (None, Some(rule)) => (
                case::apply(rule, &ident_str).unwrap_or_else(|| ident_str.clone()),
                v.ident.span(),
            ),
            (None, None) => (ident_str.clone(), v.ident.span()),
        };
        if let Some(other) = seen.get(&value) {
            errors.push(
                darling::Error::custom(format!(
                    "label value `{value}` is already the value of variant `{other}`; give one of them `#[label(rename = \"...\")]`"
                ))
                .with_span(&span),
            );
        } else {
            seen.insert(value.clone(), &v.ident);
        }
        values.push((&v.ident, value));
    }
    errors.finish()?;

    let ident = &input.ident;
    let krate = input
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::metrics_core));
    let p = quote!(#krate::__private);
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    let count = values.len();
    let arms = values
        .iter()
        .enumerate()
        .map(|(i, (v, _))| quote!(Self::#v => #i));
    let strs = values.iter().map(|(_, s)| s);
    let value_arms = values.iter().map(|(v, s)| quote!(Self::#v => #s));
    let doc = format!("The label value of this `{ident}` variant.");

    Ok(quote! {
        #[automatically_derived]
        impl #impl_g #p::LabelValue for #ident #ty_g #where_c {
            const CARDINALITY: #p::core::primitive::usize = #count;
            const OPEN_ENDED: #p::core::primitive::bool = false;

            #[inline]
            fn fixed_index(&self) -> #p::core::primitive::usize {
                match self { #(#arms,)* }
            }

            fn fixed_value(index: #p::core::primitive::usize) -> #p::LabelValueRef<'static> {
                const VALUES: [&#p::core::primitive::str; #count] = [#(#strs),*];
                #p::LabelValueRef::Str(VALUES[index % #count])
            }

            fn value(&self) -> #p::LabelValueRef<'_> {
                #p::LabelValueRef::Str(self.as_label_value())
            }
        }

        #[automatically_derived]
        impl #impl_g #ident #ty_g #where_c {
            #[doc = #doc]
            pub const fn as_label_value(&self) -> &'static #p::core::primitive::str {
                match self { #(#value_arms,)* }
            }
        }
    })
}

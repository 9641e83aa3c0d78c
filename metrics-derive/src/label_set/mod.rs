//! `#[derive(LabelSet)]`: a struct of label values as the key of a family.

use std::collections::HashMap;

use darling::ast::Data;
use darling::util::SpannedValue;
use darling::{FromDeriveInput, FromField};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::rules;

#[derive(FromDeriveInput)]
#[darling(attributes(label), supports(struct_named))]
struct SetAttrs {
    ident: syn::Ident,
    generics: syn::Generics,
    data: Data<(), FieldAttrs>,
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
}

#[derive(FromField)]
#[darling(attributes(label))]
struct FieldAttrs {
    ident: Option<syn::Ident>,
    ty: syn::Type,
    name: Option<SpannedValue<String>>,
}

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    if let Err(e) = check_shape(input) {
        return e.to_compile_error();
    }
    let attrs = match SetAttrs::from_derive_input(input) {
        Ok(attrs) => attrs,
        Err(e) => return e.write_errors(),
    };
    match expand(&attrs) {
        Ok(out) => out,
        Err(e) => e.write_errors(),
    }
}

/// What darling's `supports(struct_named)` would reject, said at the offending token rather than
/// at the derive's name.
fn check_shape(input: &syn::DeriveInput) -> syn::Result<()> {
    let (span, message) = match &input.data {
        syn::Data::Struct(s) => match &s.fields {
            syn::Fields::Named(_) => return Ok(()),
            syn::Fields::Unnamed(fields) => (
                fields.paren_token.span.join(),
                "`#[derive(LabelSet)]` needs named fields, since each field's name is its label's name",
            ),
            syn::Fields::Unit => (
                input.ident.span(),
                "`#[derive(LabelSet)]` needs named fields, one per label: `struct Labels { ... }`",
            ),
        },
        syn::Data::Enum(e) => (
            e.enum_token.span,
            "`#[derive(LabelSet)]` is not supported on enums: declare a struct with one named field per label, and derive `LabelValue` for an enum of a label's values",
        ),
        syn::Data::Union(u) => (
            u.union_token.span,
            "`#[derive(LabelSet)]` is not supported on unions: declare a struct with one named field per label",
        ),
    };
    Err(syn::Error::new(span, message))
}

fn expand(input: &SetAttrs) -> darling::Result<TokenStream> {
    let Data::Struct(fields) = &input.data else {
        return Err(darling::Error::unsupported_shape("enum"));
    };
    let mut errors = darling::Error::accumulator();
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    let mut labels = Vec::new();
    for field in fields.iter() {
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        let (name, span) = match &field.name {
            Some(n) => (n.as_str().to_owned(), n.span()),
            None => (ident.to_string(), ident.span()),
        };
        if let Err(e) = rules::check_label_name(&name) {
            errors.push(darling::Error::custom(e).with_span(&span));
        } else if let Some(other) = seen.get(&name) {
            errors.push(
                darling::Error::custom(format!(
                    "label name `{name}` is already used by field `{other}`; give one of them `#[label(name = \"...\")]`"
                ))
                .with_span(&span),
            );
        } else {
            seen.insert(name.clone(), ident);
        }
        labels.push((ident, &field.ty, name));
    }
    errors.finish()?;

    let ident = &input.ident;
    let krate = input
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::metrics_core));
    let p = quote!(#krate::__private);
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    let value = |ty: &syn::Type| quote_spanned!(ty.span()=> <#ty as #p::LabelValue>);

    let names = labels.iter().map(|(_, _, n)| n);
    let cardinality = labels.iter().map(|(_, ty, _)| {
        let v = value(ty);
        quote!(* #v::CARDINALITY)
    });
    let open = labels.iter().map(|(_, ty, _)| {
        let v = value(ty);
        quote!(|| #v::OPEN_ENDED)
    });
    let index = labels.iter().map(|(f, ty, _)| {
        let v = value(ty);
        quote!(index = index * #v::CARDINALITY + #v::fixed_index(&self.#f);)
    });
    let encode = labels.iter().map(|(f, ty, name)| {
        let v = value(ty);
        quote!(out.label(#name, #v::value(&self.#f));)
    });
    // Decode a mixed-radix index, the last label varying fastest.
    let vars: Vec<_> = (0..labels.len())
        .map(|i| format_ident!("__v{}", i))
        .collect();
    let decode = labels.iter().zip(&vars).rev().map(|((_, ty, _), var)| {
        let v = value(ty);
        quote!(let #var = #p::radix_digit(&mut rest, #v::CARDINALITY);)
    });
    let encode_fixed = labels.iter().zip(&vars).map(|((_, ty, name), var)| {
        let v = value(ty);
        quote!(out.label(#name, #v::fixed_value(#var));)
    });
    let encode_fixed_body = if labels.is_empty() {
        quote!(let _ = (index, out);)
    } else {
        quote!(let mut rest = index; #(#decode)* #(#encode_fixed)*)
    };
    let fixed_index_body = if labels.is_empty() {
        quote!(0)
    } else {
        quote!(let mut index = 0usize; #(#index)* index)
    };
    let encode_body = if labels.is_empty() {
        quote!(let _ = out;)
    } else {
        quote!(#(#encode)*)
    };

    Ok(quote! {
        #[automatically_derived]
        impl #impl_g #p::LabelSet for #ident #ty_g #where_c {
            const NAMES: &'static [&'static #p::core::primitive::str] = &[#(#names),*];
            const FIXED_CARDINALITY: #p::core::primitive::usize = 1 #(#cardinality)*;
            const OPEN_ENDED: #p::core::primitive::bool = false #(#open)*;

            #[inline]
            fn fixed_index(&self) -> #p::core::primitive::usize {
                #fixed_index_body
            }

            fn encode(&self, out: &mut dyn #p::LabelEncoder) {
                #encode_body
            }

            fn encode_fixed(index: #p::core::primitive::usize, out: &mut dyn #p::LabelEncoder) {
                #encode_fixed_body
            }
        }
    })
}

//! Code generation for a validated label set.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::Labels;
use crate::paths;

pub fn expand(input: &Labels<'_>) -> TokenStream {
    let ident = input.ident;
    let p = &paths::private(input.krate);
    let labels: Vec<_> = input
        .labels
        .iter()
        .map(|l| (l.field, l.ty, &l.name))
        .collect();
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

    quote! {
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

            #[inline]
            fn visit<__MetricsLabelEncoder: #p::LabelEncoder>(
                &self,
                out: &mut __MetricsLabelEncoder,
            ) {
                #encode_body
            }

            fn encode_fixed(index: #p::core::primitive::usize, out: &mut dyn #p::LabelEncoder) {
                #encode_fixed_body
            }
        }
    }
}

//! What is emitted beside the errors of an invalid label set, so that one mistake does not
//! cascade into errors at every `Family` keyed by it.

use proc_macro2::TokenStream;
use quote::quote;

pub fn fallback(input: &syn::DeriveInput, p: &TokenStream) -> TokenStream {
    let ident = &input.ident;
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    quote! {
        impl #impl_g #p::LabelSet for #ident #ty_g #where_c {
            const NAMES: &'static [&'static #p::core::primitive::str] = &[];
            const FIXED_CARDINALITY: #p::core::primitive::usize = 1;
            const OPEN_ENDED: #p::core::primitive::bool = false;
            fn fixed_index(&self) -> #p::core::primitive::usize {
                0
            }
            fn encode(&self, _: &mut dyn #p::LabelEncoder) {}
            fn encode_fixed(_: #p::core::primitive::usize, _: &mut dyn #p::LabelEncoder) {}
        }
    }
}

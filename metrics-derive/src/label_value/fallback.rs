//! What is emitted beside the errors of an invalid label value enum, so that one mistake does
//! not cascade into errors at every label set, family and `as_label_value` call that uses it.

use proc_macro2::TokenStream;
use quote::quote;

pub fn fallback(input: &syn::DeriveInput, p: &TokenStream) -> TokenStream {
    let ident = &input.ident;
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    quote! {
        impl #impl_g #p::LabelValue for #ident #ty_g #where_c {
            const CARDINALITY: #p::core::primitive::usize = 1;
            const OPEN_ENDED: #p::core::primitive::bool = false;
            fn fixed_index(&self) -> #p::core::primitive::usize {
                0
            }
            fn fixed_value(_: #p::core::primitive::usize) -> #p::LabelValueRef<'static> {
                #p::LabelValueRef::Str("")
            }
            fn value(&self) -> #p::LabelValueRef<'_> {
                #p::LabelValueRef::Str("")
            }
        }
        impl #impl_g #ident #ty_g #where_c {
            #[allow(dead_code, missing_docs)]
            pub const fn as_label_value(&self) -> &'static #p::core::primitive::str {
                ""
            }
        }
    }
}

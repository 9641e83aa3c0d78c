//! What is emitted beside the errors of an invalid set, so that one mistake does not cascade
//! into errors at every use of the type.

use proc_macro2::TokenStream;
use quote::quote;

pub fn fallback(input: &syn::DeriveInput, p: &TokenStream) -> TokenStream {
    let ident = &input.ident;
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    let global = if input.generics.params.is_empty() {
        quote! {
            impl #ident {
                #[allow(dead_code, missing_docs)]
                pub fn global() -> &'static Self {
                    #p::core::panic!("invalid metric set")
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        impl #impl_g #p::MetricSet for #ident #ty_g #where_c {
            const INFO: &'static #p::SetInfo = &#p::SetInfo {
                name: "",
                module: "",
                // Never read (the stub cannot be built); `()` adds no error of its own.
                type_id: #p::core::any::TypeId::of::<()>,
                metrics: &[],
            };
            fn metric(&self, _: #p::core::primitive::usize) -> #p::core::option::Option<&dyn #p::EncodeMetric> {
                #p::core::option::Option::None
            }
        }
        impl #impl_g #p::core::default::Default for #ident #ty_g #where_c {
            fn default() -> Self {
                #p::core::panic!("invalid metric set")
            }
        }
        #global
    }
}

//! What is emitted beside the errors of an invalid set, so that one mistake does not cascade
//! into errors at every use of the type.

use proc_macro2::TokenStream;
use quote::quote;

use super::expand::private;

/// `krate` is `#[metric_set(crate = ...)]` when darling could read it.
pub fn fallback(input: &syn::DeriveInput, krate: Option<&syn::Path>) -> TokenStream {
    let ident = &input.ident;
    let krate = krate
        .cloned()
        .or_else(|| crate_path(input))
        .unwrap_or_else(|| syn::parse_quote!(::metrics_core));
    let p = private(&krate);
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

/// `#[metric_set(crate = path)]` read on its own, when another key broke darling's parse: the
/// stub must reach the runtime through the same path, or it adds an error of its own.
fn crate_path(input: &syn::DeriveInput) -> Option<syn::Path> {
    let mut krate = None;
    for attr in &input.attrs {
        if !attr.path().is_ident("metric_set") {
            continue;
        }
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = Some(meta.value()?.parse::<syn::Path>()?);
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
    }
    krate
}

//! Where generated code reaches the runtime crate: `::metrics_core`, or the path given by
//! `crate = path` when the user reaches it through a re-export.

use proc_macro2::TokenStream;
use quote::quote;

/// The hidden module every generated path goes through: `::metrics_core::__private`, or
/// `path::__private` with `crate = path`.
pub fn private(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(krate) => quote!(#krate::__private),
        None => quote!(::metrics_core::__private),
    }
}

/// `crate = path` read on its own from the container's `#[attribute(...)]`, for the stub emitted
/// beside errors, even when another key broke darling's parse: the stub must reach the runtime
/// through the same path, or it adds an error of its own.
pub fn crate_in(attrs: &[syn::Attribute], attribute: &str) -> Option<syn::Path> {
    let mut krate = None;
    for attr in attrs {
        if !attr.path().is_ident(attribute) {
            continue;
        }
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                // darling takes the path bare or quoted.
                let value = meta.value()?;
                krate = Some(if value.peek(syn::LitStr) {
                    value.parse::<syn::LitStr>()?.parse()?
                } else {
                    value.parse()?
                });
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
    }
    krate
}

//! `#[derive(MetricSet)]`: attributes, rules, expansion.

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use darling::FromDeriveInput;
use proc_macro2::TokenStream;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    if let Err(e) = valid::check_shape(input) {
        let mut out = e.to_compile_error();
        out.extend(fallback::fallback(input, None));
        return out;
    }
    let attrs = match attr::SetAttrs::from_derive_input(input) {
        Ok(attrs) => attrs,
        Err(e) => {
            let mut out = e.write_errors();
            out.extend(fallback::fallback(input, None));
            return out;
        }
    };
    match valid::validate(&attrs) {
        Ok(set) => expand::expand(&set),
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(fallback::fallback(input, attrs.krate.as_ref()));
            out
        }
    }
}

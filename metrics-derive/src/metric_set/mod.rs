//! `#[derive(MetricSet)]`: attributes, rules, expansion, fallback.

mod ast;
mod attr;
mod docs;
mod expand;
mod fallback;
mod valid;

use proc_macro2::TokenStream;

pub use attr::SetAttrs;
pub use fallback::fallback;

/// Checks every rule of the declaration, then expands it.
pub fn expand(input: &syn::DeriveInput, attrs: &SetAttrs) -> syn::Result<TokenStream> {
    valid::validate(input, attrs).map(|set| expand::expand(&set))
}

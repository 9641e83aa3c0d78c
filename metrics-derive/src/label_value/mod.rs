//! `#[derive(LabelValue)]`: a unit enum as a fixed-cardinality label value.

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use proc_macro2::TokenStream;

pub use attr::EnumAttrs;
pub use fallback::fallback;

/// Checks every rule of the declaration, then expands it.
pub fn expand(input: &syn::DeriveInput, attrs: &EnumAttrs) -> syn::Result<TokenStream> {
    valid::validate(input, attrs).map(|values| expand::expand(&values))
}

//! The mistakes a derive finds in one pass over the declaration.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The mistakes found so far, in source order. `syn::Error` rather than darling's accumulator: it
/// keeps the first and the last token of what it points at, so `-1.0` or `f64::NAN` is
/// underlined whole (a stable proc-macro cannot join two spans into one); darling's errors are
/// pushed in unchanged.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: impl Into<syn::Error>) {
        let error = error.into();
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// A mistake in one token.
    pub fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// A mistake in a run of tokens, underlined from the first to the last.
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// All the mistakes, or `value` when there are none.
    pub fn finish_with<T>(self, value: T) -> syn::Result<T> {
        self.0.map_or(Ok(value), Err)
    }
}

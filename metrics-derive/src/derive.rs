//! The stages every derive runs: the shape of the item, its attributes (darling), its rules,
//! then the expansion; or, after any mistake, the mistakes and a stub beside them.

use darling::FromDeriveInput;
use proc_macro2::TokenStream;

use crate::{label_set, label_value, metric_set, paths, shape};

/// The derives of this crate.
#[derive(Clone, Copy)]
pub enum Derive {
    MetricSet,
    LabelSet,
    LabelValue,
}

impl Derive {
    /// The container attribute, where `crate = path` goes.
    fn attribute(self) -> &'static str {
        match self {
            Derive::MetricSet => "metric_set",
            Derive::LabelSet | Derive::LabelValue => "label",
        }
    }

    /// The derive's items for `input`, or its mistakes with a stub beside them.
    pub fn expand(self, input: &syn::DeriveInput) -> TokenStream {
        match self {
            Derive::MetricSet => self.run(input, metric_set::expand, metric_set::fallback),
            Derive::LabelSet => self.run(input, label_set::expand, label_set::fallback),
            Derive::LabelValue => self.run(input, label_value::expand, label_value::fallback),
        }
    }

    /// The stages: the shape of `input`, its attributes as darling reads them into `A`, then
    /// `expand`, which checks every rule of the declaration and expands it. After a mistake, the
    /// mistakes and `fallback`: a minimal impl of the derived trait, so that one mistake does not
    /// cascade into errors at every use of the type. `fallback` is given the path of the
    /// runtime's `__private` module, from `crate = path` when it can be read.
    fn run<A: FromDeriveInput>(
        self,
        input: &syn::DeriveInput,
        expand: fn(&syn::DeriveInput, &A) -> syn::Result<TokenStream>,
        fallback: fn(&syn::DeriveInput, &TokenStream) -> TokenStream,
    ) -> TokenStream {
        let expanded = shape::check(self, input)
            .and_then(|()| A::from_derive_input(input).map_err(syn::Error::from))
            .and_then(|attrs| expand(input, &attrs));
        match expanded {
            Ok(out) => out,
            Err(e) => {
                let krate = paths::crate_in(&input.attrs, self.attribute());
                let mut out = e.into_compile_error();
                out.extend(fallback(input, &paths::private(krate.as_ref())));
                out
            }
        }
    }
}

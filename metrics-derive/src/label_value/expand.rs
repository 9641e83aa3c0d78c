//! Code generation for a validated label value enum.

use proc_macro2::TokenStream;
use quote::quote;

use super::ast::Values;
use crate::paths;

pub fn expand(input: &Values<'_>) -> TokenStream {
    let ident = input.ident;
    let p = &paths::private(input.krate);
    let values = &input.values;
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    let count = values.len();
    let arms = values
        .iter()
        .enumerate()
        .map(|(i, (v, _))| quote!(Self::#v => #i));
    let strs = values.iter().map(|(_, s)| s);
    let value_arms = values.iter().map(|(v, s)| quote!(Self::#v => #s));
    let doc = format!("The label value of this `{ident}` variant.");

    quote! {
        #[automatically_derived]
        impl #impl_g #p::LabelValue for #ident #ty_g #where_c {
            const CARDINALITY: #p::core::primitive::usize = #count;
            const OPEN_ENDED: #p::core::primitive::bool = false;

            #[inline]
            fn fixed_index(&self) -> #p::core::primitive::usize {
                match self { #(#arms,)* }
            }

            fn fixed_value(index: #p::core::primitive::usize) -> #p::LabelValueRef<'static> {
                const VALUES: [&#p::core::primitive::str; #count] = [#(#strs),*];
                #p::LabelValueRef::Str(VALUES[index % #count])
            }

            fn value(&self) -> #p::LabelValueRef<'_> {
                #p::LabelValueRef::Str(self.as_label_value())
            }
        }

        #[automatically_derived]
        impl #impl_g #ident #ty_g #where_c {
            #[doc = #doc]
            pub const fn as_label_value(&self) -> &'static #p::core::primitive::str {
                match self { #(#value_arms,)* }
            }
        }
    }
}

//! `#[instrument_latency]`: arguments, rules, expansion.

mod ast;
mod attr;
mod expand;
mod valid;

use proc_macro2::TokenStream;

pub fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = syn::parse2::<syn::Item>(item.clone());
    let result = attr::Args::parse(args)
        .map_err(syn::Error::from)
        .and_then(|args| valid::validate(args, parsed?))
        .map(expand::expand);
    match result {
        Ok(out) => out,
        Err(e) => {
            let mut out = e.into_compile_error();
            out.extend(fallback(item));
            out
        }
    }
}

/// What is emitted beside the errors: the item as written, so that one mistake does not cascade
/// into errors at every use of the function. The `#[instrument_latency(...)]` attributes of an
/// `impl` block's methods are taken off, since each would otherwise expand (and fail) alone.
fn fallback(item: TokenStream) -> TokenStream {
    let Ok(syn::Item::Impl(mut item)) = syn::parse2::<syn::Item>(item.clone()) else {
        return item;
    };
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(method) = impl_item {
            method.attrs.retain(|a| !attr::is_instrument_latency(a));
        }
    }
    quote::ToTokens::into_token_stream(item)
}

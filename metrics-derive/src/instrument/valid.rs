//! Every rule of `#[instrument_latency]`, checked in one pass so all mistakes show at once.

use std::fmt::Display;

use darling::Error;
use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::ast::{type_name, Function, Instrumented, Item};
use super::attr::{is_instrument_latency, Args};

pub fn validate(args: Args, item: syn::Item) -> darling::Result<Instrumented> {
    let item = match item {
        syn::Item::Fn(item) => Ok(item),
        syn::Item::Impl(item) => Err(item),
        syn::Item::Verbatim(tokens) => return Err(verbatim(&tokens)),
        other => return Err(not_a_function(&other)),
    };
    let mut errors = Error::accumulator();
    let krate = args.krate.clone();
    let item = match item {
        Ok(item) => {
            if args.skip.is_present() {
                errors.push(at(
                    args.skip.span(),
                    "`skip` opts a method out of an instrumented `impl` block; to leave a function alone, remove `#[instrument_latency]`",
                ));
            }
            if let Some(constness) = &item.sig.constness {
                errors.push(const_fn(constness));
            }
            let name =
                name(&args, &mut errors).unwrap_or_else(|| item.sig.ident.unraw().to_string());
            Item::Fn {
                function: Function {
                    name,
                    histogram: args.histogram.map(|h| h.0),
                    krate: None,
                },
                item: Box::new(item),
            }
        }
        Err(mut item) => {
            if args.skip.is_present() {
                errors.push(at(
                    args.skip.span(),
                    "`skip` goes on a method of an instrumented `impl` block, to leave that method alone; to leave the whole block alone, remove `#[instrument_latency]`",
                ));
            }
            if let Some(name) = &args.name {
                errors.push(at(
                    name.span(),
                    "`name` names one function: put `#[instrument_latency(name = \"...\")]` on a method of the block",
                ));
            }
            let methods = methods(&args, &mut item, &mut errors);
            Item::Impl { item, methods }
        }
    };
    errors.finish_with(Instrumented { krate, item })
}

/// What syn leaves verbatim: here, a trait method without a default body.
fn verbatim(tokens: &proc_macro2::TokenStream) -> Error {
    match syn::parse2::<syn::TraitItemFn>(tokens.clone()) {
        Ok(f) if f.default.is_none() => Error::custom(
            "`#[instrument_latency]` needs a function body to time; put it on the implementations of this method, or on their `impl` blocks",
        )
        .with_span(&f.sig.fn_token),
        _ => at(
            tokens.span(),
            "`#[instrument_latency]` goes on a function or an `impl` block",
        ),
    }
}

/// `name = "..."`, when given and valid.
fn name(args: &Args, errors: &mut darling::error::Accumulator) -> Option<String> {
    let name = args.name.as_ref()?;
    if name.trim().is_empty() {
        errors.push(at(
            name.span(),
            "`name` is empty; write the function's name as the `function` label should read it",
        ));
        return None;
    }
    Some(name.as_str().to_owned())
}

fn const_fn(constness: &syn::token::Const) -> Error {
    Error::custom(
        "`#[instrument_latency]` cannot time a `const fn`: it may run at compile time, where there is no clock; remove `const` or the attribute",
    )
    .with_span(constness)
}

/// The methods of an instrumented `impl` block to instrument, with their own
/// `#[instrument_latency(...)]` attributes taken off them.
fn methods(
    args: &Args,
    item: &mut syn::ItemImpl,
    errors: &mut darling::error::Accumulator,
) -> Vec<(usize, Function)> {
    let ty = type_name(&item.self_ty);
    let mut methods = Vec::new();
    for (index, impl_item) in item.items.iter_mut().enumerate() {
        let syn::ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let (ours, theirs): (Vec<_>, Vec<_>) =
            method.attrs.drain(..).partition(is_instrument_latency);
        method.attrs = theirs;
        if let Some(second) = ours.get(1) {
            errors.push(
                Error::custom(
                    "`#[instrument_latency]` is given twice on this method; merge them into one",
                )
                .with_span(&second.path()),
            );
        }
        let own = match ours.first().map(Args::from_attribute) {
            None => None,
            Some(Ok(own)) => Some(own),
            Some(Err(e)) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(own) = &own {
            if own.skip.is_present() {
                if own.histogram.is_some() || own.name.is_some() || own.krate.is_some() {
                    errors.push(at(
                        own.skip.span(),
                        "`skip` leaves the method alone: it takes no other argument",
                    ));
                }
                continue;
            }
        }
        if let Some(constness) = &method.sig.constness {
            // A `const fn` of an instrumented block is left alone, unless asked for by name.
            if own.is_some() {
                errors.push(const_fn(constness));
            }
            continue;
        }
        let own = own.unwrap_or_default();
        let name =
            name(&own, errors).unwrap_or_else(|| format!("{ty}::{}", method.sig.ident.unraw()));
        let histogram = own
            .histogram
            .map(|h| h.0)
            .or_else(|| args.histogram.as_ref().map(|h| h.0.clone()));
        methods.push((
            index,
            Function {
                name,
                histogram,
                krate: own.krate,
            },
        ));
    }
    methods
}

/// Any other item: the error at its keyword, naming what it is.
fn not_a_function(item: &syn::Item) -> Error {
    let (what, span): (&str, Span) = match item {
        syn::Item::Struct(i) => ("a struct", i.struct_token.span),
        syn::Item::Enum(i) => ("an enum", i.enum_token.span),
        syn::Item::Union(i) => ("a union", i.union_token.span),
        syn::Item::Trait(i) => ("a trait", i.trait_token.span),
        syn::Item::TraitAlias(i) => ("a trait alias", i.trait_token.span),
        syn::Item::Mod(i) => ("a module", i.mod_token.span),
        syn::Item::Const(i) => ("a constant", i.const_token.span),
        syn::Item::Static(i) => ("a static", i.static_token.span),
        syn::Item::Type(i) => ("a type alias", i.type_token.span),
        syn::Item::Use(i) => ("a `use` declaration", i.use_token.span),
        syn::Item::ExternCrate(i) => ("an `extern crate`", i.extern_token.span),
        syn::Item::ForeignMod(i) => ("an `extern` block", i.abi.extern_token.span),
        syn::Item::Macro(i) => ("a macro", i.mac.path.span()),
        other => ("this item", other.to_token_stream().span()),
    };
    at(
        span,
        format!("`#[instrument_latency]` goes on a function or an `impl` block, not on {what}"),
    )
}

/// An error at one token.
fn at(span: Span, message: impl Display) -> Error {
    syn::Error::new(span, message).into()
}

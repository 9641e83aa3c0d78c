//! Every rule of `#[instrument_latency]`, checked in one pass so all mistakes show at once.

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, ReturnType, Type};

use super::ast::{type_name, Function, Instrumented, Item, Zero};
use super::attr::{is_instrument_latency, Args, ZeroList};
use crate::buckets::{bounds, Buckets};
use crate::errors::Errors;

pub fn validate(args: Args, item: syn::Item) -> syn::Result<Instrumented> {
    let item = match item {
        syn::Item::Fn(item) => Ok(item),
        syn::Item::Impl(item) => Err(item),
        syn::Item::Verbatim(tokens) => return Err(verbatim(&tokens)),
        other => return Err(not_a_function(&other)),
    };
    let mut errors = Errors::default();
    let krate = args.krate.clone();
    let item = match item {
        Ok(item) => {
            if args.skip.is_present() {
                errors.at(
                    args.skip.span(),
                    "`skip` opts a method out of an instrumented `impl` block; to leave a function alone, remove `#[instrument_latency]`",
                );
            }
            if let Some(constness) = &item.sig.constness {
                errors.push(const_fn(constness));
            }
            let name =
                name(&args, &mut errors).unwrap_or_else(|| item.sig.ident.unraw().to_string());
            let histogram = args.histogram.map(|h| h.0);
            let buckets = buckets(args.buckets.as_ref(), histogram.as_ref(), &mut errors);
            let zero = zero(args.zero.as_ref(), histogram.as_ref(), &mut errors);
            never_returns_error(&item.sig, zero, &mut errors);
            Item::Fn {
                function: Function {
                    name,
                    histogram,
                    buckets,
                    zero,
                    krate: None,
                },
                item: Box::new(item),
            }
        }
        Err(mut item) => {
            if args.skip.is_present() {
                errors.at(
                    args.skip.span(),
                    "`skip` goes on a method of an instrumented `impl` block, to leave that method alone; to leave the whole block alone, remove `#[instrument_latency]`",
                );
            }
            if let Some(name) = &args.name {
                errors.at(
                    name.span(),
                    "`name` names one function: put `#[instrument_latency(name = \"...\")]` on a method of the block",
                );
            }
            let block = Block::of(&args, &mut errors);
            let methods = methods(&block, &mut item, &mut errors);
            Item::Impl { item, methods }
        }
    };
    errors.finish_with(Instrumented { krate, item })
}

/// What syn leaves verbatim: here, a trait method without a default body.
fn verbatim(tokens: &proc_macro2::TokenStream) -> syn::Error {
    match syn::parse2::<syn::TraitItemFn>(tokens.clone()) {
        Ok(f) if f.default.is_none() => syn::Error::new(
            f.sig.fn_token.span,
            "`#[instrument_latency]` needs a function body to time; put it on the implementations of this method, or on their `impl` blocks",
        ),
        _ => syn::Error::new(
            tokens.span(),
            "`#[instrument_latency]` goes on a function or an `impl` block",
        ),
    }
}

/// `name = "..."`, when given and valid.
fn name(args: &Args, errors: &mut Errors) -> Option<String> {
    let name = args.name.as_ref()?;
    if name.trim().is_empty() {
        errors.at(
            name.span(),
            "`name` is empty; write the function's name as the `function` label should read it",
        );
        return None;
    }
    Some(name.as_str().to_owned())
}

fn const_fn(constness: &syn::token::Const) -> syn::Error {
    syn::Error::new(
        constness.span,
        "`#[instrument_latency]` cannot time a `const fn`: it may run at compile time, where there is no clock; remove `const` or the attribute",
    )
}

/// `buckets = ...`, evaluated, for a function recording into `function_duration_seconds`.
fn buckets(
    buckets: Option<&Buckets>,
    histogram: Option<&Expr>,
    errors: &mut Errors,
) -> Option<Vec<f64>> {
    let Buckets(expr) = buckets?;
    if histogram.is_some() {
        errors.spanned(
            expr,
            "`buckets` applies to `function_duration_seconds`, which a function with `histogram = ...` does not record into; give that histogram its buckets where it is declared",
        );
        return None;
    }
    bounds(expr, errors).map(|b| b.values)
}

/// The outcomes of `zero = [...]`, for a function recording into `function_duration_seconds`.
fn zero(list: Option<&ZeroList>, histogram: Option<&Expr>, errors: &mut Errors) -> Zero {
    let mut zero = Zero::default();
    let Some(ZeroList(expr)) = list else {
        return zero;
    };
    if histogram.is_some() {
        errors.spanned(
            expr,
            "`zero` applies to `function_duration_seconds`, which a function with `histogram = ...` does not record into",
        );
        return zero;
    }
    let Expr::Array(array) = expr else {
        errors.spanned(
            expr,
            "`zero` takes a list of outcomes, such as `zero = [panic]` or `zero = [error, panic]`",
        );
        return zero;
    };
    for elem in &array.elems {
        let ident = match elem {
            Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident(),
            _ => None,
        };
        let Some(ident) = ident else {
            errors.spanned(elem, "`zero` lists outcomes by name: `error` or `panic`");
            continue;
        };
        let slot = match ident.to_string().as_str() {
            "error" => &mut zero.error,
            "panic" => &mut zero.panic,
            "ok" => {
                errors.at(
                    ident.span(),
                    "`ok` is always exported at zero; `zero` lists `error` or `panic`",
                );
                continue;
            }
            "cancelled" => {
                errors.at(
                    ident.span(),
                    "`cancelled` is exported at zero for every async function, and is never the outcome of another; `zero` lists `error` or `panic`",
                );
                continue;
            }
            other => {
                errors.at(
                    ident.span(),
                    format!("unknown outcome `{other}`; `zero` lists `error` or `panic`"),
                );
                continue;
            }
        };
        if slot.is_some() {
            errors.at(ident.span(), format!("`{ident}` is listed twice in `zero`"));
        } else {
            *slot = Some(ident.span());
        }
    }
    zero
}

/// `zero = [error]` on a function that never returns (`-> !`). Any other return type is checked
/// by the compiler, at the returned value.
fn never_returns_error(sig: &syn::Signature, zero: Zero, errors: &mut Errors) {
    if let (Some(span), ReturnType::Type(_, ty)) = (zero.error, &sig.output) {
        if matches!(**ty, Type::Never(_)) {
            errors.at(
                span,
                "`error` is never the outcome of a function that does not return; `zero` can list `panic`",
            );
        }
    }
}

/// The arguments of an instrumented `impl` block, which its methods inherit.
struct Block {
    histogram: Option<Expr>,
    buckets: Option<Vec<f64>>,
    zero: Zero,
}

impl Block {
    fn of(args: &Args, errors: &mut Errors) -> Self {
        let histogram = args.histogram.as_ref().map(|h| h.0.clone());
        let buckets = buckets(args.buckets.as_ref(), histogram.as_ref(), errors);
        let zero = zero(args.zero.as_ref(), histogram.as_ref(), errors);
        if let Some(span) = zero.error {
            errors.at(
                span,
                "on an `impl` block, `zero = [error]` would apply to every method; put it on the methods that return a `Result`",
            );
        }
        Self {
            histogram,
            buckets,
            zero: Zero {
                error: None,
                ..zero
            },
        }
    }
}

/// The methods of an instrumented `impl` block to instrument, with their own
/// `#[instrument_latency(...)]` attributes taken off them. A method's own `histogram`,
/// `buckets` and `zero` replace the block's.
fn methods(block: &Block, item: &mut syn::ItemImpl, errors: &mut Errors) -> Vec<(usize, Function)> {
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
            errors.at(
                second.path().span(),
                "`#[instrument_latency]` is given twice on this method; merge them into one",
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
                if own.any_but_skip() {
                    errors.at(
                        own.skip.span(),
                        "`skip` leaves the method alone: it takes no other argument",
                    );
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
            .or_else(|| block.histogram.clone());
        let buckets = match &own.buckets {
            Some(_) => buckets(own.buckets.as_ref(), histogram.as_ref(), errors),
            None if histogram.is_none() => block.buckets.clone(),
            None => None,
        };
        let zero = match &own.zero {
            Some(_) => zero(own.zero.as_ref(), histogram.as_ref(), errors),
            None if histogram.is_none() => block.zero,
            None => Zero::default(),
        };
        never_returns_error(&method.sig, zero, errors);
        methods.push((
            index,
            Function {
                name,
                histogram,
                buckets,
                zero,
                krate: own.krate,
            },
        ));
    }
    methods
}

/// Any other item: the error at its keyword, naming what it is.
fn not_a_function(item: &syn::Item) -> syn::Error {
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
    syn::Error::new(
        span,
        format!("`#[instrument_latency]` goes on a function or an `impl` block, not on {what}"),
    )
}

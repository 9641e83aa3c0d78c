//! Code generation: the user's function with the same signature and attributes, whose body
//! starts a timer, runs the original body (its tokens untouched, so its own errors keep their
//! lines) in a closure or an async block that `return` and `?` leave, then records the outcome.

use proc_macro2::{Delimiter, Group, Ident, Literal, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::visit_mut::VisitMut;
use syn::{ReturnType, Type};

use super::ast::{Function, Instrumented, Item};
use crate::paths;
use crate::spans::{respan, span_range};

pub fn expand(instrumented: Instrumented) -> TokenStream {
    let krate = instrumented.krate.as_ref();
    match instrumented.item {
        Item::Fn { item, function } => {
            let (doc, body) = instrument(&function, krate, &item.attrs, &item.sig, &item.block);
            // A free function's modifiers print nothing (syn's own printer skips them).
            let syn::ItemFn {
                attrs, vis, sig, ..
            } = *item;
            quote! {
                #(#attrs)*
                #doc
                #vis #sig #body
            }
        }
        Item::Impl { mut item, methods } => {
            for (index, function) in methods {
                let syn::ImplItem::Fn(method) = &item.items[index] else {
                    continue;
                };
                let (doc, body) =
                    instrument(&function, krate, &method.attrs, &method.sig, &method.block);
                let attrs = &method.attrs;
                let vis = &method.vis;
                let defaultness = &method.modifiers.defaultness;
                let sig = &method.sig;
                item.items[index] = syn::ImplItem::Verbatim(quote! {
                    #(#attrs)*
                    #doc
                    #vis #defaultness #sig #body
                });
            }
            item.into_token_stream()
        }
    }
}

/// The rustdoc section added to one function and its new body; `krate` is the `impl` block's
/// `crate = path`, which the function's own overrides.
fn instrument(
    function: &Function,
    krate: Option<&syn::Path>,
    attrs: &[syn::Attribute],
    sig: &syn::Signature,
    block: &syn::Block,
) -> (TokenStream, TokenStream) {
    let p = paths::private(function.krate.as_ref().or(krate));
    let boxed = BoxedFuture::of(sig, block).is_some();
    (
        doc(function, attrs, sig, boxed, &p),
        body(function, sig, block, &p),
    )
}

/// The new body. Its locals are `mixed_site`: the user's body cannot see them.
fn body(
    function: &Function,
    sig: &syn::Signature,
    block: &syn::Block,
    p: &TokenStream,
) -> TokenStream {
    if let Some(boxed) = BoxedFuture::of(sig, block) {
        return boxed_body(function, boxed, p);
    }
    let is_async = sig.asyncness.is_some();
    let timer = Ident::new("__metrics_timer", Span::mixed_site());
    let ret = Ident::new("__metrics_ret", Span::mixed_site());
    let returns_result = match &sig.output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => is_result(ty),
    };
    let (callsite, sink) = callsite_and_sink(function, is_async, returns_result, p);
    let start = quote!(let #timer = #p::Timer::start(#sink, #is_async););
    let ret_ty = match &sig.output {
        ReturnType::Default => quote!(()),
        // A function that never returns: the timer only records its panics.
        ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)) => {
            return quote! {{
                #callsite
                #start
                #block
            }};
        }
        ReturnType::Type(_, ty) => inferred_impl_trait((**ty).clone()).into_token_stream(),
    };
    let run = if is_async {
        let block = output_pinned(&ret_ty, block, p);
        quote!(#p::expect_output::<#ret_ty, _>(async move #block).await)
    } else {
        quote!(#p::call_once::<#ret_ty, _>(move || #block))
    };
    let outcome = match &sig.output {
        ReturnType::Default => quote!(#p::CallOutcome::Ok),
        ReturnType::Type(..) => quote! {{
            #[allow(unused_imports)]
            use #p::{OtherOutcome as _, ResultOutcome as _};
            (&#p::Probe(&#ret)).call_outcome()
        }},
    };
    let check = error_at_zero(function, p);
    quote! {{
        #callsite
        #start
        let #ret = #run;
        #check
        #timer.finish(#outcome);
        #ret
    }}
}

/// `zero = [error]` checked against the returned value `__metrics_ret`, under the `error` the
/// user wrote: its type must be a `Result`, whatever alias names it.
fn error_at_zero(function: &Function, p: &TokenStream) -> TokenStream {
    let Some(span) = function.zero.error else {
        return TokenStream::new();
    };
    // Every token mixed-site, as the body's `__metrics_ret` is (whose local this names), but
    // located at `error`: an expression joining tokens of two contexts would be reported at the
    // whole attribute.
    let at = Span::mixed_site().located_at(span);
    let value = Ident::new("__metrics_ret", at);
    respan(quote!(#p::error_at_zero(&#value);), at)
}

/// Whether a return type is written as a `Result`: `Result<T, E>`, or any path ending in
/// `Result` (`io::Result<T>`, `fmt::Result`). What the `error` series at zero is decided on: an
/// alias of another name is only seen by the type checker, at the value (where the outcome is
/// still read), too late for the link-time callsite.
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().is_some_and(|s| s.ident == "Result")
        }
        Type::Group(g) => is_result(&g.elem),
        Type::Paren(p) => is_result(&p.elem),
        _ => false,
    }
}

/// The callsite `static` (for the global family) and the sink the timer records into. Its
/// series at zero: `ok`; `error` for a function returning a `Result` (or asked for); `panic`
/// when asked for; `cancelled` for an async function.
fn callsite_and_sink(
    function: &Function,
    is_async: bool,
    returns_result: bool,
    p: &TokenStream,
) -> (TokenStream, TokenStream) {
    let name = &function.name;
    match &function.histogram {
        None => {
            let outcome = |o: &str| {
                let o = Ident::new(o, Span::call_site());
                quote!(#p::CallOutcome::#o)
            };
            let mut zero = Vec::new();
            if returns_result || function.zero.error.is_some() {
                zero.push(outcome("Error"));
            }
            if function.zero.panic.is_some() {
                zero.push(outcome("Panic"));
            }
            if is_async {
                zero.push(outcome("Cancelled"));
            }
            let buckets = match &function.buckets {
                Some(values) => {
                    let values = values.iter().map(|v| Literal::f64_suffixed(*v));
                    quote!(#p::core::option::Option::Some(&[#(#values),*]))
                }
                None => quote!(#p::core::option::Option::None),
            };
            let callsite = quote! {
                static __METRICS_CALLSITE: #p::Callsite = #p::Callsite::new(
                    #name,
                    #p::core::module_path!(),
                    &[#(#zero),*],
                    #buckets,
                );
                #p::inventory::submit! { #p::InstrumentedFn(&__METRICS_CALLSITE) }
                #p::inventory::submit! { #p::FUNCTION_METRICS_ENTRY }
            };
            (callsite, quote!(&__METRICS_CALLSITE))
        }
        Some(expr) => (TokenStream::new(), histogram_target(expr, name, p)),
    }
}

/// A method as `#[async_trait]` leaves it (and as written by hand in that style): not `async`,
/// returning `Pin<Box<dyn Future<Output = T> + ...>>`, its body a single
/// `Box::pin(async move { ... })`. The future inside is what is timed, as for an `async fn`.
struct BoxedFuture<'a> {
    /// `T` of `Future<Output = T>`.
    output: &'a Type,
    /// `Box::pin(...)`, as written.
    call: &'a syn::ExprCall,
    /// The `async move { ... }` it pins.
    future: &'a syn::ExprAsync,
}

impl<'a> BoxedFuture<'a> {
    fn of(sig: &'a syn::Signature, block: &'a syn::Block) -> Option<Self> {
        if sig.asyncness.is_some() {
            return None;
        }
        let ReturnType::Type(_, ty) = &sig.output else {
            return None;
        };
        let boxed = only_type_argument(ty, "Pin")?;
        let Type::TraitObject(object) = only_type_argument(boxed, "Box")? else {
            return None;
        };
        let output = object.bounds.iter().find_map(|bound| {
            let syn::TypeParamBound::Trait(bound) = bound else {
                return None;
            };
            let last = bound.path.segments.last()?;
            if last.ident != "Future" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::AssocType(a) if a.ident == "Output" => Some(&a.ty),
                _ => None,
            })
        })?;
        let [syn::Stmt::Expr(expr, None)] = block.stmts.as_slice() else {
            return None;
        };
        let syn::Expr::Call(call) = ungroup(expr) else {
            return None;
        };
        let syn::Expr::Path(func) = ungroup(&call.func) else {
            return None;
        };
        let segments: Vec<String> = func
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
            return None;
        }
        let syn::Expr::Async(future) = ungroup(&call.args[0]) else {
            return None;
        };
        future.capture.as_ref()?;
        Some(Self {
            output,
            call,
            future,
        })
    }
}

/// The only type argument of `Name<T>` (any path ending in `Name`).
fn only_type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let first = types.next()?;
    types.next().is_none().then_some(first)
}

fn ungroup(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Group(g) => ungroup(&g.expr),
        syn::Expr::Paren(p) => ungroup(&p.expr),
        other => other,
    }
}

/// The body of a [`BoxedFuture`] method: the same `Box::pin(async move { ... })`, whose future
/// starts the timer when first polled and records how the original future ended (`cancelled`
/// when it is dropped before completion), as the expansion of an `async fn` does.
fn boxed_body(function: &Function, boxed: BoxedFuture<'_>, p: &TokenStream) -> TokenStream {
    let timer = Ident::new("__metrics_timer", Span::mixed_site());
    let ret = Ident::new("__metrics_ret", Span::mixed_site());
    let (callsite, sink) = callsite_and_sink(function, true, is_result(boxed.output), p);
    let output = inferred_impl_trait(boxed.output.clone());
    let check = error_at_zero(function, p);
    // `modifiers` has nothing to print yet (syn's own printer skips it).
    let syn::ExprAsync {
        attrs,
        async_token,
        capture,
        modifiers: _,
        block,
    } = boxed.future;
    let pinned = output_pinned(&output, block, p);
    let mut call = boxed.call.clone();
    call.args[0] = syn::Expr::Verbatim(quote! {
        #(#attrs)*
        #async_token #capture {
            let #timer = #p::Timer::start(#sink, true);
            let #ret = #p::expect_output::<#output, _>(#async_token #capture #pinned).await;
            #check
            #timer.finish({
                #[allow(unused_imports)]
                use #p::{OtherOutcome as _, ResultOutcome as _};
                (&#p::Probe(&#ret)).call_outcome()
            });
            #ret
        }
    });
    quote! {{
        #callsite
        #call
    }}
}

/// The body of the async block running `block`: its output type fixed to `ty` before `block`
/// is checked, by a `return` never taken, as `#[async_trait]` does. rustc does not infer an
/// async block's output from the `Future<Output = R>` bound of `expect_output`: without it, a
/// type error in the body's tail or its `return`s is reported at the attribute, not at the
/// user's line. `block` stays the tail, under a label (`break` cannot name it): as a `let`'s
/// value, clippy's `diverging_sub_expression` would report a body that panics; unlabeled,
/// `unused_braces` would report the braces of a body of one expression on one line.
fn output_pinned(ty: &impl ToTokens, block: &syn::Block, p: &TokenStream) -> TokenStream {
    let out = Ident::new("__metrics_out", Span::mixed_site());
    let label = syn::Lifetime {
        apostrophe: Span::mixed_site(),
        ident: Ident::new("__metrics_body", Span::mixed_site()),
    };
    quote! {{
        if let #p::core::option::Option::Some(#out) = #p::core::option::Option::None::<#ty> {
            return #out;
        }
        #label: #block
    }}
}

/// `impl Trait` in the return type replaced by `_`: the closure's or the async block's return
/// type is then inferred from the body, where the opaque type is defined.
fn inferred_impl_trait(mut ty: Type) -> Type {
    struct Infer;
    impl VisitMut for Infer {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(it) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    attrs: Vec::new(),
                    underscore_token: syn::Token![_](it.impl_token.span),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    Infer.visit_type_mut(&mut ty);
    ty
}

/// `histogram = expr` checked where it is written: the call's tokens are spanned from the
/// first to the last token of `expr`, so a type that is not a histogram is reported under it.
/// The function's name and module follow, for labels built from the call.
fn histogram_target(expr: &syn::Expr, name: &str, p: &TokenStream) -> TokenStream {
    let (first, last) = span_range(expr);
    let mut arg = quote_spanned!(first=> &);
    arg.extend(quote_spanned!(last=> (#expr), #name, #p::core::module_path!()));
    let mut args = Group::new(Delimiter::Parenthesis, arg);
    args.set_span(last);
    let path = respan(quote!(#p::latency_target), first);
    quote!(#path #args)
}

/// The rustdoc section added to an instrumented function: what it records, with ready PromQL.
/// The module is only known to the compiler, so the text is a `concat!` with `module_path!()`.
///
/// A function without docs of its own gets the section only under rustdoc
/// (`#[cfg_attr(doc, doc = ...)]`): `missing_docs` still reports it when it is compiled.
fn doc(
    function: &Function,
    attrs: &[syn::Attribute],
    sig: &syn::Signature,
    is_boxed_future: bool,
    p: &TokenStream,
) -> TokenStream {
    let documented = attrs.iter().any(|a| a.path().is_ident("doc"));
    let text = match &function.histogram {
        Some(expr) => quote!(#p::core::concat!(
            "\n# Latency\n\nInstrumented with `#[instrument_latency]`: each call's wall time is \
             recorded into the histogram `",
            #p::core::stringify!(#expr),
            "`.\n"
        )),
        None => latency_text(function, sig, is_boxed_future, p),
    };
    if documented {
        quote!(#[doc = #text])
    } else {
        quote!(#[cfg_attr(doc, doc = #text)])
    }
}

/// The "Latency" section of a function recording into `function_duration_seconds`: its series
/// and PromQL for p50 and p99 latency and the error ratio.
fn latency_text(
    function: &Function,
    sig: &syn::Signature,
    is_boxed_future: bool,
    p: &TokenStream,
) -> TokenStream {
    // As a PromQL string literal; the module is spliced in where `MODULE` stands.
    const MODULE: &str = "\u{0}module\u{0}";
    let name = function.name.replace('\\', "\\\\").replace('"', "\\\"");
    let results = if sig.asyncness.is_some() || is_boxed_future {
        "`ok`, `error`, `panic` or `cancelled` (the future was dropped before completion)"
    } else {
        "`ok`, `error` or `panic`"
    };
    let selector = format!("function=\"{name}\",module=\"{MODULE}\"");
    let text = format!(
        "\n\
# Latency\n\
\n\
Instrumented with `#[instrument_latency]`: each call's wall time is recorded into the \
histogram `function_duration_seconds`, labeled `function=\"{name}\"`, `module=\"{MODULE}\"` \
and `result`: {results}.\n\
\n\
Latency, p50 and p99 over 5 minutes, summed `by (function, le)`: instrumented functions may \
have different bucket bounds (`buckets = ...`), and a bucket of one function cannot be added to \
another's:\n\
\n\
```promql\n\
histogram_quantile(0.5, sum by (function, le) (rate(function_duration_seconds_bucket{{{selector}}}[5m])))\n\
histogram_quantile(0.99, sum by (function, le) (rate(function_duration_seconds_bucket{{{selector}}}[5m])))\n\
```\n\
\n\
Error ratio over 5 minutes:\n\
\n\
```promql\n\
sum(rate(function_duration_seconds_count{{{selector},result=\"error\"}}[5m]))\n  \
/ sum(rate(function_duration_seconds_count{{{selector}}}[5m]))\n\
```\n"
    );
    let parts = text.split(MODULE).map(|part| quote!(#part));
    let mut pieces = Vec::new();
    for (i, part) in parts.enumerate() {
        if i > 0 {
            pieces.push(quote!(#p::core::module_path!()));
        }
        pieces.push(part);
    }
    quote!(#p::core::concat!(#(#pieces),*))
}

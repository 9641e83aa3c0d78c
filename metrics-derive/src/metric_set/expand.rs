//! Code generation for a validated metric set.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::{MetricField, Set};
use super::valid::guessed_kind;
use crate::rules::MetricKind;

pub fn expand(set: &Set<'_>) -> TokenStream {
    let ident = set.ident;
    let p = private(&set.krate);
    let (impl_g, ty_g, where_c) = set.generics.split_for_impl();
    let ident_str = ident.to_string();

    let descs = set.metrics.iter().map(|m| {
        let name = &m.name;
        let help = &m.help;
        let field = m.ident.to_string();
        let unit = match &m.unit {
            Some(u) => quote!(#p::core::option::Option::Some(#u)),
            None => quote!(#p::core::option::Option::None),
        };
        let metric = metric_trait(m, &p);
        quote! {
            #p::MetricDesc {
                name: #name,
                help: #help,
                unit: #unit,
                kind: #metric::KIND,
                label_names: #metric::LABEL_NAMES,
                field: #field,
            }
        }
    });
    let metric_body = if set.metrics.is_empty() {
        quote!(let _ = index; #p::core::option::Option::None)
    } else {
        let arms = set.metrics.iter().enumerate().map(|(i, m)| {
            let f = m.ident;
            let ty = m.ty;
            // Through a `Metric` bound, spanned at the type: a type that is not a metric gets
            // the one `on_unimplemented` message, not a second one about `EncodeMetric`.
            let metric = quote_spanned!(ty.span()=> #p::as_encode_metric::<#ty>);
            quote!(#i => #p::core::option::Option::Some(#metric(&self.#f)))
        });
        quote!(match index { #(#arms,)* _ => #p::core::option::Option::None })
    };

    let builds = set.metrics.iter().map(|m| {
        let f = m.ident;
        let metric = metric_trait(m, &p);
        let buckets = match m.buckets {
            Some(b) => {
                let bounds = b.bounds.iter().map(|v| Literal::f64_suffixed(*v));
                quote!(#p::core::option::Option::Some(&[#(#bounds),*]))
            }
            None => quote!(#p::core::option::Option::None),
        };
        let max_series = match m.max_series {
            Some(n) => quote!(#p::core::option::Option::Some(#n)),
            None => quote!(#p::core::option::Option::None),
        };
        quote! {
            #f: #metric::build(&#p::MetricOptions { buckets: #buckets, max_series: #max_series })
        }
    });
    let skipped = set
        .skipped
        .iter()
        .map(|f| quote!(#f: #p::core::default::Default::default()));

    let global = if set.global {
        global(set, &p)
    } else {
        TokenStream::new()
    };
    let assertions = if set.generics.params.is_empty() {
        set.metrics.iter().map(|m| kind_assertions(m, &p)).collect()
    } else {
        TokenStream::new()
    };

    quote! {
        #[automatically_derived]
        impl #impl_g #p::MetricSet for #ident #ty_g #where_c {
            const INFO: &'static #p::SetInfo = &#p::SetInfo {
                name: #ident_str,
                module: #p::core::module_path!(),
                metrics: &[#(#descs),*],
            };

            #[inline]
            fn metric(&self, index: usize) -> #p::core::option::Option<&dyn #p::EncodeMetric> {
                #metric_body
            }
        }

        #[automatically_derived]
        impl #impl_g #p::core::default::Default for #ident #ty_g #where_c {
            fn default() -> Self {
                Self {
                    #(#builds,)*
                    #(#skipped,)*
                }
            }
        }

        #global
        #assertions
    }
}

/// `::metrics_core::__private`, or `path::__private` with `#[metric_set(crate = path)]`.
pub fn private(krate: &syn::Path) -> TokenStream {
    quote!(#krate::__private)
}

/// `<Ty as Metric>`, spanned at the field type so a type that is not a metric is reported there.
fn metric_trait(m: &MetricField<'_>, p: &TokenStream) -> TokenStream {
    let ty = m.ty;
    quote_spanned!(ty.span()=> <#ty as #p::Metric>)
}

fn global(set: &Set<'_>, p: &TokenStream) -> TokenStream {
    let ident = set.ident;
    let vis = set.vis;
    let doc = format!(
        "The process-wide instance of `{ident}`, exported by `Registry::global()` (registered at link time)."
    );
    quote! {
        #[automatically_derived]
        impl #p::GlobalMetricSet for #ident {
            fn global() -> &'static Self {
                static INSTANCE: #p::OnceLock<#ident> = #p::OnceLock::new();
                INSTANCE.get_or_init(<#ident as #p::core::default::Default>::default)
            }
        }

        impl #ident {
            #[doc = #doc]
            #[inline]
            #vis fn global() -> &'static Self {
                <Self as #p::GlobalMetricSet>::global()
            }
        }

        #p::inventory::submit! {
            #p::GlobalSetEntry {
                info: <#ident as #p::MetricSet>::INFO,
                instance: #p::global_instance::<#ident>,
            }
        }
    }
}

/// For a field whose type does not show its kind (an alias, a wrapper): the name and attribute
/// rules that depend on the kind, as `const` assertions on `<Ty as Metric>::KIND`.
fn kind_assertions(m: &MetricField<'_>, p: &TokenStream) -> TokenStream {
    if m.kind.is_some() {
        return TokenStream::new();
    }
    let span = m.ty.span();
    // Every token at the field type, the interpolated crate path too: the compiler reports a
    // failed `const` evaluation at the `panic!` call's span.
    let p = &respan(p.clone(), span);
    let metric = metric_trait(m, p);
    let name = &m.name;
    let mut out = TokenStream::new();
    if guessed_kind(name) == MetricKind::Counter {
        let message = format!(
            "metric `{name}` ends in `_total`, which is reserved for counters, but its type is not a counter"
        );
        out.extend(quote_spanned! {span=>
            const _: () = if !#metric::KIND.is_counter() { #p::core::panic!(#message) };
        });
    } else {
        let message = format!("counter name `{name}` must end in `_total`: write `{name}_total`");
        out.extend(quote_spanned! {span=>
            const _: () = if #metric::KIND.is_counter() { #p::core::panic!(#message) };
        });
    }
    if let Some(buckets) = m.buckets {
        let message = format!(
            "`#[metric(buckets = ...)]` is only allowed on histogram fields; the type of `{}` is not a histogram",
            m.ident
        );
        let p = &respan(p.clone(), buckets.span);
        out.extend(quote_spanned! {buckets.span=>
            const _: () = if !#metric::KIND.is_histogram() { #p::core::panic!(#message) };
        });
    }
    out
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

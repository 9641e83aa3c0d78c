//! Code generation for a validated metric set.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};

use super::ast::{syntactic_exponential, MetricField, Set, Unit};
use super::docs;
use super::valid::{guessed_kind, unprefixed};
use crate::paths;
use crate::rules::{self, MetricKind};
use crate::spans::{respan_range, span_range};

pub fn expand(set: &Set<'_>) -> TokenStream {
    let ident = set.ident;
    let p = &paths::private(set.krate);
    let (impl_g, ty_g, where_c) = set.generics.split_for_impl();
    let ident_str = ident.to_string();

    let descs = set.metrics.iter().map(|m| {
        let name = &m.name;
        let help = &m.help;
        let field = m.ident.to_string();
        let kind = metric_of(m, |last| quote_spanned!(last=> .kind));
        let some = |unit: &str| quote!(#p::core::option::Option::Some(#unit));
        let unit = match &m.unit {
            Some(Unit::Declared(u)) => some(u),
            // A kind that allows no unit gets none from its name.
            Some(Unit::Inferred(u)) => match m.kind {
                Some(k) if k.allows_unit() => some(u),
                Some(_) => quote!(#p::core::option::Option::None),
                None => {
                    let some = some(u);
                    quote! {
                        if #kind.allows_unit() { #some } else { #p::core::option::Option::None }
                    }
                }
            },
            None => quote!(#p::core::option::Option::None),
        };
        let label_names = metric_of(m, |last| quote_spanned!(last=> .label_names));
        quote! {
            #p::MetricDesc {
                name: #name,
                help: #help,
                unit: #unit,
                kind: #kind,
                label_names: #label_names,
                field: #field,
            }
        }
    });
    let metric_body = if set.metrics.is_empty() {
        quote!(let _ = index; #p::core::option::Option::None)
    } else {
        let arms = set.metrics.iter().enumerate().map(|(i, m)| {
            let f = m.ident;
            let metric = metric_of(m, |last| quote_spanned!(last=> .erase(&self.#f)));
            quote!(#i => #p::core::option::Option::Some(#metric))
        });
        quote!(match index { #(#arms,)* _ => #p::core::option::Option::None })
    };

    let builds = set.metrics.iter().map(|m| {
        let f = m.ident;
        let buckets = match &m.buckets {
            Some(b) => {
                let bounds = b.values.iter().map(|v| Literal::f64_suffixed(*v));
                quote!(#p::core::option::Option::Some(&[#(#bounds),*]))
            }
            None => quote!(#p::core::option::Option::None),
        };
        let option = |n: Option<TokenStream>| match n {
            Some(n) => quote!(#p::core::option::Option::Some(#n)),
            None => quote!(#p::core::option::Option::None),
        };
        let schema = option(m.schema.map(|n| quote!(#n)));
        let max_buckets = option(m.max_buckets.map(|n| quote!(#n)));
        let max_series = option(m.max_series.map(|n| quote!(#n)));
        let max_label_value_len = option(m.max_label_value_len.map(|(n, _)| quote!(#n)));
        let lazy = m.lazy.is_some();
        let metric = metric_of(m, |last| {
            quote_spanned! {last=>
                .build(&#p::MetricOptions {
                    buckets: #buckets,
                    max_series: #max_series,
                    schema: #schema,
                    max_buckets: #max_buckets,
                    lazy: #lazy,
                    max_label_value_len: #max_label_value_len,
                })
            }
        });
        quote!(#f: #metric)
    });
    let skipped = set
        .skipped
        .iter()
        .map(|f| quote!(#f: #p::core::default::Default::default()));

    // What the set exports, in its rustdoc: on the impl block of `global()`, or on one of its
    // own (a derive cannot add to the struct's own docs).
    let docs = docs::section(set);
    let global = if set.global {
        global(set, p, &docs)
    } else {
        quote! {
            #[doc = #docs]
            #[automatically_derived]
            impl #impl_g #ident #ty_g #where_c {}
        }
    };
    // A non-generic set checks with one free `const` per field, evaluated with the crate. Free
    // `const` items cannot use a generic set's parameters: its checks are one associated `const`,
    // evaluated for each instantiation (by `INFO` and `default`), so `Pool<Counter>` is refused
    // where `Pool<Gauge>` is fine.
    let generic = !set.generics.params.is_empty();
    let checks: Vec<(&syn::Ident, TokenStream)> = set
        .metrics
        .iter()
        .map(|m| (m.ident, field_checks(m, set.prefix, p)))
        .filter(|(_, checks)| !checks.is_empty())
        .collect();
    let (assertions, use_checks) = if checks.is_empty() {
        (TokenStream::new(), TokenStream::new())
    } else if generic {
        let all = checks.iter().map(|(_, checks)| checks);
        (
            quote! {
                #[automatically_derived]
                impl #impl_g #ident #ty_g #where_c {
                    #[doc(hidden)]
                    const __METRIC_SET_CHECKS: () = { #(#all)* };
                }
            },
            quote!(let () = Self::__METRIC_SET_CHECKS;),
        )
    } else {
        let items = checks.iter().map(|(field, checks)| {
            quote! {
                #[allow(dead_code, non_upper_case_globals)]
                const #field: () = { #checks };
            }
        });
        (quote!(#(#items)*), TokenStream::new())
    };
    let assertions = if assertions.is_empty() {
        assertions
    } else {
        let helper = has_label_helper(p);
        quote!(#helper #assertions)
    };

    let helper = if set.metrics.is_empty() {
        TokenStream::new()
    } else {
        metric_helper(p)
    };

    // In an anonymous `const` so that the helpers' names stay out of the user's module.
    quote! {
        const _: () = {
            #helper

            #[automatically_derived]
            impl #impl_g #p::MetricSet for #ident #ty_g #where_c {
                const INFO: &'static #p::SetInfo = {
                    #use_checks
                    &#p::SetInfo {
                        name: #ident_str,
                        module: #p::core::module_path!(),
                        type_id: #p::core::any::TypeId::of::<Self>,
                        metrics: &[#(#descs),*],
                    }
                };

                #[inline]
                fn metric(
                    &self,
                    index: #p::core::primitive::usize,
                ) -> #p::core::option::Option<&dyn #p::EncodeMetric> {
                    #metric_body
                }
            }

            #[automatically_derived]
            impl #impl_g #p::core::default::Default for #ident #ty_g #where_c {
                fn default() -> Self {
                    #use_checks
                    Self {
                        #(#builds,)*
                        #(#skipped,)*
                    }
                }
            }

            #global
            #assertions
        };
    }
}

/// Every use of a field's `Metric` impl goes through this one generic function, called at the
/// field type (see [`metric_of`]): a type that is not a metric then breaks one bound at one span,
/// which rustc reports once, with `Metric`'s `on_unimplemented` message, rather than once per use.
/// Its methods have no bound, so that nothing else fails.
fn metric_helper(p: &TokenStream) -> TokenStream {
    quote! {
        struct __Metric<M> {
            kind: #p::MetricKind,
            label_names: &'static [&'static #p::core::primitive::str],
            // Read only by the checks of `schema` and `max_buckets` on a type alias.
            #[allow(dead_code)]
            exponential: #p::core::primitive::bool,
            labels_open_ended: #p::core::option::Option<#p::core::primitive::bool>,
            build: fn(&#p::MetricOptions) -> M,
            erase: fn(&M) -> &dyn #p::EncodeMetric,
        }

        const fn __metric<M: #p::Metric>() -> __Metric<M> {
            __Metric {
                kind: M::KIND,
                label_names: M::LABEL_NAMES,
                exponential: M::EXPONENTIAL,
                labels_open_ended: M::LABELS_OPEN_ENDED,
                build: M::build,
                erase: #p::as_encode_metric::<M>,
            }
        }

        impl<M> __Metric<M> {
            #[inline]
            fn build(&self, options: &#p::MetricOptions) -> M {
                (self.build)(options)
            }

            #[inline]
            fn erase<'a>(&self, metric: &'a M) -> &'a dyn #p::EncodeMetric {
                (self.erase)(metric)
            }
        }
    }
}

/// `__metric::<Ty>()` followed by `rest` (a field or method call, spanned at the given span),
/// every token spanned from the first to the last token of the field type. rustc checks the type
/// of each expression at that expression's span; spanned so, each check lands exactly where the
/// struct's own check of the field type does, and the same error is reported once.
fn metric_of(m: &MetricField<'_>, rest: impl FnOnce(Span) -> TokenStream) -> TokenStream {
    let ty = m.ty;
    let (first, last) = span_range(ty);
    let head = quote_spanned!(first=> __metric::<);
    let tail = quote_spanned!(last=> >());
    let rest = rest(last);
    quote!(#head #ty #tail #rest)
}

fn global(set: &Set<'_>, p: &TokenStream, docs: &str) -> TokenStream {
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

        #[doc = #docs]
        impl #ident {
            #[doc = #doc]
            #[inline]
            // A set named `Global` would otherwise be told its `global()` is a constructor.
            #[allow(clippy::self_named_constructors)]
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

/// The rules the compiler checks, as `const` statements (the caller wraps them in a `const`
/// named after the field, so that rustc's "evaluation of `_::requests` failed here" names it
/// too, or, for a generic set, in one associated `const`): for a field whose type does not show
/// its kind (an alias, a wrapper, a type parameter), the name and attribute rules that depend on
/// `Metric::KIND`; for a histogram family, that no label is named `le`.
fn field_checks(m: &MetricField<'_>, prefix: Option<&str>, p: &TokenStream) -> TokenStream {
    let kind = metric_of(m, |last| quote_spanned!(last=> .kind));
    let name = &m.name;
    // The compiler reports a failed `const` evaluation at the `panic!` call, so the call is
    // spanned over the offending tokens: the field type, or the `buckets` value.
    let panic = |range: (Span, Span), message: String| {
        respan_range(quote!(#p::core::panic!(#message)), range)
    };
    let ty_range = span_range(m.ty);
    let mut checks = TokenStream::new();
    if m.kind.is_none() {
        if guessed_kind(name) == MetricKind::Counter {
            let panic = panic(
                ty_range,
                format!("metric `{name}` ends in `_total`, which is reserved for counters, but its type is not a counter"),
            );
            checks.extend(quote!(if !#kind.is_counter() { #panic }));
        } else if let Err(e) = rules::check_metric_name(name, MetricKind::Counter) {
            let panic = panic(ty_range, unprefixed(e, prefix).to_string());
            checks.extend(quote!(if #kind.is_counter() { #panic }));
        }
        if let Some(buckets) = &m.buckets {
            let panic = panic(
                buckets.range,
                format!(
                    "`#[metric(buckets = ...)]` is only allowed on histogram fields; the type of `{}` is not a histogram",
                    m.ident
                ),
            );
            checks.extend(quote!(if !#kind.is_histogram() { #panic }));
        }
    }
    if syntactic_exponential(m.ty).is_none() {
        let exponential = metric_of(m, |last| quote_spanned!(last=> .exponential));
        for (key, range) in [
            ("schema", m.schema_range),
            ("max_buckets", m.max_buckets_range),
        ] {
            if let Some(range) = range {
                let panic = panic(
                    range,
                    format!(
                        "`#[metric({key} = ...)]` is only allowed on exponential histogram fields; the type of `{}` is not an exponential histogram",
                        m.ident
                    ),
                );
                checks.extend(quote!(if !#exponential { #panic }));
            }
        }
    }
    // `lazy` and `max_label_value_len` on a family: whether its labels are open-ended is known
    // to the compiler only.
    let open_ended = metric_of(m, |last| quote_spanned!(last=> .labels_open_ended));
    let field = m.ident;
    if let Some(lazy) = m.lazy {
        let open = panic(
            (lazy, lazy),
            format!("`#[metric(lazy)]` is only allowed on `Family` fields with fixed-cardinality labels; the labels of `{field}` are open-ended: its series already appear on first record"),
        );
        let single = panic(
            (lazy, lazy),
            format!("`#[metric(lazy)]` is only allowed on `Family` fields with fixed-cardinality labels; the type of `{field}` is not a family"),
        );
        checks.extend(quote! {
            match #open_ended {
                #p::core::option::Option::Some(false) => {}
                #p::core::option::Option::Some(true) => #open,
                #p::core::option::Option::None => #single,
            }
        });
    }
    if let Some((_, span)) = m.max_label_value_len {
        let fixed = panic(
            (span, span),
            format!("`#[metric(max_label_value_len = ...)]` is only allowed on `Family` fields with open-ended labels; the labels of `{field}` are all fixed-cardinality"),
        );
        let single = panic(
            (span, span),
            format!("`#[metric(max_label_value_len = ...)]` is only allowed on `Family` fields; the type of `{field}` is not a family"),
        );
        checks.extend(quote! {
            match #open_ended {
                #p::core::option::Option::Some(true) => {}
                #p::core::option::Option::Some(false) => #fixed,
                #p::core::option::Option::None => #single,
            }
        });
    }
    if m.kind.is_none() || (m.kind == Some(MetricKind::Histogram) && m.family) {
        let reserved = rules::check_label_name_for("le", MetricKind::Histogram)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let label_names = metric_of(m, |last| quote_spanned!(last=> .label_names));
        let panic = panic(ty_range, reserved);
        checks.extend(quote! {
            if #kind.is_histogram() && __has_label(#label_names, "le") { #panic }
        });
    }
    checks
}

/// `const fn __has_label(names, name) -> bool`, for [`field_checks`]: `str` equality is not `const`.
fn has_label_helper(p: &TokenStream) -> TokenStream {
    quote! {
        #[allow(dead_code)]
        const fn __has_label(
            names: &[&#p::core::primitive::str],
            name: &#p::core::primitive::str,
        ) -> #p::core::primitive::bool {
            let name = name.as_bytes();
            let mut i = 0;
            while i < names.len() {
                let candidate = names[i].as_bytes();
                if candidate.len() == name.len() {
                    let mut j = 0;
                    while j < name.len() && candidate[j] == name[j] {
                        j += 1;
                    }
                    if j == name.len() {
                        return true;
                    }
                }
                i += 1;
            }
            false
        }
    }
}

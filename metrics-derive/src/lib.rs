//! The derive and attribute macros of `metrics-core`. Use them through `metrics_core`, which re-exports them
//! and documents their attributes; nothing in this crate runs in the user's program.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod buckets;
mod case;
mod derive;
mod errors;
mod instrument;
mod label_attr;
mod label_set;
mod label_value;
mod metric_set;
mod paths;
#[allow(dead_code)]
#[path = "../../metrics-core/src/rules.rs"]
mod rules;
mod shape;
mod spans;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

use crate::derive::Derive;

/// See `metrics_core::MetricSet`.
#[proc_macro_derive(MetricSet, attributes(metric_set, metric))]
pub fn derive_metric_set(input: TokenStream) -> TokenStream {
    Derive::MetricSet
        .expand(&parse_macro_input!(input as DeriveInput))
        .into()
}

/// See `metrics_core::LabelSet`.
#[proc_macro_derive(LabelSet, attributes(label))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    Derive::LabelSet
        .expand(&parse_macro_input!(input as DeriveInput))
        .into()
}

/// See `metrics_core::LabelValue`.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    Derive::LabelValue
        .expand(&parse_macro_input!(input as DeriveInput))
        .into()
}

/// See `metrics_core::instrument_latency`.
#[proc_macro_attribute]
pub fn instrument_latency(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument::attribute(args.into(), item.into()).into()
}

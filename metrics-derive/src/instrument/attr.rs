//! The arguments of `#[instrument_latency(...)]`, parsed with darling: on the item itself, and
//! on the methods of an instrumented `impl` block.

use darling::ast::NestedMeta;
use darling::util::{Flag, SpannedValue};
use darling::FromMeta;
use proc_macro2::TokenStream;
use syn::Expr;

use crate::buckets::Buckets;

/// `#[instrument_latency(...)]`.
#[derive(Default, FromMeta)]
pub struct Args {
    /// `histogram = expr`: record there instead of `function_duration_seconds`.
    pub histogram: Option<HistogramExpr>,
    /// `buckets = ...`: the function's own bounds in `function_duration_seconds`.
    pub buckets: Option<Buckets>,
    /// `zero = [panic]`: outcomes exported at zero beyond those the function has anyway.
    pub zero: Option<ZeroList>,
    /// `name = "..."`: the `function` label, instead of the function's name.
    pub name: Option<SpannedValue<String>>,
    /// `skip`: on a method of an instrumented `impl` block, leave it alone.
    pub skip: Flag,
    /// `crate = path`: where `metrics_core` is, when reached through a re-export.
    #[darling(rename = "crate")]
    pub krate: Option<syn::Path>,
}

/// `histogram = expr`, as written: the expansion checks its type at the expression.
pub struct HistogramExpr(pub Expr);

impl FromMeta for HistogramExpr {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        Ok(HistogramExpr(expr.clone()))
    }
}

/// `zero = [...]`, as written: `valid.rs` reads the outcomes and points at a wrong one.
pub struct ZeroList(pub Expr);

impl FromMeta for ZeroList {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        Ok(ZeroList(expr.clone()))
    }
}

impl Args {
    /// Whether any argument but `skip` is given.
    pub fn any_but_skip(&self) -> bool {
        self.histogram.is_some()
            || self.buckets.is_some()
            || self.zero.is_some()
            || self.name.is_some()
            || self.krate.is_some()
    }

    /// The arguments of the attribute macro itself.
    pub fn parse(args: TokenStream) -> darling::Result<Self> {
        if args.is_empty() {
            return Ok(Args::default());
        }
        let list = NestedMeta::parse_meta_list(args)?;
        Args::from_list(&list)
    }

    /// The arguments of an `#[instrument_latency]` attribute on a method of an instrumented
    /// `impl` block (`#[instrument_latency]` alone, or with a list).
    pub fn from_attribute(attr: &syn::Attribute) -> darling::Result<Self> {
        match &attr.meta {
            syn::Meta::Path(_) => Ok(Args::default()),
            syn::Meta::List(list) => Args::parse(list.tokens.clone()),
            syn::Meta::NameValue(nv) => Err(darling::Error::custom(
                "write `#[instrument_latency(...)]` with its arguments in parentheses",
            )
            .with_span(&nv.eq_token)),
        }
    }
}

/// Whether `attr` is `#[instrument_latency...]`, under any path (`metrics_core::instrument_latency`).
pub fn is_instrument_latency(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "instrument_latency")
}

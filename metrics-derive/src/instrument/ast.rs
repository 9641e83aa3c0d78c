//! The item as the expansion sees it, once every rule has passed: the user's syn nodes, kept
//! whole so their tokens (and spans) are emitted unchanged, and what to do with each function.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Expr, Type};

/// A validated `#[instrument_latency]` item.
pub struct Instrumented {
    /// `crate = path`, when `metrics_core` is reached through a re-export.
    pub krate: Option<syn::Path>,
    pub item: Item,
}

pub enum Item {
    /// A function (free, or a method given the attribute on its own).
    Fn {
        item: Box<syn::ItemFn>,
        function: Function,
    },
    /// An `impl` block; `methods` are the indexes in `item.items` of the methods to instrument,
    /// whose `#[instrument_latency(...)]` attributes have been removed.
    Impl {
        item: syn::ItemImpl,
        methods: Vec<(usize, Function)>,
    },
}

/// How one function is instrumented.
pub struct Function {
    /// The `function` label: `name`, `Type::name`, or `name = "..."`.
    pub name: String,
    /// `histogram = expr`: recorded there rather than in `function_duration_seconds`.
    pub histogram: Option<Expr>,
    /// `buckets = ...`, evaluated and checked: the bounds of its series in
    /// `function_duration_seconds` (`None`: the default buckets).
    pub buckets: Option<Vec<f64>>,
    /// `zero = [...]`: the outcomes asked for at zero.
    pub zero: Zero,
    /// `crate = path` on a method, overriding the `impl` block's.
    pub krate: Option<syn::Path>,
}

/// The outcomes of `zero = [...]`, each with the token that asks for it (where a check left to
/// the compiler points).
#[derive(Clone, Copy, Default)]
pub struct Zero {
    pub error: Option<Span>,
    pub panic: Option<Span>,
}

/// The type of an `impl` block as the `function` label names it: the last path segment
/// (`Wrapper` for `impl<T> Wrapper<T>`, `Vec` for `impl Trait for Vec<u8>`), through references;
/// other types as written, without spaces (`[u8]`, `(A,B)`).
pub fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) if p.qself.is_none() => match p.path.segments.last() {
            Some(last) => last.ident.unraw().to_string(),
            None => String::new(),
        },
        Type::Reference(r) => type_name(&r.elem),
        Type::Paren(p) => type_name(&p.elem),
        Type::Group(g) => type_name(&g.elem),
        _ => quote::ToTokens::to_token_stream(ty)
            .to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    }
}

//! Spans for tokens the compiler checks: generated code spanned over the user's tokens, so that
//! an error in it is reported under what the user wrote.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// The spans of the first and the last token of `tokens`: what an error about all of them spans,
/// since a stable proc-macro cannot join two spans into one.
pub fn span_range(tokens: &impl ToTokens) -> (Span, Span) {
    let mut iter = tokens.to_token_stream().into_iter();
    let first = iter.next().map_or_else(Span::call_site, |t| t.span());
    let last = iter.last().map_or(first, |t| t.span());
    (first, last)
}

/// `tokens` with every span, inside groups too, set to `span`.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens.into_iter().map(|tt| respan_tree(tt, span)).collect()
}

/// `tokens` spanned from `first` to `last`: the first token at `first`, every other at `last`.
/// rustc reports an error about the whole expression from the one to the other.
pub fn respan_range(tokens: TokenStream, (first, last): (Span, Span)) -> TokenStream {
    let mut tokens = tokens.into_iter();
    let head = tokens.next().map(|tt| respan_tree(tt, first));
    head.into_iter()
        .chain(tokens.map(|tt| respan_tree(tt, last)))
        .collect()
}

fn respan_tree(tt: TokenTree, span: Span) -> TokenTree {
    match tt {
        TokenTree::Group(g) => {
            let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
            group.set_span(span);
            TokenTree::Group(group)
        }
        mut tt => {
            tt.set_span(span);
            tt
        }
    }
}

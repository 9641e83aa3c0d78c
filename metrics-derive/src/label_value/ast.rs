//! The label values as the expansion sees them, once every rule has passed.

/// A validated `#[derive(LabelValue)]` enum.
pub struct Values<'a> {
    pub ident: &'a syn::Ident,
    pub generics: &'a syn::Generics,
    /// `crate = path`, when given.
    pub krate: Option<&'a syn::Path>,
    /// Each variant with its value, in declaration order (the order of the fixed index).
    pub values: Vec<(&'a syn::Ident, String)>,
}

//! The label set as the expansion sees it, once every rule has passed.

/// A validated `#[derive(LabelSet)]` struct.
pub struct Labels<'a> {
    pub ident: &'a syn::Ident,
    pub generics: &'a syn::Generics,
    /// `crate = path`, when given.
    pub krate: Option<&'a syn::Path>,
    pub labels: Vec<Label<'a>>,
}

/// One field: one label.
pub struct Label<'a> {
    pub field: &'a syn::Ident,
    pub ty: &'a syn::Type,
    /// The field's identifier, or `name = "..."`.
    pub name: String,
}

//! The field attributes of `#[derive(LabelSet)]`, parsed with darling.

use darling::util::SpannedValue;
use darling::FromField;

use crate::label_attr::LabelAttrs;
use crate::shape::Fields;

/// `#[label(...)]` on the struct, and its fields.
pub type SetAttrs = LabelAttrs<Fields<FieldAttrs>>;

/// `#[label(...)]` on a field.
#[derive(FromField)]
#[darling(attributes(label))]
pub struct FieldAttrs {
    pub ident: Option<syn::Ident>,
    pub ty: syn::Type,
    pub name: Option<SpannedValue<String>>,
}

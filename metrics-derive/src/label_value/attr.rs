//! The variant attributes of `#[derive(LabelValue)]`, parsed with darling.

use darling::util::SpannedValue;
use darling::FromVariant;

use crate::label_attr::LabelAttrs;
use crate::shape::Variants;

/// `#[label(...)]` on the enum, and its variants.
pub type EnumAttrs = LabelAttrs<Variants<VariantAttrs>>;

/// `#[label(...)]` on a variant.
#[derive(FromVariant)]
#[darling(attributes(label))]
pub struct VariantAttrs {
    pub ident: syn::Ident,
    pub rename: Option<SpannedValue<String>>,
}

//! `#[label(...)]` on the item: the container attribute that `#[derive(LabelSet)]` and
//! `#[derive(LabelValue)]` share, parsed with darling. `D` is what is beneath it: the fields of a
//! label set, or the variants of a label value enum.

use darling::util::SpannedValue;
use darling::FromDeriveInput;

use crate::shape::FromData;

#[derive(FromDeriveInput)]
#[darling(attributes(label))]
pub struct LabelAttrs<D: FromData> {
    #[darling(with = FromData::from_data)]
    pub data: D,
    /// `rename_all = "snake_case"`: for the variants of a `LabelValue` enum only.
    pub rename_all: Option<SpannedValue<String>>,
    #[darling(rename = "crate")]
    pub krate: Option<syn::Path>,
}

//! What both formats require of metric families, across lines: each family's lines are
//! contiguous, a name (a family's own, or one of the sample names its type gives it) belongs
//! to one family, and each metadata line comes at most once, before the samples.

use std::collections::HashMap;

use super::{Exposition, MetricFamily, MetricType, ParseError};

/// A label set, in the order written (or sorted, where it identifies something).
pub(super) type Labels = Vec<(String, String)>;

/// The families read so far, and every name a family has taken.
#[derive(Default)]
pub(super) struct Families {
    read: Vec<MetricFamily>,
    /// The family that took a name, and on which line.
    claims: HashMap<String, (String, usize)>,
}

impl Families {
    /// Keeps a family read to its end.
    pub(super) fn push(&mut self, family: MetricFamily) {
        self.read.push(family);
    }

    /// The families read.
    pub(super) fn into_exposition(self) -> Exposition {
        Exposition {
            families: self.read,
        }
    }

    /// Takes `name` for the family it opens on line `n`, by its metadata or (`by_sample`) by
    /// its first sample.
    pub(super) fn open(&mut self, n: usize, name: &str, by_sample: bool) -> Result<(), ParseError> {
        let Some((other, at)) = self.claims.get(name) else {
            self.claims.insert(name.to_owned(), (name.to_owned(), n));
            return Ok(());
        };
        Err(ParseError::new(
            n,
            if by_sample {
                format!(
                    "the sample `{name}` belongs to the family `{other}` (line {at}): the \
                     samples of a family must be contiguous"
                )
            } else if other == name {
                format!(
                    "the family `{name}` already appeared (line {at}): the metadata and \
                     samples of a family must be contiguous"
                )
            } else {
                format!(
                    "the family `{name}` clashes with the family `{other}` (line {at}), \
                     which has samples named `{name}`"
                )
            },
        ))
    }

    /// Takes, for the family `name` whose `# TYPE` on line `n` says `kind`, the names of the
    /// samples that type gives it: `suffixes` after `name`.
    pub(super) fn type_samples(
        &mut self,
        n: usize,
        name: &str,
        kind: MetricType,
        suffixes: &[&str],
    ) -> Result<(), ParseError> {
        for suffix in suffixes.iter().filter(|s| !s.is_empty()) {
            let sample = format!("{name}{suffix}");
            if let Some((other, at)) = self.claims.get(&sample) {
                return Err(ParseError::new(
                    n,
                    format!(
                        "{kind} `{name}` has samples named `{sample}`, a name the family \
                         `{other}` (line {at}) already takes"
                    ),
                ));
            }
            self.claims.insert(sample, (name.to_owned(), n));
        }
        Ok(())
    }

    /// For a sample on line `n` that does not fit the family before it (`previous`, of type
    /// `kind`, whose sample names are `suffixes` after its name): an error when that family's
    /// type took the sample's name, instead of a new family.
    pub(super) fn misnamed(
        &self,
        n: usize,
        sample: &str,
        previous: &str,
        kind: MetricType,
        suffixes: &[&str],
    ) -> Result<(), ParseError> {
        if self
            .claims
            .get(sample)
            .is_none_or(|(owner, _)| owner != previous)
        {
            return Ok(());
        }
        let names: Vec<String> = suffixes
            .iter()
            .map(|s| format!("`{previous}{s}`"))
            .collect();
        Err(ParseError::new(
            n,
            format!(
                "`{sample}` is not a sample name of {kind} `{previous}`, whose samples are {}",
                names.join(", ")
            ),
        ))
    }
}

/// Whether `sample` is one of the sample names of the family `family`: `suffixes` after it.
pub(super) fn fits(family: &str, suffixes: &[&str], sample: &str) -> bool {
    sample
        .strip_prefix(family)
        .is_some_and(|suffix| suffixes.contains(&suffix))
}

/// The metadata line `# {keyword} {name}` on line `n`, when the family has samples already.
pub(super) fn after_samples(n: usize, keyword: &str, name: &str) -> ParseError {
    ParseError::new(
        n,
        format!(
            "`# {keyword}` for `{name}` comes after its samples: a family's metadata comes first"
        ),
    )
}

/// A second `# {keyword}` line for `name`, on line `n`; the first is on line `first`.
pub(super) fn second(n: usize, keyword: &str, name: &str, first: usize) -> ParseError {
    ParseError::new(
        n,
        format!("second `# {keyword}` for `{name}` (the first is on line {first})"),
    )
}

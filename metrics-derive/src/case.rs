//! `rename_all` case conversions for `#[derive(LabelValue)]`. The words of an identifier and
//! `snake_case` come from the rules, which the naming suggestions of `metrics-core` use too.

use crate::rules::{to_snake_case, words};

/// The conversions `#[label(rename_all = "...")]` accepts.
pub const RULES: [&str; 8] = [
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "camelCase",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
];

fn capitalize(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Applies the `rule` (one of [`RULES`]) to a variant identifier; `None` for an unknown rule.
pub fn apply(rule: &str, ident: &str) -> Option<String> {
    let w = words(ident);
    let lower: Vec<String> = w.iter().map(|s| s.to_lowercase()).collect();
    let upper: Vec<String> = w.iter().map(|s| s.to_uppercase()).collect();
    Some(match rule {
        "lowercase" => lower.concat(),
        "UPPERCASE" => upper.concat(),
        "PascalCase" => w.iter().map(|s| capitalize(s)).collect(),
        "camelCase" => {
            let mut out = lower.first().cloned().unwrap_or_default();
            out.extend(w.iter().skip(1).map(|s| capitalize(s)));
            out
        }
        "snake_case" => to_snake_case(ident),
        "SCREAMING_SNAKE_CASE" => upper.join("_"),
        "kebab-case" => lower.join("-"),
        "SCREAMING-KEBAB-CASE" => upper.join("-"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::apply;

    #[test]
    fn conversions() {
        assert_eq!(apply("snake_case", "RateLimit").unwrap(), "rate_limit");
        assert_eq!(apply("snake_case", "HTTPError").unwrap(), "http_error");
        assert_eq!(
            apply("kebab-case", "ContextExhausted").unwrap(),
            "context-exhausted"
        );
        assert_eq!(apply("camelCase", "SpawnFailed").unwrap(), "spawnFailed");
        assert_eq!(apply("SCREAMING_SNAKE_CASE", "Manual").unwrap(), "MANUAL");
        assert_eq!(apply("lowercase", "V2Api").unwrap(), "v2api");
        assert!(apply("Title Case", "X").is_none());
    }
}

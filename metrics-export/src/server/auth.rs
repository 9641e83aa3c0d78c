//! The credentials a scrape must present (`bearer_token`, `basic_auth`), compared in constant
//! time.

use std::fmt;

use hyper::header::HeaderValue;
use subtle::ConstantTimeEq;

/// The whole `Authorization` value a scrape must send, and the challenge of a `401`.
#[derive(Clone)]
pub(crate) struct Auth {
    expected: String,
    challenge: &'static str,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (credentials hidden)", self.challenge)
    }
}

impl Auth {
    /// `Authorization: Bearer <token>`.
    pub(crate) fn bearer(token: impl fmt::Display) -> Self {
        Self {
            expected: format!("Bearer {token}"),
            challenge: "Bearer",
        }
    }

    /// `Authorization: Basic base64(user:password)`.
    pub(crate) fn basic(user: &str, password: &str) -> Self {
        let credentials = format!("{user}:{password}");
        Self {
            expected: format!(
                "Basic {}",
                crate::base64::encode(credentials.as_bytes(), crate::base64::STANDARD)
            ),
            challenge: "Basic realm=\"metrics\", charset=\"UTF-8\"",
        }
    }

    /// Whether the request's `Authorization` value is the expected one.
    pub(crate) fn admits(&self, given: Option<&HeaderValue>) -> bool {
        same_secret(
            given.map_or(&[], HeaderValue::as_bytes),
            self.expected.as_bytes(),
        )
    }

    /// The `WWW-Authenticate` value of a `401`.
    pub(crate) fn challenge(&self) -> &'static str {
        self.challenge
    }
}

/// Compares a presented secret with the expected one without returning early: every byte of
/// `expected` is compared whatever `given` is (a shorter one as if padded), and the lengths are
/// compared in constant time too, so the time depends on neither where they differ nor
/// whether their lengths do.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let lengths = (given.len() as u64).ct_eq(&(expected.len() as u64));
    let bytes = expected.iter().enumerate().fold(lengths, |equal, (i, e)| {
        equal & given.get(i).copied().unwrap_or(!e).ct_eq(e)
    });
    bytes.into()
}

#[cfg(test)]
mod tests {
    use super::{same_secret, Auth};
    use hyper::header::HeaderValue;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"Bearer abc", b"Bearer abc"));
        assert!(!same_secret(b"Bearer abd", b"Bearer abc"));
        assert!(!same_secret(b"Bearer ab", b"Bearer abc"));
        assert!(!same_secret(b"Bearer abcd", b"Bearer abc"));
        assert!(!same_secret(b"", b"Bearer abc"));
        assert!(same_secret(b"", b""));
    }

    #[test]
    fn bearer_and_basic_values() {
        let bearer = Auth::bearer("s3cr3t");
        assert!(bearer.admits(Some(&HeaderValue::from_static("Bearer s3cr3t"))));
        assert!(!bearer.admits(Some(&HeaderValue::from_static("Bearer s3cr3"))));
        assert!(!bearer.admits(None));
        assert_eq!(bearer.challenge(), "Bearer");
        let basic = Auth::basic("prometheus", "s3cr\u{e9}t");
        assert!(basic.admits(Some(&HeaderValue::from_static(
            "Basic cHJvbWV0aGV1czpzM2Nyw6l0"
        ))));
        assert_eq!(
            basic.challenge(),
            "Basic realm=\"metrics\", charset=\"UTF-8\""
        );
        assert_eq!(
            format!("{basic:?}"),
            format!("{} (credentials hidden)", basic.challenge())
        );
    }
}

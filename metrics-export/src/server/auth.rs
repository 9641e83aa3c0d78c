//! The credentials a scrape must present (`bearer_token`, `basic_auth`), compared in constant
//! time.

use std::fmt;

use hyper::header::HeaderValue;
use subtle::ConstantTimeEq;

/// The credentials a scrape must send in `Authorization`, and the challenge of a `401`.
#[derive(Clone)]
pub(crate) struct Auth {
    /// `Bearer` or `Basic`, compared without regard to case (RFC 9110, 11.1).
    scheme: &'static str,
    /// The token, or `base64(user:password)`: compared exactly, in constant time.
    credentials: String,
    challenge: &'static str,
    /// Why no client could send these credentials, if so: `start` refuses them.
    invalid: Option<&'static str>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (credentials hidden)", self.challenge)
    }
}

impl Auth {
    /// `Authorization: Bearer <token>`.
    pub(crate) fn bearer(token: impl fmt::Display) -> Self {
        let token = token.to_string();
        let invalid = if token.is_empty() {
            Some("the bearer token is empty")
        } else if token.chars().any(char::is_control) {
            Some("the bearer token contains a control character")
        } else if token.starts_with(' ') || token.ends_with(' ') {
            // HTTP strips them from a header value: no request could carry them.
            Some("the bearer token starts or ends with a space")
        } else {
            None
        };
        Self {
            scheme: "Bearer",
            credentials: token,
            challenge: "Bearer",
            invalid,
        }
    }

    /// `Authorization: Basic base64(user:password)`.
    pub(crate) fn basic(user: &str, password: &str) -> Self {
        let invalid = if user.is_empty() {
            Some("the user name is empty")
        } else if user.chars().any(char::is_control) {
            Some("the user name contains a control character")
        } else if password.chars().any(char::is_control) {
            Some("the password contains a control character")
        } else {
            None
        };
        let credentials = format!("{user}:{password}");
        Self {
            scheme: "Basic",
            credentials: crate::base64::encode(credentials.as_bytes(), crate::base64::STANDARD),
            challenge: "Basic realm=\"metrics\", charset=\"UTF-8\"",
            invalid,
        }
    }

    /// Why no client could send these credentials (`None`: they are fine).
    pub(crate) fn invalid(&self) -> Option<&'static str> {
        self.invalid
    }

    /// Whether the request's `Authorization` value (`<scheme> 1*SP <credentials>`) has the
    /// scheme, in any case, and exactly the credentials.
    pub(crate) fn admits(&self, given: Option<&HeaderValue>) -> bool {
        let given = given.map_or(&[][..], HeaderValue::as_bytes);
        let Some(space) = given.iter().position(|&b| b == b' ') else {
            return false;
        };
        let (scheme, rest) = given.split_at(space);
        let credentials = &rest[rest.iter().take_while(|&&b| b == b' ').count()..];
        // The scheme is public (it is in the challenge): only the credentials are compared in
        // constant time.
        scheme.eq_ignore_ascii_case(self.scheme.as_bytes())
            & same_secret(credentials, self.credentials.as_bytes())
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
        assert!(bearer.admits(Some(&HeaderValue::from_static("bearer s3cr3t"))));
        assert!(bearer.admits(Some(&HeaderValue::from_static("BEARER   s3cr3t"))));
        assert!(!bearer.admits(Some(&HeaderValue::from_static("Bearer S3CR3T"))));
        assert!(!bearer.admits(Some(&HeaderValue::from_static("Bearer s3cr3"))));
        assert!(!bearer.admits(Some(&HeaderValue::from_static("Bearers3cr3t"))));
        assert!(!bearer.admits(Some(&HeaderValue::from_static("Bearer"))));
        assert!(!bearer.admits(Some(&HeaderValue::from_static("Basic s3cr3t"))));
        assert!(!bearer.admits(None));
        assert_eq!(bearer.invalid(), None);
        assert_eq!(
            Auth::bearer("").invalid(),
            Some("the bearer token is empty")
        );
        assert_eq!(
            Auth::basic("", "pw").invalid(),
            Some("the user name is empty")
        );
        assert_eq!(Auth::basic("prometheus", "").invalid(), None);
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

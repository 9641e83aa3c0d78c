//! RFC 4648 base64 with padding, in the standard and the URL-safe alphabets: basic
//! credentials of the server, grouping keys of the Pushgateway.

/// The standard alphabet (`+`, `/`).
#[cfg(any(feature = "server", test))]
pub(crate) const STANDARD: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// The URL-safe alphabet (`-`, `_`).
#[cfg(any(feature = "pushgateway", test))]
pub(crate) const URL_SAFE: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` in base64 with `alphabet`, padded with `=`.
pub(crate) fn encode(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{encode, STANDARD, URL_SAFE};

    #[test]
    fn rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("prometheus:s3cr\u{e9}t", "cHJvbWV0aGV1czpzM2Nyw6l0"),
        ] {
            assert_eq!(encode(plain.as_bytes(), STANDARD), encoded, "{plain:?}");
        }
        assert_eq!(encode(b"??>", STANDARD), "Pz8+");
        assert_eq!(encode(b"??>", URL_SAFE), "Pz8-");
        assert_eq!(encode("\u{ff}\u{ff}".as_bytes(), URL_SAFE), "w7_Dvw==");
    }
}

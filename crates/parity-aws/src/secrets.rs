//! Secret-looking parameter names and keyed value fingerprints: String values under such names are
//! kept only as `hmac-sha256:<hex>`, so equal values compare equal and nothing readable is stored.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Words that make a name look secret when they stand as a whole segment (KINDS.md).
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
];

/// Two-segment phrases (`api_key`, `private-key`, …) that look secret.
const SECRET_PAIRS: &[(&str, &str)] = &[("api", "key"), ("private", "key")];

/// Whether `name` (an SSM path or any resource name) looks like it holds a secret: one of the
/// words above as a whole segment, case-insensitive (`/prod/db/password`, `DB_PASSWORD`,
/// `stripe-api-key`), but not inside a word (`passwordless`).
pub fn looks_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let segments: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    segments.iter().any(|s| SECRET_WORDS.contains(s))
        || segments
            .windows(2)
            .any(|w| SECRET_PAIRS.contains(&(w[0], w[1])))
}

/// Keyed fingerprints of values (HMAC-SHA256 with the workspace's fingerprint key).
#[derive(Clone)]
pub struct ValueFingerprinter {
    key: Vec<u8>,
}

impl std::fmt::Debug for ValueFingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValueFingerprinter { key: <redacted> }")
    }
}

impl ValueFingerprinter {
    pub fn new(key: Vec<u8>) -> Self {
        ValueFingerprinter { key }
    }

    /// `hmac-sha256:<hex>` of `value`.
    pub fn fingerprint(&self, value: &str) -> String {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        };
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(12 + 64);
        out.push_str("hmac-sha256:");
        for b in digest {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_words_match_whole_segments_only() {
        for name in [
            "/prod/db/password",
            "/prod/DB_PASSWORD",
            "/prod/stripe/api-key",
            "/prod/stripe_api_key",
            "/prod/apikey",
            "/prod/tls/private_key",
            "/prod/github-token",
            "/prod/aws/credentials",
            "/prod/app/secret",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "/prod/db/host",
            "/prod/passwordless/enabled",
            "/prod/tokenizer/model",
            "/prod/keyboard",
            "/prod/api/url",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let a = ValueFingerprinter::new(vec![1; 32]);
        let b = ValueFingerprinter::new(vec![2; 32]);
        assert_eq!(a.fingerprint("hunter2"), a.fingerprint("hunter2"));
        assert_ne!(a.fingerprint("hunter2"), a.fingerprint("hunter3"));
        assert_ne!(a.fingerprint("hunter2"), b.fingerprint("hunter2"));
        let fp = a.fingerprint("hunter2");
        assert!(
            fp.starts_with("hmac-sha256:") && fp.len() == 12 + 64,
            "{fp}"
        );
        assert!(!format!("{a:?}").contains('1'));
    }
}

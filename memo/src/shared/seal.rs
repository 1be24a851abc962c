//! Opt-in authentication of shared entries. With a secret configured (the stores' `secret`
//! option, or `MEMO_SECRET`), every value written to a store carries an HMAC-SHA256 tag over
//! its namespace, key and bytes; an entry whose tag does not verify (written without the
//! secret, with another one, for another key, or by anyone who could write to the store) is
//! read as corrupt: recomputed and overwritten, never served.

//!
//! Without a shared tier's feature there is no store to seal for: [`Secret`] is then a type
//! without values.

#[cfg(feature = "shared")]
pub(crate) use hmac_sha256::Secret;

/// With no shared tier compiled in, no store has a secret.
#[cfg(not(feature = "shared"))]
#[derive(Clone, Debug)]
pub(crate) enum Secret {}

#[cfg(not(feature = "shared"))]
impl Secret {
    pub(crate) fn seal(&self, _: super::Key<'_>, _: Vec<u8>, _: u64) -> Vec<u8> {
        match *self {}
    }

    pub(crate) fn open<'a>(&self, _: super::Key<'_>, _: &'a [u8]) -> Option<(&'a [u8], u64)> {
        match *self {}
    }
}

#[cfg(feature = "shared")]
mod hmac_sha256 {
    use core::fmt;

    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::super::Key;

    /// Read when no secret is configured.
    const SECRET_VAR: &str = "MEMO_SECRET";

    /// Bytes of a tag, appended to each sealed value.
    const TAG: usize = 32;
    /// What each tag begins with: the layout's name, so that tags of another layout (or of
    /// another use of the same secret) never verify here.
    const LABEL: &[u8] = b"memo shared entry v1\0";

    /// A keyed MAC, ready to tag and verify entries.
    #[derive(Clone)]
    pub(crate) struct Secret(std::sync::Arc<Hmac<Sha256>>);

    impl fmt::Debug for Secret {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Secret(..)") // never printed
        }
    }

    impl Secret {
        /// A secret from its bytes; `None` for an empty one.
        pub(crate) fn new(bytes: &[u8]) -> Option<Secret> {
            (!bytes.is_empty()).then(|| {
                Secret(std::sync::Arc::new(
                    Hmac::new_from_slice(bytes).expect("HMAC takes keys of any length"),
                ))
            })
        }

        /// `MEMO_SECRET`, if set and not empty.
        pub(crate) fn from_env() -> Option<Secret> {
            std::env::var_os(SECRET_VAR).and_then(|value| Secret::new(value.as_encoded_bytes()))
        }

        /// `value` with its tag appended.
        /// `value`, then its expiry (milliseconds since the Unix epoch, 0 for never), then the
        /// tag of both: a store's own expiry can be lifted by whoever writes the store, this one
        /// cannot.
        pub(crate) fn seal(&self, key: Key<'_>, mut value: Vec<u8>, expires_at: u64) -> Vec<u8> {
            value.extend_from_slice(&expires_at.to_le_bytes());
            let tag = self.mac(key, &value).finalize().into_bytes();
            value.extend_from_slice(&tag);
            value
        }

        /// The value of a sealed entry and its expiry, if its tag verifies (compared in
        /// constant time).
        pub(crate) fn open<'a>(&self, key: Key<'_>, sealed: &'a [u8]) -> Option<(&'a [u8], u64)> {
            let (signed, tag) = sealed.split_at_checked(sealed.len().checked_sub(TAG)?)?;
            self.mac(key, signed).verify_slice(tag).ok()?;
            let (value, expires_at) = signed.split_last_chunk::<8>()?;
            Some((value, u64::from_le_bytes(*expires_at)))
        }

        /// The MAC, under a label of this layout, over the namespace and the key, each prefixed
        /// by its length so that no two different pairs feed it the same bytes, then the value
        /// and its expiry.
        fn mac(&self, key: Key<'_>, signed: &[u8]) -> Hmac<Sha256> {
            let mut mac = Hmac::clone(&self.0);
            mac.update(LABEL);
            for part in [key.namespace.as_bytes(), key.bytes] {
                mac.update(&(part.len() as u64).to_le_bytes());
                mac.update(part);
            }
            mac.update(signed);
            mac
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn key<'a>(namespace: &'a str, bytes: &'a [u8]) -> Key<'a> {
            Key { namespace, bytes }
        }

        #[test]
        fn sealed_values_open_only_with_the_same_secret_key_and_bytes() {
            let secret = Secret::new(b"s3cret").unwrap();
            let sealed = secret.seal(key("app::f@v0", b"k"), b"value".to_vec(), 0);
            assert_eq!(sealed.len(), 5 + 8 + TAG);
            assert_eq!(secret.open(key("app::f@v0", b"k"), &sealed), Some((&b"value"[..], 0)));
            let expiring = secret.seal(key("app::f@v0", b"k"), b"value".to_vec(), 1_234);
            assert_eq!(secret.open(key("app::f@v0", b"k"), &expiring), Some((&b"value"[..], 1_234)));
            let mut lifted = expiring.clone();
            lifted[5..13].copy_from_slice(&0_u64.to_le_bytes());
            assert_eq!(secret.open(key("app::f@v0", b"k"), &lifted), None, "an expiry lifted");

            assert_eq!(
                Secret::new(b"other").unwrap().open(key("app::f@v0", b"k"), &sealed),
                None,
                "another secret"
            );
            assert_eq!(secret.open(key("app::f@v0", b"j"), &sealed), None, "another key");
            assert_eq!(secret.open(key("app::g@v0", b"k"), &sealed), None, "another namespace");
            // Moving bytes between the namespace and the key changes the tag.
            let moved = secret.seal(key("ab", b"c"), b"v".to_vec(), 0);
            assert_eq!(secret.open(key("a", b"bc"), &moved), None);
            let mut tampered = sealed.clone();
            tampered[0] ^= 1;
            assert_eq!(secret.open(key("app::f@v0", b"k"), &tampered), None, "a flipped bit");
            assert_eq!(secret.open(key("app::f@v0", b"k"), &sealed[..TAG - 1]), None, "too short");
            assert_eq!(secret.open(key("app::f@v0", b"k"), b"value"), None, "unsealed");
            assert!(Secret::new(b"").is_none(), "an empty secret is none");
        }
    }
}

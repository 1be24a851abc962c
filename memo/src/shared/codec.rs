//! How a shared tier writes keys and values: postcard (compact, serde-based) behind a one-byte
//! format number, and for values the fingerprint of the value's type, so that bytes written
//! by another version of memo, or for another return type, are told apart and read as a miss.
//!
//! serde and postcard are compiled only with a shared tier's feature (`disk`, `redis`). With
//! neither, no store can be reached (the macro has reported the missing feature): [`Encode`]
//! and [`Value`] then hold for every type, and nothing is ever encoded.

use super::StoreError;

/// A key part a shared tier can write: `serde::Serialize`, with a shared tier's feature on.
#[cfg(feature = "shared")]
pub trait Encode: serde::Serialize {}
#[cfg(feature = "shared")]
impl<T: serde::Serialize + ?Sized> Encode for T {}

/// A key part a shared tier can write: anything, with no shared tier compiled in.
#[cfg(not(feature = "shared"))]
pub trait Encode {}
#[cfg(not(feature = "shared"))]
impl<T: ?Sized> Encode for T {}

/// A value a shared tier can write and read back: `Serialize + DeserializeOwned`, with a
/// shared tier's feature on.
#[cfg(feature = "shared")]
pub trait Value: serde::Serialize + serde::de::DeserializeOwned {}
#[cfg(feature = "shared")]
impl<T: serde::Serialize + serde::de::DeserializeOwned> Value for T {}

/// A value a shared tier can write and read back: anything, with no shared tier compiled in.
#[cfg(not(feature = "shared"))]
pub trait Value {}
#[cfg(not(feature = "shared"))]
impl<T> Value for T {}

/// The layout written by this version. Bytes with another number are never decoded.
const FORMAT: u8 = 1;

/// The bytes of a call's key, written part by part: the instantiation (`tag`, empty for a
/// function that is not generic), then each argument. postcard's encoding of a value of a
/// known type is self-delimiting, so the parts need no separators.
pub struct KeyWriter {
    bytes: Result<Vec<u8>, StoreError>,
}

impl KeyWriter {
    /// A key for an instantiation of a function.
    pub fn new(tag: &str) -> Self {
        let mut writer = KeyWriter { bytes: Ok(vec![FORMAT]) };
        writer.push(tag);
        writer
    }

    /// Writes the next argument.
    pub(crate) fn push<T: Encode + ?Sized>(&mut self, part: &T) {
        #[cfg(feature = "shared")]
        if let Ok(bytes) = &mut self.bytes {
            self.bytes = postcard::to_extend(part, core::mem::take(bytes)).map_err(encode_error);
        }
        #[cfg(not(feature = "shared"))]
        let _ = part;
    }

    /// The key, or why an argument could not be written.
    pub(crate) fn finish(self) -> Result<Vec<u8>, StoreError> {
        self.bytes
    }
}

/// The bytes of a value.
#[cfg(feature = "shared")]
pub(crate) fn encode_value<V: Value>(value: &V) -> Result<Vec<u8>, StoreError> {
    let mut bytes = vec![FORMAT];
    bytes.extend(fingerprint::<V>().to_le_bytes());
    postcard::to_extend(value, bytes).map_err(encode_error)
}

/// A value read back, or `None` for bytes this version did not write for `V`: another
/// format, another type, truncated or trailing bytes, garbage.
#[cfg(feature = "shared")]
pub(crate) fn decode_value<V: Value>(bytes: &[u8]) -> Option<V> {
    let (&format, rest) = bytes.split_first()?;
    let (print, body) = rest.split_first_chunk::<8>()?;
    if format != FORMAT || u64::from_le_bytes(*print) != fingerprint::<V>() {
        return None;
    }
    match postcard::take_from_bytes(body) {
        Ok((value, [])) => Some(value),
        _ => None,
    }
}

#[cfg(feature = "shared")]
fn encode_error(error: postcard::Error) -> StoreError {
    StoreError::new(format_args!("cannot encode for the shared tier: {error}"))
}

/// With no shared tier compiled in, nothing is written: every value is a store error.
#[cfg(not(feature = "shared"))]
pub(crate) fn encode_value<V: Value>(_: &V) -> Result<Vec<u8>, StoreError> {
    Err(StoreError::new("memo was built without a shared tier (features `disk`, `redis`)"))
}

/// With no shared tier compiled in, nothing is read: every value is a miss.
#[cfg(not(feature = "shared"))]
pub(crate) fn decode_value<V: Value>(_: &[u8]) -> Option<V> {
    None
}

#[cfg(feature = "shared")]
/// FNV-1a of the type's name: changes when the return type does. (Type names may also change
/// with the compiler; the cost is a miss, never a wrong value.)
fn fingerprint<V>() -> u64 {
    core::any::type_name::<V>()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(all(test, feature = "shared"))]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let bytes = encode_value(&(String::from("ada"), 36_u32, Some(-1.5_f64))).unwrap();
        assert_eq!(decode_value(&bytes), Some((String::from("ada"), 36_u32, Some(-1.5_f64))));
        assert_eq!(decode_value::<Vec<u8>>(&encode_value(&Vec::<u8>::new()).unwrap()), Some(vec![]));
    }

    #[test]
    fn foreign_bytes_are_a_miss() {
        let bytes = encode_value(&42_u64).unwrap();
        assert_eq!(decode_value::<i64>(&bytes), None, "another type");
        assert_eq!(decode_value::<u64>(&bytes[..bytes.len() - 1]), None, "truncated");
        assert_eq!(decode_value::<u64>(&[bytes.as_slice(), &[0]].concat()), None, "trailing byte");
        let mut other_format = bytes.clone();
        other_format[0] = FORMAT + 1;
        assert_eq!(decode_value::<u64>(&other_format), None, "another format");
        for garbage in [&b""[..], b"\x01", b"garbage bytes, not memo's", &[0xFF; 64]] {
            assert_eq!(decode_value::<String>(garbage), None);
        }
    }

    #[test]
    fn keys_tell_calls_apart() {
        let key = |tag: &str, args: &(&str, u64)| {
            let mut writer = KeyWriter::new(tag);
            writer.push(args.0);
            writer.push(&args.1);
            writer.finish().unwrap()
        };
        assert_eq!(key("", &("a", 1)), key("", &("a", 1)));
        assert_ne!(key("", &("a", 1)), key("", &("a", 2)));
        assert_ne!(key("", &("ab", 1)), key("", &("a", 1)));
        assert_ne!(key("u32", &("a", 1)), key("u64", &("a", 1)));
    }
}

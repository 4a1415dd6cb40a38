//! The text of a partner API key: `orgcms_`, 32 random base62 characters, and the CRC32 of those
//! in 6 base62 characters (as GitHub's tokens). The prefix makes a leaked key easy to find (secret
//! scanners, logs); the checksum lets a typo or a made-up key be refused without a database query.
//! Only the SHA-256 of a key is stored.

use sha2::{Digest, Sha256};

pub const PREFIX: &str = "orgcms_";
const RANDOM_CHARS: usize = 32;
const CHECKSUM_CHARS: usize = 6;
/// The length of every key.
pub const LENGTH: usize = PREFIX.len() + RANDOM_CHARS + CHECKSUM_CHARS;
/// How much of a key is kept in the clear, for people to recognise it by.
const SHOWN_CHARS: usize = PREFIX.len() + 6;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether a bearer token is meant as an API key (rather than an access token).
pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// A new key; None when the system has no randomness to give.
pub fn generate() -> Option<String> {
    let mut random = String::with_capacity(RANDOM_CHARS);
    // Rejection sampling: bytes of 248 and above would bias the alphabet.
    let mut buffer = [0u8; 64];
    while random.len() < RANDOM_CHARS {
        getrandom::fill(&mut buffer).ok()?;
        random.extend(
            buffer
                .iter()
                .filter(|&&b| b < 248)
                .map(|&b| ALPHABET[usize::from(b % 62)] as char)
                .take(RANDOM_CHARS - random.len()),
        );
    }
    let checksum = base62(crc32fast::hash(random.as_bytes()), CHECKSUM_CHARS);
    Some(format!("{PREFIX}{random}{checksum}"))
}

/// Whether `key` has the shape of a key and a checksum that fits.
pub fn is_well_formed(key: &str) -> bool {
    let Some(body) = key.strip_prefix(PREFIX) else {
        return false;
    };
    if body.len() != RANDOM_CHARS + CHECKSUM_CHARS
        || !body.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return false;
    }
    let (random, checksum) = body.split_at(RANDOM_CHARS);
    base62(crc32fast::hash(random.as_bytes()), CHECKSUM_CHARS) == checksum
}

/// What is stored of a key.
pub fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The beginning of a key, safe to show and to log.
pub fn shown_part(key: &str) -> String {
    key.chars().take(SHOWN_CHARS).collect()
}

/// `value` in base62, left-padded with `0` to `width` characters (a CRC32 needs 6).
fn base62(mut value: u32, width: usize) -> String {
    let mut digits = vec![b'0'; width];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_is_well_formed_and_recognisable() {
        let key = generate().unwrap();
        assert_eq!(key.len(), LENGTH);
        assert!(looks_like_key(&key) && is_well_formed(&key), "{key}");
        assert_eq!(shown_part(&key).len(), 13);
        assert_ne!(generate().unwrap(), key);
        assert_eq!(hash(&key).len(), 32);
    }

    #[test]
    fn a_changed_character_breaks_the_checksum() {
        let key = generate().unwrap();
        let mut caught = 0;
        for i in PREFIX.len()..key.len() {
            let mut bytes = key.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let edited = String::from_utf8(bytes).unwrap();
            caught += usize::from(!is_well_formed(&edited));
        }
        assert_eq!(caught, key.len() - PREFIX.len());
    }

    #[test]
    fn other_shapes_are_refused() {
        let key = generate().unwrap();
        for bad in [
            "",
            "orgcms_",
            &key[..key.len() - 1],
            &format!("{key}0"),
            &key.replacen("orgcms_", "orgcm5_", 1),
            &key.replacen("orgcms_", "ORGCMS_", 1),
            "orgcms_ééééééééééééééééééééééééééééééééééééé",
        ] {
            assert!(!is_well_formed(bad), "{bad:?}");
        }
    }

    #[test]
    fn base62_pads_and_encodes() {
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 6), "00000z");
        assert_eq!(base62(62, 6), "000010");
        assert_eq!(base62(u32::MAX, 6), "4gfFC3");
    }
}

//! The cursor of the change feed: where a client stands in the change log (`seq`), and up to which
//! news item (in `(published_at, id)` order) it has been told about items that turned public when
//! their scheduled time came, without a write.
//!
//! Clients treat it as opaque. It is base64url (no padding) of a versioned 37-byte struct whose
//! last 4 bytes are a checksum of the rest, so that a truncated, mangled or edited cursor is refused
//! instead of silently syncing from a wrong place. It is neither secret nor signed: every position
//! in the public feed is harmless to ask for.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Datelike, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const VERSION: u8 = 1;
const PAYLOAD_LEN: usize = 1 + 8 + 8 + 16;
const CHECKSUM_LEN: usize = 4;
const ENCODED_LEN: usize = 50;

/// A position in the `(published_at, id)` order of news items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NewsKey {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl NewsKey {
    /// After every item published at or before `at`.
    pub fn end_of(at: DateTime<Utc>) -> Self {
        Self {
            at,
            id: Uuid::max(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Every change up to this seq has been delivered.
    pub seq: i64,
    /// Every news item that turned public by its clock at or before this key has been delivered.
    pub published: NewsKey,
}

/// Why a `since` value is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("is not a cursor of this API (use the `next_cursor` of a response as it is)")]
    Malformed,
    #[error("is damaged or was edited (use the `next_cursor` of a response as it is)")]
    Checksum,
}

fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::digest(payload);
    let mut out = [0; CHECKSUM_LEN];
    out.copy_from_slice(&digest[..CHECKSUM_LEN]);
    out
}

impl Cursor {
    /// The position of a client that has nothing yet: the whole log is ahead of it, and nothing
    /// turned public "since" (the log delivers every item's state as of the moment it is read).
    pub fn start(now: DateTime<Utc>) -> Self {
        Self {
            seq: 0,
            published: NewsKey::end_of(now),
        }
    }

    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(PAYLOAD_LEN + CHECKSUM_LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.seq.to_be_bytes());
        bytes.extend_from_slice(&self.published.at.timestamp_micros().to_be_bytes());
        bytes.extend_from_slice(self.published.id.as_bytes());
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(text: &str) -> Result<Self, CursorError> {
        if text.len() != ENCODED_LEN {
            return Err(CursorError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| CursorError::Malformed)?;
        if bytes.len() != PAYLOAD_LEN + CHECKSUM_LEN {
            return Err(CursorError::Malformed);
        }
        let (payload, sum) = bytes.split_at(PAYLOAD_LEN);
        if sum != checksum(payload) {
            return Err(CursorError::Checksum);
        }
        let (version, rest) = payload.split_at(1);
        if version != [VERSION] {
            return Err(CursorError::Malformed);
        }
        let (seq, rest) = rest.split_at(8);
        let (micros, id) = rest.split_at(8);
        let seq = i64::from_be_bytes(seq.try_into().map_err(|_| CursorError::Malformed)?);
        let micros = i64::from_be_bytes(micros.try_into().map_err(|_| CursorError::Malformed)?);
        let id = Uuid::from_slice(id).map_err(|_| CursorError::Malformed)?;
        let at = DateTime::from_timestamp_micros(micros)
            // Years PostgreSQL can compare with (and that mean something here).
            .filter(|at| (0..=9999).contains(&at.year()))
            .ok_or(CursorError::Malformed)?;
        if seq < 0 {
            return Err(CursorError::Malformed);
        }
        Ok(Self {
            seq,
            published: NewsKey { at, id },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Cursor {
        Cursor {
            seq: 42,
            published: NewsKey {
                at: DateTime::from_timestamp_micros(1_764_403_200_123_456).unwrap(),
                id: Uuid::parse_str("757665bd-864d-5dd9-a184-7cad4de31e21").unwrap(),
            },
        }
    }

    #[test]
    fn round_trip() {
        for cursor in [
            sample(),
            Cursor::start(Utc::now()),
            Cursor::start(DateTime::UNIX_EPOCH),
        ] {
            let text = cursor.encode();
            assert_eq!(text.len(), ENCODED_LEN);
            assert!(regex_like_pattern(&text), "{text}");
            let back = Cursor::decode(&text).unwrap();
            // Microseconds are what PostgreSQL keeps; `now` may carry nanoseconds.
            assert_eq!(back.seq, cursor.seq);
            assert_eq!(back.published.id, cursor.published.id);
            assert_eq!(
                back.published.at.timestamp_micros(),
                cursor.published.at.timestamp_micros()
            );
        }
    }

    /// What the documented pattern `^[A-Za-z0-9_-]{50}$` says, without a regex dependency.
    fn regex_like_pattern(text: &str) -> bool {
        text.len() == 50
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    #[test]
    fn garbage_is_malformed() {
        let long = "A".repeat(ENCODED_LEN);
        for text in [
            "",
            "abc",
            "not a cursor at all, not a cursor at all, not a cur",
            &long[..ENCODED_LEN - 1],
            &format!("{long}A"),
            &"!".repeat(ENCODED_LEN),
            // Padding or the standard alphabet are not base64url without padding.
            &format!("{}==", &long[..ENCODED_LEN - 2]),
            &format!("{}+/", &long[..ENCODED_LEN - 2]),
        ] {
            assert!(Cursor::decode(text).is_err(), "{text:?}");
        }
        assert_eq!(Cursor::decode("abc"), Err(CursorError::Malformed));
    }

    #[test]
    fn tampering_is_detected() {
        let text = sample().encode();
        let bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
        for i in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut edited = bytes.clone();
                edited[i] ^= bit;
                let edited = URL_SAFE_NO_PAD.encode(edited);
                assert_eq!(
                    Cursor::decode(&edited),
                    Err(CursorError::Checksum),
                    "byte {i} bit {bit:#x}"
                );
            }
        }
        // A character swapped in the text is caught too.
        let mut chars: Vec<char> = text.chars().collect();
        chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
        assert!(Cursor::decode(&chars.into_iter().collect::<String>()).is_err());
    }

    #[test]
    fn a_well_formed_struct_with_bad_values_is_refused() {
        let forge = |version: u8, seq: i64, micros: i64| {
            let mut bytes = vec![version];
            bytes.extend_from_slice(&seq.to_be_bytes());
            bytes.extend_from_slice(&micros.to_be_bytes());
            bytes.extend_from_slice(Uuid::nil().as_bytes());
            let sum = checksum(&bytes);
            bytes.extend_from_slice(&sum);
            URL_SAFE_NO_PAD.encode(bytes)
        };
        assert!(Cursor::decode(&forge(VERSION, 7, 0)).is_ok());
        assert_eq!(Cursor::decode(&forge(2, 7, 0)), Err(CursorError::Malformed));
        assert_eq!(
            Cursor::decode(&forge(VERSION, -1, 0)),
            Err(CursorError::Malformed)
        );
        for micros in [i64::MAX, i64::MIN, -70_000_000_000_000_000] {
            assert_eq!(
                Cursor::decode(&forge(VERSION, 7, micros)),
                Err(CursorError::Malformed),
                "{micros}"
            );
        }
    }
}

/// Properties of the change-feed cursor under any input (generators in `crate::fuzzing`).
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;

    /// Any cursor the server can write: a seq of the log and a time in the years 0 to 9999.
    fn cursors() -> impl Strategy<Value = Cursor> {
        // 0000-01-01 and 9999-12-31T23:59:59.999999, in microseconds.
        (
            0..=i64::MAX,
            -62_167_219_200_000_000..=253_402_300_799_999_999i64,
            any::<u128>(),
        )
            .prop_map(|(seq, micros, id)| Cursor {
                seq,
                published: NewsKey {
                    at: DateTime::from_timestamp_micros(micros).unwrap(),
                    id: Uuid::from_u128(id),
                },
            })
    }

    proptest! {
        #![proptest_config(config(1000))]

        #[test]
        fn decode_of_encode_is_the_cursor(cursor in cursors()) {
            let text = cursor.encode();
            prop_assert_eq!(text.len(), ENCODED_LEN);
            prop_assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            prop_assert_eq!(Cursor::decode(&text), Ok(cursor));
        }

        /// Any string: an error or a cursor that encodes back to exactly that string.
        #[test]
        fn any_string_is_refused_or_canonical(text in prop_oneof![
            hostile_text(40),
            "[A-Za-z0-9_-]{50}",
        ]) {
            if let Ok(cursor) = Cursor::decode(&text) {
                prop_assert_eq!(cursor.encode(), text);
            }
        }

        /// Any changed byte of the struct, or changed character of the text, is refused.
        #[test]
        fn edits_are_refused(
            cursor in cursors(),
            at in any::<prop::sample::Index>(),
            replacement in any::<u8>(),
            char_at in any::<prop::sample::Index>(),
            char_replacement in "[A-Za-z0-9_-]",
        ) {
            let text = cursor.encode();
            let mut bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
            let at = at.index(bytes.len());
            if bytes[at] != replacement {
                bytes[at] = replacement;
                prop_assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(&bytes)).is_err());
            }
            let i = char_at.index(text.len());
            let edited = format!("{}{}{}", &text[..i], char_replacement, &text[i + 1..]);
            if edited != text {
                prop_assert!(Cursor::decode(&edited).is_err());
            }
        }
    }
}

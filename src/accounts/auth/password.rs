//! Passwords: argon2id with a fresh salt per hash.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use crate::http::error::ApiError;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;

pub fn hash(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hash password: {e}")))
}

pub fn verify(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Spends the time of one verification, so that an unknown email answers as slowly as a wrong
/// password.
pub fn verify_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("a password no account has").unwrap_or_default());
    let _ = verify(password, dummy);
}

/// Why a new password is refused, if it is.
pub fn weakness(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Some(format!(
            "must be at least {MIN_PASSWORD_CHARS} characters long"
        ))
    } else if n > MAX_PASSWORD_CHARS {
        Some(format!(
            "must be at most {MAX_PASSWORD_CHARS} characters long"
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash("correct horse battery staple").unwrap();
        let b = hash("correct horse battery staple").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse battery staple", &a));
        assert!(!verify("wrong", &a));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn weak_passwords() {
        assert!(weakness("short").is_some());
        assert!(weakness(&"x".repeat(1025)).is_some());
        assert!(weakness("twelve chars").is_none());
    }
}

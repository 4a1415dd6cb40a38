//! `orgcms assets gc`: removes the stored files that no asset has any more (deleted assets, and
//! uploads whose row never committed), and the variants of those files. A file younger than the
//! grace period is kept whatever the rows say: an upload stores its file before its row commits.

use chrono::{Duration, Utc};

use super::queries;
use crate::db::{self, DbPool};
use crate::http::error::ApiError;
use crate::media::storage::Storage;

/// What a collection removed and kept.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    pub removed: usize,
    pub kept: usize,
}

/// The content hash a stored key belongs to: `originals/ab/<sha>.<ext>` or
/// `variants/ab/<sha>/<params>`.
fn hash_of(key: &str) -> Option<&str> {
    let mut parts = key.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("originals"), Some(_), Some(file)) => file.split('.').next(),
        (Some("variants"), Some(_), Some(sha)) => Some(sha),
        _ => None,
    }
}

pub async fn collect(
    pool: &DbPool,
    storage: &Storage,
    grace: Duration,
) -> Result<GcReport, ApiError> {
    let live: std::collections::HashSet<String> =
        db::run(pool, |conn| Ok(queries::live_hashes(conn)?))
            .await?
            .into_iter()
            .collect();
    let cutoff = Utc::now() - grace;
    let mut report = GcReport::default();
    for prefix in ["originals/", "variants/"] {
        for object in storage.list(prefix).await? {
            let dead = hash_of(&object.key).is_some_and(|sha| !live.contains(sha));
            if dead && object.last_modified < cutoff {
                storage.delete(&object.key).await?;
                report.removed += 1;
            } else {
                report.kept += 1;
            }
        }
    }
    db::run(pool, |conn| Ok(queries::forget_dead_variants(conn)?)).await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::hash_of;

    #[test]
    fn keys_name_their_hash() {
        assert_eq!(hash_of("originals/ab/abcd.jpg"), Some("abcd"));
        assert_eq!(
            hash_of("variants/ab/abcd/w640-inside-q75.webp"),
            Some("abcd")
        );
        assert_eq!(hash_of("elsewhere/x"), None);
    }
}

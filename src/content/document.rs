//! What a resource tells the write engine (`crate::content::engine`): how to validate, find,
//! lock, load, insert, update and delete its items.

use diesel::PgConnection;
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::content::validation::Checker;
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::links::MediaLinks;

/// A resource that editors write as one document.
pub trait Document: 'static {
    /// The resource's name in the audit log.
    const RESOURCE: &'static str;
    /// The collection's path; a created item lives at `{COLLECTION}/{id}`.
    const COLLECTION: &'static str;
    /// Whether a delete moves the item to the trash (else it is final, as for assets).
    const TRASH: bool = false;
    /// The body of POST and PUT (and what a PATCH must produce).
    type Input: DeserializeOwned + Serialize + PartialEq + Send + 'static;
    /// What editors read: the input's fields plus `id`, `created_at`, `updated_at`, `version`.
    type Editor: Serialize + Send + 'static;

    fn validate(input: &Self::Input, checker: &mut Checker);
    /// The rules of a change that depend on the item as it is (e.g. on an asset's file).
    fn validate_change(_current: &Self::Editor, _input: &Self::Input, _checker: &mut Checker) {}
    /// Where a created item lives.
    fn location(id: Uuid) -> String {
        format!("{}/{id}", Self::COLLECTION)
    }
    /// The id of the item `key` names, or None when it does not exist.
    fn id_of(conn: &mut PgConnection, key: &ItemKey) -> Result<Option<Uuid>, ApiError>;
    /// Locks the item's row for the rest of the transaction; false when it no longer exists.
    fn lock(conn: &mut PgConnection, id: Uuid) -> Result<bool, ApiError>;
    /// The editor view of the item; `links` makes the absolute URLs of the assets it shows.
    fn load(
        conn: &mut PgConnection,
        id: Uuid,
        links: &MediaLinks,
    ) -> Result<Option<Self::Editor>, ApiError>;
    /// The item's id.
    fn id(editor: &Self::Editor) -> Uuid;
    /// The input that would write the item as it is now.
    fn input_of(editor: &Self::Editor) -> Self::Input;
    /// Inserts the item with the id `id` (new, or the one it had when it comes back from the
    /// trash or an export); `links` makes the URLs of the assets its bodies embed.
    fn insert(
        conn: &mut PgConnection,
        id: Uuid,
        input: Self::Input,
        links: &MediaLinks,
    ) -> Result<Uuid, ApiError>;
    fn update(
        conn: &mut PgConnection,
        current: &Self::Editor,
        input: Self::Input,
        links: &MediaLinks,
    ) -> Result<(), ApiError>;
    fn delete(conn: &mut PgConnection, current: &Self::Editor) -> Result<(), ApiError>;
    /// The items of other resources that deleting this one writes (a mission's news lose their
    /// mission): the engine stores their new versions' revisions and audit entries.
    fn written_by_delete(
        _conn: &mut PgConnection,
        _current: &Self::Editor,
    ) -> Result<Vec<(crate::content::resource::ContentResource, Uuid)>, ApiError> {
        Ok(Vec::new())
    }

    /// Whether readers could see the item as it is (retention keeps such revisions); true for a
    /// resource without drafts.
    fn was_public(_editor: &Self::Editor) -> bool {
        true
    }
    /// Makes a restored input keep the publication state of the item as it is (`current`):
    /// restoring content never publishes or unpublishes unless asked.
    fn keep_publication(_restored: &mut Self::Input, _current: &Self::Input) {}
    /// Makes an input unpublished (an item back from the trash, unless asked otherwise).
    fn withdraw(_input: &mut Self::Input) {}
}

/// `Document::id_of` and `Document::lock` for a table whose rows have an `id` and a unique
/// `slug`; expands inside the `impl Document` of such a resource.
macro_rules! id_or_slug_lookups {
    ($table:ident) => {
        fn id_of(
            conn: &mut diesel::PgConnection,
            key: &$crate::http::params::ItemKey,
        ) -> Result<Option<uuid::Uuid>, $crate::http::error::ApiError> {
            use diesel::prelude::*;
            let query = $table::table.select($table::id);
            let id = match key {
                $crate::http::params::ItemKey::Id(id) => {
                    query.filter($table::id.eq(*id)).first(conn)
                }
                $crate::http::params::ItemKey::Slug(slug) => {
                    query.filter($table::slug.eq(slug)).first(conn)
                }
            };
            Ok(id.optional()?)
        }

        $crate::content::document::row_lock!($table);
    };
}
pub(crate) use id_or_slug_lookups;

/// `Document::lock` for a table whose rows have an `id`: `SELECT ... FOR UPDATE` of the row.
macro_rules! row_lock {
    ($table:ident) => {
        fn lock(
            conn: &mut diesel::PgConnection,
            id: uuid::Uuid,
        ) -> Result<bool, $crate::http::error::ApiError> {
            use diesel::prelude::*;
            let locked: Option<uuid::Uuid> = $table::table
                .find(id)
                .select($table::id)
                .for_update()
                .first(conn)
                .optional()?;
            Ok(locked.is_some())
        }
    };
}
pub(crate) use row_lock;

/// Sets the version and times of the item `id` of `table` (a content table, named as its
/// resource), past the trigger that otherwise sets them: an item back from the trash or from
/// an export keeps its own.
pub fn stamp(
    conn: &mut PgConnection,
    table: &str,
    id: Uuid,
    version: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    use diesel::sql_types::{Integer, Text, Timestamptz, Uuid as SqlUuid};
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT orgcms_stamp($1::regclass, $2, $3, $4, $5)")
        .bind::<Text, _>(table)
        .bind::<SqlUuid, _>(id)
        .bind::<Integer, _>(version)
        .bind::<Timestamptz, _>(created_at)
        .bind::<Timestamptz, _>(updated_at)
        .execute(conn)?;
    Ok(())
}

//! Free slugs: one allocator for every table with a unique slug column.

use diesel::prelude::*;

use crate::http::error::ApiError;

/// The condition `slug = base OR slug LIKE 'base-%'` on a table's slug column `C`.
type SlugsLike<C> = diesel::dsl::Or<diesel::dsl::Eq<C, String>, diesel::dsl::Like<C, String>>;

/// A slug that no row of `slug`'s table (nor any item in the trash) uses, made from `base`: the first of `base`, `base-2`,
/// `base-3`... (see `first_free_slug`). One allocator for every table with a unique slug.
///
/// `base` goes into a `LIKE` pattern unescaped. A slug is `[a-z0-9-]` (`slug_from_title`), so it
/// holds none of `LIKE`'s metacharacters (`_`, `%`, `\`); were one there, `_` and `%` would only
/// fetch more slugs than needed (harmless: each candidate is checked exactly), but `\` could
/// hide a taken one.
pub fn free_slug<C, F, S>(conn: &mut PgConnection, slug: C, base: &str) -> Result<String, ApiError>
where
    C: Column<SqlType = diesel::sql_types::Text> + ExpressionMethods + TextExpressionMethods + Copy,
    C::Table: Default + diesel::query_dsl::methods::FilterDsl<SlugsLike<C>, Output = F>,
    F: diesel::query_dsl::methods::SelectDsl<C, Output = S>,
    S: for<'a> diesel::query_dsl::LoadQuery<'a, PgConnection, String>,
{
    use crate::db::schema::trash;
    let mut taken: Vec<String> = C::Table::default()
        .filter(slug.eq(base.to_owned()).or(slug.like(format!("{base}-%"))))
        .select(slug)
        .load(conn)?;
    // The slugs of items in the trash are reserved too (any resource's: a few more taken
    // candidates cost nothing).
    taken.extend(
        trash::table
            .filter(
                trash::slug
                    .eq(base.to_owned())
                    .or(trash::slug.like(format!("{base}-%"))),
            )
            .select(trash::slug)
            .load::<String>(conn)?,
    );
    Ok(crate::content::validation::first_free_slug(base, &taken))
}

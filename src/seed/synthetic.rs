//! Generated news for benchmarks: deterministic, marked `synthetic`, never mistaken for content
//! (their slugs start with `synthetic-`).

use diesel::prelude::*;
use diesel::sql_types::{Integer, Uuid as SqlUuid};

use super::content::ukraine_mission_id;

/// Adds synthetic news items 1..=count that do not exist yet; returns how many it added.
/// Item i is published i hours before the seed news item, half of them belong to the Ukraine
/// mission, each has one of five tags, and every third has a Ukrainian title.
pub fn seed_synthetic_news(conn: &mut PgConnection, count: i32) -> QueryResult<usize> {
    let inserted = diesel::sql_query(
        "INSERT INTO news (id, slug, title, summary, body, status, published_at, mission_id, \
                           tags, synthetic, created_at, updated_at) \
         SELECT md5('orgcms-synthetic-news-' || i)::uuid, \
                'synthetic-news-' || lpad(i::text, 6, '0'), \
                CASE WHEN i % 3 = 0 \
                     THEN jsonb_build_object('en', 'Synthetic news item ' || i, \
                                             'uk', 'Синтетична новина ' || i) \
                     ELSE jsonb_build_object('en', 'Synthetic news item ' || i) END, \
                jsonb_build_object('en', 'Generated item ' || i || ' for load tests; not real news.'), \
                jsonb_build_object('en', '## Synthetic item ' || i || E'\\n\\nThis text was generated for benchmarks. ' \
                                         || repeat('It carries no information. ', 20)), \
                'published', \
                timestamptz '2024-05-29 00:00:00+00' - make_interval(hours => i), \
                CASE WHEN i % 2 = 0 THEN $2 ELSE NULL END, \
                ARRAY[(ARRAY['health', 'protection', 'displacement', 'migration-management', \
                             'counter-trafficking'])[1 + i % 5]], \
                true, \
                timestamptz '2026-11-29 00:00:00+00', \
                timestamptz '2026-11-29 00:00:00+00' \
         FROM generate_series(1, $1) AS i \
         ON CONFLICT (slug) DO NOTHING",
    )
    .bind::<Integer, _>(count)
    .bind::<SqlUuid, _>(ukraine_mission_id())
    .execute(conn)?;
    crate::resources::news::queries::render_missing_bodies(conn)?;
    Ok(inserted)
}

//! How editors' writes of news reach the database (see `crate::content::writes`).

use chrono::{DateTime, Datelike, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::dto::{News, NewsEditor, NewsInput, NewsStatus};
use super::queries;
use super::queries::NewsRow;
use crate::accounts::keys::Owner;
use crate::content::document::Document;
use crate::content::embeds::check_image;
use crate::content::locale::Localized;
use crate::content::locale::RequestLocale;
use crate::content::routes::Readable;
use crate::content::slugs::free_slug;
use crate::content::validation::{slug_base, Checker};
use crate::db::schema::{missions, news};
use crate::http::error::ApiError;
use crate::http::params::ItemKey;
use crate::media::links::MediaLinks;
use crate::resources::assets::queries::set_uses;

pub struct NewsDocument;

fn check_mission(conn: &mut PgConnection, mission_id: Option<Uuid>) -> Result<(), ApiError> {
    if let Some(id) = mission_id {
        let exists: i64 = missions::table
            .filter(missions::id.eq(id))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            return Err(ApiError::validation("mission_id", "no mission has this id"));
        }
    }
    Ok(())
}

/// The assets the item uses: its cover and the images its bodies embed, each checked.
fn asset_uses(conn: &mut PgConnection, input: &NewsInput) -> Result<Vec<(String, Uuid)>, ApiError> {
    let mut uses = Vec::new();
    if let Some(id) = input.cover_asset_id {
        check_image(conn, "cover_asset_id", id)?;
        uses.push(("cover_asset_id".to_owned(), id));
    }
    uses.extend(crate::content::embeds::body_uses(
        conn,
        "body",
        &input.body,
    )?);
    Ok(uses)
}

/// A published item without a date is published now.
fn publication_time(input: &NewsInput) -> Option<DateTime<Utc>> {
    match (input.status, input.published_at) {
        (NewsStatus::Published, None) => Some(Utc::now()),
        (_, at) => at,
    }
}

/// The tags, each once, in their first order.
fn tags_of(input: &NewsInput) -> Vec<Option<String>> {
    let mut tags: Vec<String> = Vec::new();
    for tag in &input.tags {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    tags.into_iter().map(Some).collect()
}

/// The columns a write sets: one list for insert and update. A `None` writes NULL (an update
/// that drops the date, the mission or the cover image clears it).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = news)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
struct NewsForm<'a> {
    slug: String,
    title: &'a Localized,
    summary: &'a Localized,
    body: &'a Localized,
    body_html: Localized,
    status: &'static str,
    published_at: Option<DateTime<Utc>>,
    mission_id: Option<Uuid>,
    tags: Vec<Option<String>>,
    cover_image_url: Option<&'a str>,
    cover_image_alt: &'a Localized,
    cover_asset_id: Option<Uuid>,
}

impl<'a> NewsForm<'a> {
    /// `slug` as the write settles it (the input's may be absent); the body rendered, the
    /// publication time settled and the tags de-duplicated here.
    fn from_input(input: &'a NewsInput, slug: String, body_html: Localized) -> Self {
        Self {
            slug,
            title: &input.title,
            summary: &input.summary,
            body: &input.body,
            body_html,
            status: input.status.as_str(),
            published_at: publication_time(input),
            mission_id: input.mission_id,
            tags: tags_of(input),
            cover_image_url: input.cover_image_url.as_deref(),
            cover_image_alt: &input.cover_image_alt,
            cover_asset_id: input.cover_asset_id,
        }
    }
}

impl Document for NewsDocument {
    const RESOURCE: &'static str = "news";
    const COLLECTION: &'static str = "/api/v1/news";
    const TRASH: bool = true;
    type Input = NewsInput;
    type Editor = NewsEditor;

    fn validate(input: &NewsInput, c: &mut Checker) {
        if let Some(slug) = &input.slug {
            c.slug("slug", slug);
        }
        c.localized("title", &input.title, 300, true);
        c.localized("summary", &input.summary, 2000, false);
        c.localized("body", &input.body, 200_000, false);
        c.markdown("body", &input.body);
        c.localized("cover_image_alt", &input.cover_image_alt, 500, false);
        if input.tags.len() > 20 {
            c.fail("tags", "at most 20 tags");
        }
        for (i, tag) in input.tags.iter().enumerate() {
            c.slug(&format!("tags[{i}]"), tag);
        }
        if let Some(at) = input.published_at {
            c.year_range("published_at", at.year());
        }
        if let Some(url) = &input.cover_image_url {
            c.url("cover_image_url", url);
        }
    }

    crate::content::document::id_or_slug_lookups!(news);

    fn load(
        conn: &mut PgConnection,
        id: Uuid,
        _links: &MediaLinks,
    ) -> Result<Option<NewsEditor>, ApiError> {
        let row: Option<NewsRow> = news::table
            .find(id)
            .select(NewsRow::as_select())
            .first(conn)
            .optional()?;
        Ok(row.map(NewsEditor::new))
    }

    fn id(editor: &NewsEditor) -> Uuid {
        editor.id
    }

    fn input_of(editor: &NewsEditor) -> NewsInput {
        editor.fields.clone()
    }

    fn insert(
        conn: &mut PgConnection,
        id: Uuid,
        input: NewsInput,
        links: &MediaLinks,
    ) -> Result<Uuid, ApiError> {
        check_mission(conn, input.mission_id)?;
        let uses = asset_uses(conn, &input)?;
        let body_html = crate::content::embeds::render_body(conn, &input.body, links)?;
        let slug = match &input.slug {
            Some(slug) => slug.clone(),
            None => free_slug(conn, news::slug, &slug_base(&input.title, "item"))?,
        };
        let id = diesel::insert_into(news::table)
            .values((
                news::id.eq(id),
                NewsForm::from_input(&input, slug, body_html),
            ))
            .returning(news::id)
            .get_result(conn)?;
        set_uses(conn, "news", id, &uses)?;
        Ok(id)
    }

    fn update(
        conn: &mut PgConnection,
        current: &NewsEditor,
        input: NewsInput,
        links: &MediaLinks,
    ) -> Result<(), ApiError> {
        check_mission(conn, input.mission_id)?;
        let uses = asset_uses(conn, &input)?;
        let body_html = crate::content::embeds::render_body(conn, &input.body, links)?;
        let slug = input
            .slug
            .clone()
            .or_else(|| current.fields.slug.clone())
            .unwrap_or_default();
        diesel::update(news::table.find(current.id))
            .set(NewsForm::from_input(&input, slug, body_html))
            .execute(conn)?;
        set_uses(conn, "news", current.id, &uses)?;
        Ok(())
    }

    fn delete(conn: &mut PgConnection, current: &NewsEditor) -> Result<(), ApiError> {
        set_uses(conn, "news", current.id, &[])?;
        diesel::delete(news::table.find(current.id)).execute(conn)?;
        Ok(())
    }

    /// Published, whether or not its time had come (a scheduled version is what readers see
    /// then).
    fn was_public(editor: &NewsEditor) -> bool {
        editor.fields.status == NewsStatus::Published
    }

    fn keep_publication(restored: &mut NewsInput, current: &NewsInput) {
        restored.status = current.status;
        restored.published_at = current.published_at;
    }

    fn withdraw(input: &mut NewsInput) {
        input.status = NewsStatus::Draft;
    }
}

impl Readable for NewsDocument {
    type Public = News;
    const MISSING: &'static str = "no such news item";

    fn owner(item: &News) -> Owner {
        Owner::Mission(item.summary.mission.as_ref().map(|m| m.id))
    }

    fn editor_owner(item: &NewsEditor) -> Owner {
        Owner::Mission(item.fields.mission_id)
    }

    /// Published, with its publication time come.
    fn find_public(
        conn: &mut PgConnection,
        key: &ItemKey,
        locale: &RequestLocale,
        links: &MediaLinks,
    ) -> Result<Option<News>, ApiError> {
        let found = queries::find_public(conn, key, Utc::now())?;
        Ok(found.map(|item| News::new(&item, locale, links)))
    }

    fn find_editor(
        conn: &mut PgConnection,
        key: &ItemKey,
        links: &MediaLinks,
    ) -> Result<Option<NewsEditor>, ApiError> {
        let id = match key {
            ItemKey::Id(id) => Some(*id),
            ItemKey::Slug(_) => queries::id_of(conn, key)?,
        };
        match id {
            Some(id) => Self::load(conn, id, links),
            None => Ok(None),
        }
    }
}

//! Factories that write content straight into a test's database (the write API comes later).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use orgcms::db::schema::{missions, news};
use serde_json::json;
use uuid::Uuid;

/// A news item; published one day ago unless told otherwise.
pub struct NewsFactory {
    slug: String,
    title: serde_json::Value,
    status: &'static str,
    published_at: Option<DateTime<Utc>>,
    mission_id: Option<Uuid>,
    tags: Vec<String>,
    summary: serde_json::Value,
    body: serde_json::Value,
}

impl NewsFactory {
    pub fn new(slug: &str) -> Self {
        Self {
            slug: slug.to_owned(),
            title: json!({"en": format!("Title of {slug}")}),
            status: "published",
            published_at: Some(Utc::now() - Duration::days(1)),
            mission_id: None,
            tags: Vec::new(),
            summary: json!({}),
            body: json!({"en": format!("Body of {slug}")}),
        }
    }

    pub fn title(mut self, localized: serde_json::Value) -> Self {
        self.title = localized;
        self
    }

    pub fn status(mut self, status: &'static str) -> Self {
        self.status = status;
        self
    }

    pub fn published_at(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.published_at = at;
        self
    }

    pub fn mission(mut self, id: Uuid) -> Self {
        self.mission_id = Some(id);
        self
    }

    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    pub fn summary(mut self, localized: serde_json::Value) -> Self {
        self.summary = localized;
        self
    }

    /// Markdown per locale.
    pub fn body(mut self, localized: serde_json::Value) -> Self {
        self.body = localized;
        self
    }

    pub fn insert(self, conn: &mut PgConnection) -> Uuid {
        self.try_insert(conn).unwrap()
    }

    pub fn try_insert(self, conn: &mut PgConnection) -> QueryResult<Uuid> {
        let tags: Vec<Option<String>> = self.tags.into_iter().map(Some).collect();
        diesel::insert_into(news::table)
            .values((
                news::slug.eq(self.slug),
                news::title.eq(self.title),
                news::summary.eq(self.summary),
                news::body.eq(self.body),
                news::status.eq(self.status),
                news::published_at.eq(self.published_at),
                news::mission_id.eq(self.mission_id),
                news::tags.eq(tags),
            ))
            .returning(news::id)
            .get_result(conn)
    }
}

/// A mission with only the required fields.
pub fn insert_mission(
    conn: &mut PgConnection,
    slug: &str,
    country: &str,
    year: Option<i32>,
) -> Uuid {
    diesel::insert_into(missions::table)
        .values((
            missions::slug.eq(slug),
            missions::country_code.eq(country),
            missions::name.eq(json!({"en": format!("Mission {slug}")})),
            missions::started_year.eq(year),
        ))
        .returning(missions::id)
        .get_result(conn)
        .unwrap()
}

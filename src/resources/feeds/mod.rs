//! News feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the public news.
//!
//! One mechanism for the three formats: the rows become one neutral [`Feed`] (texts in the
//! reader's locale with per-field fallback, absolute links, stable ids), which [`render`] writes
//! in each format. Nothing in a feed depends on the clock or on the request but its URL and
//! locale, so the same content always gives the same bytes and the strong `ETag` holds.

pub mod render;
pub mod routes;

use chrono::{DateTime, Utc};

use crate::app::settings::PublicUrls;
use crate::content::locale::{content_language, item_locale, Localized, RequestLocale};
use crate::resources::news::queries::NewsWithMission;

/// The three formats of the news feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedFormat {
    Rss,
    Atom,
    Json,
}

impl FeedFormat {
    /// The media type of the response.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// The media type without parameters, as links announce it.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml",
            Self::Atom => "application/atom+xml",
            Self::Json => "application/feed+json",
        }
    }
}

/// A text and the locale it is shown in (the reader's, or the one it fell back to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub lang: String,
}

impl Text {
    fn resolve(text: &Localized, locale: &RequestLocale) -> Option<Self> {
        text.resolve(locale).map(|(lang, value)| Self {
            value: value.to_owned(),
            lang: lang.to_owned(),
        })
    }
}

/// A feed, whatever its format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feed {
    pub title: String,
    pub description: String,
    /// The organization's name (the author of every item); None without an organization profile.
    pub author: Option<String>,
    /// The locale the items are shown in when they all share one, else the reader's.
    pub language: String,
    /// The `Content-Language` of the response: every locale an item is shown in.
    pub content_language: String,
    /// The absolute URL of this feed, as requested (with its query).
    pub self_url: String,
    /// The same news in the JSON news list (same mission, tag and locale).
    pub home_url: String,
    /// The newest change of any item; the Unix epoch for an empty feed, so that its body does not
    /// depend on the clock. (The value a `Last-Modified` would carry.)
    pub updated: DateTime<Utc>,
    pub items: Vec<FeedItem>,
}

/// A news item in a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedItem {
    /// `urn:uuid:<id>`: never changes, whatever happens to the item's slug or title.
    pub id: String,
    /// The item's web page (`ORGCMS_NEWS_URL_TEMPLATE`) or its URL in the API.
    pub url: String,
    pub title: Text,
    pub summary: Option<Text>,
    /// The Markdown body rendered and sanitized (`markdown::to_safe_html`).
    pub content_html: Option<Text>,
    pub published: DateTime<Utc>,
    /// The later of the publication and the last change.
    pub updated: DateTime<Utc>,
    /// Tag slugs.
    pub tags: Vec<String>,
}

/// What a feed is about besides its items: the reader's filters and where it was asked for.
#[derive(Clone, Debug)]
pub struct FeedRequest {
    /// The `mission` filter as given (slug or UUID).
    pub mission: Option<String>,
    pub tag: Option<String>,
    /// The feed's path and query as requested (`/api/v1/feeds/news.atom?tag=health`).
    pub path_and_query: String,
}

impl FeedItem {
    pub fn new(row: &NewsWithMission, locale: &RequestLocale, urls: &PublicUrls) -> Self {
        let news = &row.news;
        let (shown, _) = item_locale(&news.head.title, locale);
        let title = Text::resolve(&news.head.title, locale).unwrap_or(Text {
            value: String::new(),
            lang: shown,
        });
        // Public items always have a publication time; the fallback only keeps this total.
        let published = news.head.published_at.unwrap_or(news.head.updated_at);
        Self {
            id: format!("urn:uuid:{}", news.head.id),
            url: urls.news_item(&news.head.slug),
            title,
            summary: Text::resolve(&news.head.summary, locale),
            content_html: Text::resolve(&news.html_body(), locale),
            published,
            updated: published.max(news.head.updated_at),
            tags: news.head.tags.iter().flatten().cloned().collect(),
        }
    }
}

impl Feed {
    /// The feed of `rows` (newest first) for a reader in `locale`; `organization` is the
    /// organization's name in every locale, when its profile exists.
    pub fn new(
        request: &FeedRequest,
        organization: Option<&Localized>,
        rows: &[NewsWithMission],
        locale: &RequestLocale,
        urls: &PublicUrls,
    ) -> Self {
        let items: Vec<FeedItem> = rows
            .iter()
            .map(|row| FeedItem::new(row, locale, urls))
            .collect();
        let author = organization.and_then(|name| name.text(locale));
        let mut filters = Vec::new();
        if let Some(mission) = &request.mission {
            filters.push(format!("mission {mission}"));
        }
        if let Some(tag) = &request.tag {
            filters.push(format!("tag {tag}"));
        }
        let mut title = match &author {
            Some(name) => format!("{name}: news"),
            None => "News".to_owned(),
        };
        if !filters.is_empty() {
            title.push_str(&format!(" ({})", filters.join(", ")));
        }
        let description = match &author {
            Some(name) => format!("The latest published news of {name}, newest first"),
            None => "The latest published news, newest first".to_owned(),
        };
        let shown: Vec<&str> = items.iter().map(|i| i.title.lang.as_str()).collect();
        let language = match shown.first() {
            Some(first) if shown.iter().all(|l| l == first) => (*first).to_owned(),
            _ => locale.locale.clone(),
        };
        let updated = items
            .iter()
            .map(|i| i.updated)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH);
        let mut list_query = form_urlencoded::Serializer::new(String::new());
        if let Some(mission) = &request.mission {
            list_query.append_pair("mission", mission);
        }
        if let Some(tag) = &request.tag {
            list_query.append_pair("tag", tag);
        }
        list_query.append_pair("locale", &locale.locale);
        Self {
            title,
            description,
            author,
            language,
            content_language: content_language(shown.iter().copied(), locale),
            self_url: urls.api(&request.path_and_query),
            home_url: urls.api(&format!("/api/v1/news?{}", list_query.finish())),
            updated,
            items,
        }
    }
}

/// A feed as the documentation shows it: the seed's news item (with placeholder summary, body
/// and tag), a web page per item, in English. `path_and_query` is the feed's own.
pub fn example(path_and_query: &str) -> Option<Feed> {
    use crate::resources::news::queries::{NewsRow, NewsSummaryRow};
    let urls = PublicUrls::new(
        "https://api.example.org",
        Some("https://www.example.org/news/{slug}"),
    )
    .ok()?;
    let locale = RequestLocale {
        locale: "en".into(),
        default: "en".into(),
        locales: crate::content::locale::Locales::parse("en,uk").ok()?,
    };
    let at = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    let row = NewsWithMission {
        news: NewsRow {
            head: NewsSummaryRow {
                id: uuid::uuid!("757665bd-864d-5dd9-a184-7cad4de31e21"),
                slug: "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv".into(),
                title: Localized::en("The Danish Refugee Council Donated 133 Pieces of Equipment to a Dormitory for IDPs in Mykolaiv"),
                summary: Localized::en("A short summary."),
                status: "published".into(),
                published_at: at("2024-05-29T00:00:00Z"),
                mission_id: None,
                tags: vec![Some("example".into())],
                cover_image_url: None,
                cover_image_alt: Localized::default(),
                cover_asset_id: None,
                created_at: at("2026-11-29T00:00:00Z")?,
                updated_at: at("2026-11-29T00:00:00Z")?,
                version: 1,
            },
            body: Localized::en("The **Markdown** body."),
            body_html: None,
        },
        mission_slug: Some("ukraine".into()),
        rank: None,
        cover: None,
    };
    let request = FeedRequest {
        mission: Some("ukraine".into()),
        tag: None,
        path_and_query: path_and_query.to_owned(),
    };
    Some(Feed::new(
        &request,
        Some(&Localized::en("International Organization for Migration")),
        &[row],
        &locale,
        &urls,
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::content::locale::Locales;
    use crate::resources::news::queries::{NewsRow, NewsSummaryRow};

    pub fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    pub fn localized(pairs: &[(&str, &str)]) -> Localized {
        Localized(
            pairs
                .iter()
                .map(|(l, t)| ((*l).to_owned(), (*t).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    pub fn row(slug: &str, title: Localized, published: &str, updated: &str) -> NewsWithMission {
        NewsWithMission {
            news: NewsRow {
                head: NewsSummaryRow {
                    id: uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, slug.as_bytes()),
                    slug: slug.to_owned(),
                    title,
                    summary: Localized::default(),
                    status: "published".into(),
                    published_at: Some(at(published)),
                    mission_id: None,
                    tags: vec![Some("health".into()), Some("shelter".into())],
                    cover_image_url: None,
                    cover_image_alt: Localized::default(),
                    cover_asset_id: None,
                    created_at: at(published),
                    updated_at: at(updated),
                    version: 1,
                },
                body: Localized::default(),
                body_html: None,
            },
            mission_slug: None,
            rank: None,
            cover: None,
        }
    }

    pub fn reader(locale: &str) -> RequestLocale {
        let locales = Locales::parse("en,uk").unwrap();
        RequestLocale::choose(&locales, Some(locale), None).unwrap()
    }

    pub fn urls() -> PublicUrls {
        PublicUrls::new("https://api.example.org/", None).unwrap()
    }

    pub fn request(path_and_query: &str) -> FeedRequest {
        FeedRequest {
            mission: None,
            tag: None,
            path_and_query: path_and_query.to_owned(),
        }
    }

    #[test]
    fn items_have_urn_ids_absolute_links_and_per_field_fallback() {
        let mut news = row(
            "a-b",
            localized(&[("en", "Hello"), ("uk", "Привіт")]),
            "2024-05-29T10:00:00.123456Z",
            "2024-05-01T00:00:00Z",
        );
        news.news.head.summary = localized(&[("en", "Summary")]);
        news.news.body = localized(&[("uk", "Текст <script>alert(1)</script>")]);
        let item = FeedItem::new(&news, &reader("uk"), &urls());
        assert_eq!(item.id, format!("urn:uuid:{}", news.news.head.id));
        assert_eq!(item.url, "https://api.example.org/api/v1/news/a-b");
        assert_eq!(item.title.value, "Привіт");
        assert_eq!(item.title.lang, "uk");
        let summary = item.summary.unwrap();
        assert_eq!(
            (summary.value.as_str(), summary.lang.as_str()),
            ("Summary", "en")
        );
        let content = item.content_html.unwrap();
        assert_eq!(content.lang, "uk");
        assert!(content.value.starts_with("<p>Текст"), "{}", content.value);
        assert!(!content.value.contains("<script"), "{}", content.value);
        assert_eq!(item.published, at("2024-05-29T10:00:00.123456Z"));
        assert_eq!(
            item.updated, item.published,
            "an item changed before its publication was last updated when it was published"
        );
        assert_eq!(item.tags, ["health", "shelter"]);
        let templated = PublicUrls::new(
            "https://api.example.org",
            Some("https://ukraine.iom.int/news/{slug}"),
        )
        .unwrap();
        assert_eq!(
            FeedItem::new(&news, &reader("uk"), &templated).url,
            "https://ukraine.iom.int/news/a-b"
        );
    }

    #[test]
    fn feed_title_language_and_updated() {
        let rows = [
            row(
                "newer",
                localized(&[("en", "Newer")]),
                "2024-06-01T00:00:00Z",
                "2024-06-01T00:00:00Z",
            ),
            row(
                "older",
                localized(&[("en", "Older"), ("uk", "Старіше")]),
                "2024-05-01T00:00:00Z",
                "2024-07-01T00:00:00Z",
            ),
        ];
        let org = localized(&[("en", "Org"), ("uk", "Організація")]);
        let mut filtered = request("/api/v1/feeds/news.rss?tag=health&mission=ukraine");
        filtered.tag = Some("health".into());
        filtered.mission = Some("ukraine".into());
        let feed = Feed::new(&filtered, Some(&org), &rows, &reader("uk"), &urls());
        assert_eq!(
            feed.title,
            "Організація: news (mission ukraine, tag health)"
        );
        assert_eq!(feed.author.as_deref(), Some("Організація"));
        assert_eq!(feed.language, "uk", "mixed locales: the reader's");
        assert_eq!(feed.content_language, "en, uk");
        assert_eq!(
            feed.updated,
            at("2024-07-01T00:00:00Z"),
            "the newest change, not the newest publication"
        );
        assert_eq!(
            feed.self_url,
            "https://api.example.org/api/v1/feeds/news.rss?tag=health&mission=ukraine"
        );
        assert_eq!(
            feed.home_url,
            "https://api.example.org/api/v1/news?mission=ukraine&tag=health&locale=uk"
        );
        let only_en = Feed::new(&request("/x"), None, &rows[..1], &reader("uk"), &urls());
        assert_eq!(only_en.language, "en", "every item fell back to English");
        assert_eq!(only_en.title, "News");
        assert_eq!(only_en.author, None);
    }

    #[test]
    fn an_empty_feed_does_not_depend_on_the_clock() {
        let feed = Feed::new(&request("/x"), None, &[], &reader("uk"), &urls());
        assert_eq!(feed.updated, DateTime::UNIX_EPOCH);
        assert_eq!(feed.language, "uk");
        assert_eq!(feed.content_language, "uk");
        assert!(feed.items.is_empty());
    }
}

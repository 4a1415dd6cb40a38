use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries::NewsWithMission;
use crate::content::locale::{item_locale, RequestLocale};
use crate::media::links::MediaLinks;

/// The mission a news item belongs to.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "8c0d2b1e-4b8a-5e55-9d0a-3c2f7a4e9b11", "slug": "ukraine"}))]
pub struct MissionRef {
    pub id: Uuid,
    pub slug: String,
}

/// A news item's cover picture: an asset of the media library (with its size and variants,
/// for `<img srcset>`), or an image elsewhere (`cover_image_url`: only its URL).
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverImage {
    #[schema(example = "https://example.org/images/dormitory.jpg")]
    pub url: String,
    /// Text that describes the picture, for readers who cannot see it: the item's
    /// `cover_image_alt`, else the asset's alt text.
    pub alt: Option<String>,
    /// The asset, when the cover is one.
    pub asset_id: Option<Uuid>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The asset's preset variants, smallest first.
    pub variants: Vec<crate::media::links::VariantLink>,
    /// The width-only variants as an `<img srcset>` value.
    pub srcset: Option<String>,
}

impl CoverImage {
    /// The cover of a news item or a mission: its asset if it has one, else its URL.
    pub fn of(
        asset: Option<&crate::resources::assets::queries::AssetRow>,
        url: Option<&String>,
        alt: &crate::content::locale::Localized,
        locale: &RequestLocale,
        links: &crate::media::links::MediaLinks,
    ) -> Option<Self> {
        let alt = alt.text(locale);
        match (asset, url) {
            (Some(asset), _) => {
                let image = links.of(&asset.link_facts());
                Some(Self {
                    url: image.url,
                    alt: alt.or_else(|| asset.alt.text(locale)),
                    asset_id: Some(asset.id),
                    width: image.width,
                    height: image.height,
                    variants: image.variants,
                    srcset: image.srcset,
                })
            }
            (None, Some(url)) => Some(Self {
                url: url.clone(),
                alt,
                asset_id: None,
                width: None,
                height: None,
                variants: Vec::new(),
                srcset: None,
            }),
            (None, None) => None,
        }
    }
}

/// A news item as it appears in lists, in the reader's locale.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "6d7e8f90-1a2b-5c3d-8e4f-5a6b7c8d9e01",
    "slug": "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv",
    "locale": "en",
    "available_locales": ["en"],
    "title": "The Danish Refugee Council Donated 133 Pieces of Equipment to a Dormitory for IDPs in Mykolaiv",
    "summary": null,
    "published_at": "2024-05-29T00:00:00Z",
    "mission": {"id": "8c0d2b1e-4b8a-5e55-9d0a-3c2f7a4e9b11", "slug": "ukraine"},
    "tags": [],
    "cover_image": null,
    "created_at": "2026-11-29T08:00:00Z",
    "updated_at": "2026-11-29T08:00:00Z",
    "version": 1
}))]
pub struct NewsSummary {
    pub id: Uuid,
    pub slug: String,
    /// The locale the item is shown in (the reader's, or the default one it fell back to).
    pub locale: String,
    /// The locales the item's title is written in.
    pub available_locales: Vec<String>,
    pub title: String,
    pub summary: Option<String>,
    /// When the item was (or is to be) published.
    pub published_at: Option<DateTime<Utc>>,
    /// The country mission the item belongs to, if any.
    pub mission: Option<MissionRef>,
    /// Tag slugs.
    pub tags: Vec<String>,
    pub cover_image: Option<CoverImage>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases by one with every change.
    pub version: i32,
    /// In a search (`q`): the passages that match, as HTML whose only elements are `<mark>`
    /// around the matched words (everything else is escaped text).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "… donated 133 pieces of <mark>equipment</mark> to a <mark>dormitory</mark> …"
    )]
    pub snippet: Option<String>,
}

/// A news item with its body, in the reader's locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct News {
    #[serde(flatten)]
    pub summary: NewsSummary,
    /// The body as Markdown source.
    pub body: Option<String>,
    /// The body as HTML, sanitized: safe to insert into a page as it is.
    pub body_html: Option<String>,
}

impl crate::http::viewer::Shown for NewsSummary {
    fn shown_locale(&self) -> &str {
        &self.locale
    }
}

impl NewsSummary {
    pub fn new(item: &NewsWithMission, locale: &RequestLocale, links: &MediaLinks) -> Self {
        let row = &item.news;
        let (shown, available) = item_locale(&row.head.title, locale);
        Self {
            id: row.head.id,
            slug: row.head.slug.clone(),
            locale: shown,
            available_locales: available,
            title: row.head.title.text(locale).unwrap_or_default(),
            summary: row.head.summary.text(locale),
            published_at: row.head.published_at,
            mission: row
                .head
                .mission_id
                .zip(item.mission_slug.clone())
                .map(|(id, slug)| MissionRef { id, slug }),
            tags: row.head.tags.iter().flatten().cloned().collect(),
            cover_image: CoverImage::of(
                item.cover.as_ref(),
                row.head.cover_image_url.as_ref(),
                &row.head.cover_image_alt,
                locale,
                links,
            ),
            created_at: row.head.created_at,
            updated_at: row.head.updated_at,
            version: row.head.version,
            snippet: None,
        }
    }
}

impl crate::http::viewer::Shown for News {
    fn shown_locale(&self) -> &str {
        &self.summary.locale
    }
}

impl News {
    pub fn new(item: &NewsWithMission, locale: &RequestLocale, links: &MediaLinks) -> Self {
        let body = item.news.body.text(locale);
        let body_html = item.news.html_body().text(locale);
        Self {
            summary: NewsSummary::new(item, locale, links),
            body,
            body_html,
        }
    }
}

/// Where a news item is in its life. A `published` item with a future `published_at` is
/// scheduled: it turns public at that moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewsStatus {
    #[default]
    Draft,
    Published,
    Archived,
}

impl NewsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    pub fn from_db(value: &str) -> Self {
        match value {
            "published" => Self::Published,
            "archived" => Self::Archived,
            _ => Self::Draft,
        }
    }
}

/// A news item as editors write it: every locale at once.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": {"en": "New shelter opens in Kharkiv", "uk": "У Харкові відкрився новий прихисток"},
    "summary": {"en": "A short summary."},
    "body": {"en": "The **Markdown** body."},
    "status": "published",
    "published_at": "2026-11-29T09:00:00Z",
    "mission_id": "70808a34-63c1-5675-aa27-930c3550af48",
    "tags": ["shelter"],
    "cover_image_url": "https://example.org/images/shelter.jpg",
    "cover_image_alt": {"en": "The shelter's entrance"},
    "cover_asset_id": null
}))]
pub struct NewsInput {
    /// Generated from the default-locale title when absent; kept when the title changes.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// Required in the default locale; at most 300 characters per locale.
    #[schema(schema_with = crate::content::locale::schemas::required_300)]
    pub title: crate::content::locale::Localized,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_2000)]
    pub summary: crate::content::locale::Localized,
    /// Markdown.
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_200000)]
    pub body: crate::content::locale::Localized,
    #[serde(default)]
    pub status: NewsStatus,
    /// When the item is (to be) public; publishing without it means now.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub mission_id: Option<Uuid>,
    /// Tag slugs, at most 20.
    #[serde(default)]
    #[schema(schema_with = crate::http::params::schemas::tags)]
    pub tags: Vec<String>,
    /// An absolute http(s) URL.
    #[serde(default)]
    #[schema(
        format = "uri",
        max_length = 2000,
        pattern = "^https?://[^\\s/?#]+[^\\s]*$"
    )]
    pub cover_image_url: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::content::locale::schemas::optional_500)]
    pub cover_image_alt: crate::content::locale::Localized,
    /// The cover as an image of the media library (it wins over `cover_image_url`).
    #[serde(default)]
    pub cover_asset_id: Option<Uuid>,
}

/// A news item as editors read it: all locales, any status.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewsEditor {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: NewsInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases by one with every change.
    pub version: i32,
}

impl NewsEditor {
    pub fn new(row: super::queries::NewsRow) -> Self {
        Self {
            id: row.head.id,
            fields: NewsInput {
                slug: Some(row.head.slug),
                title: row.head.title,
                summary: row.head.summary,
                body: row.body,
                status: NewsStatus::from_db(&row.head.status),
                published_at: row.head.published_at,
                mission_id: row.head.mission_id,
                tags: row.head.tags.into_iter().flatten().collect(),
                cover_image_url: row.head.cover_image_url,
                cover_image_alt: row.head.cover_image_alt,
                cover_asset_id: row.head.cover_asset_id,
            },
            created_at: row.head.created_at,
            updated_at: row.head.updated_at,
            version: row.head.version,
        }
    }
}

/// A news item: the public view (one locale) for readers, the editor view for a valid token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum NewsView {
    Public(News),
    Editor(NewsEditor),
}

/// An item of the news list: the public summary for readers, the editor view for a valid token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum NewsListItem {
    Public(NewsSummary),
    Editor(NewsEditor),
}

/// A search snippet as HTML: the text escaped, each passage between `start` and `end` in
/// `<mark>`; stray markers are dropped.
pub fn highlighted_html(snippet: &str, start: char, end: char) -> String {
    let mut html = String::with_capacity(snippet.len() + 32);
    let escape = |html: &mut String, text: &str| {
        // Writing into a String cannot fail.
        let _ = pulldown_cmark_escape::escape_html(html, &text.replace([start, end], ""));
    };
    for (i, part) in snippet.split(start).enumerate() {
        match part.split_once(end) {
            Some((marked, rest)) if i > 0 => {
                html.push_str("<mark>");
                escape(&mut html, marked);
                html.push_str("</mark>");
                escape(&mut html, rest);
            }
            _ => escape(&mut html, part),
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::highlighted_html;

    #[test]
    fn snippets_are_escaped_text_with_marks() {
        let h = |s: &str| highlighted_html(s, '[', ']');
        assert_eq!(h("a [b] c"), "a <mark>b</mark> c");
        assert_eq!(h("<i>[x&y]</i>"), "&lt;i&gt;<mark>x&amp;y</mark>&lt;/i&gt;");
        assert_eq!(h("open [never closed"), "open never closed");
        assert_eq!(h("stray ] end"), "stray  end");
        assert_eq!(h("[a][b]"), "<mark>a</mark><mark>b</mark>");
        assert_eq!(h("\"quote\" 'x'"), "&quot;quote&quot; &#39;x&#39;");
    }
}

/// Search snippets under any text and any database markers.
#[cfg(test)]
mod proptests {
    use super::highlighted_html;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(config(1000))]

        /// Whatever the snippet holds, the result is escaped text with balanced `<mark>`s and no
        /// other markup, and its text is the snippet's text without the markers.
        #[test]
        fn snippets_are_escaped_text_with_balanced_marks(
            parts in prop::collection::vec((hostile_text(6), any::<bool>()), 0..8),
            stray in hostile_text(4),
        ) {
            let (start, end) = ('\u{e000}', '\u{e001}');
            let mut snippet = String::new();
            for (text, marked) in &parts {
                if *marked {
                    snippet.push(start);
                    snippet.push_str(text);
                    snippet.push(end);
                } else {
                    snippet.push_str(text);
                }
            }
            snippet.push_str(&stray);
            // Markers out of place, as a cut snippet can have them.
            if parts.len() % 2 == 1 {
                snippet.push(start);
            }
            let html = highlighted_html(&snippet, start, end);
            let without_marks = html.replace("<mark>", "").replace("</mark>", "");
            prop_assert!(!without_marks.contains(['<', '>', '"', '\'']), "{html}");
            prop_assert!(!html.contains([start, end]));
            prop_assert_eq!(html.matches("<mark>").count(), html.matches("</mark>").count());
            let unescaped = without_marks
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            prop_assert_eq!(unescaped, snippet.replace([start, end], ""));
        }
    }
}

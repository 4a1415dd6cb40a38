//! One [`Feed`] in three formats: RSS 2.0 and Atom 1.0 with the rust-syndication crates, JSON
//! Feed 1.1 with serde. Compact output, elements in a fixed order: the same feed gives the same
//! bytes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Feed, FeedFormat, Text};
use crate::http::error::ApiError;

pub fn render(feed: &Feed, format: FeedFormat) -> Result<Vec<u8>, ApiError> {
    match format {
        FeedFormat::Rss => rss(feed).map(well_formed_xml),
        FeedFormat::Atom => atom(feed).map(well_formed_xml),
        FeedFormat::Json => json(feed),
    }
}

/// The XML without the characters XML 1.0 cannot carry at all (writes refuse them, but a row
/// written by other means may hold one): dropped, so the feed stays well-formed.
fn well_formed_xml(xml: Vec<u8>) -> Vec<u8> {
    let unrepresentable = crate::http::body::is_unrepresentable;
    match String::from_utf8(xml) {
        Ok(text) if text.contains(unrepresentable) => {
            text.replace(unrepresentable, "").into_bytes()
        }
        Ok(text) => text.into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

fn failed(format: &str, error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("write the {format} feed: {error}"))
}

/// RSS 2.0: `guid` is the item's URN (not a permalink), `pubDate` RFC 2822, the HTML body in
/// `content:encoded`, the feed's own URL as `atom:link rel="self"`.
pub fn rss(feed: &Feed) -> Result<Vec<u8>, ApiError> {
    use rss::extension::atom::{AtomExtensionBuilder, Link};
    use rss::{CategoryBuilder, ChannelBuilder, GuidBuilder, ItemBuilder};
    let items: Vec<rss::Item> = feed
        .items
        .iter()
        .map(|item| {
            ItemBuilder::default()
                .title(item.title.value.clone())
                .link(item.url.clone())
                .description(item.summary.as_ref().map(|s| s.value.clone()))
                .content(item.content_html.as_ref().map(|c| c.value.clone()))
                .guid(
                    GuidBuilder::default()
                        .value(item.id.clone())
                        .permalink(false)
                        .build(),
                )
                .pub_date(item.published.to_rfc2822())
                .categories(
                    item.tags
                        .iter()
                        .map(|tag| CategoryBuilder::default().name(tag.clone()).build())
                        .collect::<Vec<_>>(),
                )
                .build()
        })
        .collect();
    let self_link = Link {
        href: feed.self_url.clone(),
        rel: "self".into(),
        mime_type: Some(FeedFormat::Rss.media_type().into()),
        ..Link::default()
    };
    let channel = ChannelBuilder::default()
        .title(feed.title.clone())
        .link(feed.home_url.clone())
        .description(feed.description.clone())
        .language(feed.language.clone())
        .last_build_date(feed.updated.to_rfc2822())
        .atom_ext(AtomExtensionBuilder::default().link(self_link).build())
        .items(items)
        .build();
    channel.write_to(Vec::new()).map_err(|e| failed("RSS", e))
}

fn atom_text(text: &Text) -> atom_syndication::Text {
    let mut atom = atom_syndication::Text::plain(text.value.clone());
    atom.lang = Some(text.lang.clone());
    atom
}

/// Atom 1.0: `id` is the item's URN, `published` and `updated` RFC 3339, each text with the
/// locale it is shown in (`xml:lang`), the HTML body as `content type="html"`.
pub fn atom(feed: &Feed) -> Result<Vec<u8>, ApiError> {
    use atom_syndication::{
        CategoryBuilder, ContentBuilder, EntryBuilder, FeedBuilder, LinkBuilder, PersonBuilder,
    };
    let link = |href: &str, rel: &str, media_type: Option<&str>| {
        LinkBuilder::default()
            .href(href)
            .rel(rel)
            .mime_type(media_type.map(str::to_owned))
            .build()
    };
    let entries: Vec<atom_syndication::Entry> = feed
        .items
        .iter()
        .map(|item| {
            EntryBuilder::default()
                .title(atom_text(&item.title))
                .id(item.id.clone())
                .updated(item.updated.fixed_offset())
                .published(Some(item.published.fixed_offset()))
                .link(link(&item.url, "alternate", None))
                .summary(item.summary.as_ref().map(atom_text))
                .content(item.content_html.as_ref().map(|html| {
                    ContentBuilder::default()
                        .value(Some(html.value.clone()))
                        .content_type(Some("html".to_owned()))
                        .lang(Some(html.lang.clone()))
                        .build()
                }))
                .categories(
                    item.tags
                        .iter()
                        .map(|tag| CategoryBuilder::default().term(tag.clone()).build())
                        .collect::<Vec<_>>(),
                )
                .build()
        })
        .collect();
    let atom = FeedBuilder::default()
        .title(atom_syndication::Text::plain(feed.title.clone()))
        .subtitle(Some(atom_syndication::Text::plain(
            feed.description.clone(),
        )))
        .id(feed.self_url.clone())
        .updated(feed.updated.fixed_offset())
        .authors(
            feed.author
                .iter()
                .map(|name| PersonBuilder::default().name(name.clone()).build())
                .collect::<Vec<_>>(),
        )
        .link(link(
            &feed.self_url,
            "self",
            Some(FeedFormat::Atom.media_type()),
        ))
        .link(link(&feed.home_url, "alternate", Some("application/json")))
        .lang(Some(feed.language.clone()))
        .entries(entries)
        .build();
    atom.write_to(Vec::new()).map_err(|e| failed("Atom", e))
}

/// JSON Feed 1.1: `id` is the item's URN, `date_published` and `date_modified` RFC 3339, the HTML
/// body as `content_html`.
pub fn json(feed: &Feed) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&JsonFeed::from(feed)).map_err(|e| failed("JSON", e))
}

/// The one version of JSON Feed this API writes.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub enum JsonFeedVersion {
    #[serde(rename = "https://jsonfeed.org/version/1.1")]
    V1_1,
}

/// A JSON Feed 1.1 document (<https://www.jsonfeed.org/version/1.1/>) of the public news.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json_feed_example)]
pub struct JsonFeed {
    /// The JSON Feed version.
    pub version: JsonFeedVersion,
    /// The organization's name and the filters.
    pub title: String,
    /// The same news in the JSON news list.
    #[schema(format = "uri")]
    pub home_page_url: String,
    /// This feed's own URL, as requested.
    #[schema(format = "uri")]
    pub feed_url: String,
    pub description: String,
    /// The locale the items are shown in when they all share one, else the reader's.
    pub language: String,
    /// The organization (empty without an organization profile).
    pub authors: Vec<JsonFeedAuthor>,
    /// At most `limit` items, newest first.
    pub items: Vec<JsonFeedItem>,
}

/// The author of a feed: the organization.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "International Organization for Migration"}))]
pub struct JsonFeedAuthor {
    pub name: String,
}

/// A news item in a JSON Feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json_feed_item_example)]
pub struct JsonFeedItem {
    /// `urn:uuid:<id of the item>`: never changes.
    pub id: String,
    /// The item's web page (or the item in the API).
    #[schema(format = "uri")]
    pub url: String,
    /// The title in the reader's locale (or the one it fell back to).
    pub title: String,
    /// The summary, when the item has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The body as sanitized HTML (empty when the item has no body).
    pub content_html: String,
    pub date_published: DateTime<Utc>,
    /// The later of the publication and the last change.
    pub date_modified: DateTime<Utc>,
    /// Tag slugs.
    pub tags: Vec<String>,
    /// The locale the title is shown in.
    pub language: String,
}

impl From<&Feed> for JsonFeed {
    fn from(feed: &Feed) -> Self {
        Self {
            version: JsonFeedVersion::V1_1,
            title: feed.title.clone(),
            home_page_url: feed.home_url.clone(),
            feed_url: feed.self_url.clone(),
            description: feed.description.clone(),
            language: feed.language.clone(),
            authors: feed
                .author
                .iter()
                .map(|name| JsonFeedAuthor { name: name.clone() })
                .collect(),
            items: feed
                .items
                .iter()
                .map(|item| JsonFeedItem {
                    id: item.id.clone(),
                    url: item.url.clone(),
                    title: item.title.value.clone(),
                    summary: item.summary.as_ref().map(|s| s.value.clone()),
                    content_html: item
                        .content_html
                        .as_ref()
                        .map(|c| c.value.clone())
                        .unwrap_or_default(),
                    date_published: item.published,
                    date_modified: item.updated,
                    tags: item.tags.clone(),
                    language: item.title.lang.clone(),
                })
                .collect(),
        }
    }
}

/// Where the documented JSON example claims to be.
pub const JSON_EXAMPLE_PATH: &str = "/api/v1/feeds/news.json?mission=ukraine";

fn json_feed_example() -> serde_json::Value {
    super::example(JSON_EXAMPLE_PATH)
        .and_then(|feed| serde_json::to_value(JsonFeed::from(&feed)).ok())
        .unwrap_or_default()
}

fn json_feed_item_example() -> serde_json::Value {
    json_feed_example()
        .pointer("/items/0")
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::feeds::tests::{at, localized, reader, request, row, urls};

    /// A feed with one item whose texts need escaping, in every place a text goes.
    fn tricky() -> Feed {
        let mut news = row(
            "tricky",
            localized(&[("en", "Fish & <chips> \"quoted\" ]]>")]),
            "2024-05-29T10:00:00.5Z",
            "2024-06-01T00:00:00Z",
        );
        news.news.head.summary = localized(&[("en", "1 < 2 & ]]> end")]);
        news.news.body = localized(&[("en", "[a](https://example.org \"x ]]> y\") `]]>`")]);
        let org = localized(&[("en", "Org & Co")]);
        Feed::new(
            &request("/api/v1/feeds/news.rss?tag=a&limit=5"),
            Some(&org),
            &[news],
            &reader("en"),
            &urls(),
        )
    }

    fn parsed(format: FeedFormat, feed: &Feed) -> feed_rs::model::Feed {
        let bytes = render(feed, format).unwrap();
        feed_rs::parser::parse(bytes.as_slice())
            .unwrap_or_else(|e| panic!("{format:?}: {e}: {}", String::from_utf8_lossy(&bytes)))
    }

    #[test]
    fn every_format_round_trips_texts_that_need_escaping() {
        let feed = tricky();
        let item = &feed.items[0];
        let html = item.content_html.as_ref().unwrap().value.clone();
        for format in [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json] {
            let parsed = parsed(format, &feed);
            assert_eq!(parsed.title.unwrap().content, feed.title, "{format:?}");
            let entry = &parsed.entries[0];
            assert_eq!(entry.id, item.id, "{format:?}");
            assert_eq!(entry.title.as_ref().unwrap().content, item.title.value);
            assert_eq!(
                entry.summary.as_ref().unwrap().content,
                item.summary.as_ref().unwrap().value,
                "{format:?}"
            );
            // feed-rs trims the text of Atom elements (the final newline).
            assert_eq!(
                entry
                    .content
                    .as_ref()
                    .unwrap()
                    .body
                    .as_deref()
                    .map(str::trim),
                Some(html.trim()),
                "{format:?}"
            );
            assert_eq!(entry.links[0].href, item.url, "{format:?}");
            let terms: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
            assert_eq!(terms, ["health", "shelter"], "{format:?}");
        }
    }

    #[test]
    fn xml_feeds_drop_characters_xml_cannot_carry() {
        let mut feed = tricky();
        feed.items[0].title.value = "vertical\u{b}tab, escape\u{1b} and \u{fffe}".into();
        for format in [FeedFormat::Rss, FeedFormat::Atom] {
            let bytes = render(&feed, format).unwrap();
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(
                !text.contains(crate::http::body::is_unrepresentable),
                "{format:?}"
            );
            let parsed = feed_rs::parser::parse(&bytes[..]).unwrap();
            assert_eq!(
                parsed.entries[0].title.as_ref().unwrap().content,
                "verticaltab, escape and"
            );
        }
    }

    #[test]
    fn dates_in_each_format() {
        let feed = tricky();
        let published = at("2024-05-29T10:00:00.5Z");
        let rss = String::from_utf8(rss(&feed).unwrap()).unwrap();
        assert!(
            rss.contains("<pubDate>Wed, 29 May 2024 10:00:00 +0000</pubDate>"),
            "RFC 2822, whole seconds: {rss}"
        );
        assert!(rss.contains("<lastBuildDate>Sat, 1 Jun 2024 00:00:00 +0000</lastBuildDate>"));
        let atom = parsed(FeedFormat::Atom, &feed);
        assert_eq!(atom.entries[0].published, Some(published));
        assert_eq!(atom.entries[0].updated, Some(at("2024-06-01T00:00:00Z")));
        assert_eq!(atom.updated, Some(at("2024-06-01T00:00:00Z")));
        let json = parsed(FeedFormat::Json, &feed);
        assert_eq!(json.entries[0].published, Some(published));
        assert_eq!(json.entries[0].updated, Some(at("2024-06-01T00:00:00Z")));
    }

    #[test]
    fn links_ids_and_languages() {
        let feed = tricky();
        let rss_text = String::from_utf8(rss(&feed).unwrap()).unwrap();
        assert!(rss_text.contains("<guid isPermaLink=\"false\">urn:uuid:"));
        let rss = parsed(FeedFormat::Rss, &feed);
        assert_eq!(rss.language.as_deref(), Some("en"));
        let self_link = rss
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some("self"))
            .unwrap();
        assert_eq!(
            self_link.href,
            "https://api.example.org/api/v1/feeds/news.rss?tag=a&limit=5"
        );
        let atom = parsed(FeedFormat::Atom, &feed);
        assert_eq!(atom.id, feed.self_url);
        assert_eq!(atom.language.as_deref(), Some("en"));
        assert_eq!(atom.authors[0].name.as_deref(), Some("Org & Co"));
        assert_eq!(atom.entries[0].language.as_deref(), Some("en"));
        let rels: Vec<(Option<&str>, &str)> = atom
            .links
            .iter()
            .map(|l| (l.rel.as_deref(), l.href.as_str()))
            .collect();
        assert_eq!(
            rels,
            [
                (Some("self"), feed.self_url.as_str()),
                (Some("alternate"), feed.home_url.as_str())
            ]
        );
        let json: serde_json::Value = serde_json::from_slice(&json(&feed).unwrap()).unwrap();
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(json["feed_url"], feed.self_url);
        assert_eq!(json["home_page_url"], feed.home_url);
        assert_eq!(json["items"][0]["language"], "en");
    }

    #[test]
    fn the_same_feed_gives_the_same_bytes() {
        for format in [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json] {
            assert_eq!(
                render(&tricky(), format).unwrap(),
                render(&tricky(), format).unwrap()
            );
            let example = crate::resources::feeds::example("/api/v1/feeds/news.rss").unwrap();
            assert_eq!(
                render(&example, format).unwrap(),
                render(&example, format).unwrap()
            );
        }
    }

    #[test]
    fn an_item_without_summary_or_body_is_still_valid() {
        let news = row(
            "bare",
            localized(&[("en", "Bare")]),
            "2024-05-29T00:00:00Z",
            "2024-05-29T00:00:00Z",
        );
        let feed = Feed::new(&request("/x"), None, &[news], &reader("en"), &urls());
        for format in [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json] {
            let parsed = parsed(format, &feed);
            assert_eq!(parsed.entries.len(), 1, "{format:?}");
            assert!(parsed.entries[0].summary.is_none(), "{format:?}");
        }
        let json: serde_json::Value = serde_json::from_slice(&json(&feed).unwrap()).unwrap();
        assert_eq!(json["items"][0]["content_html"], "");
        assert!(json["items"][0].get("summary").is_none());
        assert_eq!(json["authors"], serde_json::json!([]));
    }
}

//! The news feeds, read over HTTP and parsed by an independent parser (feed-rs) in all three
//! formats.

use chrono::{DateTime, Duration, DurationRound, TimeZone, Utc};
use diesel::prelude::*;
use orgcms::db::schema::news;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::factories::insert_mission;
use crate::helpers::{error_fields, NewsFactory, TestApp};

const PUBLIC_URL: &str = "https://api.example.org";
const SEED_SLUG: &str =
    "the-danish-refugee-council-donated-133-pieces-of-equipment-to-a-dormitory-for-idps-in-mykolaiv";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Rss,
    Atom,
    Json,
}

const FORMATS: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

impl Format {
    fn path(self) -> &'static str {
        match self {
            Self::Rss => "/api/v1/feeds/news.rss",
            Self::Atom => "/api/v1/feeds/news.atom",
            Self::Json => "/api/v1/feeds/news.json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }

    fn feed_type(self) -> feed_rs::model::FeedType {
        match self {
            Self::Rss => feed_rs::model::FeedType::RSS2,
            Self::Atom => feed_rs::model::FeedType::Atom,
            Self::Json => feed_rs::model::FeedType::JSON,
        }
    }

    fn with_query(self, query: &str) -> String {
        if query.is_empty() {
            self.path().to_owned()
        } else {
            format!("{}?{query}", self.path())
        }
    }
}

/// The ids of the content every test of this file reads.
struct Content {
    newest: Uuid,
    middle: Uuid,
    moldova: Uuid,
    seed: Uuid,
    hidden: Vec<Uuid>,
}

/// A seeded server whose links point at `PUBLIC_URL` and whose news have web pages, with news
/// of two missions, tags, translations, and items the public must not see.
async fn app_with_news() -> (TestApp, Content) {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_PUBLIC_URL", PUBLIC_URL)
        .env(
            "ORGCMS_NEWS_URL_TEMPLATE",
            "https://www.example.org/news/{slug}",
        )
        .spawn()
        .await;
    let mut conn = app.conn();
    let ukraine = orgcms::seed::seed_id("mission:ukraine");
    let moldova_mission = insert_mission(&mut conn, "moldova", "MD", Some(2001));
    // Microseconds, as PostgreSQL keeps them: the feeds must not round them away (but RSS has
    // whole seconds only).
    let now = Utc::now()
        .duration_trunc(Duration::microseconds(1))
        .unwrap();
    let newest = NewsFactory::new("newest")
        .title(json!({"en": "Newest <in> English & more", "uk": "Найновіше"}))
        .summary(json!({"en": "The summary"}))
        .body(json!({"en": "Some **bold** text.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"}))
        .published_at(Some(now - Duration::hours(1) + Duration::microseconds(123_456)))
        .mission(ukraine)
        .tags(&["health", "shelter"])
        .insert(&mut conn);
    let middle = NewsFactory::new("middle")
        .title(json!({"en": "Middle"}))
        .published_at(Some(now - Duration::days(2)))
        .tags(&["health"])
        .insert(&mut conn);
    let moldova = NewsFactory::new("moldova-item")
        .published_at(Some(now - Duration::days(3)))
        .mission(moldova_mission)
        .insert(&mut conn);
    let hidden = vec![
        NewsFactory::new("draft")
            .status("draft")
            .published_at(None)
            .mission(ukraine)
            .tags(&["health"])
            .insert(&mut conn),
        NewsFactory::new("scheduled")
            .published_at(Some(now + Duration::days(1)))
            .mission(ukraine)
            .tags(&["health"])
            .insert(&mut conn),
        NewsFactory::new("archived")
            .status("archived")
            .mission(ukraine)
            .tags(&["health"])
            .insert(&mut conn),
    ];
    let seed = news::table
        .filter(news::slug.eq(SEED_SLUG))
        .select(news::id)
        .get_result(&mut conn)
        .unwrap();
    let content = Content {
        newest,
        middle,
        moldova,
        seed,
        hidden,
    };
    (app, content)
}

fn urn(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

fn stored_published_at(app: &TestApp, id: Uuid) -> DateTime<Utc> {
    news::table
        .find(id)
        .select(news::published_at)
        .get_result::<Option<DateTime<Utc>>>(&mut app.conn())
        .unwrap()
        .unwrap()
}

struct Fetched {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Fetched {
    fn header(&self, name: &str) -> &str {
        self.headers[name].to_str().unwrap()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Fetched {
    let mut request = app.get(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = request.await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.to_vec();
    Fetched {
        status,
        headers,
        body,
    }
}

/// GET a feed that must answer 200 with its content type; parsed by feed-rs.
async fn feed(
    app: &TestApp,
    format: Format,
    query: &str,
    headers: &[(&str, &str)],
) -> (feed_rs::model::Feed, Fetched) {
    let path = format.with_query(query);
    let fetched = fetch(app, &path, headers).await;
    assert_eq!(fetched.status, 200, "{path}: {}", fetched.text());
    assert_eq!(
        fetched.header("content-type"),
        format.content_type(),
        "{path}"
    );
    let parsed = feed_rs::parser::parse(fetched.body.as_slice())
        .unwrap_or_else(|e| panic!("{path}: {e}: {}", fetched.text()));
    assert_eq!(parsed.feed_type, format.feed_type(), "{path}");
    (parsed, fetched)
}

fn ids(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.id.clone()).collect()
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

#[tokio::test]
async fn every_format_lists_the_public_news_newest_first_with_their_content() {
    let (app, content) = app_with_news().await;
    let expected = [
        content.newest,
        content.middle,
        content.moldova,
        content.seed,
    ];
    for format in FORMATS {
        let (feed, _) = feed(&app, format, "", &[]).await;
        assert_eq!(
            ids(&feed),
            expected.map(urn),
            "{format:?}: the public items, newest first, and nothing else"
        );
        for hidden in &content.hidden {
            assert!(!ids(&feed).contains(&urn(*hidden)), "{format:?}");
        }
        assert_eq!(
            titles(&feed),
            [
                "Newest <in> English & more",
                "Middle",
                "Title of moldova-item",
                "The Danish Refugee Council Donated 133 Pieces of Equipment to a Dormitory for IDPs in Mykolaiv",
            ],
            "{format:?}"
        );
        for (entry, (id, slug)) in feed.entries.iter().zip([
            (content.newest, "newest"),
            (content.middle, "middle"),
            (content.moldova, "moldova-item"),
            (content.seed, SEED_SLUG),
        ]) {
            let links: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
            assert_eq!(
                links,
                [format!("https://www.example.org/news/{slug}")],
                "{format:?}: the item's web page, absolute"
            );
            let stored = stored_published_at(&app, id);
            let published = entry.published.unwrap();
            if format == Format::Rss {
                // RFC 2822 has whole seconds.
                assert_eq!(
                    published,
                    stored.duration_trunc(Duration::seconds(1)).unwrap(),
                    "{format:?} {slug}"
                );
            } else {
                assert_eq!(published, stored, "{format:?} {slug}");
            }
        }
        let newest = &feed.entries[0];
        let terms: Vec<&str> = newest.categories.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(terms, ["health", "shelter"], "{format:?}");
        assert_eq!(
            newest.summary.as_ref().unwrap().content,
            "The summary",
            "{format:?}"
        );
        let html = newest.content.as_ref().unwrap().body.clone().unwrap();
        assert!(
            html.contains("<strong>bold</strong>"),
            "{format:?}: the rendered body: {html}"
        );
        for bad in ["<script", "alert(1)", "javascript:"] {
            assert!(!html.contains(bad), "{format:?}: {bad} in {html}");
        }
        assert!(
            feed.entries[1].summary.is_none(),
            "{format:?}: no summary, none shown"
        );
        assert_eq!(
            feed.entries[1]
                .content
                .as_ref()
                .unwrap()
                .body
                .as_deref()
                .map(str::trim),
            Some("<p>Body of middle</p>"),
            "{format:?}"
        );
        assert_eq!(
            feed.title.as_ref().unwrap().content,
            "International Organization for Migration: news",
            "{format:?}: named after the organization"
        );
    }
}

fn stored_updated_at(app: &TestApp, id: Uuid) -> DateTime<Utc> {
    news::table
        .find(id)
        .select(news::updated_at)
        .get_result(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn atom_and_json_feeds_are_dated_by_their_newest_change() {
    let (app, content) = app_with_news().await;
    let order = [
        content.newest,
        content.middle,
        content.moldova,
        content.seed,
    ];
    // Every item was written after its publication time (the seed's on 2026-11-29, the others
    // just now): their last change dates them.
    let changed: Vec<DateTime<Utc>> = order
        .iter()
        .map(|id| stored_updated_at(&app, *id))
        .collect();
    for format in [Format::Atom, Format::Json] {
        let (feed, _) = feed(&app, format, "", &[]).await;
        let updated: Vec<DateTime<Utc>> = feed.entries.iter().map(|e| e.updated.unwrap()).collect();
        assert_eq!(updated, changed, "{format:?}");
        let published: Vec<DateTime<Utc>> =
            feed.entries.iter().map(|e| e.published.unwrap()).collect();
        let stored: Vec<DateTime<Utc>> = order
            .iter()
            .map(|id| stored_published_at(&app, *id))
            .collect();
        assert_eq!(published, stored, "{format:?}");
        if format == Format::Atom {
            assert_eq!(feed.updated, changed.iter().max().copied());
        }
    }
    // An edit (the database stamps it) moves `updated` of the item and the feed, not `published`.
    diesel::update(news::table.find(content.moldova))
        .set(news::summary.eq(json!({"en": "Edited"})))
        .execute(&mut app.conn())
        .unwrap();
    let edited = stored_updated_at(&app, content.moldova);
    assert!(edited > *changed.iter().max().unwrap());
    let (atom, _) = feed(&app, Format::Atom, "", &[]).await;
    assert_eq!(atom.updated, Some(edited));
    assert_eq!(atom.entries[2].updated, Some(edited));
    assert_eq!(
        atom.entries[2].published,
        Some(stored_published_at(&app, content.moldova))
    );
    assert_eq!(
        ids(&atom)[2],
        urn(content.moldova),
        "the order is by publication"
    );
}

#[tokio::test]
async fn self_links_and_ids_are_absolute_and_stable() {
    let (app, content) = app_with_news().await;
    let query = "tag=health&limit=5";
    let (rss, fetched) = feed(&app, Format::Rss, query, &[]).await;
    let rss_self = rss
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("self"))
        .unwrap();
    assert_eq!(
        rss_self.href,
        format!("{PUBLIC_URL}/api/v1/feeds/news.rss?{query}")
    );
    let rss_text = fetched.text();
    assert!(
        rss_text.contains(&format!(
            "<guid isPermaLink=\"false\">{}</guid>",
            urn(content.newest)
        )),
        "{rss_text}"
    );
    let (atom, _) = feed(&app, Format::Atom, query, &[]).await;
    let atom_self = format!("{PUBLIC_URL}/api/v1/feeds/news.atom?{query}");
    assert_eq!(atom.id, atom_self);
    let links: Vec<(Option<&str>, &str)> = atom
        .links
        .iter()
        .map(|l| (l.rel.as_deref(), l.href.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            (Some("self"), atom_self.as_str()),
            (
                Some("alternate"),
                "https://api.example.org/api/v1/news?tag=health&locale=en"
            ),
        ]
    );
    let (_, json) = feed(&app, Format::Json, query, &[]).await;
    let json = json.json();
    assert_eq!(
        json["feed_url"],
        format!("{PUBLIC_URL}/api/v1/feeds/news.json?{query}")
    );
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    // The alternate is the news list with the same filters: the same items.
    let list_path = json["home_page_url"]
        .as_str()
        .unwrap()
        .strip_prefix(PUBLIC_URL)
        .unwrap()
        .to_owned();
    let list = app.get(&list_path).good().await;
    let list_ids: Vec<String> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("urn:uuid:{}", i["id"].as_str().unwrap()))
        .collect();
    let feed_ids: Vec<String> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(feed_ids, list_ids);
    assert_eq!(feed_ids, [urn(content.newest), urn(content.middle)]);
}

#[tokio::test]
async fn without_a_template_items_link_to_the_api() {
    let app = TestApp::builder()
        .seeded()
        .env("ORGCMS_PUBLIC_URL", "https://api.example.org/cms/")
        .spawn()
        .await;
    let (feed, _) = feed(&app, Format::Atom, "", &[]).await;
    let link = &feed.entries[0].links[0].href;
    assert_eq!(
        link,
        &format!("https://api.example.org/cms/api/v1/news/{SEED_SLUG}")
    );
    let path = link.strip_prefix("https://api.example.org/cms").unwrap();
    assert_eq!(app.get(path).await.status(), 200, "{path} is the item");
    assert_eq!(
        feed.id,
        "https://api.example.org/cms/api/v1/feeds/news.atom"
    );
}

#[tokio::test]
async fn texts_come_in_the_readers_locale_with_fallback() {
    let (app, content) = app_with_news().await;
    for (query, headers) in [
        ("locale=uk", &[][..]),
        ("", &[("Accept-Language", "uk-UA,uk;q=0.9")][..]),
        ("locale=uk", &[("Accept-Language", "en")][..]),
    ] {
        for format in FORMATS {
            let (feed, fetched) = feed(&app, format, query, headers).await;
            let titles = titles(&feed);
            assert_eq!(titles[0], "Найновіше", "{format:?} {query} {headers:?}");
            assert_eq!(titles[1], "Middle", "{format:?}: falls back to English");
            assert_eq!(
                feed.entries[0].summary.as_ref().unwrap().content,
                "The summary",
                "{format:?}: each field falls back on its own"
            );
            assert_eq!(fetched.header("content-language"), "uk, en", "{format:?}");
            assert_eq!(fetched.header("vary"), "Accept-Language", "{format:?}");
            if format != Format::Json {
                // feed-rs reads the feed language of RSS and Atom (not of JSON Feed).
                assert_eq!(feed.language.as_deref(), Some("uk"), "{format:?}");
            }
            if format == Format::Atom {
                // The body of the newest item exists in English only, and says so.
                assert_eq!(feed.entries[0].language.as_deref(), Some("en"));
            }
            if format == Format::Json {
                let json = fetched.json();
                assert_eq!(json["language"], "uk");
                let languages: Vec<&str> = json["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["language"].as_str().unwrap())
                    .collect();
                assert_eq!(languages, ["uk", "en", "en", "en"]);
            }
        }
    }
    let (english, fetched) = feed(&app, Format::Rss, "", &[]).await;
    assert_eq!(titles(&english)[0], "Newest <in> English & more");
    assert_eq!(english.language.as_deref(), Some("en"));
    assert_eq!(fetched.header("content-language"), "en");
    assert_eq!(ids(&english)[0], urn(content.newest));
}

#[tokio::test]
async fn filters_by_mission_tag_and_limit() {
    let (app, content) = app_with_news().await;
    let ukraine = orgcms::seed::seed_id("mission:ukraine");
    let cases = [
        ("mission=ukraine", vec![content.newest, content.seed]),
        (
            &*format!("mission={ukraine}"),
            vec![content.newest, content.seed],
        ),
        (
            &*format!("mission={}", ukraine.to_string().to_uppercase()),
            vec![content.newest, content.seed],
        ),
        ("mission=moldova", vec![content.moldova]),
        ("tag=health", vec![content.newest, content.middle]),
        ("tag=shelter", vec![content.newest]),
        ("mission=ukraine&tag=health", vec![content.newest]),
        ("mission=moldova&tag=health", vec![]),
        ("mission=nowhere", vec![]),
        ("tag=nothing", vec![]),
        ("limit=1", vec![content.newest]),
        ("limit=2&tag=health", vec![content.newest, content.middle]),
        (
            "limit=100",
            vec![
                content.newest,
                content.middle,
                content.moldova,
                content.seed,
            ],
        ),
    ];
    for (query, expected) in cases {
        let expected: Vec<String> = expected.into_iter().map(urn).collect();
        for format in FORMATS {
            let (feed, _) = feed(&app, format, query, &[]).await;
            assert_eq!(ids(&feed), expected, "{format:?} {query}");
        }
    }
    let (atom, _) = feed(&app, Format::Atom, "mission=ukraine&tag=health", &[]).await;
    assert_eq!(
        atom.title.unwrap().content,
        "International Organization for Migration: news (mission ukraine, tag health)"
    );
}

#[tokio::test]
async fn limit_defaults_to_twenty() {
    let app = TestApp::builder()
        .env("ORGCMS_PUBLIC_URL", PUBLIC_URL)
        .spawn()
        .await;
    let mut conn = app.conn();
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    for i in 0..25 {
        NewsFactory::new(&format!("item-{i:02}"))
            .published_at(Some(start + Duration::days(i)))
            .insert(&mut conn);
    }
    for format in FORMATS {
        let (feed, _) = feed(&app, format, "", &[]).await;
        let expected: Vec<String> = (5..25)
            .rev()
            .map(|i| format!("Title of item-{i:02}"))
            .collect();
        assert_eq!(titles(&feed), expected, "{format:?}");
        assert_eq!(
            feed.title.unwrap().content,
            "News",
            "{format:?}: no organization profile"
        );
    }
}

#[tokio::test]
async fn an_empty_feed_is_valid_and_does_not_depend_on_the_clock() {
    let app = TestApp::builder()
        .env("ORGCMS_PUBLIC_URL", PUBLIC_URL)
        .spawn()
        .await;
    for format in FORMATS {
        let (parsed, first) = feed(&app, format, "", &[]).await;
        assert!(parsed.entries.is_empty(), "{format:?}");
        if format == Format::Atom {
            assert_eq!(parsed.updated, Some(DateTime::UNIX_EPOCH));
        }
        let (_, again) = feed(&app, format, "", &[]).await;
        assert_eq!(first.body, again.body, "{format:?}");
    }
}

#[tokio::test]
async fn conditional_reads_answer_304_and_the_etag_follows_the_content() {
    let (app, _) = app_with_news().await;
    for format in FORMATS {
        let path = format.with_query("mission=ukraine");
        let first = fetch(&app, &path, &[]).await;
        assert_eq!(first.status, 200);
        assert_eq!(
            first.header("cache-control"),
            "public, max-age=60, stale-while-revalidate=300"
        );
        assert_eq!(first.header("vary"), "Accept-Language");
        let etag = first.header("etag").to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
        let second = fetch(&app, &path, &[]).await;
        assert_eq!(second.body, first.body, "{format:?}: the same bytes");
        assert_eq!(second.header("etag"), etag);
        let not_modified = fetch(&app, &path, &[("If-None-Match", &etag)]).await;
        assert_eq!(not_modified.status, 304, "{format:?}");
        assert!(not_modified.body.is_empty(), "{format:?}");
        assert_eq!(not_modified.header("etag"), etag);
        let stale = fetch(&app, &path, &[("If-None-Match", "\"something-else\"")]).await;
        assert_eq!(stale.status, 200);
        let ukrainian = fetch(&app, &format.with_query("mission=ukraine&locale=uk"), &[]).await;
        assert_ne!(ukrainian.header("etag"), etag, "{format:?}");
    }
    let path = Format::Json.with_query("mission=ukraine");
    let before = fetch(&app, &path, &[]).await.header("etag").to_owned();
    NewsFactory::new("breaking")
        .published_at(Some(Utc::now() - Duration::minutes(1)))
        .mission(orgcms::seed::seed_id("mission:ukraine"))
        .insert(&mut app.conn());
    let after = fetch(&app, &path, &[("If-None-Match", &before)]).await;
    assert_eq!(after.status, 200, "a new item changes the feed");
    assert_eq!(after.json()["items"][0]["title"], "Title of breaking");
}

#[tokio::test]
async fn feeds_are_the_public_view_whatever_the_authorization_header() {
    let (app, content) = app_with_news().await;
    let bearer = format!("Bearer {}", app.editor_token().await);
    // The news list refuses a bad token; the feeds do not read it.
    app.get("/api/v1/news")
        .header("Authorization", "Bearer nonsense")
        .problem(401)
        .await;
    for format in FORMATS {
        let anonymous = fetch(&app, format.path(), &[]).await;
        for authorization in ["Bearer nonsense", bearer.as_str()] {
            let (feed, fetched) = feed(&app, format, "", &[("Authorization", authorization)]).await;
            assert_eq!(fetched.body, anonymous.body, "{format:?}");
            assert_eq!(
                fetched.header("cache-control"),
                "public, max-age=60, stale-while-revalidate=300"
            );
            for hidden in &content.hidden {
                assert!(!ids(&feed).contains(&urn(*hidden)), "{format:?}");
            }
        }
    }
}

#[tokio::test]
async fn bad_parameters_are_problems() {
    let app = TestApp::seeded().await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("mission=Not%20a%20slug", "mission"),
        ("mission=", "mission"),
        ("tag=Bad_Tag", "tag"),
        ("tag=", "tag"),
        ("locale=de", "locale"),
        ("page=2", "page"),
        ("per_page=5", "per_page"),
        ("status=draft", "status"),
        ("tag=a&tag=b", "tag"),
    ];
    for format in FORMATS {
        for (query, field) in cases {
            let problem = app.get(&format.with_query(query)).problem(400).await;
            assert_eq!(problem["type"], "urn:orgcms:problem:invalid-parameter");
            assert_eq!(error_fields(&problem), [field], "{format:?} {query}");
        }
    }
}

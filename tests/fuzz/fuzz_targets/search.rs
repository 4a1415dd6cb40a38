//! Every text path that reaches PostgreSQL's text search, with the project's own SQL: a news item
//! whose title, summary and body in English and Ukrainian are the input (as it is, then stretched
//! to the body limit: see the crate documentation), each cut to its limit (
//! 300, 2 000 and 200 000 characters), stored (the generated `search` vector,
//! `orgcms_localized_vector` in each locale's configuration), then searched for with the input as
//! `q` (its first 200 characters, as the API takes it: not blank): the filter and the rank
//! (`orgcms_search_query`, `ts_rank_cd`) of `news::queries::list` and the snippets of both
//! locales (`ts_headline`) of `news::queries::snippets`.
//!
//! It asserts that none of these fails: any SQL error but a refusal the API documents (there is
//! none yet: `REFUSALS`) is a crash. Slowness is a crash too: scripts/lib/fuzz.sh runs it with
//! libFuzzer's `-timeout` per input.
//!
//! It needs `DATABASE_URL` (a server it may create a database on); without it, it says so and
//! tests nothing. Its database, `orgcms_fuzz`, is made anew with the project's migrations at
//! start: run one search target at a time per server. Each input's item is rolled back.
#![no_main]

use std::sync::{Mutex, OnceLock};

use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use libfuzzer_sys::fuzz_target;
use orgcms::db::schema::news;
use orgcms::resources::news::queries::{list, snippets, NewsFilter, NewsOrder};
use orgcms::http::pagination::{PageParams, Paging};
use orgcms_fuzz::{reward_length, stretch, text, MAX_BODY_CHARS, MAX_QUERY_CHARS};
use serde_json::json;

const DATABASE: &str = "orgcms_fuzz";

/// SQL errors the API turns into a documented client error; any other is a crash.
const REFUSALS: &[&str] = &[];

/// The connection every input uses, or None without `DATABASE_URL`.
fn connection() -> &'static Option<Mutex<PgConnection>> {
    static CONNECTION: OnceLock<Option<Mutex<PgConnection>>> = OnceLock::new();
    CONNECTION.get_or_init(|| {
        let Ok(server) = std::env::var("DATABASE_URL") else {
            eprintln!("\n!!! DATABASE_URL is not set: the search target tests nothing\n");
            return None;
        };
        let mut maintenance = PgConnection::establish(&server).expect("connect to DATABASE_URL");
        for statement in [
            format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"),
            format!("CREATE DATABASE {DATABASE}"),
        ] {
            maintenance
                .batch_execute(&statement)
                .expect("create the fuzz database");
        }
        let (base, _) = server
            .rsplit_once('/')
            .expect("DATABASE_URL names a database");
        let mut conn = PgConnection::establish(&format!("{base}/{DATABASE}"))
            .expect("connect to the fuzz database");
        orgcms::db::run_migrations(&mut conn).expect("migrations");
        // When libFuzzer stops a slow input it kills this process: the server then ends the
        // statement within a second instead of finishing it for nobody.
        conn.batch_execute("SET client_connection_check_interval = '1s'")
            .expect("set client_connection_check_interval");
        Some(Mutex::new(conn))
    })
}

fn prefix(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// Rolls each input's item back.
#[derive(Debug)]
enum Outcome {
    Sql(diesel::result::Error),
    Done,
}

impl From<diesel::result::Error> for Outcome {
    fn from(e: diesel::result::Error) -> Self {
        Outcome::Sql(e)
    }
}

fn run(conn: &mut PgConnection, body: &str) -> Result<(), diesel::result::Error> {
    let result = conn.transaction::<(), Outcome, _>(|conn| {
        let both = |t: String| json!({"en": t.clone(), "uk": t});
        let id: uuid::Uuid = diesel::insert_into(news::table)
            .values((
                news::slug.eq("fuzz"),
                news::title.eq(both(prefix(body, 300))),
                news::summary.eq(both(prefix(body, 2000))),
                news::body.eq(both(body.to_owned())),
                news::status.eq("published"),
                news::published_at.eq(Utc::now() - Duration::days(1)),
            ))
            .returning(news::id)
            .get_result(conn)?;
        let q = prefix(body, MAX_QUERY_CHARS);
        if !q.trim().is_empty() {
            let filter = NewsFilter {
                search: Some(q.clone()),
                order: NewsOrder::Relevance,
                ..NewsFilter::public(Utc::now())
            };
            let paging = Paging::new(&PageParams::default(), "/api/v1/news", "", true)
                .expect("default paging");
            list(conn, &filter, &paging)?;
            snippets(conn, &q, &[(id, "en".to_owned()), (id, "uk".to_owned())])?;
        }
        Err(Outcome::Done)
    });
    match result {
        Err(Outcome::Sql(e)) => Err(e),
        _ => Ok(()),
    }
}

// The database is made and migrated before the first input: inside it, the set-up would count
// against the first input's time limit (seconds on a busy machine).
fuzz_target!(
    init: {
        connection();
    },
    |data: &[u8]| {
    let Some(conn) = connection() else {
        return;
    };
    let Some(text) = text(data, MAX_BODY_CHARS) else {
        return;
    };
    reward_length(text.len());
    let stretched = stretch(&text, MAX_BODY_CHARS);
    let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for body in std::iter::once(&text).chain(&stretched) {
        if let Err(e) = run(&mut conn, body) {
            let message = e.to_string();
            assert!(
                REFUSALS.iter().any(|r| message.starts_with(r)),
                "SQL error: {message}"
            );
        }
    }
});

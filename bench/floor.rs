//! The floor of `bench/run`: the bare stack a read of orgcms stands on, and nothing else. An
//! actix-web server (as many workers as orgcms) whose one route takes a place at orgcms's pool
//! (`db::run`: its gate, r2d2, a blocking thread), runs one prepared query by a unique index and
//! answers a small JSON object. No middleware, no locale, no validators: what a cache miss
//! costs at least on this machine, measured in the same run as `/healthz` and the API.
//!
//! A second route runs the news item's own query (`news::queries::find_public`, the whole row)
//! in the same bare stack: between the two and the API's item read, what the query costs and
//! what the API around it costs.
//!
//!   floor DATABASE_URL ADDRESS        then GET /news/{slug} or GET /item/{slug}

use actix_web::{get, web, App, HttpResponse, HttpServer};
use diesel::prelude::*;
use orgcms::db::schema::news;
use orgcms::db::{self, DbPool};
use orgcms::http::error::ApiError;
use orgcms::http::params::ItemKey;

#[derive(serde::Serialize, Queryable)]
struct Found {
    id: uuid::Uuid,
    slug: String,
    version: i32,
}

#[get("/news/{slug}")]
async fn news_by_slug(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let found: Option<Found> = db::run(&pool, move |conn| {
        Ok(news::table
            .filter(news::slug.eq(&slug))
            .select((news::id, news::slug, news::version))
            .first(conn)
            .optional()?)
    })
    .await?;
    Ok(match found {
        Some(found) => HttpResponse::Ok().json(found),
        None => HttpResponse::NotFound().finish(),
    })
}

/// The item read's query, answered with the item's version only.
#[get("/item/{slug}")]
async fn item_by_slug(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let found = db::run(&pool, move |conn| {
        Ok(orgcms::resources::news::queries::find_public(
            conn,
            &ItemKey::Slug(slug.clone()),
            chrono::Utc::now(),
        )?)
    })
    .await?;
    Ok(match found {
        Some(found) => HttpResponse::Ok().json(found.news.head.version),
        None => HttpResponse::NotFound().finish(),
    })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, database_url, address] = args.as_slice() else {
        return Err(std::io::Error::other("usage: floor DATABASE_URL ADDRESS"));
    };
    let limits = orgcms::app::settings::DbSessionLimits {
        statement_timeout: std::time::Duration::from_millis(5000),
        lock_timeout: std::time::Duration::from_millis(2000),
    };
    // orgcms's defaults: 10 connections, 3 s to get one, the limits above.
    let pool = web::Data::new(db::build_pool(
        database_url,
        10,
        std::time::Duration::from_secs(3),
        limits,
    ));
    HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .service(news_by_slug)
            .service(item_by_slug)
    })
    .bind(address.as_str())?
    .run()
    .await
}

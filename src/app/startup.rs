//! The one app builder, used by `orgcms serve`, the tests and the spec generator.

use std::net::TcpListener;

use crate::app::settings::ExposeSecret;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::KeepAlive;
use actix_web::{web, App, HttpMessage, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{scope, service_config::ServiceConfig, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::accounts::{auth, users};
use crate::app::settings::Settings;
use crate::app::state::{AppState, State};
use crate::db::{self, DbPool};
use crate::http::openapi::{ApiDoc, SharedBehaviour};
use crate::resources::health::routes::Readiness;
use crate::resources::{
    api_keys, assets, audit, changes, feeds, health, metrics, missions, news, objectives,
    organization, previews, revisions, trash, webhooks,
};

/// Every documented route. utoipa-actix-web collects the OpenAPI paths from exactly these.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/api/v1")
            .service(organization::routes::get_organization)
            .service(organization::routes::replace_organization)
            .service(organization::routes::update_organization)
            .service(objectives::routes::list_objectives)
            .service(objectives::routes::get_objective)
            .service(objectives::routes::create_objective)
            .service(objectives::routes::replace_objective)
            .service(objectives::routes::update_objective)
            .service(objectives::routes::delete_objective)
            .service(missions::routes::list_missions)
            .service(missions::routes::get_mission)
            .service(missions::routes::create_mission)
            .service(missions::routes::replace_mission)
            .service(missions::routes::update_mission)
            .service(missions::routes::delete_mission)
            .service(news::routes::list_news)
            .service(news::routes::get_news)
            .service(news::routes::list_news_related)
            .service(news::routes::list_tags)
            .service(feeds::routes::get_news_rss)
            .service(feeds::routes::get_news_atom)
            .service(feeds::routes::get_news_json)
            .service(news::routes::create_news)
            .service(news::routes::replace_news)
            .service(news::routes::update_news)
            .service(news::routes::delete_news)
            .service(assets::routes::list_assets)
            .service(assets::routes::upload_asset)
            .service(assets::routes::get_asset)
            .service(assets::routes::replace_asset)
            .service(assets::routes::update_asset)
            .service(assets::routes::delete_asset)
            .service(assets::files::get_asset_file)
            .service(changes::routes::list_changes)
            .service(auth::routes::login)
            .service(auth::routes::refresh)
            .service(auth::routes::logout)
            .service(auth::routes::me)
            .service(users::routes::list_users)
            .service(users::routes::create_user)
            .service(users::routes::get_user)
            .service(users::routes::update_user)
            .service(audit::routes::list_audit)
            .service(webhooks::routes::list_webhooks)
            .service(webhooks::routes::create_webhook)
            .service(webhooks::routes::get_webhook)
            .service(webhooks::routes::update_webhook)
            .service(webhooks::routes::delete_webhook)
            .service(webhooks::routes::rotate_webhook_secret)
            .service(webhooks::routes::list_webhook_deliveries)
            .service(webhooks::routes::redeliver_webhook_delivery)
            .service(webhooks::routes::ping_webhook)
            .service(webhooks::routes::replay_webhook)
            .service(api_keys::routes::list_api_keys)
            .service(api_keys::routes::create_api_key)
            .service(api_keys::routes::get_api_key)
            .service(api_keys::routes::update_api_key)
            .service(api_keys::routes::delete_api_key)
            .service(api_keys::routes::rotate_api_key)
            .service(crate::portability::routes::get_export)
            .service(previews::routes::create_news_preview)
            .service(previews::routes::revoke_news_previews)
            .service(previews::routes::revoke_news_preview)
            .service(previews::routes::get_news_preview)
            // `diff` before `{version}`, which would otherwise take it.
            .service(revisions::routes::diff_revisions)
            .service(revisions::routes::list_revisions)
            .service(revisions::routes::get_revision)
            .service(revisions::routes::restore_revision)
            .service(revisions::routes::pin_revision)
            .service(revisions::routes::unpin_revision)
            .service(trash::routes::list_trash)
            .service(trash::routes::get_trashed)
            .service(trash::routes::restore_trashed)
            .service(trash::routes::purge_trashed),
    )
    .service(health::routes::get_healthz)
    .service(health::routes::get_readyz)
    .service(metrics::routes::get_metrics);
}

/// The OpenAPI document of the mounted routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    SharedBehaviour.modify(&mut doc);
    doc
}

/// The document as served and committed in `openapi/openapi.json` (pretty, keys sorted, with a
/// final newline).
pub fn openapi_json() -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(openapi())?;
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}

async fn serve_openapi(req: actix_web::HttpRequest, state: State) -> actix_web::HttpResponse {
    crate::http::caching::bytes_read(
        &req,
        crate::http::caching::Audience::Public(state.cache_policy),
        crate::http::caching::JSON,
        state.openapi_json.clone(),
        Default::default(),
    )
}

pub struct Application {
    port: u16,
    server: Server,
    readiness: Readiness,
    shutdown_drain: std::time::Duration,
    /// A second handle on the listening socket, to stop the handshakes at the end of the drain.
    gate: ListenerGate,
    /// The webhook relay of this node, when it runs one; it stops with the application.
    _relay: Option<crate::webhooks::relay::RelayHandle>,
    /// The retention sweep of this node (revisions, trash), unless turned off.
    _sweeper: Option<crate::content::retention::Sweeper>,
}

impl Application {
    /// Connects the pool, applies pending migrations, and binds the listener.
    pub fn build(settings: &Settings) -> Result<Self, std::io::Error> {
        let pool = db::build_pool(
            settings.database_url.expose_secret(),
            settings.db_pool_size,
            settings.db_timeout,
            settings.db_session,
        );
        {
            let mut conn = pool
                .get()
                .map_err(|e| std::io::Error::other(format!("database: {e}")))?;
            // Migrations run to the end, however long they take; the connection then goes back
            // to the pool with the limits of every other.
            db::apply_session_limits(&mut conn, None)
                .map_err(|e| std::io::Error::other(format!("database: {e}")))?;
            let applied = db::run_migrations(&mut conn)
                .map_err(|e| std::io::Error::other(format!("migrations: {e}")))?;
            db::apply_session_limits(&mut conn, Some(settings.db_session))
                .map_err(|e| std::io::Error::other(format!("database: {e}")))?;
            if !db::messages_in_english(&mut conn)
                .map_err(|e| std::io::Error::other(format!("database: {e}")))?
            {
                tracing::warn!(
                    "the database's lc_messages is not English: a statement cancelled by \
                     statement_timeout or lock_timeout will answer 500 instead of 503"
                );
            }
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
            if let (Some(email), Some(password)) = (&settings.admin_email, &settings.admin_password)
            {
                let hash = crate::accounts::auth::password::hash(password.expose_secret())
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                let db_error =
                    |e: diesel::result::Error| std::io::Error::other(format!("administrator: {e}"));
                // A new password ends the account's logins, as any password change does; the
                // same password (every restart) does not.
                let changed = crate::accounts::auth::queries::find_user_by_email(&mut conn, email)
                    .map_err(db_error)?
                    .filter(|u| {
                        !crate::accounts::auth::password::verify(
                            password.expose_secret(),
                            &u.password_hash,
                        )
                    });
                users::queries::upsert_admin(&mut conn, email, &hash).map_err(db_error)?;
                if let Some(user) = changed {
                    crate::accounts::auth::queries::revoke_user_tokens(
                        &mut conn,
                        user.id,
                        chrono::Utc::now(),
                    )
                    .map_err(db_error)?;
                }
                tracing::info!(%email, "administrator account is set up");
            }
        }
        let listener = TcpListener::bind(settings.bind)?;
        let port = listener.local_addr()?.port();
        let gate = ListenerGate(listener.try_clone()?);
        let readiness = Readiness::default();
        let webhook_attempts = crate::app::metrics::CounterBy::default();
        let relay = match settings.webhooks.relay {
            true => Some(
                crate::webhooks::relay::Relay::new(
                    pool.clone(),
                    settings.webhooks.clone(),
                    settings.public_urls.clone(),
                    settings.locales.clone(),
                    crate::media::links::MediaLinks::new(
                        settings.public_urls.base(),
                        settings.media.presets.clone(),
                    ),
                )
                .map_err(|e| std::io::Error::other(format!("webhook client: {e}")))?
                .listening(settings.database_url.expose_secret())
                .counting(webhook_attempts.clone())
                .start(),
            ),
            false => None,
        };
        let sweeper = settings
            .retention
            .sweep
            .map(|every| {
                crate::content::retention::Sweeper::start(pool.clone(), settings.retention, every)
            })
            .transpose()?;
        let server = run(
            listener,
            pool,
            settings,
            readiness.clone(),
            webhook_attempts,
        )?;
        Ok(Self {
            port,
            server,
            readiness,
            shutdown_drain: settings.http.shutdown_drain,
            gate,
            _relay: relay,
            _sweeper: sweeper,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server is stopped through its handle (tests drop it instead).
    pub async fn run_until_stopped(self) -> Result<(), std::io::Error> {
        self.server.await
    }

    /// Serves until SIGTERM or SIGINT, then stops gracefully: `/readyz` answers 503 at once and
    /// every response asks its client to close the connection; the server keeps accepting for
    /// the drain time (`ORGCMS_SHUTDOWN_DRAIN_SECS`, for load balancers to notice), then stops
    /// accepting, gives the requests it accepted up to `ORGCMS_SHUTDOWN_TIMEOUT_SECS` to finish,
    /// and returns.
    pub async fn run_until_signalled(self) -> Result<(), std::io::Error> {
        let handle = self.server.handle();
        let mut server = self.server;
        tokio::select! {
            result = &mut server => return result,
            signal = stop_signal() => tracing::info!(signal = signal?, "shutting down: not ready any more"),
        }
        self.readiness.begin_shutdown();
        if !self.shutdown_drain.is_zero() {
            tokio::select! {
                result = &mut server => return result,
                () = actix_web::rt::time::sleep(self.shutdown_drain) => {}
            }
        }
        tracing::info!("shutting down: no new connections; finishing the accepted requests");
        self.gate.close().await;
        let stopped = handle.stop(true);
        let result = server.await;
        stopped.await;
        tracing::info!("shut down");
        result
    }
}

/// Closing a listening socket resets every connection whose handshake the kernel finished but
/// the server had not yet accepted: a client that connected a moment before the stop sees a reset
/// instead of a refusal. So the gate first makes the socket drop new handshakes (a socket filter
/// that keeps no packet: such clients retry their SYN and then find the port closed, a clean
/// refusal), lets the accept loop take what is queued, and only then lets the server close it.
struct ListenerGate(std::net::TcpListener);

impl ListenerGate {
    /// How long the accept loop gets to take the connections already queued.
    const SETTLE: std::time::Duration = std::time::Duration::from_millis(100);

    async fn close(self) {
        // BPF_RET | BPF_K with 0: keep zero bytes of every packet, that is drop it.
        const DROP_ALL: socket2::SockFilter = socket2::SockFilter::new(0x06, 0, 0, 0);
        match socket2::SockRef::from(&self.0).attach_filter(&[DROP_ALL]) {
            Ok(()) => {
                // The filter belongs to the socket; this handle can go before the server's.
                drop(self.0);
                actix_web::rt::time::sleep(Self::SETTLE).await;
            }
            Err(error) => tracing::warn!(%error, "could not stop new handshakes before closing"),
        }
    }
}

/// The first SIGTERM or SIGINT.
async fn stop_signal() -> Result<&'static str, std::io::Error> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    })
}

fn run(
    listener: TcpListener,
    pool: DbPool,
    settings: &Settings,
    readiness: Readiness,
    webhook_attempts: crate::app::metrics::CounterBy<crate::app::metrics::Outcome>,
) -> Result<Server, std::io::Error> {
    let spec = openapi();
    let spec_json =
        openapi_json().map_err(|e| std::io::Error::other(format!("OpenAPI document: {e}")))?;
    let route_table = crate::http::routing::RouteTable::from_openapi(&spec);
    let state = web::Data::new(AppState::new(
        settings,
        pool,
        readiness,
        route_table,
        spec_json.into(),
        webhook_attempts,
    )?);
    let workers = settings.workers;
    let cors_origins = settings.cors_origins.clone();
    let http = settings.http;
    let server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .app_data(state.clone())
            .configure(routes)
            .split_for_parts();
        app.route("/openapi.json", web::get().to(serve_openapi))
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .config(utoipa_swagger_ui::Config::from("/openapi.json")),
            )
            .service(web::redirect("/docs", "/docs/"))
            .default_service(web::to(crate::http::routing::fallback))
            .wrap(actix_web::middleware::from_fn(
                crate::http::middleware::response_cache::serve,
            ))
            // Outside the cache, which serves a token's read from memory only if fresh enough.
            .wrap(actix_web::middleware::from_fn(
                crate::http::middleware::consistency::serve,
            ))
            .wrap(actix_web::middleware::from_fn(
                crate::http::middleware::semantics::serve,
            ))
            // Outside the cache: answers from memory are counted too.
            .wrap(actix_web::middleware::from_fn(
                crate::http::middleware::rate_limit::limit,
            ))
            // Before the per-address limit, which a request with an API key does not spend.
            .wrap(actix_web::middleware::from_fn(
                crate::http::middleware::api_keys::authenticate,
            ))
            // Outside the cache (what it stores never depends on `Origin`) and the limits (a
            // 429 is readable by the page that caused it).
            .wrap(actix_web::middleware::Condition::new(
                !cors_origins.is_empty(),
                crate::http::middleware::security::cors(&cors_origins),
            ))
            .wrap(actix_web::middleware::from_fn(
                crate::http::middleware::security::harden,
            ))
            .wrap_fn(request_id_and_access_log)
            .wrap(TracingLogger::default())
    })
    // Signals are handled by `Application::run_until_signalled`, which knows about readiness.
    .disable_signals()
    .shutdown_timeout(http.shutdown_timeout.as_secs())
    .client_request_timeout(http.client_request)
    .client_disconnect_timeout(http.client_disconnect)
    .keep_alive(if http.keep_alive.is_zero() {
        KeepAlive::Disabled
    } else {
        KeepAlive::Timeout(http.keep_alive)
    })
    .listen(listener)?;
    let server = match workers {
        Some(n) => server.workers(n),
        None => server,
    };
    Ok(server.run())
}

/// Echoes the request id that `TracingLogger` gave the request (and its log lines), logs one
/// access line per request inside the request's span, and closes the connection after the
/// response once the process is shutting down.
fn request_id_and_access_log<S, B>(
    req: ServiceRequest,
    service: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let started = std::time::Instant::now();
    let request_id = req.extensions().get::<RequestId>().copied();
    let state = req.app_data::<State>().cloned();
    let in_flight = state.as_ref().map(|state| state.metrics.in_flight());
    let method = req.method().clone();
    let response = service.call(req);
    async move {
        let mut response = response.await?;
        drop(in_flight);
        let readiness = state.as_ref().map(|state| &state.readiness);
        // Asked once the response is ready, so that a request that began before the signal and
        // ends after it closes its connection too.
        if readiness.is_some_and(|r| r.is_stopping()) {
            // Shutting down: the client should take its next request elsewhere.
            response
                .response_mut()
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
        }
        if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("x-request-id"), id);
        }
        let elapsed = started.elapsed();
        if let Some(state) = &state {
            // The pattern of the route that answered; none for the fallback (404, 405), so
            // that no path a client invents becomes a series.
            let route = response.request().match_pattern();
            state
                .metrics
                .observe_request(route, &method, response.status(), elapsed);
        }
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_us = elapsed.as_micros() as u64,
            "request completed"
        );
        Ok(response)
    }
}

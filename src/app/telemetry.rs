//! Structured logs: JSON lines, filtered by `RUST_LOG`, each with the request's span (and so its
//! `request_id`) when it happens inside a request.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests) keeps the first subscriber.
    let _ = fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(std::io::stderr)
        .try_init();
}

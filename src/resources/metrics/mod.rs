//! This node's metrics for a Prometheus server (`app::metrics` has the instruments).

pub mod routes;

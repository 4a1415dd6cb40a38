//! The application: its settings, its one builder, its logs.

pub mod metrics;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;

//! One folder per resource of the API.

pub mod api_keys;
pub mod assets;
pub mod audit;
pub mod changes;
pub mod feeds;
pub mod health;
pub mod metrics;
pub mod missions;
pub mod news;
pub mod objectives;
pub mod organization;
pub mod previews;
pub mod revisions;
pub mod trash;
pub mod webhooks;

use serde::Deserialize;
use utoipa::ToSchema;

pub use crate::accounts::role::Role;

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "editor@example.org",
    "display_name": "News Editor",
    "role": "editor",
    "password": "a long passphrase"
}))]
pub struct CreateUser {
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+$")]
    pub email: String,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000]*$")]
    pub display_name: String,
    pub role: Role,
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 1024, pattern = "^[^\\u0000]*$")]
    pub password: String,
}

/// Changes to an account; absent fields stay as they are. Deactivating revokes the account's
/// refresh tokens, and its access tokens stop working at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "admin", "active": false}))]
pub struct UpdateUser {
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000]*$")]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    #[schema(min_length = 12, max_length = 1024)]
    pub password: Option<String>,
}

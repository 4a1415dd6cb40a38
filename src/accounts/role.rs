//! What an account may do: one type from the database column to the token's claim.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `admin` (everything, accounts included) or `editor` (all content).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    ToSchema,
    AsExpression,
    FromSqlRow,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[diesel(sql_type = Text)]
pub enum Role {
    Admin,
    Editor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
        }
    }
}

impl ToSql<Text, Pg> for Role {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

/// The column has a CHECK constraint; anything else is a corrupt row, an error.
impl FromSql<Text, Pg> for Role {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        match <String as FromSql<Text, Pg>>::from_sql(value)?.as_str() {
            "admin" => Ok(Self::Admin),
            "editor" => Ok(Self::Editor),
            other => Err(format!("unknown role `{other}`").into()),
        }
    }
}

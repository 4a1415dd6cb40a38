//! Rows that PostgreSQL aggregated into one `jsonb` value (`jsonb_agg` of a table's rows), read
//! straight from jsonb's text into the row structs: a document and its parts in one round trip
//! instead of one query per kind of part.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Jsonb;
use serde::de::DeserializeOwned;

/// The rows of one `jsonb_agg` (or `'[]'` when there were none).
#[derive(Debug, FromSqlRow)]
pub struct JsonRows<T>(pub Vec<T>);

impl<T: DeserializeOwned> FromSql<Jsonb, Pg> for JsonRows<T> {
    fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        // jsonb's binary form is a version byte (1) and the JSON text.
        match bytes.as_bytes() {
            [1, json @ ..] => Ok(Self(serde_json::from_slice(json)?)),
            _ => Err("unsupported jsonb encoding version".into()),
        }
    }
}

//! Keyset conditions for cursor paging: "the rows after this key" as an index-friendly row
//! comparison, e.g. `(news.published_at, news.id) < ($1, $2)`, which PostgreSQL answers from a
//! matching index without reading the rows before the key (unlike `OFFSET`).

use diesel::dsl::sql;
use diesel::expression::{AsExpression, BoxableExpression};
use diesel::pg::Pg;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{Bool, SqlType};

/// A boxed condition usable in any query over `QS`.
pub type Condition<QS> = Box<dyn BoxableExpression<QS, Pg, SqlType = Bool>>;

/// `prefix || $1 || ", " || $2 || ")"`, where `prefix` is static SQL of this crate (the columns
/// and the operator, e.g. `"(users.email, users.id) > ("`) and never input; the key is bound.
pub fn row_compare<QS, SA, SB, A, B>(prefix: &'static str, a: A, b: B) -> Condition<QS>
where
    QS: 'static,
    SA: SqlType + diesel::sql_types::SingleValue + 'static,
    SB: SqlType + diesel::sql_types::SingleValue + 'static,
    A: AsExpression<SA>,
    B: AsExpression<SB>,
    A::Expression: QueryFragment<Pg> + Send + 'static,
    B::Expression: QueryFragment<Pg> + Send + 'static,
{
    Box::new(
        sql::<Bool>(prefix)
            .bind::<SA, A>(a)
            .sql(", ")
            .bind::<SB, B>(b)
            .sql(")"),
    )
}

/// A condition that holds for no row (a cursor whose key does not fit the list's order).
pub fn nothing<QS: 'static>() -> Condition<QS> {
    Box::new(sql::<Bool>("FALSE"))
}

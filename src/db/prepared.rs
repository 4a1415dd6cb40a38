//! Statements kept prepared on their connection, for the hot reads.
//!
//! diesel keeps a statement prepared (parsed once, and after a few runs planned once) only when
//! it can prove that the query's SQL is one of a bounded set of texts. It cannot for a query
//! holding raw SQL (`sql::<T>(..)`, `sql_query(..)`), which then costs PostgreSQL a parse and a
//! plan on every run. `prepared(query)` vouches for such a query: every piece of SQL in it is
//! static text of this crate, and every value is a bind parameter, so its texts are as few as
//! the combinations of its filters.
//!
//! Prepared is not yet planned once: PostgreSQL keeps planning a statement for its values
//! (a custom plan) while the plan it would make for any values (the generic plan) looks
//! dearer. Two things make it look dearer than it is, and `page` avoids both: a bound `LIMIT`
//! or `OFFSET` is costed as if it fetched a tenth of the table, so a page has the literal
//! limit and no `OFFSET` on the first page; and a bound "now" makes every time comparison a
//! guess, so the public filters compare with the statement's own `CURRENT_TIMESTAMP`, which
//! the planner reads when it plans.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A query whose SQL is static text with bound values (see the module's comment).
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q> {
    query: Q,
    keep: bool,
    page: Option<Page>,
}

#[derive(Debug, Clone, Copy)]
struct Page {
    limit: i64,
    offset: i64,
}

/// Marks `query` as safe to keep prepared: its SQL must not be built from input.
pub fn prepared<Q>(query: Q) -> Prepared<Q> {
    Prepared {
        query,
        keep: true,
        page: None,
    }
}

/// `prepared(query)` when `keep`; otherwise the query as diesel would run it. A statement kept
/// prepared is planned once for every value of its parameters (PostgreSQL's generic plan,
/// after five runs), which is wrong for a statement whose best plan depends on them: a text
/// search is best answered from the text index when the words are rare, and by reading the
/// newest items in order when they are everywhere.
pub fn prepared_if<Q>(keep: bool, query: Q) -> Prepared<Q> {
    Prepared {
        query,
        keep,
        page: None,
    }
}

impl<Q> Prepared<Q> {
    /// At most `limit` rows after the first `offset`, for a query without a LIMIT of its own.
    /// The limit is part of the SQL text (see the module's comment): it must be a number of this
    /// crate's choosing within a small range (a page size), or the texts would be as many as
    /// its values. The offset is bound, and left out on the first page.
    pub fn page(self, limit: i64, offset: i64) -> Self {
        Self {
            page: Some(Page { limit, offset }),
            ..self
        }
    }
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(pass.reborrow())?;
        if let Some(page) = &self.page {
            pass.push_sql(" LIMIT ");
            pass.push_sql(&page.limit.to_string());
            if page.offset > 0 {
                pass.push_sql(" OFFSET ");
                pass.push_bind_param::<diesel::sql_types::BigInt, _>(&page.offset)?;
            }
        }
        Ok(())
    }

    fn is_safe_to_cache_prepared(&self, backend: &Pg) -> QueryResult<bool> {
        match self.keep {
            true => Ok(true),
            false => self.query.is_safe_to_cache_prepared(backend),
        }
    }
}

/// Cached by its SQL text (and bind types), not by its Rust type.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Prepared<Q> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::news;
    use diesel::prelude::*;

    fn sql<Q: QueryFragment<Pg>>(query: &Q) -> String {
        diesel::debug_query::<Pg, _>(query).to_string()
    }

    #[test]
    fn a_page_has_its_limit_in_the_text_and_an_offset_only_past_the_first_page() {
        let query = || news::table.select(news::id).order(news::id).into_boxed();
        let first = sql(&prepared(query()).page(21, 0));
        assert!(
            first.contains("ORDER BY \"news\".\"id\" LIMIT 21 --"),
            "{first}"
        );
        assert!(!first.contains("OFFSET"), "{first}");
        let third = sql(&prepared(query()).page(21, 40));
        assert!(
            third.contains("LIMIT 21 OFFSET $1 -- binds: [40]"),
            "{third}"
        );
        let unpaged = sql(&prepared(query()));
        assert!(!unpaged.contains("LIMIT"), "{unpaged}");
    }

    #[test]
    fn only_a_kept_query_is_vouched_for() {
        let raw = || diesel::sql_query("SELECT 1");
        assert!(prepared(raw()).is_safe_to_cache_prepared(&Pg).unwrap());
        assert!(!prepared_if(false, raw())
            .is_safe_to_cache_prepared(&Pg)
            .unwrap());
    }
}

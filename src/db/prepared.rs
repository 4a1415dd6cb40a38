//! Statements kept prepared on their connection, for the hot reads.
//!
//! diesel keeps a statement prepared (parsed once, and after a few runs planned once) only when
//! it can prove that the query's SQL is one of a bounded set of texts. It cannot for a query
//! holding raw SQL (`sql::<T>(..)`, `sql_query(..)`), which then costs PostgreSQL a parse and a
//! plan on every run. `prepared(query)` vouches for such a query: every piece of SQL in it is
//! static text of this crate, and every value is a bind parameter, so its texts are as few as
//! the combinations of its filters.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A query whose SQL is static text with bound values (see the module's comment).
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q> {
    query: Q,
    keep: bool,
}

/// Marks `query` as safe to keep prepared: its SQL must not be built from input.
pub fn prepared<Q>(query: Q) -> Prepared<Q> {
    Prepared { query, keep: true }
}

/// `prepared(query)` when `keep`; otherwise the query as diesel would run it. A statement kept
/// prepared is planned once for every value of its parameters (PostgreSQL's generic plan,
/// after five runs), which is wrong for a statement whose best plan depends on them: a text
/// search is best answered from the text index when the words are rare, and by reading the
/// newest items in order when they are everywhere.
pub fn prepared_if<Q>(keep: bool, query: Q) -> Prepared<Q> {
    Prepared { query, keep }
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(pass)
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

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_migrations::MigrationHarness;
use orgcms::db::MIGRATIONS;

use crate::helpers::TestDatabase;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn user_objects(conn: &mut PgConnection) -> i64 {
    diesel::sql_query(
        "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' \
                   AND tablename <> '__diesel_schema_migrations') \
              + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                   WHERE n.nspname = 'public') \
              + (SELECT count(*) FROM pg_sequences WHERE schemaname = 'public') AS n",
    )
    .get_result::<Count>(conn)
    .unwrap()
    .n
}

#[test]
fn every_migration_goes_down_and_up_again() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    assert!(user_objects(&mut conn) > 0);
    conn.revert_all_migrations(MIGRATIONS).unwrap();
    assert_eq!(user_objects(&mut conn), 0, "down.sql leaves nothing behind");
    let applied = orgcms::db::run_migrations(&mut conn).unwrap();
    assert!(!applied.is_empty());
    orgcms::seed::seed(&mut conn).unwrap();
    assert!(
        orgcms::db::run_migrations(&mut conn).unwrap().is_empty(),
        "nothing pending"
    );
}

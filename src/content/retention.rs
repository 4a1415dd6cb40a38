//! What the editors' safety net keeps: every revision that was public, the pinned ones, and the
//! newest `revisions_keep` others of each item (the write engine prunes an item's as it writes
//! it; the sweep catches up after the setting changes); deleted items for `trash_days`. The
//! sweep runs on every node (`Sweeper`, each `sweep` interval) and as `orgcms retention-sweep`;
//! two nodes sweeping at once only delete the same rows.

use std::sync::mpsc;
use std::time::Duration;

use diesel::PgConnection;

use crate::app::settings::RetentionSettings;
use crate::db::DbPool;
use crate::resources::{revisions, trash};

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub revisions_pruned: usize,
    pub items_purged: usize,
}

/// Prunes revisions and purges the trash as `settings` say.
pub fn sweep(conn: &mut PgConnection, settings: &RetentionSettings) -> diesel::QueryResult<Swept> {
    use diesel::Connection;
    conn.transaction(|conn| {
        // In line with the writes (whose pruning deletes the same rows) and with the other
        // nodes' sweeps: no deadlock, only a wait.
        crate::resources::changes::queries::lock_content(conn)?;
        let before = chrono::Utc::now() - chrono::Duration::days(i64::from(settings.trash_days));
        let items_purged = trash::queries::purge_before(conn, before)?;
        let revisions_pruned = revisions::queries::prune_all(conn, settings.revisions_keep)?;
        Ok(Swept {
            revisions_pruned,
            items_purged,
        })
    })
}

/// The periodic sweep of one node; it stops when dropped.
pub struct Sweeper {
    _stop: mpsc::Sender<()>,
}

impl Sweeper {
    pub fn start(
        pool: DbPool,
        settings: RetentionSettings,
        every: Duration,
    ) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("orgcms-retention".into())
            .spawn(move || {
                // Every message or a closed channel means stop; a timeout means sweep.
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    let swept = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                        sweep(&mut conn, &settings).map_err(|e| e.to_string())
                    });
                    match swept {
                        Ok(swept) if swept != Swept::default() => {
                            tracing::info!(?swept, "retention sweep")
                        }
                        Ok(_) => {}
                        Err(error) => tracing::warn!(%error, "retention sweep failed"),
                    }
                }
            })?;
        Ok(Self { _stop: stop })
    }
}

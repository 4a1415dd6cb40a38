//! One page of the change feed: which items, in which order, in which state, and where the next
//! page starts.
//!
//! Two things change what the public sees. Writes: every one is in the change log (`seq`, commit
//! order), and the page gives each logged item's current state. And the clock: a scheduled news
//! item turns public when its time comes, without a write; the cursor remembers up to which
//! `(published_at, id)` the reader has been told, and the page adds the items that turned public
//! since (after the logged ones). An item is in a page at most once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use uuid::Uuid;

use super::cursor::{Cursor, NewsKey};
use super::dto::Resource;
use super::queries::{self, ChangeRow};
use crate::http::error::ApiError;
use crate::resources::missions::queries::MissionDocument;
use crate::resources::news::queries::NewsWithMission;
use crate::resources::objectives::queries::ObjectiveRow;
use crate::resources::organization::queries::OrganizationRow;

/// The public state of an item.
#[derive(Debug)]
pub enum State {
    Organization(OrganizationRow),
    Objective(ObjectiveRow),
    Mission(Box<MissionDocument>),
    News(Box<NewsWithMission>),
}

/// An item of the page: its public state, or None when it is gone or not public.
#[derive(Debug)]
pub struct Entry {
    pub resource: Resource,
    pub id: Uuid,
    pub state: Option<State>,
}

#[derive(Debug)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub next: Cursor,
    pub has_more: bool,
}

/// The current time as PostgreSQL keeps it (microseconds), so that the cursor names exactly the
/// instant the queries compared with.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The page after `since`, of at most `limit` entries, as of `now`. Run it in one repeatable-read
/// transaction so that the log and the items are read from the same snapshot. `known_latest` is
/// a position the log is known to have reached (the content clock's), if any: a cursor at or
/// before it needs no look at the log's end.
pub fn page(
    conn: &mut PgConnection,
    since: &Cursor,
    limit: usize,
    now: DateTime<Utc>,
    known_latest: Option<i64>,
) -> Result<Page, ApiError> {
    let behind_known = known_latest.is_some_and(|latest| since.seq <= latest);
    if !behind_known && since.seq > queries::latest_seq(conn)? {
        return Err(ApiError::validation(
            "since",
            "is ahead of the change log: a cursor of another server or an older database; \
             sync again from the start (without `since`)",
        ));
    }
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let mut logged = queries::changed_after(conn, since.seq, fetch)?;
    let more_logged = logged.len() > limit;
    logged.truncate(limit);
    let seq = logged.last().map_or(since.seq, |c| c.seq);
    let mut entries = current_states(conn, &logged, now)?;
    if more_logged {
        // The items that turned public wait until the log is read to its end.
        return Ok(Page {
            entries,
            next: Cursor {
                seq,
                published: since.published,
            },
            has_more: true,
        });
    }
    let candidates = crate::resources::news::queries::public_after(
        conn,
        since.published.at,
        since.published.id,
        now,
        fetch,
    )?;
    let complete = candidates.len() < limit + 1;
    let in_page: HashSet<Uuid> = entries
        .iter()
        .filter(|e| e.resource == Resource::News)
        .map(|e| e.id)
        .collect();
    let keyed = candidates
        .into_iter()
        .filter_map(|n| {
            let at = n.news.head.published_at?;
            Some((
                NewsKey {
                    at,
                    id: n.news.head.id,
                },
                n,
            ))
        })
        .collect();
    let window = take_turned_public(
        keyed,
        &in_page,
        limit - entries.len(),
        since.published,
        complete,
    );
    entries.extend(window.items.into_iter().map(|n| Entry {
        resource: Resource::News,
        id: n.news.head.id,
        state: Some(State::News(Box::new(n))),
    }));
    Ok(Page {
        entries,
        next: Cursor {
            seq,
            published: window.through,
        },
        has_more: window.has_more,
    })
}

/// The logged items in log order, each with its current public state.
fn current_states(
    conn: &mut PgConnection,
    logged: &[ChangeRow],
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, ApiError> {
    let mut items: Vec<(Resource, Uuid)> = Vec::with_capacity(logged.len());
    for change in logged {
        let resource = Resource::from_db(&change.resource).ok_or_else(|| {
            ApiError::Internal(format!("unknown resource {} in the log", change.resource))
        })?;
        items.push((resource, change.item_id));
    }
    let ids = |kind: Resource| -> Vec<Uuid> {
        items
            .iter()
            .filter(|(r, _)| *r == kind)
            .map(|(_, id)| *id)
            .collect()
    };
    let mut states: HashMap<(Resource, Uuid), State> = HashMap::new();
    if !ids(Resource::Organization).is_empty() {
        // A singleton: the logged id is the profile's if the profile still has it.
        if let Some(row) = crate::resources::organization::queries::find(conn)? {
            states.insert((Resource::Organization, row.id), State::Organization(row));
        }
    }
    for row in crate::resources::objectives::queries::find_many(conn, &ids(Resource::Objective))? {
        states.insert((Resource::Objective, row.id), State::Objective(row));
    }
    for doc in crate::resources::missions::queries::find_many(conn, &ids(Resource::Mission))? {
        states.insert(
            (Resource::Mission, doc.mission.id),
            State::Mission(Box::new(doc)),
        );
    }
    for row in crate::resources::news::queries::find_public_many(conn, &ids(Resource::News), now)? {
        states.insert(
            (Resource::News, row.news.head.id),
            State::News(Box::new(row)),
        );
    }
    Ok(items
        .into_iter()
        .map(|(resource, id)| Entry {
            resource,
            id,
            state: states.remove(&(resource, id)),
        })
        .collect())
}

/// What a page takes of the news items that turned public after the cursor.
#[derive(Debug, PartialEq)]
struct TurnedPublic<T> {
    items: Vec<T>,
    /// Everything up to here is delivered: the next page's cursor.
    through: NewsKey,
    has_more: bool,
}

/// Takes items from `candidates` (in key order, after `from`) while there is `room`, skipping
/// those already in the page (they are there in their current state); `complete` says that the
/// candidates are all there are. The position moves past every item it took or skipped, and no
/// further: an unchanged feed gives an unchanged cursor (and ETag).
fn take_turned_public<T>(
    candidates: Vec<(NewsKey, T)>,
    in_page: &HashSet<Uuid>,
    room: usize,
    from: NewsKey,
    complete: bool,
) -> TurnedPublic<T> {
    let mut taken = Vec::new();
    let mut through = from;
    for (key, item) in candidates {
        if !in_page.contains(&key.id) {
            if taken.len() == room {
                return TurnedPublic {
                    items: taken,
                    through,
                    has_more: true,
                };
            }
            taken.push(item);
        }
        through = key;
    }
    TurnedPublic {
        items: taken,
        through,
        has_more: !complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(second: i64, id: u128) -> NewsKey {
        NewsKey {
            at: DateTime::from_timestamp(1_700_000_000 + second, 0).unwrap(),
            id: Uuid::from_u128(id),
        }
    }

    fn candidates(keys: &[NewsKey]) -> Vec<(NewsKey, u128)> {
        keys.iter().map(|k| (*k, k.id.as_u128())).collect()
    }

    #[test]
    fn nothing_new_keeps_the_position() {
        let from = key(0, 5);
        let got = take_turned_public::<u128>(vec![], &HashSet::new(), 10, from, true);
        assert_eq!(
            got,
            TurnedPublic {
                items: vec![],
                through: from,
                has_more: false
            }
        );
    }

    #[test]
    fn takes_in_order_and_moves_past_what_it_took() {
        let keys = [key(1, 1), key(1, 2), key(2, 1)];
        let got = take_turned_public(candidates(&keys), &HashSet::new(), 10, key(0, 0), true);
        assert_eq!(got.items, vec![1, 2, 1]);
        assert_eq!(got.through, key(2, 1));
        assert!(!got.has_more);
    }

    #[test]
    fn items_already_in_the_page_are_skipped_but_passed() {
        let keys = [key(1, 1), key(2, 2), key(3, 3)];
        let in_page: HashSet<Uuid> = [Uuid::from_u128(2), Uuid::from_u128(3)].into();
        let got = take_turned_public(candidates(&keys), &in_page, 10, key(0, 0), true);
        assert_eq!(got.items, vec![1]);
        assert_eq!(
            got.through,
            key(3, 3),
            "a skipped item is not offered again on the next page"
        );
    }

    #[test]
    fn stops_when_the_page_is_full() {
        let keys = [key(1, 1), key(2, 2), key(3, 3)];
        let got = take_turned_public(candidates(&keys), &HashSet::new(), 2, key(0, 0), true);
        assert_eq!(got.items, vec![1, 2]);
        assert_eq!(got.through, key(2, 2));
        assert!(got.has_more);
        let none = take_turned_public(candidates(&keys), &HashSet::new(), 0, key(0, 0), true);
        assert!(none.items.is_empty());
        assert_eq!(none.through, key(0, 0));
        assert!(none.has_more);
        // A full page followed only by skipped items is not "more".
        let in_page: HashSet<Uuid> = [Uuid::from_u128(3)].into();
        let exact = take_turned_public(candidates(&keys), &in_page, 2, key(0, 0), true);
        assert_eq!(exact.items, vec![1, 2]);
        assert!(!exact.has_more);
    }

    #[test]
    fn an_incomplete_list_of_candidates_means_more() {
        let keys = [key(1, 1)];
        let got = take_turned_public(candidates(&keys), &HashSet::new(), 5, key(0, 0), false);
        assert_eq!(got.items, vec![1]);
        assert!(got.has_more);
    }

    #[test]
    fn the_start_delivers_nothing_by_the_clock() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let start = Cursor::start(now);
        assert_eq!(start.seq, 0);
        assert!(key(0, u128::MAX - 1) < start.published);
        assert!(start.published < key(1, 0));
    }

    #[test]
    fn now_has_microseconds_only() {
        assert_eq!(now().timestamp_subsec_nanos() % 1000, 0);
    }
}

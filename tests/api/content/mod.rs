//! The content the CMS serves and edits: the organization, its objectives, missions and news,
//! read in every locale and page, searched, fed and followed by the change feed.

mod changes;
mod content_writes;
mod feeds;
mod locales;
mod missions;
mod news;
mod news_writes;
mod objectives;
mod organization;
mod paging;
mod previews;
mod revisions;
mod search;
mod search_limits;
mod superlinear;
mod trash;

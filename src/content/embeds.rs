//! Images of the media library in Markdown bodies: `![alt](asset:<id>)`. A write checks that
//! each embedded asset exists and is an image, records the use (so the asset cannot be deleted
//! under the body), and renders it as an `<img>` with its size, its `srcset` and its alt text
//! (the Markdown's, else the asset's in the body's locale). The HTML is rendered at the write,
//! like the rest of the body: the file a link names never changes, so neither does the `<img>`.

use std::collections::HashMap;

use diesel::PgConnection;
use uuid::Uuid;

use crate::content::locale::Localized;
use crate::content::markdown::{embedded_assets, render_localized_with};
use crate::http::error::ApiError;
use crate::media::kind::AssetKind;
use crate::media::links::MediaLinks;
use crate::resources::assets::queries::{self, AssetRow};

/// The `sizes` of an embedded image: the page's width up to the largest variant's.
const SIZES: &str = "(max-width: 1600px) 100vw, 1600px";

/// The asset `id` that `field` references: it must exist and be a raster image.
pub fn check_image(conn: &mut PgConnection, field: &str, id: Uuid) -> Result<AssetRow, ApiError> {
    let row = queries::find(conn, id)?
        .ok_or_else(|| ApiError::validation(field, format!("no asset has the id {id}")))?;
    if row.kind != AssetKind::Image.as_str() {
        return Err(ApiError::validation(
            field,
            format!("asset {id} is a {}, not an image", row.kind),
        ));
    }
    Ok(row)
}

/// The uses of the assets a localized body embeds: `("<field>.<locale>", id)`, each checked.
pub fn body_uses(
    conn: &mut PgConnection,
    field: &str,
    body: &Localized,
) -> Result<Vec<(String, Uuid)>, ApiError> {
    let mut uses = Vec::new();
    for (locale, text) in &body.0 {
        let name = format!("{field}.{locale}");
        for id in embedded_assets(text) {
            check_image(conn, &name, id)?;
            uses.push((name.clone(), id));
        }
    }
    Ok(uses)
}

/// The body's HTML, every locale, with its embedded images.
pub fn render_body(
    conn: &mut PgConnection,
    body: &Localized,
    links: &MediaLinks,
) -> Result<Localized, ApiError> {
    let ids: Vec<Uuid> = body.0.values().flat_map(|t| embedded_assets(t)).collect();
    let assets: HashMap<Uuid, AssetRow> = if ids.is_empty() {
        HashMap::new()
    } else {
        queries::find_many(conn, &ids)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect()
    };
    Ok(render_localized_with(body, &|locale, id, alt| {
        assets.get(&id).map(|asset| img(asset, locale, alt, links))
    }))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// The `<img>` of an asset: the largest width-only variant as `src` (the file itself when it has
/// none), every width-only variant in `srcset`.
fn img(asset: &AssetRow, locale: &str, alt: &str, links: &MediaLinks) -> String {
    let image = links.of(&asset.link_facts());
    let alt = if alt.trim().is_empty() {
        asset
            .alt
            .0
            .get(locale)
            .or_else(|| asset.alt.0.values().next())
            .cloned()
            .unwrap_or_default()
    } else {
        alt.to_owned()
    };
    let widest = image
        .variants
        .iter()
        .filter(|v| image.srcset.as_deref().is_some_and(|s| s.contains(&v.url)))
        .max_by_key(|v| v.width);
    let (src, width, height) = match widest {
        Some(v) => (v.url.clone(), Some(v.width), Some(v.height)),
        None => (image.url.clone(), image.width, image.height),
    };
    let mut html = format!("<img src=\"{}\" alt=\"{}\"", escape(&src), escape(&alt));
    if let (Some(w), Some(h)) = (width, height) {
        html.push_str(&format!(" width=\"{w}\" height=\"{h}\""));
    }
    if let Some(srcset) = &image.srcset {
        html.push_str(&format!(" srcset=\"{}\" sizes=\"{SIZES}\"", escape(srcset)));
    }
    html.push_str(" loading=\"lazy\" decoding=\"async\">");
    html
}

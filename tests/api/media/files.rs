//! The files and variants of assets as clients fetch them: content types, caching, ranges,
//! privacy, inert SVG, location metadata gone from everything served.

use std::io::Cursor;

use super::{on_both_backends, path_of, publish_with_cover, upload, upload_photo};
use crate::helpers::media::{has_location, jpeg_with_gps, pdf, SVG_WITH_SCRIPT};
use crate::helpers::TestApp;

fn dimensions(bytes: &[u8]) -> (u32, u32) {
    let image = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .unwrap()
        .decode()
        .unwrap();
    (image.width(), image.height())
}

on_both_backends! {
    async fn no_location_metadata_reaches_anyone(app: TestApp) {
        let editor = app.as_editor().await;
        let photo = jpeg_with_gps(1200, 800, 1);
        assert!(has_location(&photo), "the test file carries a position");
        let asset = upload(&editor, photo, "image/jpeg", "street.jpg").await;
        let slug = publish_with_cover(&app, &editor, &asset).await;
        let news = app.anon().get(&format!("/api/v1/news/{slug}")).good().await;
        let cover = &news["cover_image"];
        let original = app.anon().get(&path_of(cover["url"].as_str().unwrap())).await;
        assert_eq!(original.status(), 200);
        let bytes = original.bytes().await;
        assert!(!has_location(&bytes), "the original is served without its position");
        assert_eq!(dimensions(&bytes), (1200, 800));
        for variant in cover["variants"].as_array().unwrap() {
            for accept in ["image/webp,image/*", "image/jpeg"] {
                let served = app
                    .anon()
                    .get(&path_of(variant["url"].as_str().unwrap()))
                    .header("Accept", accept)
                    .await;
                assert_eq!(served.status(), 200, "{variant}");
                let bytes = served.bytes().await;
                assert!(!has_location(&bytes), "{variant} carries no position");
            }
        }
    }

    async fn a_variant_is_rendered_once_and_kept(app: TestApp) {
        let editor = app.as_editor().await;
        let asset = upload(&editor, crate::helpers::media::jpeg(2000, 1000), "image/jpeg", "wide.jpg").await;
        let card = asset["links"]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["preset"] == "card")
            .unwrap()
            .clone();
        assert_eq!((card["width"].as_u64(), card["height"].as_u64()), (Some(640), Some(320)));
        let path = path_of(card["url"].as_str().unwrap());
        assert!(path.contains("format=auto"));
        // Ten at once: one render, ten equal answers.
        let requests = (0..10).map(|_| editor.get(&path).header("Accept", "image/webp").send());
        let answers = futures_util::future::join_all(requests).await;
        let mut bodies = Vec::new();
        for answer in answers {
            assert_eq!(answer.status(), 200);
            assert_eq!(answer.header("content-type"), "image/webp");
            assert_eq!(answer.header("vary"), "Accept");
            bodies.push(answer.bytes().await);
        }
        assert!(bodies.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(dimensions(&bodies[0]), (640, 320));
        let mut conn = app.conn();
        use diesel::prelude::*;
        let rows: i64 = orgcms::db::schema::asset_variants::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(rows, 1);
        // A client without WebP gets the original's format; a second request is served stored.
        let jpeg = editor.get(&path).header("Accept", "image/png,image/jpeg").await;
        assert_eq!(jpeg.header("content-type"), "image/jpeg");
        let etag = jpeg.etag();
        assert_eq!(dimensions(&jpeg.bytes().await), (640, 320));
        let again = editor.get(&path).header("Accept", "image/jpeg").if_none_match(&etag).await;
        assert_eq!(again.status(), 304);
    }

    async fn a_pdf_is_served_in_ranges(app: TestApp) {
        let editor = app.as_editor().await;
        let doc = pdf();
        let asset = editor
            .post_raw("/api/v1/assets?file_name=report.pdf", "application/pdf", doc.clone())
            .success()
            .await;
        let path = path_of(asset["links"]["url"].as_str().unwrap());
        let whole = editor.get(&path).await;
        assert_eq!(whole.header("content-type"), "application/pdf");
        assert_eq!(whole.header("accept-ranges"), "bytes");
        assert_eq!(whole.bytes().await, doc);
        let part = editor.get(&path).header("Range", "bytes=0-7").await;
        assert_eq!(part.status(), 206);
        assert_eq!(part.header("content-range"), format!("bytes 0-7/{}", doc.len()));
        assert_eq!(part.bytes().await, b"%PDF-1.4");
        let tail = editor.get(&path).header("Range", "bytes=-6").await;
        assert_eq!(tail.status(), 206);
        assert_eq!(tail.bytes().await, doc[doc.len() - 6..].to_vec());
        editor.get(&path).header("Range", "bytes=100000-").problem(416).await;
        // A range of another file version is answered whole.
        let other = editor.get(&path).header("Range", "bytes=0-7").header("If-Range", "\"other\"").await;
        assert_eq!(other.status(), 200);
    }
}

#[tokio::test]
async fn an_svg_is_served_inert_and_never_rasterised() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let asset = upload(
        &editor,
        SVG_WITH_SCRIPT.as_bytes().to_vec(),
        "image/svg+xml",
        "logo.svg",
    )
    .await;
    assert_eq!(asset["kind"], "vector");
    assert!(asset["links"]["variants"].as_array().unwrap().is_empty());
    let path = path_of(asset["links"]["url"].as_str().unwrap());
    let served = editor.get(&path).await;
    assert_eq!(served.header("content-type"), "image/svg+xml");
    assert!(served
        .header("content-disposition")
        .starts_with("attachment"));
    let csp = served.header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
    assert_eq!(served.header("x-content-type-options"), "nosniff");
    editor
        .get(&format!("{path}?preset=card"))
        .problem(400)
        .await;
}

#[tokio::test]
async fn files_are_public_only_while_public_content_shows_them() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let asset = upload_photo(&editor).await;
    let path = path_of(asset["links"]["url"].as_str().unwrap());
    let private = editor.get(&path).await;
    assert_eq!(private.header("cache-control"), "private, no-store");
    app.anon().get(&path).problem(404).await;
    let slug = publish_with_cover(&app, &editor, &asset).await;
    let public = app.anon().get(&path).await;
    assert_eq!(public.status(), 200);
    assert_eq!(
        public.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        public.header("etag"),
        format!("\"{}\"", asset["sha256"].as_str().unwrap())
    );
    let meta = app
        .anon()
        .get(&format!("/api/v1/assets/{}", asset["id"].as_str().unwrap()))
        .good()
        .await;
    assert_eq!(meta["alt"], "An image");
    assert!(meta.get("storage_key").is_none());
    // Unpublished: gone for readers again.
    let news = editor.get(&format!("/api/v1/news/{slug}")).await;
    let etag = news.etag();
    editor
        .patch(
            &format!("/api/v1/news/{slug}"),
            serde_json::json!({"status": "draft"}),
        )
        .if_match(&etag)
        .good()
        .await;
    app.anon().get(&path).problem(404).await;
    // A wrong hash names no file.
    let wrong = path.replace(asset["sha256"].as_str().unwrap(), &"0".repeat(64));
    editor.get(&wrong).problem(404).await;
}

#[tokio::test]
async fn variant_parameters_come_from_the_allow_lists() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let asset = upload_photo(&editor).await;
    let path = path_of(asset["links"]["url"].as_str().unwrap());
    let ok = editor.get(&format!("{path}?w=320&format=png")).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.header("content-type"), "image/png");
    assert_eq!(dimensions(&ok.bytes().await), (320, 240));
    let square = editor
        .get(&format!("{path}?w=160&h=160&fit=cover&format=jpeg&q=60"))
        .await;
    assert_eq!(dimensions(&square.bytes().await), (160, 160));
    for bad in [
        "w=321",
        "w=0",
        "w=-1",
        "w=99999999999",
        "h=abc",
        "fit=stretch",
        "format=bmp",
        "q=101",
        "q=55",
        "preset=huge",
        "preset=card&w=320",
        "colour=red",
        "w=320&w=640",
        "w=",
        "fp=0.50,0.50",
    ] {
        let refused = editor.get(&format!("{path}?{bad}")).send().await;
        assert!(
            refused.status() == 400 || refused.status() == 404,
            "{bad}: {}",
            refused.status()
        );
    }
}

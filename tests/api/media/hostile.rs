//! Hostile uploads: lying types, polyglots, bombs, truncated and oversize files, broken forms,
//! names with folders and control characters. Each is refused with a clear problem, never a
//! 500, and leaves nothing behind.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use super::upload;
use crate::helpers::media::{form, jpeg, png};
use crate::helpers::{Client, TestApp};

fn crc(bytes: &[u8]) -> [u8; 4] {
    crc32fast::hash(bytes).to_be_bytes()
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc(&typed));
    out
}

/// A few KiB of PNG that claims 60 000 x 60 000 pixels.
fn png_bomb() -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &[0x78, 0x9c].repeat(2500)));
    out.extend(chunk(b"IEND", &[]));
    out
}

async fn assets_count(editor: &Client) -> usize {
    editor.get("/api/v1/assets").good().await["data"]
        .as_array()
        .unwrap()
        .len()
}

async fn refused(
    editor: &Client,
    query: &str,
    content_type: &str,
    bytes: Vec<u8>,
    status: u16,
) -> serde_json::Value {
    let response = editor
        .post_raw(&format!("/api/v1/assets?{query}"), content_type, bytes)
        .send()
        .await;
    response.problem(status).await
}

#[tokio::test]
async fn types_are_decided_by_the_bytes() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let lie = refused(
        &editor,
        "file_name=holiday.png&alt.en=x",
        "image/png",
        jpeg(20, 20),
        422,
    )
    .await;
    let detail = lie["detail"].as_str().unwrap();
    assert!(
        detail.contains("holiday.png") && detail.contains("image/jpeg"),
        "{detail}"
    );
    let html = b"<!doctype html><html><script>alert(1)</script></html>".to_vec();
    refused(
        &editor,
        "file_name=page.jpg&alt.en=x",
        "image/jpeg",
        html.clone(),
        422,
    )
    .await;
    refused(&editor, "file_name=page.html", "text/html", html, 415).await;
    refused(
        &editor,
        "file_name=empty.jpg&alt.en=x",
        "image/jpeg",
        Vec::new(),
        422,
    )
    .await;
    let mut truncated = jpeg(200, 200);
    truncated.truncate(300);
    refused(
        &editor,
        "file_name=cut.jpg&alt.en=x",
        "image/jpeg",
        truncated,
        422,
    )
    .await;
    // A GIF signature in front of a script is no GIF.
    refused(
        &editor,
        "file_name=x.gif&alt.en=x",
        "image/gif",
        b"GIF89a/*<script>alert(1)</script>*/".to_vec(),
        422,
    )
    .await;
    // An SVG that declares entities (billion laughs) is refused.
    let laughs = b"<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&a;</svg>".to_vec();
    refused(
        &editor,
        "file_name=l.svg&alt.en=x",
        "image/svg+xml",
        laughs,
        422,
    )
    .await;
    refused(
        &editor,
        "file_name=x.jpg",
        "multipart/mixed; boundary=x",
        jpeg(10, 10),
        415,
    )
    .await;
    let none = editor
        .request(reqwest::Method::POST, "/api/v1/assets?file_name=x.jpg")
        .send()
        .await;
    none.problem(415).await;
    assert_eq!(assets_count(&editor).await, 0);
    // A JPEG with a page appended is a JPEG, and is served as one, never sniffed.
    let mut polyglot = jpeg(20, 20);
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let asset = upload(&editor, polyglot, "image/jpeg", "polyglot.jpg").await;
    let served = editor
        .get(&super::path_of(asset["links"]["url"].as_str().unwrap()))
        .await;
    assert_eq!(served.header("content-type"), "image/jpeg");
    assert_eq!(served.header("x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_from_its_header() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let bomb = png_bomb();
    assert!(bomb.len() < 6 * 1024);
    let problem = refused(
        &editor,
        "file_name=bomb.png&alt.en=x",
        "image/png",
        bomb,
        422,
    )
    .await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("bomb.png") && detail.contains("60000"),
        "{detail}"
    );
    // Larger than the dimension limit but within the pixels.
    let tall = png(10, 13_000);
    refused(
        &editor,
        "file_name=tall.png&alt.en=x",
        "image/png",
        tall,
        422,
    )
    .await;
    assert_eq!(assets_count(&editor).await, 0);
}

#[tokio::test]
async fn an_upload_over_the_byte_limit_is_refused_before_it_is_read() {
    let app = TestApp::builder()
        .env("ORGCMS_MEDIA_MAX_UPLOAD_BYTES", "20000")
        .spawn()
        .await;
    let editor = app.as_editor().await;
    let big = crate::helpers::media::encode(
        &crate::helpers::media::noise(100, 100),
        image::ImageFormat::Png,
    );
    assert!(big.len() > 20_000);
    refused(
        &editor,
        "file_name=big.png&alt.en=x",
        "image/png",
        big.clone(),
        413,
    )
    .await;
    let (content_type, body) = form(&[
        ("alt.en", None, b"x".as_slice()),
        ("file", Some(("big.png", "image/png")), big.as_slice()),
    ]);
    let response = editor
        .post_raw("/api/v1/assets", &content_type, body)
        .send()
        .await;
    response.problem(413).await;
    // The JSON limit is another one: a 20 KB file is not a 20 KB JSON body.
    upload(&editor, png(40, 40), "image/png", "small.png").await;
    assert_eq!(assets_count(&editor).await, 1);
}

#[tokio::test]
async fn broken_forms_get_problems() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let photo = jpeg(16, 16);
    let cases: Vec<(String, Vec<u8>, u16)> = vec![
        // No boundary.
        ("multipart/form-data".into(), b"--x\r\n\r\n".to_vec(), 400),
        // A form without a file.
        {
            let (ct, body) = form(&[("alt.en", None, b"x".as_slice())]);
            (ct, body, 400)
        },
        // Two files.
        {
            let (ct, body) = form(&[
                ("alt.en", None, b"x".as_slice()),
                ("file", Some(("a.jpg", "image/jpeg")), photo.as_slice()),
                ("file", Some(("b.jpg", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 400)
        },
        // An unknown field.
        {
            let (ct, body) = form(&[
                ("colour", None, b"red".as_slice()),
                ("file", Some(("a.jpg", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 400)
        },
        // A field given twice.
        {
            let (ct, body) = form(&[
                ("alt.en", None, b"x".as_slice()),
                ("alt.en", None, b"y".as_slice()),
                ("file", Some(("a.jpg", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 400)
        },
        // A field that is not text.
        {
            let (ct, body) = form(&[
                ("title", None, [0xff, 0xfe].as_slice()),
                ("alt.en", None, b"x".as_slice()),
                ("file", Some(("a.jpg", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 422)
        },
        // A field too long.
        {
            let long = vec![b'a'; 17 * 1024];
            let (ct, body) = form(&[
                ("title", None, long.as_slice()),
                ("alt.en", None, b"x".as_slice()),
                ("file", Some(("a.jpg", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 422)
        },
        // A focal point of another shape than `x,y` (the form's pattern).
        {
            let (ct, body) = form(&[
                ("alt.en", None, b"x".as_slice()),
                ("focal_point", None, b"null".as_slice()),
                ("file", Some(("a.jpg", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 400)
        },
        // A focal point of that shape, outside the image.
        {
            let (ct, body) = form(&[
                ("alt.en", None, b"x".as_slice()),
                ("focal_point", None, b"1.5, 0".as_slice()),
                ("file", Some(("a.jpg", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 422)
        },
        // A `metadata` field that is no JSON.
        {
            let (ct, body) = form(&[
                ("metadata", None, b"{alt: x}".as_slice()),
                ("file", Some(("a.jpg", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 422)
        },
        // A name that is only a folder.
        {
            let (ct, body) = form(&[
                ("alt.en", None, b"x".as_slice()),
                ("file", Some(("../", "image/jpeg")), photo.as_slice()),
            ]);
            (ct, body, 422)
        },
    ];
    for (content_type, mut body, status) in cases {
        let response = editor
            .post_raw("/api/v1/assets", &content_type, body.clone())
            .send()
            .await;
        response.problem(status).await;
        // Cut short anywhere: still a problem, never a 500.
        body.truncate(body.len() / 2);
        let response = editor
            .post_raw("/api/v1/assets", &content_type, body)
            .send()
            .await;
        assert!(
            (400..500).contains(&response.status().as_u16()),
            "{}",
            response.status()
        );
    }
    assert_eq!(assets_count(&editor).await, 0);
}

#[tokio::test]
async fn names_lose_their_folders_and_control_characters_are_refused() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let photo = jpeg(16, 16);
    let (ct, body) = form(&[
        ("alt.en", None, b"x".as_slice()),
        (
            "file",
            Some(("../../etc/passwd.jpg", "image/jpeg")),
            photo.as_slice(),
        ),
    ]);
    let created = editor.post_raw("/api/v1/assets", &ct, body).success().await;
    assert_eq!(created["file_name"], "passwd.jpg");
    let created = upload(
        &editor,
        photo.clone(),
        "image/jpeg",
        "..\\..\\windows\\win.jpg",
    )
    .await;
    assert_eq!(created["file_name"], "win.jpg");
    for name in ["a%00.jpg", "a%0A.jpg", "a%1B.jpg", "%2E%2E"] {
        refused(
            &editor,
            &format!("file_name={name}&alt.en=x"),
            "image/jpeg",
            photo.clone(),
            422,
        )
        .await;
    }
    // No name at all, in the query or a Content-Disposition.
    refused(&editor, "alt.en=x", "image/jpeg", photo.clone(), 422).await;
    // Content-Disposition names it too (RFC 8187 for non-ASCII).
    let created = editor
        .post_raw("/api/v1/assets?alt.en=x", "image/jpeg", photo)
        .header(
            "Content-Disposition",
            "attachment; filename*=UTF-8''%D0%9A%D0%B8%D1%97%D0%B2.jpg",
        )
        .success()
        .await;
    assert_eq!(created["file_name"], "Київ.jpg");
}

#[tokio::test]
async fn mangled_images_never_get_a_server_error() {
    let app = TestApp::new().await;
    let editor = app.as_editor().await;
    let seeds = [jpeg(32, 24), png(32, 24)];
    let mut runner = TestRunner::deterministic();
    let mangle = (
        0usize..2,
        proptest::collection::vec((0usize..4096, proptest::num::u8::ANY), 1..8),
        0usize..4096,
    );
    for _ in 0..48 {
        let (seed, flips, cut) = mangle.new_tree(&mut runner).unwrap().current();
        let mut bytes = seeds[seed].clone();
        for (at, value) in flips {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        bytes.truncate(cut.max(1).min(bytes.len()));
        let response = editor
            .post_raw(
                "/api/v1/assets?file_name=m.jpg&alt.en=x",
                "application/octet-stream",
                bytes,
            )
            .send()
            .await;
        let status = response.status().as_u16();
        assert!(
            status == 201 || (400..500).contains(&status),
            "status {status}"
        );
    }
}

//! Executes every example of docs/API-GUIDE.md, in order, against a seeded server.

use std::collections::HashMap;

use crate::helpers::TestApp;

const GUIDE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/API-GUIDE.md"));

/// The fenced blocks of a Markdown text: (language, content).
fn fenced_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in markdown.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_owned(), Vec::new())),
            (Some(_), Some(_)) => {
                if let Some((lang, lines)) = current.take() {
                    blocks.push((lang, lines.join("\n")));
                }
            }
            (Some((_, lines)), None) => lines.push(line),
            (None, None) => {}
        }
    }
    blocks
}

fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_owned();
    for name in names {
        out = out.replace(&format!("${name}"), &vars[name]);
    }
    out
}

#[tokio::test]
async fn every_example_of_the_api_guide_holds() {
    let app = TestApp::seeded().await;
    let hash = orgcms::accounts::auth::password::hash("a guide passphrase").unwrap();
    orgcms::accounts::users::queries::insert(
        &mut app.conn(),
        "guide@example.org",
        "Guide",
        orgcms::accounts::role::Role::Editor,
        &hash,
    )
    .unwrap();

    let blocks = fenced_blocks(GUIDE);
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut examples = 0;
    let mut iter = blocks.iter().peekable();
    while let Some((lang, request)) = iter.next() {
        if lang != "http" {
            continue;
        }
        let (_, expected) = iter
            .next()
            .filter(|(l, _)| l == "response")
            .expect("a response block follows each request");
        let request = substitute(request, &vars);
        let (head, body) = request.split_once("\n\n").unwrap_or((request.as_str(), ""));
        let mut lines = head.lines();
        let (method, path) = lines.next().unwrap().split_once(' ').unwrap();
        let mut builder = app.client.request(method.parse().unwrap(), app.url(path));
        for line in lines {
            let (name, value) = line.split_once(": ").unwrap();
            builder = builder.header(name, value);
        }
        if !body.is_empty() {
            builder = builder.body(body.to_owned());
        }
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let label = format!("{method} {path}");

        let mut lines = expected.lines();
        let want_status: u16 = lines
            .next()
            .unwrap()
            .trim_start_matches("HTTP ")
            .parse()
            .unwrap();
        assert_eq!(
            status,
            want_status,
            "{label}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let (captures, checks): (Vec<&str>, Vec<&str>) = lines.partition(|l| l.starts_with('$'));
        for capture in captures {
            let (name, source) = capture[1..].split_once(" = ").unwrap();
            let value = match source.split_once('.') {
                Some(("body", path)) => path
                    .split('.')
                    .fold(&json, |value, field| &value[field])
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                Some(("header", name)) => headers[name].to_str().unwrap().to_owned(),
                _ => panic!("unknown capture {capture}"),
            };
            assert!(!value.is_empty(), "{label}: nothing to save in {capture}");
            vars.insert(name.to_owned(), value);
        }
        for check in checks {
            let check = substitute(check, &vars);
            let (name, value) = check.split_once(": ").unwrap();
            let actual = headers.get(name).map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(actual.as_deref(), Some(value), "{label}: header {name}");
        }
        examples += 1;
    }
    assert!(examples >= 20, "the guide has its examples ({examples})");
}

//! Runs the commands of the README's "Editing safely" section as written (with the real curl,
//! in one shell, so variables carry from one to the next) against a seeded server, and checks
//! each command's output against the lines printed under it (`...` stands for any text).

use std::process::Command;

use crate::helpers::TestApp;

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));

/// The section of the README under `heading`, up to the next `## ` heading.
fn section<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let start = markdown
        .find(&format!("\n{heading}\n"))
        .expect("the README has the section");
    let rest = &markdown[start + heading.len() + 2..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// The commands of the section's `console` blocks, each with the output printed under it.
fn examples(section: &str) -> Vec<(String, Vec<String>)> {
    let mut examples: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_block = false;
    let mut continued = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = line == "```console";
            continue;
        }
        if !in_block {
            continue;
        }
        if continued {
            let (command, _) = examples.last_mut().unwrap();
            command.push('\n');
            command.push_str(line);
        } else if let Some(command) = line.strip_prefix("$ ") {
            examples.push((command.to_owned(), Vec::new()));
        } else if !line.is_empty() {
            examples.last_mut().unwrap().1.push(line.to_owned());
        }
        continued = line.ends_with('\\');
    }
    examples
}

/// Whether `actual` is `pattern` with each `...` standing for any text.
fn matches(pattern: &str, actual: &str) -> bool {
    let parts: Vec<&str> = pattern.split("...").collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return pattern == actual;
    }
    if !actual.starts_with(first) || !actual[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[test]
fn ellipses_stand_for_any_text() {
    assert!(matches("{\"a\":1,...}", "{\"a\":1,\"b\":2}"));
    assert!(matches("x...y...z", "x1y2z"));
    assert!(!matches("x...y...z", "x1z2y"));
    assert!(!matches("201", "200"));
    assert!(matches("201", "201"));
}

const END: &str = "@@end-of-example@@";

#[tokio::test]
async fn the_editing_safely_examples_run_as_written() {
    let app = TestApp::seeded().await;
    // The administrator `scripts/serve` sets up.
    let hash = orgcms::accounts::auth::password::hash("change-me-long-passphrase").unwrap();
    orgcms::accounts::users::queries::insert(
        &mut app.conn(),
        "admin@example.org",
        "Administrator",
        orgcms::accounts::role::Role::Admin,
        &hash,
    )
    .unwrap();
    let examples = examples(section(README, "## Editing safely"));
    assert!(examples.len() >= 15, "the section has its examples");
    let host = app.address.trim_start_matches("http://");
    let mut script = String::from("set -u\n");
    for (command, _) in &examples {
        script.push_str(&command.replace("127.0.0.1:8080", host));
        script.push_str(&format!("\nprintf '\\n{END}\\n'\n"));
    }
    // Off the test's runtime, which also runs the server.
    let output = tokio::task::spawn_blocking(move || {
        Command::new("timeout")
            .args(["120", "bash", "-c", &script])
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let outputs: Vec<&str> = stdout.split(&format!("{END}\n")).collect();
    for ((command, expected), actual) in examples.iter().zip(&outputs) {
        let actual: Vec<&str> = actual.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(actual.len(), expected.len(), "$ {command}\n{actual:?}");
        for (want, got) in expected.iter().zip(&actual) {
            assert!(
                matches(want, got),
                "$ {command}\nwanted {want}\ngot    {got}"
            );
        }
    }
}

//! Generators shared by the property tests of the parsers of outside input (each parser's
//! properties live in a `proptests` module next to it, where they can reach its private parts).
//!
//! Case counts are set per test so that the whole property suite stays within about 20 seconds
//! of a debug `cargo test`; `PROPTEST_CASES` overrides them for a longer hunt.

use proptest::prelude::*;
use proptest::test_runner::Config;

/// A property test configuration with `cases` cases, unless `PROPTEST_CASES` says otherwise.
pub fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        // Failures are turned into plain regression tests by hand; no files in the tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Pieces that hostile input is made of: markup, event handlers, URL schemes in odd spellings,
/// entities, SQL metacharacters, percent-escapes, separators of the headers and query strings the
/// parsers read, control characters and unusual Unicode.
const PIECES: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "script",
    "SCRIPT",
    "ScRiPt",
    "img",
    "a",
    "svg",
    "iframe",
    "style",
    "math",
    "mglyph",
    "template",
    "noscript",
    "object",
    "embed",
    "form",
    "base",
    "meta",
    "link",
    "p",
    "src",
    "href",
    "xlink:href",
    "action",
    "formaction",
    "onerror",
    "ONLOAD",
    "onclick",
    "on",
    "error",
    "=",
    "\"",
    "'",
    "`",
    "javascript:",
    "JaVaScRiPt:",
    "java\tscript:",
    "java\nscript:",
    "java\0script:",
    " javascript:",
    "vbscript:",
    "data:",
    "data:text/html;base64,PHNjcmlwdD4=",
    "&#106;",
    "&#x6A;",
    "&#0000106",
    "&colon;",
    "&lt;",
    "&gt;",
    "&amp;",
    "&quot;",
    "&#",
    "&",
    ";",
    ":",
    "alert(1)",
    "(",
    ")",
    "[",
    "]",
    "](",
    "![",
    "*",
    "_",
    "**",
    "#",
    "|",
    "---",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\0",
    "\u{1}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{200b}",
    "\u{202e}",
    "\u{feff}",
    "\u{fffd}",
    "ü",
    "Привіт",
    "😀",
    "%",
    "%00",
    "%27",
    "%ZZ",
    "%C3%28",
    "%FF",
    "+",
    "&&",
    "?",
    "/",
    "\\",
    "' OR 1=1 --",
    ";--",
    "$1",
    "W/",
    ",",
    "q=",
    "q=0.5",
    "q=2",
    "q=-1",
    "q=NaN",
    "*;q=0",
    "en",
    "uk",
    "EN",
    "uk-UA",
    "bearer",
    "Bearer ",
    "eyJ",
    ".",
    "-",
    "0",
    "9",
    "1e400",
    "A",
    "z",
];

/// Strings built from `PIECES` (and now and then plain random text), up to `max` pieces long.
pub fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(prop::sample::select(PIECES), 0..max)
            .prop_map(|pieces| pieces.concat()),
        1 => any::<String>(),
    ]
}

/// Any JSON value, nested a few levels, with keys and strings that clash often.
pub fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-c\0]{0,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-e]", inner, 0..5)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

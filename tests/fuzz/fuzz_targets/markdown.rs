//! The Markdown renderer on every body the API accepts (up to 200 000 characters; see the crate
//! documentation for how an input becomes a body, and is also tried stretched to the limit).
//!
//! It asserts that rendering never panics and that the output never holds a `<script` tag
//! (ammonia escapes every `<` of text, so one there would be a tag). Slowness is a crash too:
//! scripts/lib/fuzz.sh runs it with libFuzzer's `-timeout` per input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgcms_fuzz::{reward_length, stretch, text, MAX_BODY_CHARS};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data, MAX_BODY_CHARS) else {
        return;
    };
    reward_length(text.len());
    let stretched = stretch(&text, MAX_BODY_CHARS);
    for body in std::iter::once(&text).chain(&stretched) {
        render(body);
    }
});

fn render(body: &str) {
    // Every body of the length limit, whether writes accept it or not: the write-time check
    // (`nesting_depth`) runs on every body, and a row written by other means is rendered at read,
    // where a body over `MAX_NESTING` is shown escaped rather than parsed. Both must stay fast.
    let _ = orgcms::content::markdown::nesting_depth(body);
    let html = orgcms::content::markdown::to_safe_html(body);
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "a script tag in the output"
    );
}

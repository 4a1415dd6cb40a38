//! Markdown in, safe HTML out: CommonMark (with tables and strikethrough) rendered by
//! pulldown-cmark, then cleaned by ammonia, which keeps only harmless tags and attributes and
//! only http(s) and mailto links.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{html, Event, Options, Parser};

use crate::content::locale::Localized;

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer nofollow"))
            // What an embedded asset's `<img>` carries (`embeds::Embed`).
            .add_tag_attributes("img", ["srcset", "sizes", "loading", "decoding"]);
        builder
    })
}

/// How deeply a body's rendered HTML may nest elements: Markdown's own (quotes, lists, list
/// items, emphasis, links, tables) plus raw HTML elements left open. The sanitizer's HTML parser
/// takes time that grows with the square of the nesting depth (10 000 nested quotes: seconds), so
/// writes refuse deeper bodies (`nesting_depth`) and the renderer never parses them as HTML.
pub const MAX_NESTING: usize = 24;

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options
}

/// Elements that never have content, so an opening tag leaves nothing open.
const VOID_ELEMENTS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// The raw HTML elements still open after `html`, starting from `open`, and the most that were
/// open at once. A plain scan of the tags (every `<` is looked at once): closing tags close one,
/// opening tags of non-void elements open one, anything else (comments, declarations, a `<` that
/// starts no tag) counts nothing.
fn raw_html_open(html: &str, mut open: usize) -> (usize, usize) {
    let mut most = open;
    let bytes = html.as_bytes();
    let mut i = 0;
    // Where the next `>` is: looked for again only once the scan has passed it, so a text of
    // many `<` and no `>` is still read once.
    let mut next_gt: Option<usize> = Some(0);
    while let Some(at) = html[i..].find('<') {
        i += at + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let name_len = bytes[name_start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        if closing {
            open = open.saturating_sub(1);
            continue;
        }
        if next_gt.is_some_and(|gt| gt < name_start) {
            next_gt = html[name_start..].find('>').map(|e| name_start + e);
        }
        let self_closing = next_gt.is_some_and(|e| e > 0 && bytes[e - 1] == b'/');
        if !self_closing && !VOID_ELEMENTS.contains(&name.as_str()) {
            open += 1;
            most = most.max(open);
        }
    }
    (open, most)
}

/// The deepest nesting of elements the rendered HTML of `markdown` would have (see
/// `MAX_NESTING`). Linear in the length of the text.
pub fn nesting_depth(markdown: &str) -> usize {
    let (mut depth, mut raw_open, mut most) = (0usize, 0usize, 0usize);
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => {
                let (open, deepest) = raw_html_open(&html, raw_open);
                most = most.max(depth + deepest);
                raw_open = open;
            }
            _ => {}
        }
        most = most.max(depth + raw_open);
    }
    most
}

/// Sanitized HTML for a Markdown text. A text nested deeper than `MAX_NESTING` (which writes
/// refuse, but a row written by other means may hold) is shown as escaped preformatted text
/// rather than parsed as HTML, so rendering any text takes time linear in its length.
pub fn to_safe_html(markdown: &str) -> String {
    to_safe_html_with(markdown, &|_, _| None)
}

/// An image of the media library in a body, `![alt](asset:<id>)`, as HTML (an `<img>` with its
/// size, alt text and `srcset`), given its id and the Markdown's alt text; None drops it (an
/// asset that is gone, or a body rendered without the library).
pub type EmbedRenderer<'a> = dyn Fn(uuid::Uuid, &str) -> Option<String> + 'a;

/// The prefix of an embedded asset's destination.
pub const ASSET_SCHEME: &str = "asset:";

/// `to_safe_html`, with the images of the media library rendered by `embed`.
pub fn to_safe_html_with(markdown: &str, embed: &EmbedRenderer<'_>) -> String {
    if nesting_depth(markdown) > MAX_NESTING {
        let mut html = String::with_capacity(markdown.len() + 16);
        html.push_str("<pre>");
        // Writing into a String cannot fail.
        let _ = pulldown_cmark_escape::escape_html(&mut html, markdown);
        html.push_str("</pre>\n");
        return html;
    }
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(
        &mut unsafe_html,
        with_embeds(Parser::new_ext(markdown, options()), embed),
    );
    sanitizer().clean(&unsafe_html).to_string()
}

/// The asset id of an image destination `asset:<uuid>`.
pub fn embedded_asset(destination: &str) -> Option<uuid::Uuid> {
    destination
        .strip_prefix(ASSET_SCHEME)
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
}

/// The ids of the assets a Markdown text embeds, in order, each once.
pub fn embedded_assets(markdown: &str) -> Vec<uuid::Uuid> {
    let mut ids = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        if let Event::Start(pulldown_cmark::Tag::Image { dest_url, .. }) = event {
            if let Some(id) = embedded_asset(&dest_url) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    ids
}

/// The events with each `asset:` image replaced by the HTML `embed` makes of it (its alt text is
/// the text inside the image).
fn with_embeds<'a>(
    events: impl Iterator<Item = Event<'a>>,
    embed: &'a EmbedRenderer<'a>,
) -> impl Iterator<Item = Event<'a>> {
    let mut inside: Option<(uuid::Uuid, String)> = None;
    events.filter_map(move |event| match (&mut inside, event) {
        (None, Event::Start(pulldown_cmark::Tag::Image { dest_url, .. }))
            if embedded_asset(&dest_url).is_some() =>
        {
            inside = embedded_asset(&dest_url).map(|id| (id, String::new()));
            None
        }
        (Some(_), Event::End(pulldown_cmark::TagEnd::Image)) => {
            let (id, alt) = inside.take()?;
            embed(id, &alt).map(|html| Event::InlineHtml(html.into()))
        }
        (Some((_, alt)), Event::Text(text) | Event::Code(text)) => {
            alt.push_str(&text);
            None
        }
        (Some(_), _) => None,
        (None, event) => Some(event),
    })
}

/// Every locale of a Markdown text rendered (what the write mechanism stores as `body_html`).
pub fn render_localized(markdown: &Localized) -> Localized {
    render_localized_with(markdown, &|_, _, _| None)
}

/// `render_localized` with the media library's images: `embed(locale, id, alt)`.
pub fn render_localized_with(
    markdown: &Localized,
    embed: &dyn Fn(&str, uuid::Uuid, &str) -> Option<String>,
) -> Localized {
    Localized(
        markdown
            .0
            .iter()
            .map(|(locale, text)| {
                let html = to_safe_html_with(text, &|id, alt| embed(locale, id, alt));
                (locale.clone(), html)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        assert_eq!(
            to_safe_html("# Title\n\nSome **bold** text."),
            "<h1>Title</h1>\n<p>Some <strong>bold</strong> text.</p>\n"
        );
        assert!(to_safe_html("[IOM](https://www.iom.int)").contains("href=\"https://www.iom.int\""));
        assert!(to_safe_html("[IOM](https://www.iom.int)")
            .contains("rel=\"noopener noreferrer nofollow\""));
    }

    #[test]
    fn nesting_depth_counts_markdown_and_open_raw_html() {
        assert_eq!(nesting_depth("plain"), 1);
        assert_eq!(nesting_depth(""), 0);
        assert_eq!(
            nesting_depth(&">".repeat(30)),
            30,
            "30 quotes, the innermost empty"
        );
        assert_eq!(
            nesting_depth(&format!("{}a", ">".repeat(30))),
            31,
            "and a paragraph"
        );
        let lists: String = (0..10)
            .map(|i| format!("{}- a\n", "  ".repeat(i)))
            .collect();
        assert_eq!(nesting_depth(&lists), 20, "a list and an item per level");
        assert_eq!(nesting_depth("*a **b** c*"), 3);
        assert!(nesting_depth(&"<div>".repeat(40)) >= 40);
        assert!(nesting_depth(&"<b>x</b>".repeat(1000)) <= 3);
        assert!(nesting_depth(&"a<br>b<img src=x> <x/> ".repeat(1000)) <= 2);
        assert!(nesting_depth(&"<!-- c --> < 3 <3 </>".repeat(1000)) <= 2);
        // Unclosed tags across HTML blocks and paragraphs add up.
        assert!(nesting_depth(&"<span>a\n\n".repeat(30)) > MAX_NESTING);
    }

    #[test]
    fn text_nested_too_deep_is_shown_escaped_not_parsed() {
        let deep = format!("{}<script>x</script>", ">".repeat(MAX_NESTING + 1));
        let html = to_safe_html(&deep);
        assert!(html.starts_with("<pre>&gt;&gt;"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let fits = ">".repeat(MAX_NESTING - 2);
        assert!(to_safe_html(&fits).starts_with("<blockquote>"));
    }

    /// Known XSS vectors (from the OWASP filter evasion cheat sheet and friends).
    #[test]
    fn strips_script_event_handlers_and_javascript_urls() {
        let vectors = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<IMG SRC=\"javascript:alert('XSS');\">",
            "<IMG SRC=JaVaScRiPt:alert('XSS')>",
            "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[click](javascript:alert(1))",
            "[click](JAVASCRIPT:alert(1))",
            "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![x](javascript:alert(1))",
            "<svg onload=alert(1)>",
            "<body onload=alert(1)>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<form action=javascript:alert(1)><input type=submit>",
            "<details open ontoggle=alert(1)>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<object data=\"javascript:alert(1)\">",
            "<embed src=javascript:alert(1)>",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<link rel=stylesheet href=javascript:alert(1)>",
            "<base href=\"javascript:alert(1)//\">",
            "<p onclick=\"alert(1)\">x</p>",
            "<video><source onerror=\"alert(1)\"></video>",
        ];
        // Escaped text (`&lt;script&gt;`) is harmless; only what stands inside tags counts.
        let tags_of = |html: &str| -> String {
            html.split('<')
                .skip(1)
                .filter_map(|t| t.split('>').next())
                .collect::<Vec<_>>()
                .join(" ")
        };
        for vector in vectors {
            let html = tags_of(&to_safe_html(vector).to_lowercase());
            for bad in [
                "script",
                "javascript:",
                "vbscript:",
                "data:",
                "onerror",
                "onload",
                "onclick",
                "ontoggle",
                "iframe",
                "object",
                "embed",
                "meta",
                "link",
                "base",
                "form",
                "style",
                "svg",
                "math",
            ] {
                assert!(!html.contains(bad), "{vector} left {bad}: {html}");
            }
        }
    }
}

/// Whatever the input, the output holds no script, no event handler and no link or source with a
/// scheme other than http(s) and mailto.
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;

    /// A tag of the output: its name and its attributes (ammonia writes every attribute value in
    /// double quotes and escapes `<` in text, so a raw `<` always opens a tag).
    #[derive(Debug)]
    struct Tag {
        name: String,
        attributes: Vec<(String, String)>,
    }

    fn tags(html: &str) -> Vec<Tag> {
        let mut tags = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            rest = &rest[start + 1..];
            let name_end = rest
                .find(|c: char| {
                    c.is_whitespace()
                        || c == '>'
                        || c == '/' && rest.len() > 1 && !rest.starts_with('/')
                })
                .unwrap_or(rest.len());
            let name = rest[..name_end].trim_start_matches('/').to_lowercase();
            rest = &rest[name_end..];
            let mut attributes = Vec::new();
            loop {
                rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
                if rest.is_empty() || rest.starts_with('>') {
                    rest = rest.get(1..).unwrap_or("");
                    break;
                }
                let attr_end = rest
                    .find(|c: char| c == '=' || c == '>' || c.is_whitespace())
                    .unwrap_or(rest.len());
                let attr = rest[..attr_end].to_lowercase();
                rest = &rest[attr_end..];
                let mut value = String::new();
                if let Some(after) = rest.strip_prefix("=\"") {
                    let end = after.find('"').unwrap_or(after.len());
                    value = after[..end].to_owned();
                    rest = after.get(end + 1..).unwrap_or("");
                } else if attr_end == 0 {
                    // Not an attribute at all: skip one character.
                    rest = rest.get(1..).unwrap_or("");
                }
                attributes.push((attr, value));
            }
            tags.push(Tag { name, attributes });
        }
        tags
    }

    /// Character references decoded once, as a browser reads an attribute value.
    fn decode_references(value: &str) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(at) = rest.find("&#") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let (digits, radix) = match after.strip_prefix(['x', 'X']) {
                Some(hex) => (hex, 16),
                None => (after, 10),
            };
            let end = digits
                .find(|c: char| !c.is_digit(radix))
                .unwrap_or(digits.len());
            match u32::from_str_radix(&digits[..end], radix)
                .ok()
                .and_then(char::from_u32)
            {
                Some(c) => {
                    out.push(c);
                    rest = digits[end..].strip_prefix(';').unwrap_or(&digits[end..]);
                }
                None => {
                    out.push_str("&#");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    /// The scheme a browser would see in a URL attribute (it drops tabs, newlines and leading
    /// controls and spaces); None for a relative URL.
    fn scheme(url: &str) -> Option<String> {
        let cleaned: String = decode_references(url)
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_lowercase();
        let colon = cleaned.find(':')?;
        let scheme = &cleaned[..colon];
        let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        valid.then(|| scheme.to_owned())
    }

    fn check(html: &str) -> Result<(), TestCaseError> {
        prop_assert!(!html.to_lowercase().contains("<script"), "{html}");
        for tag in tags(html) {
            prop_assert!(
                ![
                    "script", "iframe", "object", "embed", "style", "svg", "math", "form", "base",
                    "meta", "link"
                ]
                .contains(&tag.name.as_str()),
                "{tag:?} in {html}"
            );
            for (name, value) in &tag.attributes {
                prop_assert!(!name.starts_with("on"), "{name} in {html}");
                prop_assert!(
                    name != "style" && name != "srcdoc" && name != "formaction",
                    "{name} in {html}"
                );
                if let Some(scheme) = scheme(value).filter(|_| {
                    ["href", "src", "cite", "action", "xlink:href"].contains(&name.as_str())
                }) {
                    prop_assert!(
                        ["http", "https", "mailto"].contains(&scheme.as_str()),
                        "{name}={value} in {html}"
                    );
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(config(1000))]

        #[test]
        fn output_is_safe_html(markdown in hostile_text(60)) {
            let html = to_safe_html(&markdown);
            check(&html)?;
            // Sanitized output is a fixed point: cleaning it again changes nothing that matters.
            check(&sanitizer().clean(&html).to_string())?;
        }

        /// Markdown links and images with any target.
        #[test]
        fn links_and_images_keep_only_safe_schemes(
            text in hostile_text(6),
            target in hostile_text(12),
            image in any::<bool>(),
        ) {
            let markdown = format!("{}[{text}]({target})", if image { "!" } else { "" });
            check(&to_safe_html(&markdown))?;
            let reference = format!("[{text}][r]\n\n[r]: {target}\n");
            check(&to_safe_html(&reference))?;
            let autolink = format!("<{target}>");
            check(&to_safe_html(&autolink))?;
        }
    }

    #[test]
    fn the_checker_sees_what_it_must() {
        let bad = [
            "<script>x</script>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVa&#x09;script:x\">x</a>",
            "<img src=\"x\" onerror=\"alert(1)\">",
            "<p style=\"x\">y</p>",
        ];
        for html in bad {
            assert!(check(html).is_err(), "{html}");
        }
        let good = "<p><a href=\"https://x.org/a:b\" rel=\"noopener\">x</a> &lt;script&gt;</p>";
        assert_eq!(check(good).map_err(|e| e.to_string()), Ok(()));
        let relative = "<a href=\":\">x</a><a href=\"a/b:c\">y</a>";
        assert_eq!(check(relative).map_err(|e| e.to_string()), Ok(()));
    }
}

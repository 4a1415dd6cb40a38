//! Markdown in, safe HTML out: CommonMark (with tables and strikethrough) rendered by
//! pulldown-cmark, then cleaned by ammonia, which keeps only harmless tags and attributes and
//! only http(s) and mailto links.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{html, Options, Parser};

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer nofollow"));
        builder
    })
}

/// Sanitized HTML for a Markdown text.
pub fn to_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    sanitizer().clean(&unsafe_html).to_string()
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

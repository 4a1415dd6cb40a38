//! What an uploaded file is, decided by its bytes: the accepted media types, their magic numbers
//! and the check of the type a client declared.
//!
//! The name of a file and the type its client declares never decide: the bytes do, and a declared
//! type that contradicts them is refused. The binary formats are recognised by their signatures
//! (stricter than `infer`'s matchers, which for PNG, GIF and WebP look at three or four bytes and
//! for PDF search the first KiB, so that an HTML page with `%PDF` in a comment would pass); `infer`
//! recognises AVIF (the brands of the `ftyp` box) and names what a refused file is. SVG, which is
//! text, is checked by hand: an optional byte order mark, an optional XML declaration, comments
//! and a document type without an internal subset, then an `<svg` root element within the first
//! [`SVG_ROOT_WINDOW`] bytes, and nothing but UTF-8 text without control characters.

use std::fmt;

/// The root element of an SVG must start within this many bytes (after the byte order mark).
pub const SVG_ROOT_WINDOW: usize = 4096;

/// An accepted media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Jpeg,
    Png,
    WebP,
    Gif,
    Avif,
    Pdf,
    Svg,
}

/// The broad kind of an asset, the one a list filters by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssetKind {
    /// A raster image: JPEG, PNG, WebP, GIF, AVIF.
    Image,
    /// A document: PDF.
    Document,
    /// A vector image: SVG, never rasterised.
    Vector,
}

impl AssetKind {
    pub const ALL: [AssetKind; 3] = [AssetKind::Image, AssetKind::Document, AssetKind::Vector];

    /// `image`, `document` or `vector`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Document => "document",
            Self::Vector => "vector",
        }
    }

    /// The kind named by [`AssetKind::as_str`], exactly.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for AssetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl MediaKind {
    pub const ALL: [MediaKind; 7] = [
        MediaKind::Jpeg,
        MediaKind::Png,
        MediaKind::WebP,
        MediaKind::Gif,
        MediaKind::Avif,
        MediaKind::Pdf,
        MediaKind::Svg,
    ];

    /// The registered media type, as served in `Content-Type` (without parameters).
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
            Self::Gif => "image/gif",
            Self::Avif => "image/avif",
            Self::Pdf => "application/pdf",
            Self::Svg => "image/svg+xml",
        }
    }

    /// The usual file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Gif => "gif",
            Self::Avif => "avif",
            Self::Pdf => "pdf",
            Self::Svg => "svg",
        }
    }

    pub fn kind(self) -> AssetKind {
        match self {
            Self::Jpeg | Self::Png | Self::WebP | Self::Gif | Self::Avif => AssetKind::Image,
            Self::Pdf => AssetKind::Document,
            Self::Svg => AssetKind::Vector,
        }
    }

    /// The kind a media type names: the essence before any `;` parameters, in any case, with the
    /// common unregistered aliases (`image/jpg`, `image/pjpeg`, `image/x-png`, `application/x-pdf`).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = essence(media_type);
        let canonical = match essence.as_str() {
            "image/jpg" | "image/pjpeg" => "image/jpeg",
            "image/x-png" => "image/png",
            "application/x-pdf" => "application/pdf",
            other => other,
        };
        Self::ALL.into_iter().find(|k| k.media_type() == canonical)
    }

    /// The kind the bytes carry, by signature alone (no declared type, no SVG problems told).
    fn of_bytes(bytes: &[u8]) -> Option<Self> {
        if infer::image::is_jpeg(bytes) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(Self::WebP)
        } else if infer::image::is_avif(bytes) {
            Some(Self::Avif)
        } else if is_pdf(bytes) {
            Some(Self::Pdf)
        } else {
            None
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.media_type())
    }
}

/// `%PDF-` and a version digit at the very start: every PDF writer puts it there, and accepting
/// it anywhere in the first KiB (as readers tolerate) would let other files pass for PDF.
fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-") && bytes.get(5).is_some_and(u8::is_ascii_digit)
}

/// Why a file is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SniffError {
    /// No bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The bytes are none of the accepted types. `detected` is what they look like, where that
    /// is known (e.g. `text/html`, `application/zip`); `declared` the type the client gave.
    #[error("{}", unsupported_message(.declared.as_deref(), *.detected))]
    Unsupported {
        declared: Option<String>,
        detected: Option<&'static str>,
    },
    /// The bytes start like an accepted type but its signature is cut short or corrupt.
    #[error("the file begins like {looks_like} but its signature is incomplete or corrupt")]
    BadSignature { looks_like: MediaKind },
    /// The declared type contradicts the bytes.
    #[error("the file was declared as {declared} but its content is {detected}")]
    Mismatch {
        declared: String,
        detected: MediaKind,
    },
    /// The file is an SVG, or begins like one, that this server does not accept.
    #[error("the file is not an acceptable SVG: {0}")]
    Svg(SvgProblem),
}

fn unsupported_message(declared: Option<&str>, detected: Option<&str>) -> String {
    let accepted = MediaKind::ALL.map(MediaKind::media_type).join(", ");
    let what = match detected {
        Some(t) => format!("the file's content is {t}, which is not accepted"),
        None => "the file's content is of no accepted type".to_string(),
    };
    match declared {
        Some(d) => format!("{what} (declared as {d}); accepted: {accepted}"),
        None => format!("{what}; accepted: {accepted}"),
    }
}

/// What makes a text that begins like SVG unacceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SvgProblem {
    #[error("it is encoded in UTF-16; only UTF-8 is accepted")]
    Utf16,
    #[error("its XML declaration names an encoding other than UTF-8")]
    Encoding,
    #[error("it is not valid UTF-8")]
    NotUtf8,
    #[error("it contains a control character")]
    ControlCharacter,
    #[error("its document type has an internal subset (entity declarations)")]
    InternalSubset,
    #[error("it has a processing instruction (such as a style sheet) before the root element")]
    ProcessingInstruction,
    #[error("its root element does not start within the first {SVG_ROOT_WINDOW} bytes")]
    RootTooLate,
    #[error("a comment, declaration or document type before the root element is not closed")]
    Unterminated,
    #[error("its media type parameters name a charset other than UTF-8")]
    Charset,
}

/// The accepted type of `bytes`, checked against the type the client declared, if any.
///
/// `declared` is a `Content-Type` value: its parameters are ignored except `charset` on an SVG,
/// which must be UTF-8 (or its subset US-ASCII); `application/octet-stream` and an empty value
/// declare nothing.
pub fn sniff(bytes: &[u8], declared: Option<&str>) -> Result<MediaKind, SniffError> {
    if bytes.is_empty() {
        return Err(SniffError::Empty);
    }
    let declared = declared.filter(|d| {
        let e = essence(d);
        !e.is_empty() && e != "application/octet-stream"
    });
    let detected = match MediaKind::of_bytes(bytes) {
        Some(kind) => kind,
        None => match svg_root(bytes) {
            Ok(_) => MediaKind::Svg,
            Err(SvgCheck::Problem(problem)) => return Err(SniffError::Svg(problem)),
            Err(SvgCheck::NotSvg) => {
                return Err(match looks_like(bytes) {
                    Some(kind) => SniffError::BadSignature { looks_like: kind },
                    None => SniffError::Unsupported {
                        declared: declared.map(printable_essence),
                        detected: infer::get(bytes).map(|t| t.mime_type()),
                    },
                })
            }
        },
    };
    if let Some(declared) = declared {
        if MediaKind::from_media_type(declared) != Some(detected) {
            return Err(SniffError::Mismatch {
                declared: printable_essence(declared),
                detected,
            });
        }
        if detected == MediaKind::Svg && !charset_is_utf8(declared) {
            return Err(SniffError::Svg(SvgProblem::Charset));
        }
    }
    Ok(detected)
}

/// An accepted type whose signature the bytes begin with but do not complete.
fn looks_like(bytes: &[u8]) -> Option<MediaKind> {
    let prefix_of = |signature: &[u8]| {
        bytes.len() >= 2 && bytes.len() < signature.len() && signature.starts_with(bytes)
    };
    if infer::image::is_png(bytes) || prefix_of(b"\x89PNG\r\n\x1a\n") {
        Some(MediaKind::Png)
    } else if infer::image::is_gif(bytes) {
        Some(MediaKind::Gif)
    } else if bytes.starts_with(b"RIFF") && (bytes.len() < 12 || infer::image::is_webp(bytes)) {
        Some(MediaKind::WebP)
    } else if bytes.starts_with(b"%PDF") || prefix_of(b"%PDF-") {
        Some(MediaKind::Pdf)
    } else if prefix_of(&[0xFF, 0xD8, 0xFF]) {
        Some(MediaKind::Jpeg)
    } else {
        None
    }
}

/// The essence of a media type: before any `;`, trimmed, in lower case.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The essence of a declared type, safe to put in a message or a log line: printable ASCII
/// only, at most 100 characters.
fn printable_essence(media_type: &str) -> String {
    essence(media_type)
        .chars()
        .take(100)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

/// No `charset` parameter, or `utf-8` / `us-ascii` (quoted or not, any case).
fn charset_is_utf8(media_type: &str) -> bool {
    media_type.split(';').skip(1).all(|param| {
        let Some((name, value)) = param.split_once('=') else {
            return true;
        };
        if !name.trim().eq_ignore_ascii_case("charset") {
            return true;
        }
        let value = value.trim().trim_matches('"');
        ["utf-8", "utf8", "us-ascii"]
            .iter()
            .any(|ok| value.eq_ignore_ascii_case(ok))
    })
}

/// How a text fails to be an acceptable SVG.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SvgCheck {
    /// It is not SVG at all (another markup, or not markup).
    NotSvg,
    /// It is SVG, or begins like it, with a problem that refuses it.
    Problem(SvgProblem),
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The offset in `bytes` of the `<svg` that starts the root element of an acceptable SVG.
///
/// The root must be an unprefixed `svg` element (case-sensitive, as XML is: `<SVG>` is HTML),
/// preceded only by a UTF-8 byte order mark, an XML declaration (UTF-8, at the very start),
/// white space, comments and a `<!DOCTYPE svg ...>` without an internal subset (no entity
/// declarations, so no entity expansion bombs for whatever parses the file later). Processing
/// instructions such as `<?xml-stylesheet?>` are refused: an XSLT style sheet can turn the file
/// into HTML in a browser. The whole file must be UTF-8 without C0 control characters other than
/// tab, line feed and carriage return (which XML 1.0 forbids anyway), so no binary payload rides
/// along.
pub(crate) fn svg_root(bytes: &[u8]) -> Result<usize, SvgCheck> {
    if bytes.starts_with(b"\xFE\xFF<") || bytes.starts_with(b"\xFF\xFE<") {
        return Err(SvgCheck::Problem(SvgProblem::Utf16));
    }
    let start = if bytes.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let window = &bytes[start..bytes.len().min(start + SVG_ROOT_WINDOW)];
    // Whether the file goes on past the window: then a search that fails in the window means
    // the root starts too late, else that something is not closed.
    let cut = bytes.len() - start > window.len();
    let not_closed = if cut {
        SvgProblem::RootTooLate
    } else {
        SvgProblem::Unterminated
    };
    let mut at = 0;
    // Something before the root that only an XML (SVG or other) file has: past that point a
    // failure is a problem of an SVG-like file, before it the file is simply not SVG.
    let mut xml_like = false;
    if window.starts_with(b"<?xml") && window.get(5).copied().is_some_and(is_xml_space) {
        let end = find(window, b"?>", 5).ok_or(SvgCheck::Problem(not_closed))?;
        if !declaration_encoding_is_utf8(&window[5..end]) {
            return Err(SvgCheck::Problem(SvgProblem::Encoding));
        }
        at = end + 2;
        xml_like = true;
    }
    let root = loop {
        while window.get(at).copied().is_some_and(is_xml_space) {
            at += 1;
        }
        let rest = &window[at..];
        let problem = |p| {
            if xml_like {
                SvgCheck::Problem(p)
            } else {
                SvgCheck::NotSvg
            }
        };
        if rest.is_empty() {
            // The window ended before the root: a long preamble, or a text without markup.
            return Err(if cut {
                problem(SvgProblem::RootTooLate)
            } else {
                SvgCheck::NotSvg
            });
        }
        if rest.starts_with(b"<!--") {
            let end = find(window, b"-->", at + 4).ok_or(problem(not_closed))?;
            at = end + 3;
        } else if starts_with_ignore_case(rest, b"<!DOCTYPE") {
            at = doctype_end(window, at + 9, not_closed)?;
            xml_like = true;
        } else if rest.starts_with(b"<?") {
            return Err(problem(SvgProblem::ProcessingInstruction));
        } else if rest.starts_with(b"<svg")
            && rest
                .get(4)
                .is_some_and(|&b| is_xml_space(b) || b == b'>' || b == b'/')
        {
            break start + at;
        } else {
            return Err(SvgCheck::NotSvg);
        }
    };
    let text = std::str::from_utf8(bytes).map_err(|_| SvgCheck::Problem(SvgProblem::NotUtf8))?;
    if text
        .bytes()
        .any(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return Err(SvgCheck::Problem(SvgProblem::ControlCharacter));
    }
    Ok(root)
}

/// The end (just past `>`) of a document type whose name starts at or after `from`: the name must
/// be `svg`, and no `[` (an internal subset) may stand outside its quoted literals.
fn doctype_end(window: &[u8], from: usize, not_closed: SvgProblem) -> Result<usize, SvgCheck> {
    let mut at = from;
    if !window.get(at).copied().is_some_and(is_xml_space) {
        return Err(SvgCheck::NotSvg);
    }
    while window.get(at).copied().is_some_and(is_xml_space) {
        at += 1;
    }
    let name_end = window[at..]
        .iter()
        .position(|&b| is_xml_space(b) || b == b'>' || b == b'[')
        .map_or(window.len(), |p| at + p);
    if &window[at..name_end] != b"svg" {
        return Err(SvgCheck::NotSvg);
    }
    let mut quote = None;
    for (i, &b) in window.iter().enumerate().skip(name_end) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => return Err(SvgCheck::Problem(SvgProblem::InternalSubset)),
            (None, b'>') => return Ok(i + 1),
            (None, _) => {}
        }
    }
    Err(SvgCheck::Problem(not_closed))
}

/// The `encoding` of an XML declaration's body, if any, is UTF-8 (or US-ASCII, a subset).
fn declaration_encoding_is_utf8(body: &[u8]) -> bool {
    let Some(at) = find(body, b"encoding", 0) else {
        return true;
    };
    let rest = &body[at + 8..];
    let rest = rest.trim_ascii_start();
    let Some(rest) = rest.strip_prefix(b"=") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    let Some((&quote, rest)) = rest.split_first() else {
        return false;
    };
    if quote != b'"' && quote != b'\'' {
        return false;
    }
    let Some(end) = rest.iter().position(|&b| b == quote) else {
        return false;
    };
    let name = &rest[..end];
    [&b"utf-8"[..], b"utf8", b"us-ascii"]
        .iter()
        .any(|ok| name.eq_ignore_ascii_case(ok))
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The first position at or after `from` where `needle` occurs.
pub(crate) fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn encode(format: image::ImageFormat) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(3, 2, image::Rgba([200, 10, 10, 255]));
        let img = if format == image::ImageFormat::Jpeg {
            image::DynamicImage::ImageRgba8(img).to_rgb8().into()
        } else {
            image::DynamicImage::ImageRgba8(img)
        };
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn jpeg() -> Vec<u8> {
        encode(image::ImageFormat::Jpeg)
    }

    /// A minimal AVIF header: `ftyp` with the `avif` brand (enough for sniffing).
    fn avif_ftyp() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&24u32.to_be_bytes());
        b.extend_from_slice(b"ftypavif");
        b.extend_from_slice(&0u32.to_be_bytes());
        b.extend_from_slice(b"mif1miaf");
        b
    }

    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"></svg>"#;

    #[test]
    fn each_accepted_type_is_recognised_by_its_bytes() {
        assert_eq!(sniff(&jpeg(), None), Ok(MediaKind::Jpeg));
        assert_eq!(
            sniff(&encode(image::ImageFormat::Png), None),
            Ok(MediaKind::Png)
        );
        assert_eq!(
            sniff(&encode(image::ImageFormat::Gif), None),
            Ok(MediaKind::Gif)
        );
        assert_eq!(
            sniff(&encode(image::ImageFormat::WebP), None),
            Ok(MediaKind::WebP)
        );
        assert_eq!(sniff(&avif_ftyp(), None), Ok(MediaKind::Avif));
        assert_eq!(sniff(b"%PDF-1.7\n%%EOF\n", None), Ok(MediaKind::Pdf));
        assert_eq!(sniff(SVG.as_bytes(), None), Ok(MediaKind::Svg));
    }

    #[test]
    fn kinds_name_their_type_category_and_extension() {
        assert_eq!(MediaKind::Jpeg.media_type(), "image/jpeg");
        assert_eq!(MediaKind::Jpeg.extension(), "jpg");
        assert_eq!(MediaKind::Svg.kind(), AssetKind::Vector);
        assert_eq!(MediaKind::Pdf.kind(), AssetKind::Document);
        assert_eq!(MediaKind::Avif.kind(), AssetKind::Image);
        assert_eq!(AssetKind::parse("vector"), Some(AssetKind::Vector));
        assert_eq!(AssetKind::parse("Vector"), None);
        for kind in MediaKind::ALL {
            assert_eq!(MediaKind::from_media_type(kind.media_type()), Some(kind));
        }
    }

    #[test]
    fn declared_aliases_parameters_and_case_are_understood() {
        let jpeg = jpeg();
        for declared in [
            "image/jpeg",
            "image/jpg",
            "IMAGE/JPEG",
            "image/pjpeg",
            " image/jpeg ; charset=binary",
            "application/octet-stream",
            "",
        ] {
            assert_eq!(
                sniff(&jpeg, Some(declared)),
                Ok(MediaKind::Jpeg),
                "{declared}"
            );
        }
        let svg = SVG.as_bytes();
        for declared in [
            "image/svg+xml",
            "image/svg+xml; charset=utf-8",
            "image/svg+xml;charset=\"UTF-8\"",
        ] {
            assert_eq!(sniff(svg, Some(declared)), Ok(MediaKind::Svg), "{declared}");
        }
        assert_eq!(
            sniff(svg, Some("image/svg+xml; charset=iso-8859-1")),
            Err(SniffError::Svg(SvgProblem::Charset))
        );
    }

    #[test]
    fn a_declared_type_that_contradicts_the_bytes_is_refused_naming_both() {
        let err = sniff(&jpeg(), Some("image/png")).unwrap_err();
        assert_eq!(
            err,
            SniffError::Mismatch {
                declared: "image/png".into(),
                detected: MediaKind::Jpeg
            }
        );
        assert_eq!(
            err.to_string(),
            "the file was declared as image/png but its content is image/jpeg"
        );
        assert!(matches!(
            sniff(SVG.as_bytes(), Some("text/html")),
            Err(SniffError::Mismatch {
                detected: MediaKind::Svg,
                ..
            })
        ));
        // A hostile declared type comes back printable and short.
        let Err(SniffError::Mismatch { declared, .. }) =
            sniff(&jpeg(), Some(&format!("text/\u{0}\n{}", "x".repeat(500))))
        else {
            panic!("expected a mismatch");
        };
        assert_eq!(declared.len(), 100);
        assert!(declared.bytes().all(|b| b.is_ascii_graphic()));
    }

    #[test]
    fn empty_and_unknown_bodies_are_refused() {
        assert_eq!(sniff(b"", Some("image/png")), Err(SniffError::Empty));
        let err = sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00", Some("image/png")).unwrap_err();
        assert_eq!(
            err,
            SniffError::Unsupported {
                declared: Some("image/png".into()),
                detected: Some("application/zip")
            }
        );
        assert!(err.to_string().contains("application/zip"));
        assert!(err.to_string().contains("declared as image/png"));
        assert!(matches!(
            sniff(b"just some text", None),
            Err(SniffError::Unsupported { declared: None, .. })
        ));
        // TIFF, BMP and HEIC are images, but not accepted ones.
        assert!(matches!(
            sniff(b"II*\x00\x08\x00\x00\x00", None),
            Err(SniffError::Unsupported { .. })
        ));
    }

    #[test]
    fn html_is_never_svg_whatever_it_is_declared_as() {
        for html in [
            "<!DOCTYPE html><html><body><svg></svg></body></html>",
            "<html><svg onload=alert(1)></svg></html>",
            "<SVG onload=alert(1)>",
            "<script>alert(1)</script><svg></svg>",
            "hello <svg></svg>",
            "<!-- x --><html></html>",
            "<svgx></svgx>",
            "<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\"/>",
        ] {
            let err = sniff(html.as_bytes(), Some("image/svg+xml")).unwrap_err();
            assert!(
                matches!(err, SniffError::Unsupported { .. }),
                "{html}: {err:?}"
            );
        }
        let Err(SniffError::Unsupported { detected, .. }) =
            sniff(b"<!DOCTYPE html><html></html>", Some("image/svg+xml"))
        else {
            panic!("expected unsupported");
        };
        assert_eq!(detected, Some("text/html"));
    }

    #[test]
    fn svg_preambles_are_accepted_within_the_window() {
        for svg in [
            format!("\u{FEFF}{SVG}"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n{SVG}"),
            format!("\u{FEFF}<?xml version='1.0'?>\r\n<!-- made by hand -->\n{SVG}"),
            format!(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \
                 \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n{SVG}"
            ),
            "<svg/>".to_string(),
            format!("  \n\t{SVG}"),
        ] {
            assert_eq!(sniff(svg.as_bytes(), None), Ok(MediaKind::Svg), "{svg}");
        }
        let late = format!(
            "<?xml version=\"1.0\"?><!--{}-->{SVG}",
            " ".repeat(SVG_ROOT_WINDOW)
        );
        assert_eq!(
            sniff(late.as_bytes(), None),
            Err(SniffError::Svg(SvgProblem::RootTooLate))
        );
    }

    #[test]
    fn svgs_with_dangerous_or_odd_preambles_are_refused() {
        let problem = |text: &[u8]| match sniff(text, None) {
            Err(SniffError::Svg(p)) => Some(p),
            _ => None,
        };
        let bomb = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]>{SVG}"
        );
        assert_eq!(problem(bomb.as_bytes()), Some(SvgProblem::InternalSubset));
        let ok_brackets = format!("<!DOCTYPE svg PUBLIC \"[x]\" 'y'>{SVG}");
        assert_eq!(sniff(ok_brackets.as_bytes(), None), Ok(MediaKind::Svg));
        let xslt = format!("<?xml version=\"1.0\"?><?xml-stylesheet href=\"x.xsl\"?>{SVG}");
        assert_eq!(
            problem(xslt.as_bytes()),
            Some(SvgProblem::ProcessingInstruction)
        );
        let latin1 = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{SVG}");
        assert_eq!(problem(latin1.as_bytes()), Some(SvgProblem::Encoding));
        assert_eq!(
            problem(b"\xFF\xFE<\x00s\x00v\x00g\x00"),
            Some(SvgProblem::Utf16)
        );
        let mut not_utf8 = SVG.as_bytes().to_vec();
        not_utf8.extend_from_slice(b"\xC3\x28");
        assert_eq!(problem(&not_utf8), Some(SvgProblem::NotUtf8));
        let mut binary_tail = SVG.as_bytes().to_vec();
        binary_tail.extend_from_slice(b"\x00PK\x03\x04");
        assert_eq!(problem(&binary_tail), Some(SvgProblem::ControlCharacter));
        assert_eq!(
            problem(b"<?xml version=\"1.0\"?><!-- never closed <svg/>"),
            Some(SvgProblem::Unterminated)
        );
        assert_eq!(
            problem(b"<?xml version=\"1.0\""),
            Some(SvgProblem::Unterminated)
        );
    }

    #[test]
    fn polyglots_are_what_their_first_bytes_say() {
        // A PDF that starts with a JPEG's magic is a JPEG to the sniffer (and a broken one to
        // the header reader), so declaring it as a PDF contradicts the bytes.
        let mut pdf = vec![0xFF, 0xD8, 0xFF, 0xE0];
        pdf.extend_from_slice(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n");
        assert_eq!(sniff(&pdf, None), Ok(MediaKind::Jpeg));
        assert!(matches!(
            sniff(&pdf, Some("application/pdf")),
            Err(SniffError::Mismatch {
                detected: MediaKind::Jpeg,
                ..
            })
        ));
        // A GIF header followed by HTML is a GIF here: served as image/gif with nosniff, never
        // as HTML (its header is rejected by the header reader).
        let gif_html = b"GIF89a<html><script>alert(1)</script></html>";
        assert_eq!(sniff(gif_html, None), Ok(MediaKind::Gif));
        assert!(matches!(
            sniff(gif_html, Some("text/html")),
            Err(SniffError::Mismatch {
                detected: MediaKind::Gif,
                ..
            })
        ));
        // HTML that mentions %PDF is not a PDF (infer would have said it is).
        let html_pdf = b"<html><!-- %PDF-1.4 --><script>alert(1)</script></html>";
        assert!(infer::archive::is_pdf(html_pdf));
        assert!(matches!(
            sniff(html_pdf, Some("application/pdf")),
            Err(SniffError::Unsupported { .. })
        ));
    }

    #[test]
    fn truncated_signatures_say_what_they_began_as() {
        let png = encode(image::ImageFormat::Png);
        for (bytes, kind) in [
            (&png[..5], MediaKind::Png),
            (&b"\x89PNG\r\n\x00\n"[..], MediaKind::Png),
            (&b"GIF8"[..], MediaKind::Gif),
            (&b"GIF88a"[..], MediaKind::Gif),
            (&b"RIFF\x10\x00"[..], MediaKind::WebP),
            (&b"%PDF"[..], MediaKind::Pdf),
            (&b"%PDF-x"[..], MediaKind::Pdf),
            (&[0xFF, 0xD8][..], MediaKind::Jpeg),
        ] {
            assert_eq!(
                sniff(bytes, None),
                Err(SniffError::BadSignature { looks_like: kind }),
                "{bytes:?}"
            );
        }
        // A truncated file whose signature is whole is recognised; its header reader refuses it.
        assert_eq!(sniff(&png[..12], None), Ok(MediaKind::Png));
    }
}

//! The parameters of a variant: what a request asks for (`?preset=card`, `?w=640&fit=cover&q=80`,
//! `format=auto`), checked against the allow-lists of the configuration, then resolved into the
//! [`RenderSpec`] the renderer takes and the key that names the result in storage and in the
//! variants table. Pure: no I/O.
//!
//! Why it is strict:
//! - **Few variants.** Every distinct key is a render and a stored object, so `w` and `h` take
//!   only the configured sizes (`ORGCMS_MEDIA_WIDTHS` and the presets' sizes), `q` only the
//!   configured qualities, and anything else (an unknown parameter, one given twice, an empty
//!   value) is refused with the parameter named, rather than ignored: an ignored typo would
//!   silently serve something else, and open-ended parameters let anyone fill the store.
//! - **One key per result.** [`resolve`] normalises what cannot change the output: a preset
//!   becomes its size (`preset=card` and `w=640` share a key), the fit of a box with one free
//!   side is `inside` (they all render alike), the quality of a PNG is 100 (lossless), and the
//!   focal point counts only for `cover` (rounded to hundredths, as the key prints it). Two
//!   queries that render the same thing get the same key, in any parameter order.
//! - **Format negotiation is explicit** ([`negotiate`]): AVIF or WebP only when the `Accept`
//!   header names them (wildcards do not count: every client sends `*/*`, not every client
//!   decodes WebP), else the original's natural format.

use super::kind::MediaKind;
use super::spec::{Fit, FocalPoint, OutputFormat, RenderSpec};
use crate::app::settings::MediaSettings;

/// A named size, configured in `ORGCMS_MEDIA_PRESETS`: `card=640`, `banner=1600x400:cover`,
/// `tall=x800`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    pub name: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fit: Fit,
}

/// The longest preset name.
pub const MAX_PRESET_NAME: usize = 32;

impl Preset {
    /// Reads one `name=<width>[x<height>][:<fit>]` (or `name=x<height>[:<fit>]`): a name of
    /// `[a-z0-9_-]` starting with a letter, sizes of at least 1, a fit of [`Fit::ALL`]. Limits on
    /// the sizes are checked by the settings, which know them.
    pub fn parse(text: &str) -> Result<Preset, String> {
        let error = |why: &str| format!("`{text}` {why}");
        let (name, rest) = text
            .split_once('=')
            .ok_or_else(|| error("is not name=<width>[x<height>][:<fit>]"))?;
        let name = name.trim();
        let rest = rest.trim();
        if name.is_empty()
            || name.len() > MAX_PRESET_NAME
            || !name.starts_with(|c: char| c.is_ascii_lowercase())
            || !name
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
        {
            return Err(error(&format!(
                "has a bad name: 1 to {MAX_PRESET_NAME} of a-z, 0-9, `_` and `-`, starting with a letter"
            )));
        }
        let (size, fit) = match rest.split_once(':') {
            Some((size, fit)) => {
                let fit = Fit::parse(fit.trim()).ok_or_else(|| {
                    error(&format!(
                        "has an unknown fit (one of {})",
                        Fit::ALL.map(Fit::as_str).join(", ")
                    ))
                })?;
                (size.trim(), fit)
            }
            None => (rest, Fit::default()),
        };
        let dimension = |part: &str| -> Result<Option<u32>, String> {
            if part.is_empty() {
                return Ok(None);
            }
            match part.parse::<u32>() {
                Ok(n) if n > 0 && part.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
                _ => Err(error(
                    "has a size that is not a whole number of pixels above 0",
                )),
            }
        };
        let (width, height) = match size.split_once('x') {
            Some((w, h)) => (dimension(w.trim())?, dimension(h.trim())?),
            None => (dimension(size)?, None),
        };
        if width.is_none() && height.is_none() {
            return Err(error("has no size (a width, x<height>, or both)"));
        }
        Ok(Preset {
            name: name.to_owned(),
            width,
            height,
            fit,
        })
    }

    /// Reads a comma-separated list of presets; names must be unique.
    pub fn parse_list(list: &str) -> Result<Vec<Preset>, String> {
        let mut presets: Vec<Preset> = Vec::new();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let preset = Preset::parse(item)?;
            if presets.iter().any(|p| p.name == preset.name) {
                return Err(format!("preset `{}` is defined twice", preset.name));
            }
            presets.push(preset);
        }
        Ok(presets)
    }
}

/// Which format a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FormatChoice {
    /// Decided by the request's `Accept` header ([`negotiate`]): the response varies with it
    /// (`Vary: Accept`). The default.
    Auto,
    /// `format=jpeg|png|webp|avif`.
    Exact(OutputFormat),
}

impl FormatChoice {
    /// Whether the format, and so the response, depends on the request's `Accept` header.
    pub fn varies_with_accept(self) -> bool {
        self == FormatChoice::Auto
    }
}

/// The names `format=` takes.
const FORMAT_NAMES: &str = "auto, jpeg, png, webp, avif";

/// What a request for a variant asks for, before the format is negotiated: made by [`parse`]
/// only, so every value in it is allowed by the settings it was parsed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantQuery {
    /// The preset, with its size and fit as configured.
    preset: Option<Preset>,
    w: Option<u32>,
    h: Option<u32>,
    fit: Option<Fit>,
    format: Option<FormatChoice>,
    q: Option<u8>,
}

impl VariantQuery {
    /// The preset asked for, by name.
    pub fn preset(&self) -> Option<&str> {
        self.preset.as_ref().map(|p| p.name.as_str())
    }

    /// The format asked for; [`FormatChoice::Auto`] without `format`.
    pub fn format(&self) -> FormatChoice {
        self.format.unwrap_or(FormatChoice::Auto)
    }

    /// `w`, `h`, `fit` and `q` as given (not the preset's).
    pub fn width(&self) -> Option<u32> {
        self.w
    }

    pub fn height(&self) -> Option<u32> {
        self.h
    }

    pub fn fit(&self) -> Option<Fit> {
        self.fit
    }

    pub fn quality(&self) -> Option<u8> {
        self.q
    }
}

/// Why a variant's parameters are refused; [`VariantError::parameter`] names the one at fault
/// (the problem's field), the message says what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VariantError {
    /// A parameter that is not one of `preset`, `w`, `h`, `fit`, `format`, `q` (its name, shown
    /// short).
    #[error("`{0}` is not a parameter of a variant (preset, w, h, fit, format, q)")]
    Unknown(String),
    /// A pair without a name (`=640`).
    #[error("a parameter has no name (the parameters of a variant: preset, w, h, fit, format, q)")]
    Nameless,
    #[error("`{0}` is given more than once")]
    Repeated(&'static str),
    #[error("`{0}` is empty")]
    Empty(&'static str),
    /// A value outside the allow-list (which the message lists).
    #[error("`{parameter}` must be one of {allowed}, not `{value}`")]
    NotAllowed {
        parameter: &'static str,
        value: String,
        allowed: String,
    },
    /// `preset` with `w`, `h` or `fit` (the one named): a preset sets them.
    #[error("`preset` and `{0}` exclude each other: a preset sets the size and the fit")]
    PresetWith(&'static str),
    #[error("`fit` needs a size: `w`, `h` or both")]
    FitWithoutSize,
    /// Neither `preset` nor `w` nor `h` (the original is served without any parameter).
    #[error("a variant needs a size: `preset`, `w` or `h`")]
    NoSize,
}

impl VariantError {
    /// The parameter at fault (`preset` when a size is missing, `query` for a pair without a
    /// name).
    pub fn parameter(&self) -> &str {
        match self {
            Self::Unknown(name) => name,
            Self::Repeated(name) | Self::Empty(name) | Self::PresetWith(name) => name,
            Self::NotAllowed { parameter, .. } => parameter,
            Self::FitWithoutSize => "fit",
            Self::NoSize => "preset",
            Self::Nameless => "query",
        }
    }
}

/// Reads a variant's query string (without the `?`, `application/x-www-form-urlencoded`): only
/// `preset`, `w`, `h`, `fit`, `format` and `q`, each at most once and not empty; `preset`
/// excludes `w`, `h` and `fit`; `fit` needs `w` or `h`; a size is required. Values must be in
/// the allow-lists of `media`: a preset's name, a size of [`MediaSettings::allowed_sizes`], a fit
/// of [`Fit::ALL`], `auto` or a format of [`OutputFormat::ALL`], a quality of
/// [`MediaSettings::qualities`].
pub fn parse(query: &str, media: &MediaSettings) -> Result<VariantQuery, VariantError> {
    let mut parsed = VariantQuery {
        preset: None,
        w: None,
        h: None,
        fit: None,
        format: None,
        q: None,
    };
    let mut seen: Vec<&'static str> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let name: &'static str = match &*key {
            "preset" => "preset",
            "w" => "w",
            "h" => "h",
            "fit" => "fit",
            "format" => "format",
            "q" => "q",
            "" => return Err(VariantError::Nameless),
            other => return Err(VariantError::Unknown(shown(other))),
        };
        if seen.contains(&name) {
            return Err(VariantError::Repeated(name));
        }
        seen.push(name);
        if value.is_empty() {
            return Err(VariantError::Empty(name));
        }
        let refused = |allowed: String| VariantError::NotAllowed {
            parameter: name,
            value: shown(&value),
            allowed,
        };
        match name {
            "preset" => {
                let preset = media.preset(&value).ok_or_else(|| {
                    refused(if media.presets.is_empty() {
                        "(no preset is configured)".to_owned()
                    } else {
                        media
                            .presets
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                })?;
                parsed.preset = Some(preset.clone());
            }
            "w" | "h" => {
                let size = number(&value)
                    .filter(|n| media.allows_size(*n))
                    .ok_or_else(|| refused(list(&media.allowed_sizes())))?;
                if name == "w" {
                    parsed.w = Some(size);
                } else {
                    parsed.h = Some(size);
                }
            }
            "fit" => {
                let fit = Fit::parse(&value)
                    .ok_or_else(|| refused(Fit::ALL.map(Fit::as_str).join(", ")))?;
                parsed.fit = Some(fit);
            }
            "format" => {
                let choice = match &*value {
                    "auto" => FormatChoice::Auto,
                    other => FormatChoice::Exact(
                        OutputFormat::parse(other).ok_or_else(|| refused(FORMAT_NAMES.into()))?,
                    ),
                };
                parsed.format = Some(choice);
            }
            _ => {
                let quality = number(&value)
                    .and_then(|n| u8::try_from(n).ok())
                    .filter(|q| media.qualities.contains(q))
                    .ok_or_else(|| refused(list(&media.qualities)))?;
                parsed.q = Some(quality);
            }
        }
    }
    if parsed.preset.is_some() {
        for (name, given) in [
            ("w", parsed.w.is_some()),
            ("h", parsed.h.is_some()),
            ("fit", parsed.fit.is_some()),
        ] {
            if given {
                return Err(VariantError::PresetWith(name));
            }
        }
    } else if parsed.w.is_none() && parsed.h.is_none() {
        return Err(if parsed.fit.is_some() {
            VariantError::FitWithoutSize
        } else {
            VariantError::NoSize
        });
    }
    Ok(parsed)
}

/// A whole number written in ASCII digits only (no sign, no spaces), of 32 bits.
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn list<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value of the request as a message shows it: at most 40 characters, escaped.
fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(40).flat_map(char::escape_debug).collect();
    if text.chars().count() > 40 {
        out.push_str("...");
    }
    out
}

/// The format of a variant.
///
/// - [`FormatChoice::Exact`] is that format, except AVIF when `avif_available` is false (this
///   build cannot encode it): then as `Auto` without AVIF (the response's `Content-Type` says
///   what it is).
/// - [`FormatChoice::Auto`]: AVIF when `Accept` names `image/avif` (with a `q` above 0) and
///   `avif_available`; else WebP when it names `image/webp`; else the original's natural format:
///   JPEG for a JPEG; PNG for a PNG, for a GIF (its first frame, lossless, with its
///   transparency), for a WebP or an AVIF (either may have transparency, which JPEG would lose).
///   Wildcards (`image/*`, `*/*`) do not count. PDF and SVG are never rendered; PNG is answered
///   for them so that the function is total.
pub fn negotiate(
    choice: FormatChoice,
    accept: Option<&str>,
    original: MediaKind,
    avif_available: bool,
) -> OutputFormat {
    match choice {
        FormatChoice::Exact(OutputFormat::Avif) if !avif_available => {
            negotiate(FormatChoice::Auto, accept, original, false)
        }
        FormatChoice::Exact(format) => format,
        FormatChoice::Auto => {
            if avif_available && accepts(accept, "image/avif") {
                OutputFormat::Avif
            } else if accepts(accept, "image/webp") {
                OutputFormat::WebP
            } else if original == MediaKind::Jpeg {
                OutputFormat::Jpeg
            } else {
                OutputFormat::Png
            }
        }
    }
}

/// Whether an `Accept` header names `media_type` (in any case) without `q=0`.
fn accepts(accept: Option<&str>, media_type: &str) -> bool {
    accept
        .into_iter()
        .flat_map(|header| header.split(','))
        .any(|range| {
            let mut parts = range.split(';');
            let essence = parts.next().unwrap_or_default().trim();
            if !essence.eq_ignore_ascii_case(media_type) {
                return false;
            }
            let q = parts.find_map(|param| {
                let (name, value) = param.split_once('=')?;
                name.trim().eq_ignore_ascii_case("q").then(|| value.trim())
            });
            match q {
                None => true,
                Some(q) => q.parse::<f32>().is_ok_and(|q| q > 0.0),
            }
        })
}

/// The centre, where crops go without a focal point.
const CENTRE: FocalPoint = FocalPoint { x: 0.5, y: 0.5 };

/// The [`RenderSpec`] of a query in `format`, and the key that names the variant: e.g.
/// `w640-h0-inside-q75-fx0.50-fy0.50.webp` (`0` for a free side; the extension of the format).
/// Normalised as the module says, so that the key is canonical; `focal` (the original's focal
/// point, clamped to 0..1) counts for `cover` only, rounded to hundredths in the spec as in the
/// key.
pub fn resolve(
    query: &VariantQuery,
    format: OutputFormat,
    focal: Option<FocalPoint>,
    media: &MediaSettings,
) -> (RenderSpec, String) {
    let (width, height, fit) = match &query.preset {
        Some(preset) => (preset.width, preset.height, preset.fit),
        None => (query.w, query.h, query.fit.unwrap_or_default()),
    };
    // With a free side the box follows the aspect ratio, and every fit renders alike.
    let fit = if width.is_some() && height.is_some() {
        fit
    } else {
        Fit::Inside
    };
    let quality = match format {
        OutputFormat::Png => 100,
        _ => query.q.unwrap_or(media.default_quality),
    };
    let focal_point = (fit == Fit::Cover).then(|| {
        let point = focal.unwrap_or(CENTRE);
        FocalPoint {
            x: hundredths(point.x),
            y: hundredths(point.y),
        }
    });
    let shown = focal_point.unwrap_or(CENTRE);
    let key = format!(
        "w{}-h{}-{fit}-q{quality}-fx{:.2}-fy{:.2}.{}",
        width.unwrap_or(0),
        height.unwrap_or(0),
        shown.x,
        shown.y,
        format.extension()
    );
    let spec = RenderSpec {
        width,
        height,
        fit,
        format,
        quality,
        focal_point,
    };
    (spec, key)
}

/// A fraction clamped to 0..1 and rounded to hundredths (the centre for NaN; never -0).
fn hundredths(value: f64) -> f64 {
    if value.is_nan() {
        return 0.5;
    }
    (value.clamp(0.0, 1.0) * 100.0).round() / 100.0 + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_a_name_a_size_and_maybe_a_fit() {
        assert_eq!(
            Preset::parse("card=640").unwrap(),
            Preset {
                name: "card".into(),
                width: Some(640),
                height: None,
                fit: Fit::Inside
            }
        );
        assert_eq!(
            Preset::parse("square=400x400:cover").unwrap(),
            Preset {
                name: "square".into(),
                width: Some(400),
                height: Some(400),
                fit: Fit::Cover
            }
        );
        assert_eq!(
            Preset::parse("tall=x800").unwrap(),
            Preset {
                name: "tall".into(),
                width: None,
                height: Some(800),
                fit: Fit::Inside
            }
        );
        let list = Preset::parse_list(" thumb=320, card=640 ,hero=1600,").unwrap();
        assert_eq!(
            list.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["thumb", "card", "hero"]
        );
        for bad in [
            "card",
            "=640",
            "Card=640",
            "1card=640",
            "ca rd=640",
            "card=",
            "card=x",
            "card=0",
            "card=-1",
            "card=+640",
            "card=640x0",
            "card=640y480",
            "card=99999999999",
            "card=640:crop",
            "card=640:",
        ] {
            assert!(Preset::parse(bad).is_err(), "{bad}");
        }
        let twice = Preset::parse_list("card=640,card=320").unwrap_err();
        assert!(twice.contains("`card` is defined twice"), "{twice}");
    }

    fn media() -> MediaSettings {
        MediaSettings {
            presets: Preset::parse_list("thumb=320,card=640,square=400x400:cover,tall=x800")
                .unwrap(),
            ..MediaSettings::default()
        }
    }

    fn key(query: &str) -> String {
        let media = media();
        let parsed = parse(query, &media).unwrap();
        resolve(&parsed, OutputFormat::WebP, None, &media).1
    }

    #[test]
    fn queries_parse_into_what_they_ask_for() {
        let media = media();
        let q = parse("w=640&h=480&fit=cover&format=webp&q=80", &media).unwrap();
        assert_eq!(
            (q.width(), q.height(), q.fit(), q.format(), q.quality()),
            (
                Some(640),
                Some(480),
                Some(Fit::Cover),
                FormatChoice::Exact(OutputFormat::WebP),
                Some(80)
            )
        );
        assert_eq!(q.preset(), None);
        let q = parse("preset=card&format=auto", &media).unwrap();
        assert_eq!(q.preset(), Some("card"));
        assert_eq!(q.format(), FormatChoice::Auto);
        assert!(q.format().varies_with_accept());
        assert_eq!(parse("h=480", &media).unwrap().format(), FormatChoice::Auto);
        // A preset's sizes are allowed as w and h; percent-escapes are decoded.
        assert_eq!(parse("w=400&h=800", &media).unwrap().height(), Some(800));
        assert_eq!(parse("w=%36%340", &media).unwrap().width(), Some(640));
        assert_eq!(parse("&w=640&&", &media).unwrap().width(), Some(640));
    }

    #[test]
    fn errors_name_the_parameter_and_what_is_allowed() {
        let media = media();
        let error = |query: &str| parse(query, &media).unwrap_err();
        let sizes = "160, 320, 400, 480, 640, 800, 960, 1280, 1600, 1920, 2560";
        for (query, parameter, message) in [
            (
                "width=640",
                "width",
                "`width` is not a parameter of a variant (preset, w, h, fit, format, q)".to_owned(),
            ),
            ("w=640&w=320", "w", "`w` is given more than once".to_owned()),
            ("w=", "w", "`w` is empty".to_owned()),
            ("w", "w", "`w` is empty".to_owned()),
            ("w=0", "w", format!("`w` must be one of {sizes}, not `0`")),
            (
                "w=641",
                "w",
                format!("`w` must be one of {sizes}, not `641`"),
            ),
            (
                "h=99999999999999999999",
                "h",
                format!("`h` must be one of {sizes}, not `99999999999999999999`"),
            ),
            (
                "w=%2B640",
                "w",
                format!("`w` must be one of {sizes}, not `+640`"),
            ),
            (
                "w=+640",
                "w",
                format!("`w` must be one of {sizes}, not ` 640`"),
            ),
            (
                "=640",
                "query",
                "a parameter has no name (the parameters of a variant: preset, w, h, fit, \
                 format, q)"
                    .to_owned(),
            ),
            (
                "w=640.0",
                "w",
                format!("`w` must be one of {sizes}, not `640.0`"),
            ),
            (
                "w=640&fit=crop",
                "fit",
                "`fit` must be one of inside, cover, contain, fill, not `crop`".to_owned(),
            ),
            (
                "w=640&format=gif",
                "format",
                "`format` must be one of auto, jpeg, png, webp, avif, not `gif`".to_owned(),
            ),
            (
                "w=640&format=JPEG",
                "format",
                "`format` must be one of auto, jpeg, png, webp, avif, not `JPEG`".to_owned(),
            ),
            (
                "w=640&q=85",
                "q",
                "`q` must be one of 50, 60, 70, 75, 80, 90, not `85`".to_owned(),
            ),
            (
                "w=640&q=336",
                "q",
                "`q` must be one of 50, 60, 70, 75, 80, 90, not `336`".to_owned(),
            ),
            (
                "preset=huge",
                "preset",
                "`preset` must be one of thumb, card, square, tall, not `huge`".to_owned(),
            ),
            (
                "preset=card&w=640",
                "w",
                "`preset` and `w` exclude each other: a preset sets the size and the fit"
                    .to_owned(),
            ),
            (
                "fit=cover&preset=card",
                "fit",
                "`preset` and `fit` exclude each other: a preset sets the size and the fit"
                    .to_owned(),
            ),
            (
                "fit=cover",
                "fit",
                "`fit` needs a size: `w`, `h` or both".to_owned(),
            ),
            (
                "",
                "preset",
                "a variant needs a size: `preset`, `w` or `h`".to_owned(),
            ),
            (
                "format=webp&q=80",
                "preset",
                "a variant needs a size: `preset`, `w` or `h`".to_owned(),
            ),
        ] {
            let e = error(query);
            assert_eq!(
                (e.parameter(), e.to_string()),
                (parameter, message),
                "{query}"
            );
        }
        // Hostile names and values come back short and escaped.
        let long = format!("w=640&{}=1", "x\n".repeat(100));
        let message = error(&long).to_string();
        assert!(message.len() < 200 && message.contains("x\\n"), "{message}");
        let message = error(&format!("w={}", "9".repeat(100))).to_string();
        assert!(message.contains("...") && message.len() < 200, "{message}");
    }

    #[test]
    fn keys_are_canonical() {
        assert_eq!(key("w=640"), "w640-h0-inside-q75-fx0.50-fy0.50.webp");
        // A preset is its size.
        assert_eq!(key("preset=card"), key("w=640"));
        assert_eq!(key("preset=square"), key("w=400&h=400&fit=cover"));
        assert_eq!(key("preset=tall"), "w0-h800-inside-q75-fx0.50-fy0.50.webp");
        // With a free side, every fit is inside; the default quality is the explicit one.
        assert_eq!(key("w=640&fit=cover"), key("w=640"));
        assert_eq!(key("w=640&fit=fill&q=75"), key("w=640"));
        assert_eq!(key("format=webp&q=75&w=640"), key("w=640"));
        // Different renders, different keys.
        assert_ne!(key("w=640&h=480"), key("w=640&h=480&fit=cover"));
        assert_ne!(key("w=640&h=480&fit=contain"), key("w=640&h=480&fit=fill"));
        assert_ne!(key("w=640&q=80"), key("w=640"));
        assert_ne!(key("w=640"), key("h=640"));
    }

    #[test]
    fn resolve_normalises_quality_and_focal_point() {
        let media = media();
        let query = parse("w=640&h=480&fit=cover&q=80", &media).unwrap();
        let focal = Some(FocalPoint { x: 0.333, y: 1.7 });
        let (spec, key) = resolve(&query, OutputFormat::Jpeg, focal, &media);
        assert_eq!(
            spec,
            RenderSpec {
                width: Some(640),
                height: Some(480),
                fit: Fit::Cover,
                format: OutputFormat::Jpeg,
                quality: 80,
                focal_point: Some(FocalPoint { x: 0.33, y: 1.0 }),
            }
        );
        assert_eq!(key, "w640-h480-cover-q80-fx0.33-fy1.00.jpg");
        let (spec, key) = resolve(&query, OutputFormat::Png, None, &media);
        assert_eq!((spec.quality, spec.focal_point), (100, Some(CENTRE)));
        assert_eq!(key, "w640-h480-cover-q100-fx0.50-fy0.50.png");
        let odd = Some(FocalPoint {
            x: -0.001,
            y: f64::NAN,
        });
        assert_eq!(
            resolve(&query, OutputFormat::Avif, odd, &media).1,
            "w640-h480-cover-q80-fx0.00-fy0.50.avif"
        );
        // The focal point does not count for other fits.
        let inside = parse("w=640&h=480", &media).unwrap();
        let (spec, key) = resolve(&inside, OutputFormat::WebP, focal, &media);
        assert_eq!(spec.focal_point, None);
        assert_eq!(key, "w640-h480-inside-q75-fx0.50-fy0.50.webp");
    }

    #[test]
    fn negotiation_follows_accept_and_the_original() {
        use FormatChoice::{Auto, Exact};
        use MediaKind::*;
        use OutputFormat as F;
        let chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
        let old_safari = "image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5";
        assert_eq!(negotiate(Auto, Some(chrome), Jpeg, true), F::Avif);
        assert_eq!(negotiate(Auto, Some(chrome), Jpeg, false), F::WebP);
        assert_eq!(negotiate(Auto, Some("image/webp"), Png, true), F::WebP);
        assert_eq!(
            negotiate(Auto, Some("IMAGE/AVIF ; q=0.9"), Gif, true),
            F::Avif
        );
        assert_eq!(
            negotiate(Auto, Some("image/avif;q=0, image/webp;q=0.5"), Jpeg, true),
            F::WebP
        );
        assert_eq!(
            negotiate(Auto, Some("image/webp;q=0.000"), Jpeg, true),
            F::Jpeg
        );
        assert_eq!(negotiate(Auto, Some("image/webp;q=x"), Jpeg, true), F::Jpeg);
        // Wildcards do not count; then the natural format.
        for accept in [
            Some(old_safari),
            Some("*/*"),
            Some("image/*"),
            None,
            Some(""),
            Some(",;;=,"),
        ] {
            assert_eq!(negotiate(Auto, accept, Jpeg, true), F::Jpeg, "{accept:?}");
            assert_eq!(negotiate(Auto, accept, Png, true), F::Png);
            assert_eq!(negotiate(Auto, accept, Gif, true), F::Png);
            assert_eq!(negotiate(Auto, accept, WebP, true), F::Png);
            assert_eq!(negotiate(Auto, accept, Avif, true), F::Png);
        }
        assert_eq!(negotiate(Auto, Some("image/webp"), WebP, true), F::WebP);
        // Exact is exact, except AVIF that cannot be made.
        assert_eq!(negotiate(Exact(F::Png), Some(chrome), Jpeg, true), F::Png);
        assert_eq!(negotiate(Exact(F::Avif), None, Jpeg, true), F::Avif);
        assert_eq!(
            negotiate(Exact(F::Avif), Some(chrome), Jpeg, false),
            F::WebP
        );
        assert_eq!(negotiate(Exact(F::Avif), None, Jpeg, false), F::Jpeg);
        assert!(!Exact(F::Png).varies_with_accept());
    }
}

/// Properties of the parameters under any input (generators in `crate::fuzzing`).
#[cfg(test)]
mod proptests {
    use super::*;
    use crate::fuzzing::{config, hostile_text};
    use proptest::prelude::*;

    fn media() -> MediaSettings {
        MediaSettings {
            presets: Preset::parse_list("thumb=320,card=640,square=400x400:cover").unwrap(),
            ..MediaSettings::default()
        }
    }

    /// A `key=value` pair, valid or nearly so.
    fn pair() -> impl Strategy<Value = (String, String)> {
        let key = prop_oneof![
            Just("preset"),
            Just("w"),
            Just("h"),
            Just("fit"),
            Just("format"),
            Just("q"),
            Just("W"),
            Just("x"),
        ];
        let value = prop_oneof![
            Just("card".to_owned()),
            Just("square".to_owned()),
            Just("640".to_owned()),
            Just("320".to_owned()),
            Just("0".to_owned()),
            Just("4294967296".to_owned()),
            Just("cover".to_owned()),
            Just("inside".to_owned()),
            Just("auto".to_owned()),
            Just("webp".to_owned()),
            Just("75".to_owned()),
            Just("80".to_owned()),
            Just(String::new()),
            hostile_text(12),
        ];
        (key, value).prop_map(|(k, v)| (k.to_owned(), v))
    }

    /// The valid pairs of one query: a size (a preset, or w and/or h with maybe a fit), maybe a
    /// format and a quality.
    fn valid_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
        let size = prop_oneof![
            prop::sample::select(vec!["thumb", "card", "square"])
                .prop_map(|p| vec![("preset", p.to_owned())]),
            (
                prop::option::of(prop::sample::select(vec![160u32, 320, 400, 640, 2560])),
                prop::option::of(prop::sample::select(vec![160u32, 480, 1920])),
                prop::option::of(prop::sample::select(Fit::ALL.to_vec())),
            )
                .prop_filter("a size", |(w, h, _)| w.is_some() || h.is_some())
                .prop_map(|(w, h, fit)| {
                    let mut pairs = Vec::new();
                    if let Some(w) = w {
                        pairs.push(("w", w.to_string()));
                    }
                    if let Some(h) = h {
                        pairs.push(("h", h.to_string()));
                    }
                    if let Some(fit) = fit {
                        pairs.push(("fit", fit.as_str().to_owned()));
                    }
                    pairs
                }),
        ];
        (
            size,
            prop::option::of(prop::sample::select(vec![
                "auto", "jpeg", "png", "webp", "avif",
            ])),
            prop::option::of(prop::sample::select(vec![50u8, 75, 90])),
        )
            .prop_map(|(mut pairs, format, q)| {
                if let Some(format) = format {
                    pairs.push(("format", format.to_owned()));
                }
                if let Some(q) = q {
                    pairs.push(("q", q.to_string()));
                }
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            })
    }

    fn encode(pairs: &[(String, String)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    proptest! {
        #![proptest_config(config(512))]

        /// Any string is parsed or refused with a parameter and a message; never a panic, and a
        /// parsed query always resolves.
        #[test]
        fn any_query_string_parses_or_is_refused(text in hostile_text(60)) {
            let media = media();
            match parse(&text, &media) {
                Ok(query) => {
                    let (spec, key) = resolve(&query, OutputFormat::WebP, None, &media);
                    prop_assert!(spec.width.is_some() || spec.height.is_some());
                    prop_assert!(crate::media::storage::is_valid_key(&key), "{}", key);
                }
                Err(error) => {
                    prop_assert!(!error.parameter().is_empty());
                    prop_assert!(error.to_string().len() < 400);
                }
            }
        }

        /// Query strings made of parameter-like pairs, in any order: parsed or refused, and the
        /// refusal names a parameter.
        #[test]
        fn pairs_parse_or_are_refused(pairs in prop::collection::vec(pair(), 0..8)) {
            let media = media();
            if let Err(error) = parse(&encode(&pairs), &media) {
                prop_assert!(!error.parameter().is_empty());
            }
        }

        /// The key does not depend on the order of the parameters, and is a valid storage key.
        #[test]
        fn keys_do_not_depend_on_parameter_order(
            (pairs, shuffled) in valid_pairs().prop_flat_map(|pairs| {
                (Just(pairs.clone()), Just(pairs).prop_shuffle())
            }),
            x in 0.0f64..=1.0,
            y in 0.0f64..=1.0,
        ) {
            let media = media();
            let focal = Some(FocalPoint { x, y });
            let one = parse(&encode(&pairs), &media).unwrap();
            let other = parse(&encode(&shuffled), &media).unwrap();
            for format in OutputFormat::ALL {
                let (spec, key) = resolve(&one, format, focal, &media);
                let (spec_other, key_other) = resolve(&other, format, focal, &media);
                prop_assert_eq!(&key, &key_other);
                prop_assert_eq!(spec, spec_other);
                prop_assert!(crate::media::storage::is_valid_key(&key), "{}", key);
            }
        }
    }
}

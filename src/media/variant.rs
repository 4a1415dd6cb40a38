//! The parameters of a variant: the named presets of the configuration, and (later in this
//! module) what a request for a variant asks for.

use super::spec::Fit;

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
}

// STUB, replaced by the media-storage branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatChoice {
    Auto,
    Exact(crate::media::spec::OutputFormat),
}
pub struct VariantQuery;
impl VariantQuery {
    pub fn format_choice(&self) -> FormatChoice {
        FormatChoice::Auto
    }
}
#[derive(Debug)]
pub struct VariantError;
pub fn parse(
    _q: &str,
    _m: &crate::app::settings::MediaSettings,
) -> Result<VariantQuery, VariantError> {
    Err(VariantError)
}
pub fn negotiate(
    _c: FormatChoice,
    _a: Option<&str>,
    _o: crate::media::kind::MediaKind,
    _avif: bool,
) -> crate::media::spec::OutputFormat {
    crate::media::spec::OutputFormat::Jpeg
}
pub fn resolve(
    _q: &VariantQuery,
    format: crate::media::spec::OutputFormat,
    focal: Option<crate::media::spec::FocalPoint>,
    _m: &crate::app::settings::MediaSettings,
) -> (crate::media::spec::RenderSpec, String) {
    (
        crate::media::spec::RenderSpec {
            width: Some(1),
            height: None,
            fit: crate::media::spec::Fit::Inside,
            format,
            quality: 75,
            focal_point: focal,
        },
        String::new(),
    )
}
impl From<VariantError> for crate::http::error::ApiError {
    fn from(_: VariantError) -> Self {
        crate::http::error::ApiError::invalid_parameter("x", "y")
    }
}
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VariantParams {
    pub preset: Option<String>,
}

//! What a variant of an image is: the size, fit, format and quality it is rendered at. The
//! request parameters (`crate::media::variant`) produce a [`RenderSpec`]; the renderer
//! (`crate::media::render`) takes one.

use std::fmt;

/// How an image is fitted into the requested box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Fit {
    /// Within the box, keeping the aspect ratio; one side may be smaller (the default).
    #[default]
    Inside,
    /// Fills the box, keeping the aspect ratio, cropped around the focal point (or the centre).
    Cover,
    /// Within the box, keeping the aspect ratio, padded to the box's size.
    Contain,
    /// Stretched to the box.
    Fill,
}

impl Fit {
    pub const ALL: [Fit; 4] = [Fit::Inside, Fit::Cover, Fit::Contain, Fit::Fill];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inside => "inside",
            Self::Cover => "cover",
            Self::Contain => "contain",
            Self::Fill => "fill",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The encodings a variant can be rendered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    Jpeg,
    Png,
    WebP,
    Avif,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 4] = [
        OutputFormat::Jpeg,
        OutputFormat::Png,
        OutputFormat::WebP,
        OutputFormat::Avif,
    ];

    /// `jpeg`, `png`, `webp` or `avif`: the name in `format=` and in storage keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Avif => "avif",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
            Self::Avif => "image/avif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A point of an image that crops keep in view, as fractions of its width and height (0 to 1
/// from the top left corner).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FocalPoint {
    pub x: f64,
    pub y: f64,
}

/// One variant to render, fully resolved: no "auto", no preset names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RenderSpec {
    /// The box; `None` on one side follows the aspect ratio. At least one side is set. An image
    /// is never enlarged: a box larger than the image renders it at its own size.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fit: Fit,
    pub format: OutputFormat,
    /// 1 to 100; ignored by PNG.
    pub quality: u8,
    /// Where `Fit::Cover` crops around; the centre when `None`.
    pub focal_point: Option<FocalPoint>,
}

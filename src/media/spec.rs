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

impl RenderSpec {
    /// The size of the variant of a `width` x `height` image: the box fitted to the image's
    /// aspect ratio as `fit` says, never larger than the image. The renderer produces exactly
    /// this size, so that responses can state a variant's size without rendering it.
    pub fn output_size(&self, width: u32, height: u32) -> (u32, u32) {
        output_size(width, height, self.width, self.height, self.fit)
    }
}

/// See [`RenderSpec::output_size`].
pub fn output_size(
    width: u32,
    height: u32,
    box_width: Option<u32>,
    box_height: Option<u32>,
    fit: Fit,
) -> (u32, u32) {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let scaled = |scale: f64| {
        let scale = scale.min(1.0);
        (
            ((w * scale).round() as u32).max(1),
            ((h * scale).round() as u32).max(1),
        )
    };
    match (box_width, box_height) {
        (None, None) => (width, height),
        (Some(bw), None) => scaled(f64::from(bw) / w),
        (None, Some(bh)) => scaled(f64::from(bh) / h),
        (Some(bw), Some(bh)) => match fit {
            Fit::Inside => scaled((f64::from(bw) / w).min(f64::from(bh) / h)),
            // The box, shrunk (keeping its own aspect ratio) to fit within the image.
            Fit::Cover | Fit::Contain | Fit::Fill => {
                let shrink = (w / f64::from(bw)).min(h / f64::from(bh)).min(1.0);
                match fit {
                    Fit::Cover | Fit::Contain => (
                        ((f64::from(bw) * shrink).round() as u32).max(1),
                        ((f64::from(bh) * shrink).round() as u32).max(1),
                    ),
                    _ => (bw.min(width), bh.min(height)),
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_width_alone_keeps_the_aspect_ratio_and_never_enlarges() {
        assert_eq!(
            output_size(4000, 3000, Some(640), None, Fit::Inside),
            (640, 480)
        );
        assert_eq!(
            output_size(400, 300, Some(640), None, Fit::Inside),
            (400, 300)
        );
        assert_eq!(
            output_size(4000, 3000, None, Some(300), Fit::Cover),
            (400, 300)
        );
    }

    #[test]
    fn a_box_is_fitted_as_fit_says() {
        assert_eq!(
            output_size(4000, 3000, Some(640), Some(640), Fit::Inside),
            (640, 480)
        );
        assert_eq!(
            output_size(4000, 3000, Some(640), Some(640), Fit::Cover),
            (640, 640)
        );
        assert_eq!(
            output_size(4000, 3000, Some(640), Some(640), Fit::Contain),
            (640, 640)
        );
        assert_eq!(
            output_size(4000, 3000, Some(640), Some(640), Fit::Fill),
            (640, 640)
        );
        // A box larger than the image: its shape kept, shrunk into the image.
        assert_eq!(
            output_size(300, 200, Some(640), Some(640), Fit::Cover),
            (200, 200)
        );
        assert_eq!(
            output_size(300, 200, Some(640), Some(640), Fit::Fill),
            (300, 200)
        );
    }
}

//! Variants: an image decoded, fitted to a box and encoded again, as a [`RenderSpec`] says.
//!
//! The original is the cleaned one ([`super::strip::clean`]): no metadata is left to strip and
//! its orientation is in its pixels. Its header is held to the limits ([`inspect`]) before any
//! decoding, and the decoders get the same limits (largest side, allocation).
//!
//! - Decoding: JPEG, PNG, WebP and GIF (the first frame of an animation). A JPEG that is to come
//!   out at half its size or less is decoded by `jpeg-decoder` with DCT scaling (at 1/2, 1/4 or
//!   1/8, the smallest that still has the pixels the variant needs): a 12-megapixel photo for a
//!   640 pixel card is decoded at 1000 x 750, 2 MB of pixels instead of 36 MB, and the resize
//!   has a sixteenth of the work. It is not faster overall (its entropy decoding is slower than
//!   zune-jpeg's, and that is most of the work: about 240 ms either way for a noisy 6 MB photo in
//!   a release build), but a card's peak memory falls from about 52 MB to 18 MB, which is what
//!   bounds how many renders can run at once. AVIF is not decoded (its decoder needs the system
//!   `dav1d` library), nor PDF and SVG: [`RenderError::Unsupported`].
//! - Fitting, never enlarging (see [`Fit`]): when the box is larger than the image allows, it is
//!   scaled down, keeping its proportions, to the largest box the image fills (`Cover`, `Fill`)
//!   or to the smallest box that holds the image at its own size (`Contain`); `Inside` just
//!   stops at the image's own size. A box with one side only follows the image's proportions.
//!   `Cover` crops around the focal point, as near as the image's edges allow; `Contain` pads
//!   with transparency (PNG, WebP, AVIF) or white (JPEG, which has no alpha).
//! - Resizing: `fast_image_resize` (SIMD convolution, alpha premultiplied), Lanczos 3. It is
//!   about ten times faster than `image`'s own resize at the same filter (1000 x 750 to 640 x
//!   480: 6 ms against 42 ms; from 4000 x 3000: 30 ms against 315 ms), so the sharper filter
//!   costs nothing worth saving.
//! - Encoding: JPEG and PNG by `image`; WebP lossy by libwebp (the `webp` crate, bundled C
//!   library; `image` encodes WebP only losslessly); AVIF by `image`'s pure Rust encoder (ravif,
//!   rav1e) at its fastest speed, [`AVIF_SPEED`]. The ICC profile goes on JPEG, PNG and WebP
//!   outputs (on WebP in an `ICCP` chunk added here); `image`'s AVIF encoder cannot carry one.
//!   An image with alpha rendered as JPEG is laid on white.
//!
//! All of it is CPU-bound and synchronous: the caller runs it on a blocking thread, a few at a
//! time.

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::avif::AvifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Rgb, RgbImage};

use super::kind::MediaKind;
use super::limits::{decode_error, inspect, ImageLimits, LimitError};
use super::spec::{Fit, OutputFormat, RenderSpec};
use super::strip::icc_fits;

/// The speed of the AVIF encoder, 1 (slowest, smallest) to 10 (fastest). At 10 a 640 x 480 card
/// takes about half a second to encode on one core of a small server (release build); 8 takes
/// twice as long for a file about a quarter smaller.
pub const AVIF_SPEED: u8 = 10;

/// Whether variants can be encoded as AVIF (`media::variant::negotiate`).
pub const AVIF_OUTPUT: bool = true;

/// The filter that resizes.
const FILTER: FilterType = FilterType::Lanczos3;

/// A rendered variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub format: OutputFormat,
}

/// Why a variant cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Over the limits, or unreadable (the decoders' errors are reported here too, as
    /// [`LimitError::Malformed`]).
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// Variants are not rendered from this kind of file.
    #[error("variants cannot be rendered from {kind} files")]
    Unsupported { kind: MediaKind },
    /// The spec names no box (neither side, or a side of 0).
    #[error("a variant needs a width or a height of at least 1 pixel")]
    NoBox,
    /// Resizing or encoding failed: not the client's fault. The cause is for the log only.
    #[error("the {format} variant could not be produced")]
    Internal {
        format: OutputFormat,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Decodes the (already cleaned) `original` of `kind` within `limits`, fits it as `spec` says
/// and encodes it.
pub fn render(
    original: &[u8],
    kind: MediaKind,
    spec: &RenderSpec,
    limits: &ImageLimits,
) -> Result<Rendered, RenderError> {
    let format = match kind {
        MediaKind::Jpeg => ImageFormat::Jpeg,
        MediaKind::Png => ImageFormat::Png,
        MediaKind::WebP => ImageFormat::WebP,
        MediaKind::Gif => ImageFormat::Gif,
        MediaKind::Avif | MediaKind::Pdf | MediaKind::Svg => {
            return Err(RenderError::Unsupported { kind })
        }
    };
    let Some(header) = inspect(original, kind, limits)? else {
        return Err(RenderError::Unsupported { kind });
    };
    let plan = plan(header.width, header.height, spec)?;
    let internal = |source: Box<dyn std::error::Error + Send + Sync>| RenderError::Internal {
        format: spec.format,
        source,
    };
    let scaled = if kind == MediaKind::Jpeg {
        decode_jpeg_scaled(original, &plan, header.width, header.height, limits)?
    } else {
        None
    };
    let (image, icc) = match scaled {
        Some(decoded) => decoded,
        None => decode(original, kind, format, limits)?,
    };
    // The region in the decoded image's pixels (a scaled JPEG is smaller than its header).
    let (fx, fy) = (
        f64::from(image.width()) / f64::from(header.width),
        f64::from(image.height()) / f64::from(header.height),
    );
    let (left, top, width, height) = plan.region;
    let region = (left * fx, top * fy, width * fx, height * fy);
    let image = eight_bit(image);
    let resized = if region
        == (
            0.0,
            0.0,
            f64::from(image.width()),
            f64::from(image.height()),
        )
        && plan.size == (image.width(), image.height())
    {
        image
    } else {
        let mut resized = DynamicImage::new(plan.size.0, plan.size.1, image.color());
        let options = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FILTER))
            .crop(region.0, region.1, region.2, region.3);
        Resizer::new()
            .resize(&image, &mut resized, &options)
            .map_err(|e| internal(Box::new(e)))?;
        resized
    };
    let output = compose(resized, plan.canvas, spec.format);
    let icc = icc.filter(|p| icc_fits(p, output.color()));
    let bytes = encode(&output, spec.format, spec.quality, icc).map_err(internal)?;
    Ok(Rendered {
        bytes,
        width: output.width(),
        height: output.height(),
        format: spec.format,
    })
}

/// How a source of a given size becomes a variant.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Plan {
    /// Left, top, width and height of the part of the source used, in its pixels.
    region: (f64, f64, f64, f64),
    /// The size that part is resized to.
    size: (u32, u32),
    /// The size of the output, on which the resized part is centred (larger only for
    /// `Contain`).
    canvas: (u32, u32),
}

/// A size in whole pixels, at least 1.
fn pixels(v: f64) -> u32 {
    // `as` saturates; the values here never exceed the source's sides.
    v.round().max(1.0) as u32
}

/// A focal point coordinate, in 0 to 1, the centre if it is not a number.
fn fraction(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// The plan for a `source_width` x `source_height` source: see the module documentation.
fn plan(source_width: u32, source_height: u32, spec: &RenderSpec) -> Result<Plan, RenderError> {
    let (sw, sh) = (f64::from(source_width), f64::from(source_height));
    let whole = (0.0, 0.0, sw, sh);
    let scaled = |scale: f64| {
        let size = (pixels(sw * scale), pixels(sh * scale));
        Plan {
            region: whole,
            size,
            canvas: size,
        }
    };
    let (bw, bh) = match (spec.width, spec.height) {
        (Some(0), _) | (_, Some(0)) | (None, None) => return Err(RenderError::NoBox),
        (Some(w), None) => return Ok(scaled((f64::from(w) / sw).min(1.0))),
        (None, Some(h)) => return Ok(scaled((f64::from(h) / sh).min(1.0))),
        (Some(w), Some(h)) => (f64::from(w), f64::from(h)),
    };
    // The box scaled down to the largest one the image fills without being enlarged.
    let filled = (sw / bw).min(sh / bh).min(1.0);
    let filled = (pixels(bw * filled), pixels(bh * filled));
    Ok(match spec.fit {
        Fit::Inside => scaled((bw / sw).min(bh / sh).min(1.0)),
        Fit::Fill => Plan {
            region: whole,
            size: filled,
            canvas: filled,
        },
        Fit::Contain => {
            // The box scaled down to the smallest one that holds the image at its own size.
            let k = (sw / bw).max(sh / bh).min(1.0);
            let canvas = (pixels(bw * k), pixels(bh * k));
            let scale = (f64::from(canvas.0) / sw)
                .min(f64::from(canvas.1) / sh)
                .min(1.0);
            Plan {
                region: whole,
                size: (
                    pixels(sw * scale).min(canvas.0),
                    pixels(sh * scale).min(canvas.1),
                ),
                canvas,
            }
        }
        Fit::Cover => {
            let (cw, ch) = (f64::from(filled.0), f64::from(filled.1));
            let scale = (cw / sw).max(ch / sh).min(1.0);
            let (rw, rh) = ((cw / scale).min(sw), (ch / scale).min(sh));
            let (px, py) = spec
                .focal_point
                .map_or((0.5, 0.5), |p| (fraction(p.x), fraction(p.y)));
            let left = (px * sw - rw / 2.0).clamp(0.0, sw - rw);
            let top = (py * sh - rh / 2.0).clamp(0.0, sh - rh);
            Plan {
                region: (left, top, rw, rh),
                size: filled,
                canvas: filled,
            }
        }
    })
}

/// Decoded pixels and the ICC profile that describes them.
type Decoded = (DynamicImage, Option<Vec<u8>>);

/// The image and its ICC profile, decoded whole by `image` (the first frame of an animation).
fn decode(
    bytes: &[u8],
    kind: MediaKind,
    format: ImageFormat,
    limits: &ImageLimits,
) -> Result<Decoded, RenderError> {
    let decoding = |e: image::ImageError| RenderError::Limit(decode_error(kind, limits, &e));
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format);
    reader.limits(limits.decoder_limits());
    let mut decoder = reader.into_decoder().map_err(decoding)?;
    let icc = decoder.icc_profile().map_err(decoding)?;
    let image = DynamicImage::from_decoder(decoder).map_err(decoding)?;
    Ok((image, icc))
}

/// A JPEG decoded with DCT scaling, if the variant needs at most half its width and height
/// and its pixels are grey or RGB (CMYK and 12-bit JPEGs go to `image`'s decoder, which
/// converts them).
fn decode_jpeg_scaled(
    bytes: &[u8],
    plan: &Plan,
    width: u32,
    height: u32,
    limits: &ImageLimits,
) -> Result<Option<Decoded>, RenderError> {
    let (_, _, region_width, region_height) = plan.region;
    // The size of the whole image at which the region has the pixels of the resized size.
    let needed_width = (f64::from(width) * f64::from(plan.size.0) / region_width).ceil();
    let needed_height = (f64::from(height) * f64::from(plan.size.1) / region_height).ceil();
    if needed_width * 2.0 > f64::from(width) || needed_height * 2.0 > f64::from(height) {
        return Ok(None);
    }
    let malformed = |e: jpeg_decoder::Error| {
        RenderError::Limit(LimitError::Malformed {
            kind: MediaKind::Jpeg,
            reason: e
                .to_string()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(200)
                .collect(),
        })
    };
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(
        usize::try_from(limits.max_decode_bytes).unwrap_or(usize::MAX),
    );
    decoder.read_info().map_err(malformed)?;
    let Some(info) = decoder.info() else {
        return Ok(None);
    };
    if !matches!(
        info.pixel_format,
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::RGB24
    ) {
        return Ok(None);
    }
    let side = |v: f64| u16::try_from(v as u32).unwrap_or(u16::MAX).max(1);
    let (w, h) = decoder
        .scale(side(needed_width), side(needed_height))
        .map_err(malformed)?;
    let icc = decoder.icc_profile();
    let pixels = decoder.decode().map_err(malformed)?;
    let (w, h) = (u32::from(w), u32::from(h));
    let cut_short = || {
        RenderError::Limit(LimitError::Malformed {
            kind: MediaKind::Jpeg,
            reason: "the decoded image is smaller than its header says".to_string(),
        })
    };
    let image = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => DynamicImage::ImageLuma8(
            image::GrayImage::from_raw(w, h, pixels).ok_or_else(cut_short)?,
        ),
        _ => DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, pixels).ok_or_else(cut_short)?),
    };
    Ok(Some((image, icc)))
}

/// The image in 8-bit RGB, or RGBA if it has alpha: what the resizer and every encoder here
/// take.
fn eight_bit(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// The resized image on its canvas (centred, padded transparent or white), laid on white for
/// JPEG if it has alpha.
fn compose(resized: DynamicImage, canvas: (u32, u32), format: OutputFormat) -> DynamicImage {
    let padded = canvas != (resized.width(), resized.height());
    let x = i64::from(canvas.0.saturating_sub(resized.width()) / 2);
    let y = i64::from(canvas.1.saturating_sub(resized.height()) / 2);
    if format == OutputFormat::Jpeg {
        let flat = match resized {
            DynamicImage::ImageRgba8(rgba) => {
                let mut flat = RgbImage::new(rgba.width(), rgba.height());
                for (out, px) in flat.pixels_mut().zip(rgba.pixels()) {
                    let a = u32::from(px[3]);
                    let on_white = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
                    *out = Rgb([on_white(px[0]), on_white(px[1]), on_white(px[2])]);
                }
                flat
            }
            other => other.to_rgb8(),
        };
        if !padded {
            return DynamicImage::ImageRgb8(flat);
        }
        let mut white = RgbImage::from_pixel(canvas.0, canvas.1, Rgb([255, 255, 255]));
        image::imageops::replace(&mut white, &flat, x, y);
        DynamicImage::ImageRgb8(white)
    } else if padded {
        let mut clear = image::RgbaImage::new(canvas.0, canvas.1);
        image::imageops::replace(&mut clear, &resized.to_rgba8(), x, y);
        DynamicImage::ImageRgba8(clear)
    } else {
        resized
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// `image` (8-bit RGB or RGBA; RGB for JPEG) encoded as `format`, with `icc` where it can go.
fn encode(
    image: &DynamicImage,
    format: OutputFormat,
    quality: u8,
    icc: Option<Vec<u8>>,
) -> Result<Vec<u8>, Failure> {
    let quality = quality.clamp(1, 100);
    let mut out = Vec::new();
    match format {
        OutputFormat::Jpeg => {
            let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
            if let Some(icc) = icc {
                encoder.set_icc_profile(icc)?;
            }
            image.write_with_encoder(encoder)?;
        }
        OutputFormat::Png => {
            let mut encoder = PngEncoder::new(&mut out);
            if let Some(icc) = icc {
                encoder.set_icc_profile(icc)?;
            }
            image.write_with_encoder(encoder)?;
        }
        OutputFormat::Avif => {
            image.write_with_encoder(AvifEncoder::new_with_speed_quality(
                &mut out, AVIF_SPEED, quality,
            ))?;
        }
        OutputFormat::WebP => {
            let (width, height) = (image.width(), image.height());
            let encoder = match image {
                DynamicImage::ImageRgba8(rgba) => webp::Encoder::from_rgba(rgba, width, height),
                DynamicImage::ImageRgb8(rgb) => webp::Encoder::from_rgb(rgb, width, height),
                _ => return Err("WebP takes 8-bit RGB or RGBA".into()),
            };
            let encoded = encoder
                .encode_simple(false, f32::from(quality))
                .map_err(|e| format!("libwebp: {e:?}"))?;
            out = match icc {
                Some(icc) => webp_with_icc(&encoded, &icc, width, height)
                    .ok_or("libwebp wrote a file that could not be read back")?,
                None => encoded.to_vec(),
            };
        }
    }
    Ok(out)
}

/// A WebP (as libwebp's simple encoder writes it: `VP8 `, or `VP8X`, `ALPH`, `VP8 `) with an
/// `ICCP` chunk: after `VP8X`, whose ICC flag is set, one written if there was none.
fn webp_with_icc(webp: &[u8], icc: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    const ICC_FLAG: u8 = 0x20;
    const ALPHA_FLAG: u8 = 0x10;
    let mut chunks = Vec::new();
    let mut at = 12;
    while at < webp.len() {
        let kind = webp.get(at..at + 4)?;
        let length = usize::try_from(u32::from_le_bytes(
            webp.get(at + 4..at + 8)?.try_into().ok()?,
        ))
        .ok()?;
        let end = (at + 8).checked_add(length)?;
        let padded = (end + length % 2).min(webp.len());
        chunks.push((kind, webp.get(at..padded)?));
        at = end + length % 2;
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = kind.to_vec();
        c.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    };
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    match chunks.first() {
        Some((b"VP8X", vp8x)) => {
            let mut vp8x = vp8x.to_vec();
            *vp8x.get_mut(8)? |= ICC_FLAG;
            out.extend(vp8x);
        }
        _ => {
            let alpha = chunks.iter().any(|(kind, _)| *kind == b"ALPH");
            let mut data = vec![ICC_FLAG | if alpha { ALPHA_FLAG } else { 0 }, 0, 0, 0];
            data.extend_from_slice(&width.checked_sub(1)?.to_le_bytes()[..3]);
            data.extend_from_slice(&height.checked_sub(1)?.to_le_bytes()[..3]);
            out.extend(chunk(b"VP8X", &data));
        }
    }
    out.extend(chunk(b"ICCP", icc));
    for (kind, bytes) in &chunks {
        if *kind != b"VP8X" {
            out.extend_from_slice(bytes);
        }
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::media::spec::FocalPoint;
    use crate::media::strip::tests::{icc_profile, png_chunk};
    use image::{GenericImageView, Rgba, RgbaImage};

    fn spec(width: Option<u32>, height: Option<u32>, fit: Fit) -> RenderSpec {
        RenderSpec {
            width,
            height,
            fit,
            format: OutputFormat::Png,
            quality: 80,
            focal_point: None,
        }
    }

    fn sizes(sw: u32, sh: u32, w: u32, h: u32, fit: Fit) -> ((u32, u32), (u32, u32)) {
        let p = plan(sw, sh, &spec(Some(w), Some(h), fit)).unwrap();
        (p.size, p.canvas)
    }

    #[test]
    fn every_fit_on_landscape_and_portrait_sources() {
        // Landscape 400 x 200 into 100 x 100.
        assert_eq!(
            sizes(400, 200, 100, 100, Fit::Inside),
            ((100, 50), (100, 50))
        );
        assert_eq!(
            sizes(400, 200, 100, 100, Fit::Cover),
            ((100, 100), (100, 100))
        );
        assert_eq!(
            sizes(400, 200, 100, 100, Fit::Contain),
            ((100, 50), (100, 100))
        );
        assert_eq!(
            sizes(400, 200, 100, 100, Fit::Fill),
            ((100, 100), (100, 100))
        );
        // Portrait 200 x 400 into 100 x 100.
        assert_eq!(
            sizes(200, 400, 100, 100, Fit::Inside),
            ((50, 100), (50, 100))
        );
        assert_eq!(
            sizes(200, 400, 100, 100, Fit::Cover),
            ((100, 100), (100, 100))
        );
        assert_eq!(
            sizes(200, 400, 100, 100, Fit::Contain),
            ((50, 100), (100, 100))
        );
        assert_eq!(
            sizes(200, 400, 100, 100, Fit::Fill),
            ((100, 100), (100, 100))
        );
        // Cover takes the middle of a landscape source: 200 x 200 of it.
        let p = plan(400, 200, &spec(Some(100), Some(100), Fit::Cover)).unwrap();
        assert_eq!(p.region, (100.0, 0.0, 200.0, 200.0));
    }

    #[test]
    fn one_side_follows_the_proportions() {
        for fit in Fit::ALL {
            let p = plan(400, 200, &spec(Some(100), None, fit)).unwrap();
            assert_eq!((p.size, p.canvas), ((100, 50), (100, 50)));
            let p = plan(400, 200, &spec(None, Some(100), fit)).unwrap();
            assert_eq!((p.size, p.canvas), ((200, 100), (200, 100)));
        }
        assert!(matches!(
            plan(400, 200, &spec(None, None, Fit::Inside)),
            Err(RenderError::NoBox)
        ));
        assert!(matches!(
            plan(400, 200, &spec(Some(0), Some(10), Fit::Inside)),
            Err(RenderError::NoBox)
        ));
    }

    #[test]
    fn nothing_is_enlarged() {
        // A 100 x 80 source in a 400 x 400 box.
        assert_eq!(
            sizes(100, 80, 400, 400, Fit::Inside),
            ((100, 80), (100, 80))
        );
        assert_eq!(sizes(100, 80, 400, 400, Fit::Cover), ((80, 80), (80, 80)));
        assert_eq!(
            sizes(100, 80, 400, 400, Fit::Contain),
            ((100, 80), (100, 100))
        );
        assert_eq!(sizes(100, 80, 400, 400, Fit::Fill), ((80, 80), (80, 80)));
        // Larger on one side only: 1000 x 500 in 800 x 800.
        assert_eq!(
            sizes(1000, 500, 800, 800, Fit::Inside),
            ((800, 400), (800, 400))
        );
        assert_eq!(
            sizes(1000, 500, 800, 800, Fit::Cover),
            ((500, 500), (500, 500))
        );
        assert_eq!(
            sizes(1000, 500, 800, 800, Fit::Contain),
            ((800, 400), (800, 800))
        );
        for fit in Fit::ALL {
            let p = plan(100, 80, &spec(Some(400), None, fit)).unwrap();
            assert_eq!(p.size, (100, 80));
        }
    }

    #[test]
    fn cover_crops_around_the_focal_point_within_the_edges() {
        let at = |x: f64, y: f64| {
            let mut s = spec(Some(100), Some(100), Fit::Cover);
            s.focal_point = Some(FocalPoint { x, y });
            plan(400, 200, &s).unwrap().region
        };
        assert_eq!(at(0.5, 0.5), (100.0, 0.0, 200.0, 200.0));
        assert_eq!(at(0.3, 0.5), (20.0, 0.0, 200.0, 200.0));
        assert_eq!(at(0.0, 0.0), (0.0, 0.0, 200.0, 200.0));
        assert_eq!(at(1.0, 1.0), (200.0, 0.0, 200.0, 200.0));
        assert_eq!(at(f64::NAN, 7.0), (100.0, 0.0, 200.0, 200.0));
    }

    /// A `width` x `height` image: red on the left quarter, blue elsewhere, opaque.
    pub(crate) fn picture(width: u32, height: u32) -> RgbaImage {
        RgbaImage::from_fn(width, height, |x, _| {
            if x < width / 4 {
                Rgba([230, 10, 10, 255])
            } else {
                Rgba([10, 10, 230, 255])
            }
        })
    }

    pub(crate) fn encoded(image: &RgbaImage, format: ImageFormat) -> Vec<u8> {
        let image = if format == ImageFormat::Jpeg {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(image.clone()).to_rgb8())
        } else {
            DynamicImage::ImageRgba8(image.clone())
        };
        let mut out = Vec::new();
        match format {
            ImageFormat::Jpeg => {
                let mut encoder = JpegEncoder::new_with_quality(&mut out, 90);
                encoder.set_icc_profile(icc_profile()).unwrap();
                image.write_with_encoder(encoder).unwrap();
            }
            ImageFormat::Png => {
                let mut encoder = PngEncoder::new(&mut out);
                encoder.set_icc_profile(icc_profile()).unwrap();
                image.write_with_encoder(encoder).unwrap();
            }
            other => image.write_to(&mut Cursor::new(&mut out), other).unwrap(),
        }
        out
    }

    fn render_default(bytes: &[u8], kind: MediaKind, spec: &RenderSpec) -> Rendered {
        render(bytes, kind, spec, &ImageLimits::default()).unwrap()
    }

    fn decoded(r: &Rendered) -> DynamicImage {
        image::load_from_memory(&r.bytes).unwrap()
    }

    #[test]
    fn every_fit_renders_its_size_from_every_input_format() {
        for (format, kind) in [
            (ImageFormat::Jpeg, MediaKind::Jpeg),
            (ImageFormat::Png, MediaKind::Png),
            (ImageFormat::WebP, MediaKind::WebP),
            (ImageFormat::Gif, MediaKind::Gif),
        ] {
            for (sw, sh) in [(320, 200), (200, 320)] {
                let original = encoded(&picture(sw, sh), format);
                for fit in Fit::ALL {
                    let s = spec(Some(80), Some(80), fit);
                    let expected = plan(sw, sh, &s).unwrap().canvas;
                    let r = render_default(&original, kind, &s);
                    assert_eq!((r.width, r.height), expected, "{kind} {sw}x{sh} {fit}");
                    assert_eq!(decoded(&r).dimensions(), expected);
                }
            }
        }
    }

    #[test]
    fn every_output_format_round_trips() {
        let original = encoded(&picture(320, 200), ImageFormat::Jpeg);
        for format in OutputFormat::ALL {
            let mut s = spec(Some(64), None, Fit::Inside);
            s.format = format;
            let r = render_default(&original, MediaKind::Jpeg, &s);
            assert_eq!((r.width, r.height, r.format), (64, 40, format));
            let kind = crate::media::kind::sniff(&r.bytes, Some(format.media_type())).unwrap();
            // AVIF cannot be decoded here (no dav1d): its header must say the size.
            let header = inspect(&r.bytes, kind, &ImageLimits::default())
                .unwrap()
                .unwrap();
            assert_eq!((header.width, header.height), (64, 40));
            if format != OutputFormat::Avif {
                assert_eq!(decoded(&r).dimensions(), (64, 40));
            }
        }
    }

    #[test]
    fn the_icc_profile_goes_on_jpeg_png_and_webp() {
        let original = encoded(&picture(320, 200), ImageFormat::Jpeg);
        for (format, image_format) in [
            (OutputFormat::Jpeg, ImageFormat::Jpeg),
            (OutputFormat::Png, ImageFormat::Png),
            (OutputFormat::WebP, ImageFormat::WebP),
        ] {
            let mut s = spec(Some(64), None, Fit::Inside);
            s.format = format;
            let r = render_default(&original, MediaKind::Jpeg, &s);
            let mut reader = ImageReader::new(Cursor::new(&r.bytes));
            reader.set_format(image_format);
            let icc = reader.into_decoder().unwrap().icc_profile().unwrap();
            assert_eq!(icc, Some(icc_profile()), "{format}");
        }
        // A padded WebP (with alpha) too.
        let mut s = spec(Some(64), Some(64), Fit::Contain);
        s.format = OutputFormat::WebP;
        let r = render_default(&original, MediaKind::Jpeg, &s);
        let mut reader = ImageReader::new(Cursor::new(&r.bytes));
        reader.set_format(ImageFormat::WebP);
        assert_eq!(
            reader.into_decoder().unwrap().icc_profile().unwrap(),
            Some(icc_profile())
        );
        assert_eq!(decoded(&r).to_rgba8().get_pixel(32, 2)[3], 0);
    }

    #[test]
    fn the_focal_point_keeps_its_side() {
        // 400 x 100: the left quarter red. A 100 x 100 crop at the left is red, at the right blue.
        let original = encoded(&picture(400, 100), ImageFormat::Png);
        let crop = |x: f64| {
            let mut s = spec(Some(50), Some(50), Fit::Cover);
            s.focal_point = Some(FocalPoint { x, y: 0.5 });
            let r = render_default(&original, MediaKind::Png, &s);
            let image = decoded(&r).to_rgba8();
            assert_eq!(image.dimensions(), (50, 50));
            *image.get_pixel(25, 25)
        };
        let left = crop(0.1);
        assert!(left[0] > 200 && left[2] < 50, "{left:?}");
        let right = crop(0.9);
        assert!(right[2] > 200 && right[0] < 50, "{right:?}");
        let centre = crop(0.5);
        assert!(centre[2] > 200, "{centre:?}");
    }

    #[test]
    fn contain_pads_transparent_or_white() {
        let original = encoded(&picture(200, 100), ImageFormat::Png);
        let mut s = spec(Some(100), Some(100), Fit::Contain);
        let png = decoded(&render_default(&original, MediaKind::Png, &s)).to_rgba8();
        assert_eq!(png.dimensions(), (100, 100));
        assert_eq!(png.get_pixel(50, 5)[3], 0);
        assert_eq!(png.get_pixel(50, 50)[3], 255);
        s.format = OutputFormat::Jpeg;
        let jpeg = decoded(&render_default(&original, MediaKind::Png, &s)).to_rgb8();
        assert!(jpeg.get_pixel(50, 5).0.iter().all(|&c| c > 245));
    }

    #[test]
    fn transparency_is_laid_on_white_for_jpeg() {
        let clear = RgbaImage::from_pixel(40, 40, Rgba([0, 0, 0, 0]));
        let original = encoded(&clear, ImageFormat::Png);
        let mut s = spec(Some(20), None, Fit::Inside);
        s.format = OutputFormat::Jpeg;
        let jpeg = decoded(&render_default(&original, MediaKind::Png, &s)).to_rgb8();
        assert!(jpeg.get_pixel(10, 10).0.iter().all(|&c| c > 245));
    }

    #[test]
    fn quality_changes_the_size() {
        let noisy = RgbaImage::from_fn(300, 200, |x, y| {
            Rgba([
                ((x * 7) ^ (y * 13)) as u8,
                (x * y) as u8,
                (x + y * 3) as u8,
                255,
            ])
        });
        let original = encoded(&noisy, ImageFormat::Png);
        for format in [OutputFormat::Jpeg, OutputFormat::WebP] {
            let size = |quality| {
                let mut s = spec(Some(200), None, Fit::Inside);
                s.format = format;
                s.quality = quality;
                render_default(&original, MediaKind::Png, &s).bytes.len()
            };
            assert!(size(30) < size(90), "{format}");
        }
    }

    #[test]
    fn a_large_jpeg_is_decoded_scaled_to_what_the_variant_needs() {
        let original = encoded(&picture(1600, 1200), ImageFormat::Jpeg);
        let s = spec(Some(200), None, Fit::Inside);
        let p = plan(1600, 1200, &s).unwrap();
        let (image, icc) = decode_jpeg_scaled(&original, &p, 1600, 1200, &ImageLimits::default())
            .unwrap()
            .unwrap();
        assert_eq!(image.dimensions(), (200, 150));
        assert_eq!(icc, Some(icc_profile()));
        // A card at more than half the size is decoded whole.
        let s = spec(Some(900), None, Fit::Inside);
        let p = plan(1600, 1200, &s).unwrap();
        assert!(
            decode_jpeg_scaled(&original, &p, 1600, 1200, &ImageLimits::default())
                .unwrap()
                .is_none()
        );
        // The scaled decode gives the same picture.
        let r = render_default(
            &original,
            MediaKind::Jpeg,
            &spec(Some(300), None, Fit::Inside),
        );
        let image = decoded(&r).to_rgb8();
        assert_eq!(image.dimensions(), (300, 225));
        assert!(image.get_pixel(20, 100)[0] > 200 && image.get_pixel(250, 100)[2] > 200);
    }

    #[test]
    fn a_bomb_is_refused_before_decoding() {
        let mut ihdr = 60_000u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &ihdr));
        png.extend(png_chunk(
            b"IDAT",
            &[0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        ));
        png.extend(png_chunk(b"IEND", b""));
        let error = render(
            &png,
            MediaKind::Png,
            &spec(Some(10), None, Fit::Inside),
            &ImageLimits::default(),
        )
        .unwrap_err();
        assert!(matches!(
            error,
            RenderError::Limit(LimitError::Dimension { .. })
        ));
    }

    #[test]
    fn avif_pdf_and_svg_are_not_rendered() {
        for kind in [MediaKind::Avif, MediaKind::Pdf, MediaKind::Svg] {
            let error = render(
                b"anything",
                kind,
                &spec(Some(10), None, Fit::Inside),
                &ImageLimits::default(),
            )
            .unwrap_err();
            assert!(matches!(error, RenderError::Unsupported { kind: k } if k == kind));
        }
    }

    #[test]
    fn an_animation_renders_its_first_frame() {
        let mut gif = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
            let frames = [Rgba([250, 0, 0, 255]), Rgba([0, 0, 250, 255])].map(|c| {
                image::Frame::from_parts(
                    RgbaImage::from_pixel(20, 20, c),
                    0,
                    0,
                    image::Delay::from_numer_denom_ms(100, 1),
                )
            });
            encoder.encode_frames(frames).unwrap();
        }
        let r = render_default(&gif, MediaKind::Gif, &spec(Some(10), None, Fit::Inside));
        let first = decoded(&r).to_rgba8();
        assert_eq!(first.dimensions(), (10, 10));
        assert!(first.get_pixel(5, 5)[0] > 200);
    }
}

/// `render` under any bytes and any spec: no panic, and nothing larger than the box or the
/// source.
#[cfg(test)]
mod proptests {
    use super::tests::{encoded, picture};
    use super::*;
    use crate::fuzzing::config;
    use crate::media::spec::FocalPoint;
    use proptest::prelude::*;

    fn limits() -> ImageLimits {
        ImageLimits {
            max_pixels: 100_000,
            max_dimension: 1_000,
            max_frames: 20,
            max_decode_bytes: 1_000_000,
        }
    }

    fn fit() -> impl Strategy<Value = Fit> {
        prop::sample::select(Fit::ALL.to_vec())
    }

    fn side() -> impl Strategy<Value = Option<u32>> {
        prop_oneof![
            Just(None),
            (1u32..5000).prop_map(Some),
            Just(Some(u32::MAX))
        ]
    }

    fn a_spec() -> impl Strategy<Value = RenderSpec> {
        (side(), side(), fit(), any::<bool>(), any::<(f64, f64)>()).prop_map(
            |(width, height, fit, focal, (x, y))| RenderSpec {
                width,
                height,
                fit,
                format: OutputFormat::Png,
                quality: 50,
                focal_point: focal.then_some(FocalPoint { x, y }),
            },
        )
    }

    proptest! {
        #![proptest_config(config(500))]

        /// The plan never enlarges, stays within the box and the source, and crops inside it.
        #[test]
        fn plans_stay_within_the_source_and_the_box(sw in 1u32..20_000, sh in 1u32..20_000, spec in a_spec()) {
            let Ok(p) = plan(sw, sh, &spec) else {
                prop_assert!(spec.width.is_none() && spec.height.is_none());
                return Ok(());
            };
            let (left, top, w, h) = p.region;
            prop_assert!(left >= 0.0 && top >= 0.0 && w > 0.0 && h > 0.0);
            prop_assert!(left + w <= f64::from(sw) + 1e-6 && top + h <= f64::from(sh) + 1e-6);
            prop_assert!(p.size.0 <= p.canvas.0 && p.size.1 <= p.canvas.1);
            prop_assert!(p.size.0 <= sw && p.size.1 <= sh);
            if let (Some(bw), Some(bh)) = (spec.width, spec.height) {
                prop_assert!(p.canvas.0 <= bw && p.canvas.1 <= bh);
            }
            if let Some(bw) = spec.width { prop_assert!(p.canvas.0 <= bw.max(1)); }
            if let Some(bh) = spec.height { prop_assert!(p.canvas.1 <= bh.max(1)); }
        }
    }

    proptest! {
        #![proptest_config(config(100))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let spec = RenderSpec { width: Some(8), height: Some(8), fit: Fit::Cover, format: OutputFormat::Png, quality: 50, focal_point: None };
            for kind in MediaKind::ALL {
                let _ = render(&bytes, kind, &spec, &limits());
            }
        }

        #[test]
        fn mangled_images_never_panic(
            format in prop::sample::select(vec![ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP, ImageFormat::Gif]),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            fit in fit(),
        ) {
            let mut bytes = encoded(&picture(40, 24), format);
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let spec = RenderSpec { width: Some(16), height: Some(16), fit, format: OutputFormat::Jpeg, quality: 50, focal_point: None };
            for kind in [MediaKind::Jpeg, MediaKind::Png, MediaKind::WebP, MediaKind::Gif] {
                if let Ok(r) = render(&bytes, kind, &spec, &limits()) {
                    prop_assert!(r.width <= 16 && r.height <= 16);
                }
            }
        }
    }
}

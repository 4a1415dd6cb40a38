//! Measures one card render from a generated 4000 x 3000 JPEG, in a process of its own (so that
//! `/usr/bin/time -v` gives its peak memory): `cargo run --release --example render_card --
//! <jpeg|webp|avif|png> [width]` (default 640). The first run writes the source JPEG to the
//! temporary folder (`orgcms-card-source.jpg`, which bench/media also uploads) and stops.
#![allow(clippy::unwrap_used)]
use std::time::Instant;

use image::{ImageEncoder, Rgb, RgbImage};
use orgcms::media::kind::MediaKind;
use orgcms::media::limits::ImageLimits;
use orgcms::media::render::render;
use orgcms::media::spec::{Fit, OutputFormat, RenderSpec};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("resize") {
        for (w, h) in [(1000u32, 750u32), (4000, 3000)] {
            let src = image::DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
                Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
            }));
            let t = Instant::now();
            let mut dst = image::DynamicImage::new(640, 480, image::ColorType::Rgb8);
            fast_image_resize::Resizer::new()
                .resize(
                    &src,
                    &mut dst,
                    &fast_image_resize::ResizeOptions::new().resize_alg(
                        fast_image_resize::ResizeAlg::Convolution(
                            fast_image_resize::FilterType::Lanczos3,
                        ),
                    ),
                )
                .unwrap();
            let fir = t.elapsed();
            let t = Instant::now();
            let _ = src.resize_exact(640, 480, image::imageops::FilterType::Lanczos3);
            eprintln!(
                "{w}x{h} -> 640x480 Lanczos3: fast_image_resize {fir:?}, image {:?}",
                t.elapsed()
            );
        }
        return;
    }
    let format = OutputFormat::parse(args.get(1).map_or("webp", String::as_str))
        .unwrap_or(OutputFormat::WebP);
    let width = args.get(2).and_then(|w| w.parse().ok()).unwrap_or(640);
    // A photo-like 12 MP picture, generated once into a file so that the measured run holds
    // only the JPEG bytes.
    let path = std::env::temp_dir().join("orgcms-card-source.jpg");
    let Ok(jpeg) = std::fs::read(&path) else {
        let img = RgbImage::from_fn(4000, 3000, |x, y| {
            let n = ((x.wrapping_mul(2654435761) ^ y.wrapping_mul(40503)) >> 13) as u8 & 31;
            Rgb([(x / 16) as u8 ^ n, (y / 12) as u8 + n, ((x + y) / 28) as u8])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .write_image(img.as_raw(), 4000, 3000, image::ExtendedColorType::Rgb8)
            .unwrap();
        std::fs::write(&path, &jpeg).unwrap();
        eprintln!("wrote {}; run again to measure", path.display());
        return;
    };
    eprintln!("original: {} bytes", jpeg.len());
    if args.get(1).map(String::as_str) == Some("full-decode") {
        // What the card would cost without DCT scaling: image's whole decode, then the resize.
        let t = Instant::now();
        let full = image::load_from_memory(&jpeg).unwrap();
        let decoded = t.elapsed();
        let mut dst = image::DynamicImage::new(640, 480, full.color());
        fast_image_resize::Resizer::new()
            .resize(&full, &mut dst, None)
            .unwrap();
        eprintln!("full decode {decoded:?}, with resize {:?}", t.elapsed());
        return;
    }
    let spec = RenderSpec {
        width: Some(width),
        height: None,
        fit: Fit::Inside,
        format,
        quality: 80,
        focal_point: None,
    };
    let t = Instant::now();
    let r = render(&jpeg, MediaKind::Jpeg, &spec, &ImageLimits::default()).unwrap();
    eprintln!(
        "{} {}x{}: {} bytes in {:?}",
        format,
        r.width,
        r.height,
        r.bytes.len(),
        t.elapsed()
    );
}
